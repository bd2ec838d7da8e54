"""The scheduled side of the time rules: preview, recall, reminders."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from smevoucher.core.errors import DomainError
from smevoucher.notifications.models import InboxMessage
from smevoucher.vouchers.checks import ledger_problems
from smevoucher.vouchers.choices import VoucherStatus
from smevoucher.vouchers.models import EnterpriseUsage, Voucher
from smevoucher.vouchers.selectors import program_budget_left
from smevoucher.vouchers.services import voucher_issue
from smevoucher.vouchers.sweep import reminders_send, sweep_due, sweep_run

from .conftest import WAN

pytestmark = pytest.mark.django_db


@pytest.fixture
def voucher(make_program, make_org):
    program = make_program()
    return voucher_issue(
        actor=None,
        program_version=program.versions.get(),
        org=make_org(),
        voucher_type="general",
        amount_fen=5 * WAN,
        quota_fen=5 * WAN,
        idempotency_key="issue",
    )


def test_a_voucher_past_its_batch_deadline_is_previewed_then_recalled_and_still_counts(
    voucher, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    Voucher.objects.filter(pk=voucher.pk).update(use_deadline=today - dt.timedelta(days=1))
    budget_before = program_budget_left(voucher.program)
    # the preview shows it before anything moves
    assert [d.voucher.pk for d in sweep_due()] == [voucher.pk]
    assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.ACTIVE
    # the sweep recalls it
    with django_capture_on_commit_callbacks(execute=True):
        sweep_run()
    voucher.refresh_from_db()
    assert (voucher.status, voucher.recalled_fen, voucher.available_fen) == (
        VoucherStatus.RECALLED,
        5 * WAN,
        0,
    )
    assert program_budget_left(voucher.program) == budget_before + 5 * WAN
    # it still counts against the year's quota
    usage = EnterpriseUsage.objects.get(org=voucher.org)
    assert usage.issued["general"] == 5 * WAN
    with pytest.raises(DomainError) as refused:
        voucher_issue(
            actor=None,
            program_version=voucher.program_version,
            org=voucher.org,
            voucher_type="general",
            amount_fen=WAN,
            quota_fen=5 * WAN,
            idempotency_key="again",
        )
    assert refused.value.code == "voucher.quota_exceeded"
    # the enterprise is told
    assert InboxMessage.objects.filter(title="服务券已回收").exists()
    # a second run changes nothing
    sweep_run()
    assert ledger_problems() == []


def test_past_validity_is_recalled_as_expired(voucher):
    Voucher.objects.filter(pk=voucher.pk).update(
        valid_until=timezone.localdate() - dt.timedelta(days=1)
    )
    sweep_run()
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.EXPIRED


def test_a_valid_voucher_is_left_alone(voucher):
    assert sweep_due() == []
    assert sweep_run() == []


def test_reminder_goes_out_once_within_the_configured_days(
    voucher, django_capture_on_commit_callbacks
):
    Voucher.objects.filter(pk=voucher.pk).update(
        use_deadline=timezone.localdate() + dt.timedelta(days=3)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send() == 1
        assert reminders_send() == 0
    assert InboxMessage.objects.filter(title="服务券即将到期").count() == 1


def test_no_reminder_when_the_deadline_is_far(voucher):
    Voucher.objects.filter(pk=voucher.pk).update(
        use_deadline=timezone.localdate() + dt.timedelta(days=60)
    )
    assert reminders_send() == 0


def test_the_command_previews_with_dry_run(voucher, capsys):
    Voucher.objects.filter(pk=voucher.pk).update(
        use_deadline=timezone.localdate() - dt.timedelta(days=1)
    )
    call_command("voucher_sweep", "--dry-run")
    assert "1 voucher(s) would be recalled" in capsys.readouterr().out
    assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.ACTIVE
    call_command("voucher_sweep")
    assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.RECALLED


def test_ledger_check_command_fails_on_a_mismatch(voucher):
    from django.core.management.base import CommandError

    call_command("ledger_check")
    Voucher.objects.filter(pk=voucher.pk).update(available_fen=4 * WAN, recalled_fen=WAN)
    with pytest.raises(CommandError, match="ledger check failed"):
        call_command("ledger_check")


def test_staff_preview_page_lists_what_is_due_in_their_region(client, voucher, make_staff):
    Voucher.objects.filter(pk=voucher.pk).update(
        use_deadline=timezone.localdate() - dt.timedelta(days=1)
    )
    liuzhou = make_staff(region_code="4502", roles=("reviewer",))
    nanning = make_staff(region_code="4501", roles=("reviewer",))
    client.force_login(liuzhou)
    body = client.get("/staff/vouchers/sweep-preview/").content.decode()
    assert voucher.number in body
    assert "50,000.00" in body
    client.force_login(nanning)
    assert voucher.number not in client.get("/staff/vouchers/sweep-preview/").content.decode()
    # the preview moved nothing
    assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.ACTIVE
