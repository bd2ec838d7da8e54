"""Quota applications: the amount from the rules, the review, and the voucher issued."""

import pytest

from smevoucher.core.errors import DomainError
from smevoucher.quotas.choices import ApplicationStatus
from smevoucher.quotas.selectors import quota_quote
from smevoucher.quotas.services import quota_apply, quota_resubmit
from smevoucher.reviews.models import Review
from smevoucher.reviews.services import review_transition
from smevoucher.uploads.services import upload_create
from smevoucher.vouchers.checks import ledger_problems

from .conftest import WAN, approve

pytestmark = pytest.mark.django_db


def proof(user):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return upload_create(
        actor=user,
        uploaded=SimpleUploadedFile("担保合同.pdf", buffer.getvalue()),
        purpose="quota_proof",
    )


def test_a_little_giant_gets_30_wan_and_a_plain_above_scale_enterprise_5_wan(
    guangxi, certified, listed
):
    version = guangxi.versions.get()
    listed(certified, "above_scale")
    assert quota_quote(org=certified, version=version, voucher_type="general").amount_fen == 5 * WAN
    # the highest tier any class gives wins
    listed(certified, "little_giant")
    quote = quota_quote(org=certified, version=version, voucher_type="general")
    assert quote.amount_fen == 30 * WAN
    assert quote.tier_key == "t30"


def test_an_enterprise_on_no_list_may_not_apply_for_the_general_voucher(
    guangxi, certified, enterprise_user
):
    with pytest.raises(DomainError, match="企业名单") as refused:
        quota_apply(actor=enterprise_user, program_id=guangxi.pk, voucher_type="general")
    assert refused.value.code == "quota.not_listed"


def test_an_uncertified_enterprise_may_not_apply(guangxi, other_enterprise_user):
    with pytest.raises(DomainError) as refused:
        quota_apply(actor=other_enterprise_user, program_id=guangxi.pk, voucher_type="general")
    assert refused.value.code == "quota.not_certified"


def test_general_voucher_is_issued_on_approval(
    guangxi, certified, listed, enterprise_user, province_reviewer
):
    listed(certified, "gx_srdi_sme")
    application = quota_apply(actor=enterprise_user, program_id=guangxi.pk, voucher_type="general")
    assert (application.status, application.amount_fen) == (ApplicationStatus.SUBMITTED, 20 * WAN)
    approve(application, province_reviewer)
    application.refresh_from_db()
    voucher = application.voucher
    assert application.status == ApplicationStatus.APPROVED
    assert voucher.number.startswith("SVC")
    assert (voucher.total_fen, voucher.available_fen, voucher.used_fen) == (20 * WAN, 20 * WAN, 0)
    assert ledger_problems() == []
    # and a second application for the same type finds the quota used up
    with pytest.raises(DomainError) as refused:
        quota_apply(actor=enterprise_user, program_id=guangxi.pk, voucher_type="general")
    assert refused.value.code == "quota.used_up"


def test_one_open_application_per_type(guangxi, certified, listed, enterprise_user):
    listed(certified, "above_scale")
    quota_apply(actor=enterprise_user, program_id=guangxi.pk, voucher_type="general")
    with pytest.raises(DomainError) as refused:
        quota_apply(actor=enterprise_user, program_id=guangxi.pk, voucher_type="general")
    assert refused.value.code == "quota.already_open"


def test_a_guarantee_request_above_half_the_fee_is_refused_with_the_reason(
    guangxi, certified, enterprise_user
):
    # a guarantee fee of 30万 allows at most 15万
    with pytest.raises(DomainError) as refused:
        quota_apply(
            actor=enterprise_user,
            program_id=guangxi.pk,
            voucher_type="guarantee",
            base_fen=30 * WAN,
            requested_fen=15 * WAN + 1,
            proof_upload_id=proof(enterprise_user).pk,
        )
    assert refused.value.code == "quota.over_formula"
    assert "实际担保费的50%" in refused.value.message
    assert "150,000.00" in refused.value.message
    application = quota_apply(
        actor=enterprise_user,
        program_id=guangxi.pk,
        voucher_type="guarantee",
        base_fen=30 * WAN,
        requested_fen=15 * WAN,
        proof_upload_id=proof(enterprise_user).pk,
    )
    assert application.amount_fen == 15 * WAN


def test_special_vouchers_are_capped_per_year(
    guangxi, certified, enterprise_user, province_reviewer
):
    # leasing: at most 50万 a year, whatever the base allows
    with pytest.raises(DomainError) as refused:
        quota_apply(
            actor=enterprise_user,
            program_id=guangxi.pk,
            voucher_type="leasing",
            base_fen=1_000 * WAN,
            requested_fen=50 * WAN + 1,
            proof_upload_id=proof(enterprise_user).pk,
        )
    assert refused.value.code == "quota.over_annual_cap"


def test_special_voucher_needs_its_contract_proof(guangxi, certified, enterprise_user):
    with pytest.raises(DomainError) as refused:
        quota_apply(
            actor=enterprise_user,
            program_id=guangxi.pk,
            voucher_type="guarantee",
            base_fen=10 * WAN,
            requested_fen=WAN,
        )
    assert refused.value.code == "quota.proof_required"


def test_returned_application_is_corrected_and_resubmitted(
    guangxi, certified, enterprise_user, province_reviewer
):
    application = quota_apply(
        actor=enterprise_user,
        program_id=guangxi.pk,
        voucher_type="guarantee",
        base_fen=30 * WAN,
        requested_fen=15 * WAN,
        proof_upload_id=proof(enterprise_user).pk,
    )
    review = Review.objects.get(kind="quota_application", object_id=str(application.pk))
    review_transition(
        actor=province_reviewer, review_id=review.pk, action="return", reason="担保费凭证不清晰"
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RETURNED
    application = quota_resubmit(
        actor=enterprise_user,
        application_id=application.pk,
        base_fen=20 * WAN,
        requested_fen=10 * WAN,
        proof_upload_id=proof(enterprise_user).pk,
    )
    assert (application.status, application.amount_fen) == (ApplicationStatus.SUBMITTED, 10 * WAN)


def test_approval_refused_when_the_budget_is_spent_leaves_the_application_open(
    make_program, certified, enterprise_user, province_reviewer
):
    from smevoucher.programs.models import EnterpriseClassification

    program = make_program(budget_fen=WAN)
    EnterpriseClassification.objects.create(
        program=program, uscc=certified.uscc, class_code="above_scale"
    )
    application = quota_apply(actor=enterprise_user, program_id=program.pk, voucher_type="general")
    with pytest.raises(DomainError) as refused:
        approve(application, province_reviewer)
    assert refused.value.code == "program.budget_exhausted"
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert ledger_problems() == []
