"""The database connection killed in the middle of a money-moving service, on PostgreSQL.

What is simulated: the service runs in a worker thread with its own connection. The test
patches a function the service calls inside its transaction (after the ledger movement and,
where the audit record comes last, after that too), and when the worker returns from it,
pauses the worker there: its transaction is open and has written rows (PostgreSQL shows the
backend ``idle in transaction`` with a transaction id). An administrator's session then ends
the worker's backend with ``pg_terminate_backend`` — what a crashed backend, an operator or
a failover does to a session — and the worker carries on into a dead connection.

Then: the worker gets a database error; the database holds exactly the rows it held before
(every table compared); ``ledger_check`` passes; the same request retried with the same key
(the idempotency key of the order, the remittance of the confirmation, the claim of the
payout) completes once, and a second retry returns the same result without writing
anything."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import InterfaceError, OperationalError

from smevoucher.orders import services as orders
from smevoucher.orders.choices import OrderStatus, RemittanceStatus
from smevoucher.orders.models import Order, Remittance
from smevoucher.settlements import services as settlements
from smevoucher.settlements.choices import ClaimStatus
from smevoucher.settlements.models import Claim
from smevoucher.vouchers.choices import Movement
from smevoucher.vouchers.models import LedgerTransaction, Voucher

from .conftest import on_postgres
from .faults import changed_tables, kill_inside, snapshot

pytestmark = [
    pytest.mark.postgres,
    on_postgres,
    # serialized_rollback: the regions a migration loads survive the flush between tests
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DATABASE_GONE = (OperationalError, InterfaceError)


def _killed_and_nothing_left(killed, before):
    assert killed.backend_state == "idle in transaction"
    assert killed.had_written, "the kill must hit a transaction that has written rows"
    assert isinstance(killed.error, DATABASE_GONE), killed.error or killed.result
    assert changed_tables(before, snapshot()) == []
    call_command("ledger_check")


def test_an_order_killed_after_its_hold_leaves_nothing_and_its_retry_places_it_once(
    admin, enterprise, range_product, top_tier, voucher
):
    # given an enterprise about to place a 300,000 order with 90,000 off its voucher
    def place():
        return orders.order_place(
            actor=enterprise,
            product_id=range_product.pk,
            tier_id=top_tier.pk,
            voucher_id=voucher.pk,
            idempotency_key="killed-order-1",
        )

    before = snapshot()

    # when its connection dies after the order row, the hold and the audit record are written
    killed = kill_inside(place, pause_after="smevoucher.orders.services.audit_record", admin=admin)

    # then no order, no hold, no audit record: every table as before, the ledger agrees
    _killed_and_nothing_left(killed, before)

    # when the enterprise retries with the same key, and once more
    first = place()
    after_first = snapshot()
    second = place()

    # then there is one order and one hold, and the second retry changed nothing
    assert second.pk == first.pk
    assert changed_tables(after_first, snapshot()) == []
    assert Order.objects.filter(idempotency_key="killed-order-1").count() == 1
    holds = LedgerTransaction.objects.filter(ref=first.number, movement=Movement.HOLD)
    assert holds.count() == 1
    assert Voucher.objects.get(pk=voucher.pk).held_fen == first.deduction_fen > 0
    call_command("ledger_check")


@pytest.fixture
def deposit_remitted(drive, enterprise, range_product, top_tier, voucher):
    """An order awaiting payment whose deposit the enterprise has remitted."""
    import datetime as dt

    from django.utils import timezone

    from smevoucher.orders.demo import proof_image

    order = orders.order_place(
        actor=enterprise,
        product_id=range_product.pk,
        tier_id=top_tier.pk,
        voucher_id=voucher.pk,
        idempotency_key="killed-payment-order",
    )
    order = drive(order, to=OrderStatus.AWAITING_PAYMENT)
    remittance = orders.remittance_submit(
        actor=enterprise,
        order_id=order.pk,
        amount_fen=order.deposit_fen,
        remitted_on=timezone.localdate() - dt.timedelta(days=1),
        proof=proof_image(),
    )
    return order, remittance


def test_a_payment_confirmation_killed_after_the_capture_leaves_nothing_and_its_retry_confirms_once(
    admin, provider_user, deposit_remitted
):
    # given a deposit the provider is about to confirm (which captures the voucher deduction)
    order, remittance = deposit_remitted

    def confirm():
        return orders.remittance_confirm(actor=provider_user, remittance_id=remittance.pk)

    before = snapshot()

    # when the connection dies after the remittance, its audit record and the capture are written
    killed = kill_inside(
        confirm, pause_after="smevoucher.vouchers.services.voucher_capture", admin=admin
    )

    # then the remittance still awaits confirmation and nothing was captured
    _killed_and_nothing_left(killed, before)
    assert Remittance.objects.get(pk=remittance.pk).status == RemittanceStatus.SUBMITTED

    # when the provider retries, and once more
    confirm()
    after_first = snapshot()
    again = confirm()

    # then the deposit is confirmed once, captured once, and the second retry changed nothing
    assert again.status == RemittanceStatus.CONFIRMED
    assert changed_tables(after_first, snapshot()) == []
    order.refresh_from_db()
    assert (order.status, order.paid_fen) == (OrderStatus.AWAITING_SERVICE, remittance.amount_fen)
    captures = LedgerTransaction.objects.filter(ref=order.number, movement=Movement.CAPTURE)
    assert list(captures.values_list("amount_fen", flat=True)) == [order.deduction_fen]
    assert order.captured_fen == order.deduction_fen
    call_command("ledger_check")


@pytest.fixture
def claim_due(submitted_claim, chain_staff):
    """A redemption claim through its four reviews and its closed notice window."""
    import datetime as dt

    from django.utils import timezone

    from smevoucher.reviews.models import Review
    from smevoucher.reviews.services import review_transition
    from smevoucher.settlements.models import Notice

    initial, paper, approver, finance = chain_staff
    claim = submitted_claim

    def review():
        return Review.objects.get(kind="redemption", object_id=str(claim.pk)).pk

    review_transition(actor=initial, review_id=review(), action="approve")
    settlements.claim_paper_received(actor=paper, claim_id=claim.pk)
    for person in (paper, approver, finance):
        review_transition(actor=person, review_id=review(), action="approve")
    notice = settlements.notice_publish(
        actor=approver, program_id=claim.program_id, claim_ids=[claim.pk], days=5
    )
    Notice.objects.filter(pk=notice.pk).update(
        objection_until=timezone.localdate() - dt.timedelta(days=1)
    )
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.NOTICE
    return claim, finance


def test_a_payout_killed_after_the_redemption_leaves_nothing_and_its_retry_pays_once(
    admin, claim_due
):
    # given a claim of 180,000 due for payout by the finance officer
    claim, finance = claim_due

    def pay():
        return settlements.claim_pay(actor=finance, claim_id=claim.pk)

    before = snapshot()

    # when the connection dies after the ledger redemption, the paid status and the audit record
    killed = kill_inside(
        pay, pause_after="smevoucher.settlements.services.audit_record", admin=admin
    )

    # then the claim is still on notice and no money left the payable account
    _killed_and_nothing_left(killed, before)
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.NOTICE

    # when the finance officer retries, and once more
    pay()
    after_first = snapshot()
    again = pay()

    # then the claim is paid once, and the second retry changed nothing
    assert again.status == ClaimStatus.PAID
    assert changed_tables(after_first, snapshot()) == []
    redemptions = LedgerTransaction.objects.filter(ref=claim.number, movement=Movement.REDEEM)
    assert list(redemptions.values_list("amount_fen", flat=True)) == [claim.approved_fen]
    call_command("ledger_check")
