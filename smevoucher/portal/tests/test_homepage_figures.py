"""The homepage's live figures equal sums over the ledger, within the cache age."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db.models import Sum
from django.urls import reverse

from smevoucher.portal.figures import CACHE_KEY, compute, homepage_figures
from smevoucher.vouchers import services as ledger
from smevoucher.vouchers.choices import Movement
from smevoucher.vouchers.models import LedgerTransaction

pytestmark = pytest.mark.django_db

WAN = 1_000_000


def _sum(movement) -> int:
    return (
        LedgerTransaction.objects.filter(movement=movement).aggregate(t=Sum("amount_fen"))["t"] or 0
    )


def test_figures_equal_the_ledger_and_refresh_after_the_cache_age(make_program, make_org, settings):
    program = make_program()
    org = make_org()
    voucher = ledger.voucher_issue(
        actor=None,
        program_version=program.versions.get(),
        org=org,
        voucher_type="general",
        amount_fen=10 * WAN,
        quota_fen=30 * WAN,
        idempotency_key="home-1",
    )
    ledger.voucher_hold(
        actor=None, voucher_id=voucher.pk, amount_fen=3 * WAN, idempotency_key="home-2"
    )
    ledger.voucher_capture(
        actor=None, voucher_id=voucher.pk, amount_fen=3 * WAN, idempotency_key="home-3"
    )
    ledger.voucher_refund(
        actor=None, voucher_id=voucher.pk, amount_fen=WAN, idempotency_key="home-4"
    )
    ledger.ledger_redeem(
        actor=None, program_id=program.pk, amount_fen=WAN, idempotency_key="home-5"
    )
    figures = compute()
    assert figures.quota_fen == _sum(Movement.ISSUE) == 10 * WAN
    assert figures.deducted_fen == _sum(Movement.CAPTURE) - _sum(Movement.REFUND) == 2 * WAN
    assert figures.settled_fen == _sum(Movement.REDEEM) == WAN
    assert figures.enterprises_with_quota == 1
    # cached: a new movement shows only once the cache expires
    cache.delete(CACHE_KEY)
    assert homepage_figures().deducted_fen == 2 * WAN
    ledger.voucher_hold(actor=None, voucher_id=voucher.pk, amount_fen=WAN, idempotency_key="home-6")
    ledger.voucher_capture(
        actor=None, voucher_id=voucher.pk, amount_fen=WAN, idempotency_key="home-7"
    )
    assert homepage_figures().deducted_fen == 2 * WAN
    cache.delete(CACHE_KEY)  # the cache age has passed
    assert homepage_figures().deducted_fen == 3 * WAN


def test_the_homepage_shows_the_figures_and_the_banner(client, make_program):
    make_program()
    cache.delete(CACHE_KEY)
    page = client.get(reverse("portal:home")).content.decode()
    assert "累计抵扣金额" in page
    assert "待预算审批" in page
    assert "每家企业年度抵扣上限" in page
    # the category entry points lead into the catalogue
    assert "/products/?category=%E6%95%B0%E5%AD%97%E5%8C%96%E8%BD%AC%E5%9E%8B" in page
