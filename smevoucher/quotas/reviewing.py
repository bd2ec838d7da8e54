"""How the review of a quota application moves it, and issues the voucher on approval."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smevoucher.reviews.registry import ChainStep, ReviewKind, register_review_kind
from smevoucher.staff.choices import StaffRole

from .choices import ApplicationStatus
from .models import QuotaApplication


def _status(application: QuotaApplication, status: str) -> None:
    application.status = status
    fields = ["status"]
    if status in (
        ApplicationStatus.APPROVED,
        ApplicationStatus.REJECTED,
        ApplicationStatus.WITHDRAWN,
    ):
        application.decided_at = timezone.now()
        fields.append("decided_at")
    application.save(update_fields=fields)


def _approved(*, subject: QuotaApplication, actor, **_kw) -> None:
    from smevoucher.quotas.selectors import quota_quote
    from smevoucher.vouchers.services import voucher_issue

    application = QuotaApplication.objects.select_for_update().get(pk=subject.pk)
    version = application.program_version
    rule = version.parsed.voucher_type(application.voucher_type)
    quote = quota_quote(
        org=application.org,
        version=version,
        voucher_type=application.voucher_type,
        base_fen=application.base_fen,
        requested_fen=application.amount_fen if rule.amount_mode == "requested" else None,
    )
    quota_fen = quote.quota_fen or application.amount_fen
    voucher = voucher_issue(
        actor=actor,
        program_version=version,
        org=application.org,
        voucher_type=application.voucher_type,
        amount_fen=application.amount_fen,
        quota_fen=quota_fen,
        idempotency_key=f"quota-application:{application.pk}",
        batch_key=application.batch_key,
        use_deadline=quote.use_deadline,
        ref=f"quota:{application.pk}",
        record=False,  # the review's approval is the one audit record of this change
    )
    application.voucher = voucher
    application.save(update_fields=["voucher"])
    _status(application, ApplicationStatus.APPROVED)


register_review_kind(
    ReviewKind(
        key="quota_application",
        label=_("服务券配额申请"),
        default_chain=(ChainStep(name=_("配额审核"), role=StaffRole.REVIEWER, working_days=2),),
        on_submitted=lambda *, subject, **_kw: _status(subject, ApplicationStatus.SUBMITTED),
        on_approved=_approved,
        on_returned=lambda *, subject, **_kw: _status(subject, ApplicationStatus.RETURNED),
        on_rejected=lambda *, subject, **_kw: _status(subject, ApplicationStatus.REJECTED),
        on_withdrawn=lambda *, subject, **_kw: _status(subject, ApplicationStatus.WITHDRAWN),
        materials_template="quotas/review_materials.html",
    )
)
