"""Property-based (stateful) test of the ledger: any sequence of issue / hold / release /
capture / recall / refund / redeem keeps balances non-negative, entries reconciled, and the
voucher, enterprise-cap and budget limits unbroken."""

import itertools

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from smevoucher.core.errors import DomainError
from smevoucher.vouchers import services as ledger
from smevoucher.vouchers.checks import ledger_problems
from smevoucher.vouchers.models import EnterpriseUsage, Voucher
from smevoucher.vouchers.selectors import program_budget_left

from .conftest import WAN

pytestmark = pytest.mark.django_db

BUDGET = 40 * WAN
DEDUCTION_CAP = 30 * WAN
QUOTA = 25 * WAN
amounts = st.integers(min_value=1, max_value=12 * WAN)
keys = itertools.count()


def expect_refusal(refused: DomainError, codes: set[str]) -> None:
    """A refusal is fine only when it is one of the clear, expected ones."""
    assert refused.code in codes, refused.code


def key(prefix: str) -> str:
    return f"{prefix}-{next(keys)}"


@pytest.fixture
def machine(make_program, make_org):
    class LedgerMachine(RuleBasedStateMachine):
        @initialize()
        def setup(self):
            self.program = make_program(
                budget_fen=BUDGET, enterprise_annual_deduction_cap_fen=DEDUCTION_CAP
            )
            self.version = self.program.versions.get()
            self.orgs = [make_org(), make_org()]
            self.vouchers: list[int] = []
            self.issued = 0
            self.recalled = 0
            self.holds: list[tuple[int, int]] = []  # (voucher id, amount still held)
            self.captures: list[tuple[int, int]] = []  # (voucher id, amount still refundable)

        @rule(org=st.integers(0, 1), amount=amounts)
        def issue(self, org, amount):
            try:
                voucher = ledger.voucher_issue(
                    actor=None,
                    program_version=self.version,
                    org=self.orgs[org],
                    voucher_type="general",
                    amount_fen=amount,
                    quota_fen=QUOTA,
                    idempotency_key=key("issue"),
                )
            except DomainError as refused:
                expect_refusal(refused, {"voucher.quota_exceeded", "program.budget_exhausted"})
                return
            self.vouchers.append(voucher.pk)
            self.issued += amount

        @precondition(lambda self: self.vouchers)
        @rule(index=st.integers(min_value=0), amount=amounts)
        def hold(self, index, amount):
            voucher_id = self.vouchers[index % len(self.vouchers)]
            try:
                ledger.voucher_hold(
                    actor=None,
                    voucher_id=voucher_id,
                    amount_fen=amount,
                    idempotency_key=key("hold"),
                )
            except DomainError as refused:
                expect_refusal(
                    refused,
                    {
                        "voucher.insufficient",
                        "enterprise.annual_cap",
                        "voucher.unusable",
                    },
                )
                return
            self.holds.append((voucher_id, amount))

        @precondition(lambda self: self.holds)
        @rule(index=st.integers(min_value=0), part=st.integers(1, 100))
        def release(self, index, part):
            voucher_id, held = self.holds.pop(index % len(self.holds))
            amount = max(1, held * part // 100)
            ledger.voucher_release(
                actor=None, voucher_id=voucher_id, amount_fen=amount, idempotency_key=key("release")
            )
            if held - amount:
                self.holds.append((voucher_id, held - amount))

        @precondition(lambda self: self.holds)
        @rule(index=st.integers(min_value=0), part=st.integers(1, 100))
        def capture(self, index, part):
            voucher_id, held = self.holds.pop(index % len(self.holds))
            amount = max(1, held * part // 100)
            ledger.voucher_capture(
                actor=None, voucher_id=voucher_id, amount_fen=amount, idempotency_key=key("capture")
            )
            self.captures.append((voucher_id, amount))
            if held - amount:
                self.holds.append((voucher_id, held - amount))

        @precondition(lambda self: self.captures)
        @rule(index=st.integers(min_value=0))
        def refund(self, index):
            voucher_id, amount = self.captures.pop(index % len(self.captures))
            try:
                ledger.voucher_refund(
                    actor=None,
                    voucher_id=voucher_id,
                    amount_fen=amount,
                    idempotency_key=key("refund"),
                )
            except DomainError as refused:
                # only when redemption already paid the provider out of what is owed
                expect_refusal(refused, {"voucher.refund_too_much"})

        @precondition(lambda self: self.vouchers)
        @rule(index=st.integers(min_value=0))
        def recall(self, index):
            voucher_id = self.vouchers[index % len(self.vouchers)]
            try:
                ledger.voucher_recall(
                    actor=None, voucher_id=voucher_id, reason="test", idempotency_key=key("recall")
                )
            except DomainError as refused:
                expect_refusal(refused, {"voucher.not_active"})

        @precondition(lambda self: self.captures)
        @rule(amount=st.integers(min_value=1, max_value=5 * WAN))
        def redeem(self, amount):
            try:
                ledger.ledger_redeem(
                    actor=None,
                    program_id=self.program.pk,
                    amount_fen=amount,
                    idempotency_key=key("redeem"),
                )
            except DomainError as refused:
                expect_refusal(refused, {"redeem.too_much"})

        @invariant()
        def reconciles(self):
            if not hasattr(self, "program"):
                return
            assert ledger_problems() == []
            assert 0 <= program_budget_left(self.program) <= BUDGET
            for voucher in Voucher.objects.filter(program=self.program):
                assert (
                    min(
                        voucher.available_fen,
                        voucher.held_fen,
                        voucher.used_fen,
                        voucher.recalled_fen,
                    )
                    >= 0
                )
            for usage in EnterpriseUsage.objects.filter(program=self.program):
                assert 0 <= usage.deducted_fen <= DEDUCTION_CAP
                assert usage.issued.get("general", 0) <= QUOTA

    return LedgerMachine


def test_any_sequence_of_movements_keeps_the_ledger_right(machine):
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
