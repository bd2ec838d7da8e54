"""The review workflow's table and its guards: who may take which action, from where."""

from __future__ import annotations

from smevoucher.staff.permissions import has_role, in_jurisdiction

from .choices import ReviewAction, ReviewStatus
from .models import Review

S = ReviewStatus
A = ReviewAction

STAFF = "staff"
APPLICANT = "applicant"
NEXT = "next"  # approve: the next step, or approved after the last one

# (status, action) -> (target status, who may)
REVIEW_FLOW: dict[tuple[str, str], tuple[str, str]] = {
    (S.SUBMITTED, A.START): (S.UNDER_REVIEW, STAFF),
    (S.SUBMITTED, A.APPROVE): (NEXT, STAFF),
    (S.UNDER_REVIEW, A.APPROVE): (NEXT, STAFF),
    (S.SUBMITTED, A.RETURN): (S.RETURNED, STAFF),
    (S.UNDER_REVIEW, A.RETURN): (S.RETURNED, STAFF),
    (S.SUBMITTED, A.REJECT): (S.REJECTED, STAFF),
    (S.UNDER_REVIEW, A.REJECT): (S.REJECTED, STAFF),
    (S.RETURNED, A.RESUBMIT): (S.SUBMITTED, APPLICANT),
    (S.SUBMITTED, A.WITHDRAW): (S.WITHDRAWN, APPLICANT),
    (S.RETURNED, A.WITHDRAW): (S.WITHDRAWN, APPLICANT),
}
REASON_REQUIRED = {A.RETURN, A.REJECT}


def acted_earlier_this_round(review: Review, actor) -> bool:
    """Whether ``actor`` submitted this round or approved an earlier step of it."""
    events = list(review.events.order_by("-at", "-pk"))
    for event in events:
        if event.action in (A.SUBMIT, A.RESUBMIT):
            return event.actor_id == actor.pk
        if event.action == A.APPROVE and event.step < review.step and event.actor_id == actor.pk:
            return True
    return False


def may_act(actor, review: Review, who: str) -> bool:
    if who == APPLICANT:
        return review.applicant_id == actor.pk
    return (
        has_role(actor, review.step_role)
        and in_jurisdiction(actor, review.region_code)
        and not acted_earlier_this_round(review, actor)
    )
