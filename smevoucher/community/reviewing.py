"""The review of an enterprise demand before it is published (Guangxi: 待处理 → 已发布)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from smevoucher.reviews.registry import ChainStep, ReviewKind, register_review_kind
from smevoucher.staff.choices import StaffRole

from .models import DemandStatus


def _to(status: str):
    def moved(*, subject, **_kw) -> None:
        from .services import on_demand_review

        on_demand_review(demand_id=subject.pk, status=status)

    return moved


def _materials(subject, viewer) -> dict:
    return {"demand": subject}


register_review_kind(
    ReviewKind(
        key="demand",
        label=_("企业需求发布"),
        default_chain=(ChainStep(name=_("需求审核"), role=StaffRole.REVIEWER, working_days=2),),
        on_submitted=_to(DemandStatus.PENDING),
        on_started=_to(DemandStatus.REVIEWING),
        on_approved=_to(DemandStatus.PUBLISHED),
        on_returned=_to(DemandStatus.RETURNED),
        on_rejected=_to(DemandStatus.REJECTED),
        on_withdrawn=_to(DemandStatus.CLOSED),
        materials_template="community/demand_materials.html",
        materials_context=_materials,
    )
)
