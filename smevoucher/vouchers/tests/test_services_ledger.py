"""Movements of voucher value: each one balanced, capped, and idempotent."""

import datetime as dt

import pytest

from smevoucher.core.errors import DomainError
from smevoucher.vouchers.checks import ledger_problems
from smevoucher.vouchers.choices import VoucherStatus
from smevoucher.vouchers.models import LedgerTransaction
from smevoucher.vouchers.selectors import program_budget_left, yuan
from smevoucher.vouchers.services import (
    ledger_redeem,
    voucher_capture,
    voucher_hold,
    voucher_issue,
    voucher_recall,
    voucher_refund,
    voucher_release,
)

from .conftest import WAN

pytestmark = pytest.mark.django_db


@pytest.fixture
def program(make_program):
    return make_program()


def issue(program, org, amount=10 * WAN, key="issue-1", quota=30 * WAN, voucher_type="general"):
    return voucher_issue(
        actor=None,
        program_version=program.versions.get(),
        org=org,
        voucher_type=voucher_type,
        amount_fen=amount,
        quota_fen=quota,
        idempotency_key=key,
    )


def test_issue_takes_from_the_budget_and_numbers_the_voucher(program, make_org):
    before = program_budget_left(program)
    voucher = issue(program, make_org())
    assert voucher.number.startswith("SVC")
    assert len(voucher.number) == 3 + 14 + 4
    assert (voucher.total_fen, voucher.available_fen) == (10 * WAN, 10 * WAN)
    assert program_budget_left(program) == before - 10 * WAN
    assert ledger_problems() == []


def test_full_life_of_a_deduction(program, make_org):
    voucher = issue(program, make_org())
    voucher_hold(actor=None, voucher_id=voucher.pk, amount_fen=3 * WAN, idempotency_key="h1")
    voucher_release(actor=None, voucher_id=voucher.pk, amount_fen=1 * WAN, idempotency_key="r1")
    voucher_capture(actor=None, voucher_id=voucher.pk, amount_fen=2 * WAN, idempotency_key="c1")
    voucher_refund(actor=None, voucher_id=voucher.pk, amount_fen=1 * WAN, idempotency_key="f1")
    ledger_redeem(actor=None, program_id=program.pk, amount_fen=1 * WAN, idempotency_key="p1")
    voucher.refresh_from_db()
    assert (voucher.available_fen, voucher.held_fen, voucher.used_fen) == (9 * WAN, 0, 1 * WAN)
    assert ledger_problems() == []


def test_a_hold_cannot_overspend_the_voucher(program, make_org):
    voucher = issue(program, make_org(), amount=5 * WAN)
    voucher_hold(actor=None, voucher_id=voucher.pk, amount_fen=4 * WAN, idempotency_key="h1")
    with pytest.raises(DomainError, match="余额不足") as refused:
        voucher_hold(actor=None, voucher_id=voucher.pk, amount_fen=4 * WAN, idempotency_key="h2")
    assert refused.value.code == "voucher.insufficient"
    voucher.refresh_from_db()
    assert voucher.available_fen == 1 * WAN
    assert ledger_problems() == []


def test_the_enterprise_annual_deduction_cap_spans_its_vouchers(program, make_org):
    org = make_org()
    general = issue(program, org, amount=20 * WAN, key="i1")
    special = issue(
        program, org, amount=20 * WAN, key="i2", voucher_type="guarantee", quota=100 * WAN
    )
    voucher_hold(actor=None, voucher_id=general.pk, amount_fen=20 * WAN, idempotency_key="h1")
    # 20万 held + 15万 would pass Guangxi's 30万 a year
    with pytest.raises(DomainError) as refused:
        voucher_hold(actor=None, voucher_id=special.pk, amount_fen=15 * WAN, idempotency_key="h2")
    assert refused.value.code == "enterprise.annual_cap"
    voucher_hold(actor=None, voucher_id=special.pk, amount_fen=10 * WAN, idempotency_key="h3")


def test_quota_counts_recalled_value(program, make_org):
    org = make_org()
    voucher = issue(program, org, amount=5 * WAN, key="i1", quota=5 * WAN)
    voucher_recall(
        actor=None, voucher_id=voucher.pk, reason="批次截止未使用", idempotency_key="rc1"
    )
    with pytest.raises(DomainError) as refused:
        issue(program, org, amount=5 * WAN, key="i2", quota=5 * WAN)
    assert refused.value.code == "voucher.quota_exceeded"


def test_issue_cannot_pass_the_program_budget(make_program, make_org):
    program = make_program(budget_fen=15 * WAN)
    issue(program, make_org(), amount=10 * WAN, key="i1")
    with pytest.raises(DomainError) as refused:
        issue(program, make_org(), amount=10 * WAN, key="i2")
    assert refused.value.code == "program.budget_exhausted"
    assert program_budget_left(program) == 5 * WAN


def test_same_idempotency_key_moves_money_once(program, make_org):
    voucher = issue(program, make_org())
    first = voucher_hold(
        actor=None, voucher_id=voucher.pk, amount_fen=2 * WAN, idempotency_key="order-1-hold"
    )
    again = voucher_hold(
        actor=None, voucher_id=voucher.pk, amount_fen=2 * WAN, idempotency_key="order-1-hold"
    )
    assert first.pk == again.pk
    voucher.refresh_from_db()
    assert voucher.held_fen == 2 * WAN
    assert issue(program, voucher.org) == voucher  # the issuing key too
    assert LedgerTransaction.objects.filter(movement="issue").count() == 1


def test_a_key_reused_for_a_different_movement_is_refused(program, make_org):
    voucher = issue(program, make_org())
    voucher_hold(actor=None, voucher_id=voucher.pk, amount_fen=2 * WAN, idempotency_key="k")
    with pytest.raises(DomainError) as refused:
        voucher_hold(actor=None, voucher_id=voucher.pk, amount_fen=3 * WAN, idempotency_key="k")
    assert refused.value.code == "idempotency.mismatch"


def test_past_its_batch_deadline_a_voucher_cannot_be_used_even_before_the_sweep(program, make_org):
    voucher = issue(program, make_org())
    type(voucher).objects.filter(pk=voucher.pk).update(
        use_deadline=dt.date.today() - dt.timedelta(days=1)
    )
    with pytest.raises(DomainError, match="批次使用截止日") as refused:
        voucher_hold(actor=None, voucher_id=voucher.pk, amount_fen=1 * WAN, idempotency_key="h1")
    assert refused.value.code == "voucher.unusable"
    # after the recall it shows as recalled, its value back in the budget
    recalled = voucher_recall(
        actor=None, voucher_id=voucher.pk, reason="超过批次截止日", idempotency_key="rc"
    )
    assert recalled.status == VoucherStatus.RECALLED
    assert recalled.recalled_fen == 10 * WAN
    assert ledger_problems() == []


def test_a_release_after_recall_goes_back_to_the_budget(program, make_org):
    voucher = issue(program, make_org())
    voucher_hold(actor=None, voucher_id=voucher.pk, amount_fen=3 * WAN, idempotency_key="h1")
    voucher_recall(
        actor=None, voucher_id=voucher.pk, reason="过期", idempotency_key="rc", expired=True
    )
    before = program_budget_left(program)
    voucher_release(actor=None, voucher_id=voucher.pk, amount_fen=3 * WAN, idempotency_key="r1")
    voucher.refresh_from_db()
    assert (voucher.available_fen, voucher.recalled_fen) == (0, 10 * WAN)
    assert program_budget_left(program) == before + 3 * WAN
    assert ledger_problems() == []


@pytest.mark.parametrize("amount", [0, -1, 1.5, "100", True])
def test_amounts_must_be_positive_integer_fen(program, make_org, amount):
    voucher = issue(program, make_org())
    with pytest.raises(DomainError) as refused:
        voucher_hold(actor=None, voucher_id=voucher.pk, amount_fen=amount, idempotency_key="h")
    assert refused.value.code == "amount.invalid"


def test_yuan_formatting():
    assert yuan(21_000_000) == "210,000.00"
    assert yuan(123456) == "1,234.56"
    assert yuan(-5) == "-0.05"


def test_the_ledger_refuses_updates_in_the_database(program, make_org):
    from django.db import DatabaseError, connection, transaction

    issue(program, make_org())
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE vouchers_ledgerentry SET amount_fen = amount_fen + 1")
