"""The order's whole life through the services: contract, e-signatures, payments, service,
evaluation; the Liuzhou per-order voucher review; refunds."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from smevoucher.audit.models import AuditRecord
from smevoucher.core.errors import DomainError
from smevoucher.esign.pki import platform_ca
from smevoucher.esign.signing import _asn1_cert, pdf_verify
from smevoucher.orders import services
from smevoucher.orders.choices import ContractStatus
from smevoucher.orders.choices import OrderStatus as S
from smevoucher.orders.models import Order
from smevoucher.vouchers.checks import ledger_problems
from smevoucher.vouchers.models import Voucher

from .conftest import WAN, key

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(enterprise, range_product, top_tier, voucher):
    return services.order_place(
        actor=enterprise,
        product_id=range_product.pk,
        tier_id=top_tier.pk,
        voucher_id=voucher.pk,
        idempotency_key=key(),
    )


def _signed_pdf(order) -> bytes:
    contract = order.contracts.order_by("-version").first()
    with contract.signed_file.file.open("rb") as handle:
        return handle.read()


def test_the_whole_guangxi_flow(order, drive, voucher):
    # when the order goes all the way (accept, contract, both sign, deposit, service,
    # final payment, confirm, evaluate)
    drive(order, to=S.EVALUATED)
    order.refresh_from_db()
    # then the voucher paid 90,000, the enterprise 210,000, nothing is held
    assert order.status == S.EVALUATED
    assert (order.captured_fen, order.paid_fen, order.unpaid_fen) == (9 * WAN, 21 * WAN, 0)
    voucher.refresh_from_db()
    assert (voucher.held_fen, voucher.used_fen, voucher.available_fen) == (0, 9 * WAN, 21 * WAN)
    assert order.evaluation.stars == 5
    assert ledger_problems() == []
    # and every step is on the timeline
    actions = list(order.events.values_list("action", flat=True))
    for step in (
        "place",
        "accept",
        "draft_contract",
        "agree_contract",
        "sign_contract",
        "contract_signed",
        "remit",
        "confirm_remittance",
        "deposit_confirmed",
        "start",
        "finish",
        "confirm",
        "evaluate",
    ):
        assert step in actions, step


def test_the_signed_contract_validates_against_the_platform_ca(order, drive):
    drive(order, to=S.AWAITING_PAYMENT)
    order.refresh_from_db()
    pdf = _signed_pdf(order)
    # both signatures, party B then party A, intact and trusted
    report = pdf_verify(pdf)
    assert report.all_ok
    assert [s.field_name for s in report.signatures] == ["SignatureB", "SignatureA"]
    assert [s.signer_name for s in report.signatures] == [
        order.provider.org.name,
        order.enterprise.name,
    ]
    # pyHanko's own validator, with the platform's CA as the only trust root, agrees
    context = ValidationContext(
        trust_roots=[_asn1_cert(platform_ca().certificate_pem)],
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    for signature in PdfFileReader(io.BytesIO(pdf)).embedded_signatures:
        status = validate_pdf_signature(signature, context)
        assert (status.intact, status.valid, status.trusted) == (True, True, True)
    # the contract's hash is in the order's audit
    contract = order.contracts.get(status=ContractStatus.SIGNED)
    signed = AuditRecord.objects.filter(action="contract.signed").order_by("-pk").first()
    assert signed.data["sha256"] == contract.signed_sha256


def test_one_altered_byte_fails_verification(order, drive):
    drive(order, to=S.AWAITING_PAYMENT)
    pdf = bytearray(_signed_pdf(order))
    pdf[len(pdf) // 3] ^= 0x01
    report = pdf_verify(bytes(pdf))
    assert not report.all_ok
    assert not all(s.intact for s in report.signatures)


def test_the_enterprise_signs_only_after_the_provider(order, drive, enterprise, send_code):
    drive(order, to=S.AWAITING_CONTRACT)
    services.contract_draft(
        actor=order.provider.org.owner,
        order_id=order.pk,
        amount_fen=order.amount_fen,
        deposit_fen=0,
    )
    services.contract_agree(actor=enterprise, order_id=order.pk)
    from smevoucher.orders.demo import ensure_seal

    ensure_seal(user=enterprise, send_code=send_code)
    with pytest.raises(DomainError, match="乙方"):
        services.contract_sign(actor=enterprise, order_id=order.pk, response="000000")


def test_an_agreed_contract_cannot_change(order, drive, provider_user):
    drive(order, to=S.AWAITING_CONTRACT)
    services.contract_draft(
        actor=provider_user, order_id=order.pk, amount_fen=order.amount_fen, deposit_fen=0
    )
    services.contract_agree(actor=order.enterprise.owner, order_id=order.pk)
    with pytest.raises(DomainError):
        services.contract_draft(
            actor=provider_user, order_id=order.pk, amount_fen=order.amount_fen, deposit_fen=0
        )
    with pytest.raises(DomainError):
        services.contract_return(actor=order.enterprise.owner, order_id=order.pk, reason="改")


def test_a_returned_contract_is_revised_as_a_new_version(order, drive, provider_user, enterprise):
    drive(order, to=S.AWAITING_CONTRACT)
    services.contract_draft(
        actor=provider_user, order_id=order.pk, amount_fen=order.amount_fen, deposit_fen=0
    )
    services.contract_return(actor=enterprise, order_id=order.pk, reason="请补充验收标准")
    services.contract_draft(
        actor=provider_user,
        order_id=order.pk,
        amount_fen=order.amount_fen,
        deposit_fen=0,
        acceptance="验收单",
    )
    versions = list(
        order.contracts.order_by("version").values_list("version", "status", "return_reason")
    )
    assert versions == [(1, "returned", "请补充验收标准"), (2, "drafted", "")]


def test_a_cheaper_contract_releases_the_difference(
    order, drive, provider_user, enterprise, voucher
):
    # given an order holding 90,000 on a 300,000 service
    drive(order, to=S.AWAITING_CONTRACT)
    # when the contract is agreed at 200,000: 30% is 60,000
    services.contract_draft(
        actor=provider_user, order_id=order.pk, amount_fen=20 * WAN, deposit_fen=0
    )
    services.contract_agree(actor=enterprise, order_id=order.pk)
    # then 30,000 goes back to the voucher and the order pays 140,000
    order.refresh_from_db()
    voucher.refresh_from_db()
    assert (order.deduction_fen, order.pay_fen) == (6 * WAN, 14 * WAN)
    assert (voucher.held_fen, voucher.available_fen) == (6 * WAN, 24 * WAN)
    assert ledger_problems() == []


def test_deposit_and_final_add_up_to_what_is_paid(order, drive, provider_user):
    drive(order, to=S.AWAITING_CONTRACT)
    with pytest.raises(DomainError, match="定金"):
        services.contract_draft(
            actor=provider_user, order_id=order.pk, amount_fen=30 * WAN, deposit_fen=22 * WAN
        )
    contract = services.contract_draft(
        actor=provider_user, order_id=order.pk, amount_fen=30 * WAN, deposit_fen=42_000_00
    )
    assert (contract.deduction_fen, contract.deposit_fen, contract.final_fen) == (
        9 * WAN,
        42_000_00,
        168_000_00,
    )


def test_a_remittance_above_what_is_owed_is_refused(order, drive, enterprise):
    drive(order, to=S.AWAITING_PAYMENT)
    from smevoucher.orders.demo import proof_image

    with pytest.raises(DomainError, match="待付金额"):
        services.remittance_submit(
            actor=enterprise,
            order_id=order.pk,
            amount_fen=21 * WAN + 1,
            remitted_on=timezone.localdate(),
            proof=proof_image(),
        )


def test_a_decided_remittance_decided_again_is_returned_unchanged(
    order, drive, enterprise, provider_user
):
    from smevoucher.orders.choices import RemittanceStatus
    from smevoucher.orders.demo import proof_image

    # given a deposit remitted and confirmed (the voucher deduction captured), and a second
    # remittance the provider rejected
    drive(order, to=S.AWAITING_PAYMENT)
    order.refresh_from_db()

    def remit(amount_fen):
        return services.remittance_submit(
            actor=enterprise,
            order_id=order.pk,
            amount_fen=amount_fen,
            remitted_on=timezone.localdate(),
            proof=proof_image(),
        )

    deposit = remit(order.deposit_fen)
    services.remittance_confirm(actor=provider_user, remittance_id=deposit.pk)
    bounced = remit(WAN)
    services.remittance_reject(actor=provider_user, remittance_id=bounced.pk, reason="未到账")
    records = AuditRecord.objects.count()

    # when the provider's two answers are lost and the provider sends them again
    again = services.remittance_confirm(actor=provider_user, remittance_id=deposit.pk)
    services.remittance_reject(actor=provider_user, remittance_id=bounced.pk, reason="未到账")

    # then they come back as they are, with no second capture, payment or record
    assert again.status == RemittanceStatus.CONFIRMED
    order.refresh_from_db()
    assert (order.paid_fen, order.captured_fen) == (order.deposit_fen, 9 * WAN)
    assert AuditRecord.objects.count() == records
    assert ledger_problems() == []
    # and the enterprise cannot confirm a remittance, confirmed or not
    with pytest.raises(DomainError):
        services.remittance_confirm(actor=enterprise, remittance_id=deposit.pk)
    # nor can the provider confirm the one it rejected
    with pytest.raises(DomainError):
        services.remittance_confirm(actor=provider_user, remittance_id=bounced.pk)


def test_a_contract_cannot_be_cancelled_after_money_arrived(order, drive, enterprise):
    drive(order, to=S.AWAITING_SERVICE)
    with pytest.raises(DomainError):
        services.order_act(
            actor=enterprise, order_id=order.pk, action="cancel_contract", reason="不要了"
        )


def test_a_refund_is_approved_by_region_staff(
    order, drive, provider_user, liuzhou_reviewer, voucher
):
    from smevoucher.reviews.models import Review
    from smevoucher.reviews.services import review_transition

    # given a paid order (90,000 captured from the voucher)
    drive(order, to=S.AWAITING_SERVICE)
    # when the provider asks to undo the voucher payment and Liuzhou's staff approve
    refund = services.refund_request(actor=provider_user, order_id=order.pk, reason="企业终止合作")
    review = Review.objects.get(kind="order_refund", object_id=str(refund.pk))
    assert review.region_code == order.enterprise.region_code
    review_transition(actor=liuzhou_reviewer, review_id=review.pk, action="approve")
    # then the voucher has its 90,000 back and the order is closed
    order.refresh_from_db()
    voucher.refresh_from_db()
    assert order.status == S.CANCELLED
    assert order.refunded_fen == 9 * WAN
    assert (voucher.used_fen, voucher.available_fen) == (0, 30 * WAN)
    assert ledger_problems() == []


def test_no_refund_after_the_voucher_expired(order, drive, provider_user):
    drive(order, to=S.AWAITING_SERVICE)
    Voucher.objects.filter(pk=order.voucher_id).update(
        valid_until=timezone.localdate() - dt.timedelta(days=1)
    )
    with pytest.raises(DomainError, match="已到期"):
        services.refund_request(actor=provider_user, order_id=order.pk, reason="终止")


@pytest.fixture
def liuzhou_order(
    make_program,
    make_provider,
    provider_org,
    enterprise_org,
    issue_voucher,
    liuzhou_reviewer,
    enterprise,
):
    """An order of a program with Liuzhou's per-order voucher review."""
    from smevoucher.catalog import services as catalog
    from smevoucher.catalog.tests.conftest import material_rows, product_input
    from smevoucher.reviews.models import Review
    from smevoucher.reviews.services import review_transition

    program = make_program(voucher_mode="per_order_review")
    make_provider(program, provider_org)
    data = product_input(
        name="小微企业财务规范化辅导", guide_price_fen=3 * WAN, platform_price_fen=2 * WAN
    )
    data.materials = material_rows(provider_org.owner, 1)
    product = catalog.product_create(actor=provider_org.owner, program_id=program.pk, data=data)
    catalog.product_transition(actor=provider_org.owner, product_id=product.pk, action="submit")
    review = Review.objects.get(kind="product", object_id=str(product.pk))
    review_transition(actor=liuzhou_reviewer, review_id=review.pk, action="approve")
    catalog.product_transition(actor=provider_org.owner, product_id=product.pk, action="publish")
    voucher = issue_voucher(program, enterprise_org, 2 * WAN)
    return services.order_place(
        actor=enterprise, product_id=product.pk, voucher_id=voucher.pk, idempotency_key=key()
    )


def test_liuzhou_voucher_review_approved_moves_to_awaiting_delivery(
    liuzhou_order, drive, liuzhou_reviewer
):
    from smevoucher.reviews.models import Review
    from smevoucher.reviews.services import review_transition

    drive(liuzhou_order, to=S.VOUCHER_REVIEW)
    review = Review.objects.get(kind="order_voucher", object_id=str(liuzhou_order.pk))
    review_transition(actor=liuzhou_reviewer, review_id=review.pk, action="approve")
    liuzhou_order.refresh_from_db()
    assert liuzhou_order.status == S.AWAITING_DELIVERY
    assert liuzhou_order.captured_fen == liuzhou_order.deduction_fen == 6000 * 100
    drive(liuzhou_order, to=S.EVALUATED)
    assert ledger_problems() == []


def test_liuzhou_voucher_review_rejected_voids_the_order(liuzhou_order, drive, liuzhou_reviewer):
    from smevoucher.reviews.models import Review
    from smevoucher.reviews.services import review_transition

    drive(liuzhou_order, to=S.VOUCHER_REVIEW)
    review = Review.objects.get(kind="order_voucher", object_id=str(liuzhou_order.pk))
    review_transition(
        actor=liuzhou_reviewer, review_id=review.pk, action="reject", reason="不符合条件"
    )
    liuzhou_order.refresh_from_db()
    assert liuzhou_order.status == S.CANCELLED
    assert liuzhou_order.released_fen == liuzhou_order.deduction_fen
    assert Voucher.objects.get(pk=liuzhou_order.voucher_id).held_fen == 0
    assert ledger_problems() == []


def test_other_parties_cannot_act(order, make_org):
    stranger = make_org("南宁市无关企业有限公司").owner
    with pytest.raises(DomainError) as refused:
        services.order_act(actor=stranger, order_id=order.pk, action="cancel")
    assert refused.value.status == 404
    assert Order.objects.get(pk=order.pk).status == S.AWAITING_ACCEPTANCE


def test_guangdong_contract_deadline_is_enforced(guangdong_order, provider_user, enterprise):
    # given an order whose batch allows 30 days from ordering to an agreed contract
    order = guangdong_order
    services.order_act(actor=provider_user, order_id=order.pk, action="accept")
    services.contract_draft(
        actor=provider_user, order_id=order.pk, amount_fen=order.amount_fen, deposit_fen=0
    )
    # when the enterprise agrees 31 days after ordering
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    # then the contract is refused with the deadline
    with pytest.raises(DomainError, match="已超过签约期限"):
        services.contract_agree(actor=enterprise, order_id=order.pk)


@pytest.fixture
def guangdong_order(
    make_program, make_provider, provider_org, enterprise_org, enterprise, liuzhou_reviewer
):
    from smevoucher.catalog import services as catalog
    from smevoucher.catalog.tests.conftest import material_rows, product_input
    from smevoucher.reviews.models import Review
    from smevoucher.reviews.services import review_transition
    from smevoucher.vouchers.services import voucher_issue

    today = timezone.localdate()
    program = make_program(
        batches=[
            {
                "key": "b1",
                "name": "第一批",
                "issue_from": str(today - dt.timedelta(days=60)),
                "issue_until": str(today + dt.timedelta(days=30)),
                "order_deadline_days": 30,
                "contract_deadline_days": 30,
            }
        ]
    )
    make_provider(program, provider_org)
    data = product_input(
        name="质量体系认证辅导", guide_price_fen=3 * WAN, platform_price_fen=2 * WAN
    )
    data.materials = material_rows(provider_org.owner, 1)
    product = catalog.product_create(actor=provider_org.owner, program_id=program.pk, data=data)
    catalog.product_transition(actor=provider_org.owner, product_id=product.pk, action="submit")
    review = Review.objects.get(kind="product", object_id=str(product.pk))
    review_transition(actor=liuzhou_reviewer, review_id=review.pk, action="approve")
    catalog.product_transition(actor=provider_org.owner, product_id=product.pk, action="publish")
    voucher = voucher_issue(
        actor=None,
        program_version=program.versions.get(),
        org=enterprise_org,
        voucher_type="general",
        amount_fen=2 * WAN,
        quota_fen=2 * WAN,
        idempotency_key="gd-voucher",
        batch_key="b1",
    )
    return services.order_place(
        actor=enterprise, product_id=product.pk, voucher_id=voucher.pk, idempotency_key=key()
    )


def test_an_evaluation_is_1_to_5_stars_and_at_most_200_characters(order, drive, enterprise):
    drive(order, to=S.AWAITING_EVALUATION)
    with pytest.raises(DomainError, match="1至5星"):
        services.order_evaluate(actor=enterprise, order_id=order.pk, stars=6)
    with pytest.raises(DomainError, match="当前201个字"):
        services.order_evaluate(actor=enterprise, order_id=order.pk, stars=5, content="好" * 201)
    order.refresh_from_db()
    assert order.status == S.AWAITING_EVALUATION
    services.order_evaluate(actor=enterprise, order_id=order.pk, stars=4, content="好" * 200)
    order.refresh_from_db()
    assert (order.status, order.evaluation.stars) == (S.EVALUATED, 4)
