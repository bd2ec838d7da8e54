"""Redemption: claims of completed orders, the four-step review, cuts, notice, payout."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from smevoucher.core.errors import DomainError
from smevoucher.reviews.models import Review
from smevoucher.reviews.services import review_transition
from smevoucher.settlements import services
from smevoucher.settlements.choices import ClaimStatus as S
from smevoucher.settlements.models import Claim, ClaimLine
from smevoucher.settlements.selectors import program_budget
from smevoucher.vouchers.checks import ledger_problems

from .conftest import WAN

pytestmark = pytest.mark.django_db


def _review(claim):
    return Review.objects.get(kind="redemption", object_id=str(claim.pk))


def _through_review(claim, staff, *, cut=None):
    """Each of the four steps approved by its own person (paper received at step 2)."""
    initial, paper, approver, finance = staff
    review_transition(actor=initial, review_id=_review(claim).pk, action="approve")
    if cut:
        line_id, amount, reason = cut
        services.claim_line_cut(actor=paper, line_id=line_id, approved_fen=amount, reason=reason)
    services.claim_paper_received(actor=paper, claim_id=claim.pk)
    review_transition(actor=paper, review_id=_review(claim).pk, action="approve")
    review_transition(actor=approver, review_id=_review(claim).pk, action="approve")
    review_transition(actor=finance, review_id=_review(claim).pk, action="approve")
    claim.refresh_from_db()
    return claim


def _noticed_and_closed(claim, approver):
    notice = services.notice_publish(
        actor=approver, program_id=claim.program_id, claim_ids=[claim.pk], days=5
    )
    # the window closes
    type(notice).objects.filter(pk=notice.pk).update(
        objection_until=timezone.localdate() - dt.timedelta(days=1)
    )
    claim.refresh_from_db()
    return notice


def test_a_claim_goes_from_submission_to_paid(submitted_claim, chain_staff):
    claim = _through_review(submitted_claim, chain_staff)
    assert claim.status == S.APPROVED
    assert claim.paper_receipt_number.startswith("SJ")
    budget_before = program_budget(claim.program)
    _noticed_and_closed(claim, chain_staff[2])
    services.claim_pay(actor=chain_staff[3], claim_id=claim.pk)
    claim.refresh_from_db()
    assert claim.status == S.PAID
    after = program_budget(claim.program)
    assert after.paid_fen - budget_before.paid_fen == 18 * WAN
    assert after.deducted_fen == budget_before.deducted_fen - 18 * WAN
    assert ledger_problems() == []


def test_paying_a_paid_claim_again_pays_nothing_more(submitted_claim, chain_staff):
    from smevoucher.audit.models import AuditRecord

    # given a claim paid by the finance officer
    claim = _through_review(submitted_claim, chain_staff)
    _noticed_and_closed(claim, chain_staff[2])
    services.claim_pay(actor=chain_staff[3], claim_id=claim.pk)
    budget, records = program_budget(claim.program), AuditRecord.objects.count()
    # when the answer was lost and the payout is sent again
    again = services.claim_pay(actor=chain_staff[3], claim_id=claim.pk)
    # then the claim comes back paid, and no more money or record
    assert again.status == S.PAID
    assert program_budget(claim.program) == budget
    assert AuditRecord.objects.count() == records
    assert ledger_problems() == []
    # and only finance may ask, even for a paid claim
    with pytest.raises(DomainError):
        services.claim_pay(actor=chain_staff[2], claim_id=claim.pk)


def test_an_order_cannot_be_in_two_live_claims(
    submitted_claim, provider_user, evaluated_orders, lines_for
):
    with pytest.raises(DomainError) as refused:
        services.claim_create(
            actor=provider_user,
            program_id=evaluated_orders[0].program_id,
            lines=lines_for(evaluated_orders[:1]),
        )
    assert refused.value.code in ("claim.order_in_live_claim", "claim.order_not_ready")
    assert Claim.objects.count() == 1


def test_a_rejected_claim_frees_its_orders(
    submitted_claim, chain_staff, provider_user, evaluated_orders, lines_for
):
    review_transition(
        actor=chain_staff[0],
        review_id=_review(submitted_claim).pk,
        action="reject",
        reason="材料不实",
    )
    assert not ClaimLine.objects.filter(live=True).exists()
    again = services.claim_create(
        actor=provider_user,
        program_id=evaluated_orders[0].program_id,
        lines=lines_for(evaluated_orders),
    )
    assert again.claimed_fen == 18 * WAN


def test_a_claim_above_the_annual_cap_cannot_be_submitted(
    evaluated_orders, provider_user, lines_for
):
    claim = services.claim_create(
        actor=provider_user,
        program_id=evaluated_orders[0].program_id,
        lines=lines_for(evaluated_orders),
    )
    # the program's settlement cap is lowered to 10万 (below the 18万 claimed)
    from smevoucher.programs.models import ProgramVersion
    from smevoucher.programs.services import program_version_publish

    version = ProgramVersion.objects.filter(program_id=claim.program_id).latest("number")
    program_version_publish(
        actor=None,
        program_id=claim.program_id,
        rules={**version.rules, "provider_annual_settlement_cap_fen": 10 * WAN},
        note="结算上限调整",
    )
    from smevoucher.uploads.services import upload_create

    from .conftest import pdf_file

    stamped = upload_create(actor=provider_user, uploaded=pdf_file(), purpose="claim_material")
    services.claim_update(actor=provider_user, claim_id=claim.pk, stamped_form_id=str(stamped.pk))
    with pytest.raises(DomainError, match="服务机构年度结算上限") as refused:
        services.claim_submit(actor=provider_user, claim_id=claim.pk)
    assert refused.value.code == "claim.over_cap"
    claim.refresh_from_db()
    assert claim.status == S.DRAFT


def test_a_claim_needs_its_stamped_form(provider_user, evaluated_orders, lines_for):
    claim = services.claim_create(
        actor=provider_user,
        program_id=evaluated_orders[0].program_id,
        lines=lines_for(evaluated_orders),
    )
    with pytest.raises(DomainError, match="公章"):
        services.claim_submit(actor=provider_user, claim_id=claim.pk)


def test_the_same_person_cannot_approve_two_consecutive_steps(
    submitted_claim, chain_staff, make_staff
):
    both = make_staff(region_code="45", roles=("reviewer", "approver"), phone="13800000048")
    review_transition(actor=chain_staff[0], review_id=_review(submitted_claim).pk, action="approve")
    services.claim_paper_received(actor=both, claim_id=submitted_claim.pk)
    review_transition(actor=both, review_id=_review(submitted_claim).pk, action="approve")
    with pytest.raises(DomainError, match="不能审核本环节"):
        review_transition(actor=both, review_id=_review(submitted_claim).pk, action="approve")


def test_paper_materials_come_before_that_step(submitted_claim, chain_staff):
    review_transition(actor=chain_staff[0], review_id=_review(submitted_claim).pk, action="approve")
    with pytest.raises(DomainError, match="纸质材料"):
        review_transition(
            actor=chain_staff[1], review_id=_review(submitted_claim).pk, action="approve"
        )


def test_a_cut_amount_reconciles_in_the_ledger(submitted_claim, chain_staff):
    line = submitted_claim.lines.order_by("pk").first()
    before = program_budget(submitted_claim.program)
    claim = _through_review(
        submitted_claim, chain_staff, cut=(line.pk, 6 * WAN, "发票金额与合同不符，核减3万元")
    )
    assert (claim.claimed_fen, claim.approved_fen, claim.cut_fen) == (18 * WAN, 15 * WAN, 3 * WAN)
    _noticed_and_closed(claim, chain_staff[2])
    services.claim_pay(actor=chain_staff[3], claim_id=claim.pk)
    after = program_budget(claim.program)
    # 15万 paid to the provider; the 3万 cut returns to the unallocated budget
    assert after.paid_fen - before.paid_fen == 15 * WAN
    assert after.unallocated_fen - before.unallocated_fen == 3 * WAN
    assert after.deducted_fen == before.deducted_fen - 18 * WAN
    assert ledger_problems() == []


def test_payment_waits_for_the_notice_window_and_objections(submitted_claim, chain_staff, make_org):
    claim = _through_review(submitted_claim, chain_staff)
    notice = services.notice_publish(
        actor=chain_staff[2], program_id=claim.program_id, claim_ids=[claim.pk], days=5
    )
    with pytest.raises(DomainError, match="公示期"):
        services.claim_pay(actor=chain_staff[3], claim_id=claim.pk)
    objection = services.objection_raise(
        actor=make_org("柳州市异议企业有限公司").owner,
        notice_id=notice.pk,
        content="该机构服务未实际开展",
        claim_id=claim.pk,
    )
    type(notice).objects.filter(pk=notice.pk).update(
        objection_until=timezone.localdate() - dt.timedelta(days=1)
    )
    with pytest.raises(DomainError, match="异议"):
        services.claim_pay(actor=chain_staff[3], claim_id=claim.pk)
    services.objection_answer(
        actor=chain_staff[2], objection_id=objection.pk, answer="经核实服务已开展", upheld=False
    )
    services.claim_pay(actor=chain_staff[3], claim_id=claim.pk)
    claim.refresh_from_db()
    assert claim.status == S.PAID


def test_only_finance_pays(submitted_claim, chain_staff):
    claim = _through_review(submitted_claim, chain_staff)
    _noticed_and_closed(claim, chain_staff[2])
    with pytest.raises(DomainError, match="财务"):
        services.claim_pay(actor=chain_staff[2], claim_id=claim.pk)


def test_objections_close_with_the_window_and_are_answered_in_the_claims_region(
    submitted_claim, chain_staff, make_staff, make_org
):
    claim = _through_review(submitted_claim, chain_staff)
    notice = services.notice_publish(
        actor=chain_staff[2], program_id=claim.program_id, claim_ids=[claim.pk], days=5
    )
    objection = services.objection_raise(
        actor=make_org("柳州市异议二号有限公司").owner,
        notice_id=notice.pk,
        content="异议",
        claim_id=claim.pk,
    )
    # an approver of another city cannot answer it
    nanning_approver = make_staff(region_code="4501", roles=("approver",), phone="13800000050")
    with pytest.raises(DomainError) as refused:
        services.objection_answer(
            actor=nanning_approver, objection_id=objection.pk, answer="x", upheld=True
        )
    assert refused.value.status == 404
    # once the window has closed, no more objections are taken
    type(notice).objects.filter(pk=notice.pk).update(
        objection_until=timezone.localdate() - dt.timedelta(days=1)
    )
    with pytest.raises(DomainError, match="公示期已结束"):
        services.objection_raise(
            actor=make_org("柳州市异议三号有限公司").owner, notice_id=notice.pk, content="迟到"
        )
    # an upheld objection rejects the claim and frees its orders
    services.objection_answer(
        actor=chain_staff[2], objection_id=objection.pk, answer="属实", upheld=True
    )
    claim.refresh_from_db()
    assert claim.status == S.REJECTED
    assert not ClaimLine.objects.filter(claim=claim, live=True).exists()
