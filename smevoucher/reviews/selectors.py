"""Reads of reviews, scoped to who asks."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from smevoucher.core.errors import NotFound
from smevoucher.staff.permissions import in_jurisdiction, jurisdiction_filter

from .choices import WAITING_FOR_STAFF, ReviewAction
from .flow import REASON_REQUIRED, REVIEW_FLOW, may_act
from .models import Review


@dataclass(frozen=True)
class AllowedAction:
    action: str
    label: str
    needs_reason: bool


def review_allowed_actions(*, actor, review: Review) -> list[AllowedAction]:
    """The actions the table allows ``actor`` now: what the page offers as buttons.

    Each party's permission is decided once (the staff check reads the review's history),
    not once per row of the table."""
    decided: dict[str, bool] = {}
    allowed = []
    for (status, action), (_target, who) in REVIEW_FLOW.items():
        if status != review.status:
            continue
        if who not in decided:
            decided[who] = may_act(actor, review, who)
        if decided[who]:
            allowed.append(
                AllowedAction(action, str(ReviewAction(action).label), action in REASON_REQUIRED)
            )
    return allowed


def review_get_for_staff(*, actor, pk: int) -> Review:
    review = Review.objects.filter(pk=pk).first()
    if review is None or not actor.is_staff or not in_jurisdiction(actor, review.region_code):
        raise NotFound()
    return review


def review_queue(
    *, actor, kind: str = "", status: str = "", overdue: bool = False
) -> QuerySet[Review]:
    """The reviews in the staff member's region, oldest deadline first."""
    reviews = Review.objects.filter(jurisdiction_filter(actor, field="region_code")).select_related(
        "applicant"
    )
    if kind:
        reviews = reviews.filter(kind=kind)
    if status:
        reviews = reviews.filter(status=status)
    if overdue:
        reviews = reviews.filter(status__in=WAITING_FOR_STAFF, deadline__lt=timezone.localdate())
    return reviews


def review_latest_for_subject(*, subject) -> Review | None:
    from django.contrib.contenttypes.models import ContentType

    return (
        Review.objects.filter(
            content_type=ContentType.objects.get_for_model(subject), object_id=str(subject.pk)
        )
        .order_by("-submitted_at", "-pk")
        .first()
    )


def review_is_overdue(review: Review) -> bool:
    return bool(
        review.deadline
        and review.status in WAITING_FOR_STAFF
        and review.deadline < timezone.localdate()
    )
