"""How reviews move organizations: certification and key-field changes."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smevoucher.core.crypto import blind_index
from smevoucher.core.privacy import mask_id_number
from smevoucher.reviews.registry import ChainStep, ReviewKind, register_review_kind
from smevoucher.staff.choices import StaffRole

from .choices import CertStatus, ChangeStatus
from .models import Organization, OrgChange, OrgHistory


def _set_status(org: Organization, status: str, **extra) -> None:
    org.status = status
    for key, value in extra.items():
        setattr(org, key, value)
    org.save(update_fields=["status", *extra.keys(), "updated_at"])


def _cert_submitted(*, subject: Organization, **_kw) -> None:
    _set_status(subject, CertStatus.SUBMITTED)


def _cert_approved(*, subject: Organization, **_kw) -> None:
    _set_status(subject, CertStatus.APPROVED, certified_at=timezone.now())


def _cert_returned(*, subject: Organization, **_kw) -> None:
    _set_status(subject, CertStatus.RETURNED)


def _cert_rejected(*, subject: Organization, **_kw) -> None:
    _set_status(subject, CertStatus.REJECTED)


def _cert_withdrawn(*, subject: Organization, **_kw) -> None:
    _set_status(subject, CertStatus.DRAFT)


KEY_FIELDS = (
    "name",
    "region_code",
    "address",
    "legal_rep_name",
    "legal_rep_id_type",
    "legal_rep_id_number",
)


def _shown(field: str, value: str) -> str:
    return mask_id_number(value) if field == "legal_rep_id_number" else str(value)


def _change_approved(*, subject: OrgChange, **_kw) -> None:
    org = Organization.objects.select_for_update().get(pk=subject.org_id)
    new_values = {
        "name": subject.name,
        "region_code": subject.region.code,
        "address": subject.address,
        "legal_rep_name": subject.legal_rep_name,
        "legal_rep_id_type": subject.legal_rep_id_type,
        "legal_rep_id_number": subject.legal_rep_id_number,
    }
    for field in KEY_FIELDS:
        old = getattr(org, field)
        if old != new_values[field]:
            OrgHistory.objects.create(
                org=org,
                change=subject,
                field=field,
                old_value=_shown(field, old),
                new_value=_shown(field, new_values[field]),
            )
    org.name = subject.name
    org.region = subject.region
    org.region_code = subject.region.code
    org.address = subject.address
    org.legal_rep_name = subject.legal_rep_name
    org.legal_rep_id_type = subject.legal_rep_id_type
    org.legal_rep_id_number = subject.legal_rep_id_number
    org.legal_rep_id_index = blind_index(subject.legal_rep_id_number, purpose="id_number")
    org.save()
    _change_status(subject, ChangeStatus.APPROVED)


def _change_status(change: OrgChange, status: str) -> None:
    change.status = status
    fields = ["status"]
    if status in (ChangeStatus.APPROVED, ChangeStatus.REJECTED, ChangeStatus.WITHDRAWN):
        change.decided_at = timezone.now()
        fields.append("decided_at")
    change.save(update_fields=fields)


register_review_kind(
    ReviewKind(
        key="org_certification",
        label=_("机构信息认证"),
        default_chain=(ChainStep(name=_("服务中心审核"), role=StaffRole.REVIEWER, working_days=2),),
        on_submitted=_cert_submitted,
        on_approved=_cert_approved,
        on_returned=_cert_returned,
        on_rejected=_cert_rejected,
        on_withdrawn=_cert_withdrawn,
        materials_template="orgs/review_materials.html",
    )
)

register_review_kind(
    ReviewKind(
        key="org_change",
        label=_("机构信息变更"),
        default_chain=(ChainStep(name=_("服务中心审核"), role=StaffRole.REVIEWER, working_days=2),),
        on_submitted=lambda *, subject, **_kw: _change_status(subject, ChangeStatus.PENDING),
        on_approved=_change_approved,
        on_returned=lambda *, subject, **_kw: _change_status(subject, ChangeStatus.RETURNED),
        on_rejected=lambda *, subject, **_kw: _change_status(subject, ChangeStatus.REJECTED),
        on_withdrawn=lambda *, subject, **_kw: _change_status(subject, ChangeStatus.WITHDRAWN),
        materials_template="orgs/review_change_materials.html",
    )
)
