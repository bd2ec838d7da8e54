"""Writes of quota applications (配额申请 / 领券资格认证); the review workflow decides them
and, on approval, the voucher is issued from the program budget (quotas.reviewing)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from smevoucher.audit.services import audit_record
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.orgs.selectors import org_acting_for
from smevoucher.programs.models import Program, ProgramStatus
from smevoucher.programs.selectors import program_version_at
from smevoucher.reviews.choices import ReviewAction
from smevoucher.reviews.selectors import review_latest_for_subject
from smevoucher.reviews.services import review_submit, review_transition
from smevoucher.uploads.models import Upload

from .choices import ApplicationStatus
from .models import QuotaApplication
from .selectors import quota_quote


def _proof(actor, upload_id, required: bool) -> Upload | None:
    if not upload_id:
        if required:
            raise DomainError("quota.proof_required", _("请上传相关的合同凭证"), field="proof")
        return None
    upload = Upload.objects.filter(pk=upload_id, owner=actor, purpose="quota_proof").first()
    if upload is None:
        raise DomainError("quota.proof_invalid", _("合同凭证文件无效，请重新上传"), field="proof")
    return upload


def quota_apply(
    *,
    actor,
    program_id: int,
    voucher_type: str,
    requested_fen: int | None = None,
    base_fen: int | None = None,
    proof_upload_id=None,
) -> QuotaApplication:
    """Apply for a voucher type's quota; the amount follows from the rules in force now."""
    org = org_acting_for(actor)
    program = Program.objects.filter(pk=program_id, status=ProgramStatus.ACTIVE).first()
    if program is None:
        raise NotFound()
    version = program_version_at(program=program)
    quote = quota_quote(
        org=org,
        version=version,
        voucher_type=voucher_type,
        base_fen=base_fen,
        requested_fen=requested_fen,
    )
    if not quote.eligible:
        raise DomainError(
            quote.code,
            quote.reason,
            field="amount" if quote.code.startswith("quota.over") else None,
        )
    rule = version.parsed.voucher_type(voucher_type)
    proof = _proof(actor, proof_upload_id, rule.requires_proof)
    try:
        with transaction.atomic():
            application = QuotaApplication.objects.create(
                program=program,
                program_version=version,
                org=org,
                applicant=actor,
                voucher_type=voucher_type,
                type_name=rule.name,
                tier_key=quote.tier_key,
                tier_name=quote.tier_name,
                classes=quote.classes,
                base_fen=base_fen if rule.amount_mode == "requested" else None,
                amount_fen=quote.amount_fen,
                proof=proof,
                batch_key=quote.batch_key,
            )
            review_submit(
                actor=actor,
                subject=application,
                kind="quota_application",
                region_code=org.region_code,
                label=f"{org.name} · {rule.name}",
            )
            audit_record(
                actor=actor,
                subject=application,
                action="quota.applied",
                to_state=application.status,
                data={
                    "program": program.code,
                    "type": voucher_type,
                    "amount_fen": quote.amount_fen,
                },
            )
    except IntegrityError as exc:
        raise DomainError(
            "quota.already_open", _("该券种已有待审核的申请，请勿重复提交"), status=409
        ) from exc
    return application


def quota_resubmit(
    *,
    actor,
    application_id: int,
    requested_fen: int | None = None,
    base_fen: int | None = None,
    proof_upload_id=None,
) -> QuotaApplication:
    """Correct a returned application and send it back; it keeps the rules it was filed under."""
    org = org_acting_for(actor)
    with transaction.atomic():
        application = (
            QuotaApplication.objects.select_for_update().filter(pk=application_id, org=org).first()
            if org
            else None
        )
        if application is None:
            raise NotFound()
        if application.status != ApplicationStatus.RETURNED:
            raise DomainError("quota.not_returned", _("只有退回修改的申请可以重新提交"), status=409)
        version = application.program_version
        rule = version.parsed.voucher_type(application.voucher_type)
        if rule.amount_mode != "requested":
            requested_fen, base_fen = None, None
        quote = quota_quote(
            org=org,
            version=version,
            voucher_type=application.voucher_type,
            base_fen=base_fen,
            requested_fen=requested_fen,
        )
        if not quote.eligible:
            raise DomainError(
                quote.code,
                quote.reason,
                field="amount" if quote.code.startswith("quota.over") else None,
            )
        proof = _proof(actor, proof_upload_id, False) or application.proof
        if rule.requires_proof and proof is None:
            raise DomainError("quota.proof_required", _("请上传相关的合同凭证"), field="proof")
        application.amount_fen = quote.amount_fen
        application.base_fen = base_fen
        application.tier_key, application.tier_name, application.classes = (
            quote.tier_key,
            quote.tier_name,
            quote.classes,
        )
        application.proof = proof
        application.save(
            update_fields=["amount_fen", "base_fen", "tier_key", "tier_name", "classes", "proof"]
        )
        review = review_latest_for_subject(subject=application)
        # The review records the resubmission (the one audit record) and moves the status.
        review_transition(actor=actor, review_id=review.pk, action=ReviewAction.RESUBMIT)
    application.refresh_from_db()
    return application
