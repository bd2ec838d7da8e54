"""The review chain of a redemption claim (兑现审核), Liuzhou's and Guangdong's by default:
service center initial review → paper materials received → industry bureau approval →
finance bureau approval. Staff may change the chain (the review chain editor); a step whose
name starts with 纸质材料 cannot be approved before the paper materials are registered."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smevoucher.reviews.registry import ChainStep, ReviewKind, register_review_kind
from smevoucher.staff.choices import StaffRole

PAPER_STEP = "纸质材料"


def _moved(outcome: str):
    def moved(*, subject, **_kw) -> None:
        from .services import on_review_moved

        on_review_moved(claim_id=subject.pk, outcome=outcome)

    return moved


def _paper_first(*, subject, review, action) -> str | None:
    if (
        action == "approve"
        and review.step_name.startswith(PAPER_STEP)
        and not subject.paper_receipt_number
    ):
        return _("请先登记纸质材料接收，再审核通过本环节")
    return None


def _dossier(subject, viewer) -> dict:
    from .selectors import claim_dossier

    return claim_dossier(claim=subject, viewer=viewer)


register_review_kind(
    ReviewKind(
        key="redemption",
        label=gettext_lazy("服务券兑现申请"),
        default_chain=(
            ChainStep(name=gettext_lazy("服务中心初审"), role=StaffRole.REVIEWER, working_days=5),
            ChainStep(name=gettext_lazy("纸质材料接收"), role=StaffRole.REVIEWER, working_days=5),
            ChainStep(name=gettext_lazy("工信局审批"), role=StaffRole.APPROVER, working_days=5),
            ChainStep(name=gettext_lazy("财政局审批"), role=StaffRole.FINANCE, working_days=5),
        ),
        on_submitted=_moved("submitted"),
        on_approved=_moved("approved"),
        on_returned=_moved("returned"),
        on_rejected=_moved("rejected"),
        on_withdrawn=_moved("withdrawn"),
        step_guard=_paper_first,
        materials_template="settlements/review_materials.html",
        materials_context=_dossier,
    )
)
