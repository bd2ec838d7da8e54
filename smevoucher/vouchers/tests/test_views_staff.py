"""The staff voucher ledger (服务券台账): vouchers of the jurisdiction, one voucher's
transactions with their legs, and the check of its figures against the ledger."""

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from smevoucher.orgs.models import Organization
from smevoucher.regions.models import Region
from smevoucher.vouchers.models import Voucher
from smevoucher.vouchers.services import (
    voucher_capture,
    voucher_hold,
    voucher_issue,
    voucher_recall,
)

from .conftest import WAN

pytestmark = pytest.mark.django_db


@pytest.fixture
def program(make_program):
    return make_program()


def issue(program, org, *, amount=5 * WAN, key="issue-1"):
    return voucher_issue(
        actor=None,
        program_version=program.versions.get(),
        org=org,
        voucher_type="general",
        amount_fen=amount,
        quota_fen=30 * WAN,
        idempotency_key=key,
        ref="QA-1",
    )


@pytest.fixture
def liuzhou_voucher(program, make_org):
    return issue(program, make_org("柳州市测试机械有限公司"))


@pytest.fixture
def nanning_voucher(program, make_org):
    org = make_org("南宁市测试软件有限公司")
    Organization.objects.filter(pk=org.pk).update(
        region=Region.objects.get(code="450102"), region_code="450102"
    )
    org.refresh_from_db()
    return issue(program, org, key="issue-2")


def test_who_may_open_the_ledger(client, liuzhou_voucher, enterprise_user):
    detail = reverse("vouchers:detail", args=[liuzhou_voucher.number])
    assert client.get(reverse("vouchers:list")).status_code == 302
    assert client.get(detail).status_code == 302
    client.force_login(enterprise_user)
    assert client.get(reverse("vouchers:list")).status_code == 403
    assert client.get(detail).status_code == 403


def test_the_list_is_scoped_to_the_jurisdiction(
    client,
    liuzhou_voucher,
    nanning_voucher,
    liuzhou_reviewer,
    nanning_reviewer,
    province_reviewer,
    make_staff,
):
    def numbers_seen_by(user) -> set[str]:
        client.force_login(user)
        body = client.get(reverse("vouchers:list")).content.decode()
        return {n for n in (liuzhou_voucher.number, nanning_voucher.number) if n in body}

    assert numbers_seen_by(liuzhou_reviewer) == {liuzhou_voucher.number}
    assert numbers_seen_by(nanning_reviewer) == {nanning_voucher.number}
    assert numbers_seen_by(province_reviewer) == {liuzhou_voucher.number, nanning_voucher.number}
    assert numbers_seen_by(make_staff(region_code="44", roles=("finance",))) == set()
    # another city's voucher answers 404
    client.force_login(liuzhou_reviewer)
    response = client.get(reverse("vouchers:detail", args=[nanning_voucher.number]))
    assert response.status_code == 404


def test_the_list_shows_the_figures_and_filters(
    client, program, liuzhou_voucher, nanning_voucher, province_reviewer
):
    voucher_hold(
        actor=None, voucher_id=liuzhou_voucher.pk, amount_fen=1_234_567, idempotency_key="h1"
    )
    client.force_login(province_reviewer)
    body = client.get(reverse("vouchers:list")).content.decode()
    assert "柳州市测试机械有限公司" in body
    assert "通用券" in body
    assert "50,000.00" in body
    assert "37,654.33" in body  # available after holding 12,345.67
    assert "12,345.67" in body
    # filters: enterprise name, number, status, program
    url = reverse("vouchers:list")
    body = client.get(url, {"enterprise": "南宁"}).content.decode()
    assert nanning_voucher.number in body
    assert liuzhou_voucher.number not in body
    body = client.get(url, {"number": liuzhou_voucher.number[-6:]}).content.decode()
    assert liuzhou_voucher.number in body
    voucher_recall(
        actor=None, voucher_id=nanning_voucher.pk, reason="逾期未使用", idempotency_key="rc1"
    )
    body = client.get(url, {"status": "recalled"}).content.decode()
    assert nanning_voucher.number in body
    assert liuzhou_voucher.number not in body
    body = client.get(url, {"program": program.pk, "status": "active"}).content.decode()
    assert liuzhou_voucher.number in body
    assert nanning_voucher.number not in body


def test_the_list_reads_in_a_fixed_number_of_queries(
    client, program, make_org, province_reviewer, django_assert_num_queries
):
    client.force_login(province_reviewer)
    issue(program, make_org("企业0有限公司"), key="issue-0")
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("vouchers:list"))
    for n in range(1, 6):
        issue(program, make_org(f"企业{n}有限公司"), key=f"issue-{n}")
    # six vouchers read in as many queries as one
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(reverse("vouchers:list"))
    assert response.content.decode().count('href="/staff/vouchers/SVC') == 6


def test_the_voucher_page_shows_every_transaction_with_its_legs(
    client, liuzhou_voucher, liuzhou_reviewer
):
    voucher_hold(
        actor=liuzhou_reviewer,
        voucher_id=liuzhou_voucher.pk,
        amount_fen=2 * WAN,
        idempotency_key="h1",
        ref="ORDER-1",
    )
    voucher_capture(
        actor=None,
        voucher_id=liuzhou_voucher.pk,
        amount_fen=2 * WAN,
        idempotency_key="c1",
        ref="ORDER-1",
    )
    client.force_login(liuzhou_reviewer)
    body = client.get(reverse("vouchers:detail", args=[liuzhou_voucher.number])).content.decode()
    # the figures
    assert liuzhou_voucher.number in body
    assert "30,000.00" in body  # available
    assert "20,000.00" in body  # used
    # every movement, with its reference, actor and legs
    for label in ("发券", "下单冻结", "支付抵扣"):
        assert label in body
    assert "ORDER-1" in body
    assert "QA-1" in body
    assert liuzhou_reviewer.display_name in body
    assert '项目·未分配预算 <span class="mono">-50,000.00</span>' in body
    assert '本券·可用余额 <span class="mono">+50,000.00</span>' in body
    assert '本券·下单冻结 <span class="mono">+20,000.00</span>' in body
    assert '项目·已抵扣待兑现 <span class="mono">+20,000.00</span>' in body
    # and it agrees with the ledger
    assert "核对：券面数字与账本分录一致" in body


def test_the_check_line_reports_a_cache_that_disagrees_with_the_ledger(
    client, liuzhou_voucher, liuzhou_reviewer
):
    # given a cached figure changed behind the ledger's back (parts still add up)
    Voucher.objects.filter(pk=liuzhou_voucher.pk).update(
        available_fen=F("available_fen") + 100, total_fen=F("total_fen") + 100
    )
    client.force_login(liuzhou_reviewer)
    body = client.get(reverse("vouchers:detail", args=[liuzhou_voucher.number])).content.decode()
    assert "核对：券面数字与账本不一致" in body
    assert "券面可用余额50,001.00元，账本为50,000.00元" in body
    assert "券面总额50,001.00元，发券交易合计50,000.00元" in body


def test_the_program_page_shows_its_ledger_accounts(
    client, program, liuzhou_voucher, province_reviewer
):
    voucher_hold(
        actor=None, voucher_id=liuzhou_voucher.pk, amount_fen=1 * WAN, idempotency_key="h1"
    )
    voucher_capture(
        actor=None, voucher_id=liuzhou_voucher.pk, amount_fen=1 * WAN, idempotency_key="c1"
    )
    client.force_login(province_reviewer)
    body = client.get(reverse("programs:detail", args=[program.pk])).content.decode()
    budget = program.versions.get().rules["budget_fen"]
    left = f"{(budget - 5 * WAN) // 100:,}.00"
    assert left in body  # unallocated budget
    assert "40,000.00" in body  # still on the voucher
    assert "10,000.00" in body  # payable
    assert "已发放服务券 1 张，合计 50,000.00 元" in body
    assert "核对：各账户合计等于已拨入预算" in body
