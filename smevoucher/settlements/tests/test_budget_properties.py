"""The budget figures (预算执行) are sums over the ledger, after any sequence of issue, hold,
release, capture, refund, recall, redemption and cut (property-based)."""

from __future__ import annotations

import itertools

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smevoucher.core.errors import DomainError
from smevoucher.settlements.selectors import program_budget
from smevoucher.vouchers import services as ledger
from smevoucher.vouchers.choices import AccountKind as K
from smevoucher.vouchers.models import LedgerEntry

pytestmark = pytest.mark.django_db

WAN = 1_000_000
keys = itertools.count()
step = st.tuples(
    st.sampled_from(
        ["issue", "hold", "release", "capture", "refund", "recall", "redeem", "disallow"]
    ),
    st.integers(min_value=1, max_value=6 * WAN),
)


def _entries(program, kind, *, vouchers: bool) -> int:
    rows = LedgerEntry.objects.filter(account__program=program, account__kind=kind)
    rows = rows.filter(account__voucher__isnull=not vouchers)
    return rows.aggregate(t=Sum("amount_fen"))["t"] or 0


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=15))
def test_budget_figures_are_ledger_sums(make_program, make_org, make_provider, steps):
    program = make_program(budget_fen=40 * WAN, enterprise_annual_deduction_cap_fen=None)
    org = make_org()
    provider = make_provider(program, make_org("广西性质测试服务有限公司"))
    version = program.versions.get()
    vouchers: list[int] = []
    for action, amount in steps:
        key = f"budget-{next(keys)}"
        try:
            if action == "issue":
                vouchers.append(
                    ledger.voucher_issue(
                        actor=None,
                        program_version=version,
                        org=org,
                        voucher_type="general",
                        amount_fen=amount,
                        quota_fen=10**12,
                        idempotency_key=key,
                    ).pk
                )
            elif not vouchers:
                continue
            elif action == "hold":
                ledger.voucher_hold(
                    actor=None,
                    voucher_id=vouchers[-1],
                    amount_fen=amount,
                    idempotency_key=key,
                    provider=provider,
                    city_code="4502",
                )
            elif action == "release":
                ledger.voucher_release(
                    actor=None,
                    voucher_id=vouchers[-1],
                    amount_fen=amount,
                    idempotency_key=key,
                    provider_id=provider.pk,
                    city_code="4502",
                )
            elif action == "capture":
                ledger.voucher_capture(
                    actor=None,
                    voucher_id=vouchers[-1],
                    amount_fen=amount,
                    idempotency_key=key,
                    provider_id=provider.pk,
                    city_code="4502",
                )
            elif action == "refund":
                ledger.voucher_refund(
                    actor=None,
                    voucher_id=vouchers[-1],
                    amount_fen=amount,
                    idempotency_key=key,
                    provider_id=provider.pk,
                    city_code="4502",
                )
            elif action == "recall":
                ledger.voucher_recall(
                    actor=None, voucher_id=vouchers[-1], reason="回收", idempotency_key=key
                )
            elif action == "redeem":
                ledger.ledger_redeem(
                    actor=None,
                    program_id=program.pk,
                    amount_fen=amount,
                    idempotency_key=key,
                    provider_id=provider.pk,
                )
            elif action == "disallow":
                ledger.ledger_disallow(
                    actor=None,
                    program_id=program.pk,
                    amount_fen=amount,
                    idempotency_key=key,
                    provider_id=provider.pk,
                    city_code="4502",
                )
        except DomainError:
            pass  # a refused movement moves nothing; the figures must still add up
    budget = program_budget(program)
    # each figure is the sum of the ledger's entries on its accounts
    assert budget.funded_fen == -_entries(program, K.TREASURY, vouchers=False)
    assert budget.unallocated_fen == _entries(program, K.BUDGET, vouchers=False)
    assert budget.deducted_fen == _entries(program, K.PAYABLE, vouchers=False)
    assert budget.paid_fen == _entries(program, K.PAID, vouchers=False)
    assert budget.available_fen == _entries(program, K.AVAILABLE, vouchers=True)
    assert budget.held_fen == _entries(program, K.HELD, vouchers=True)
    # and the money is conserved: what was funded is somewhere
    assert budget.funded_fen == (
        budget.unallocated_fen
        + budget.available_fen
        + budget.held_fen
        + budget.deducted_fen
        + budget.paid_fen
    )
