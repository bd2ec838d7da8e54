"""The staff workbench over JSON: the review queue of one's region, an item, its actions.

Only staff come here (403 for anyone else); an item outside the staff member's region
answers 404, as if it did not exist. The workflow's table decides every action.
"""

# No postponed annotations: ninja reads the paginated view's hints in its own module.

from django.core.exceptions import PermissionDenied
from ninja import Field, Query, Router
from ninja.pagination import paginate

from smevoucher.api.schemas import ObjectId, Pagination
from smevoucher.core.access import CITY1, CITY2, MISSING, PROVINCE, STAFF_ONLY, access, allow
from smevoucher.orgs.models import Organization, OrgChange
from smevoucher.orgs.schemas import ChangeOut, OrgMaterialsOut

from .models import Review
from .schemas import ReviewActionIn, ReviewDetailBase, ReviewQueueFilter, ReviewQueueItemOut
from .selectors import review_get_for_staff, review_queue
from .services import review_transition

router = Router(tags=["审核工作台"])


class ReviewDetailOut(ReviewDetailBase):
    """A review with the materials of what is reviewed, one field per kind of thing.

    Composed here rather than in reviews.schemas: the domains reviewed import that module
    for their applicants' progress, so it cannot import them back.
    """

    organization: OrgMaterialsOut | None = Field(
        None, description="机构材料（机构认证与信息变更）；变更申请时为现有信息"
    )
    org_change: ChangeOut | None = Field(None, description="申请变更为的信息（信息变更）")


def _staff(request):
    if not request.auth.is_staff:
        raise PermissionDenied
    return request.auth


def _detail(review: Review) -> Review:
    """The review with its subject's materials attached for ReviewDetailOut."""
    subject = review.content_type.get_object_for_this_type(pk=review.object_id)
    review.organization = review.org_change = None
    if isinstance(subject, Organization):
        review.organization = subject
    elif isinstance(subject, OrgChange):
        review.organization, review.org_change = subject.org, subject
    return review


@router.get("", response=list[ReviewQueueItemOut], summary="本辖区审核队列（期限早的在前）")
@paginate(Pagination, page_size=20)
@access(STAFF_ONLY)
def review_list(request, filters: Query[ReviewQueueFilter]):
    actor = _staff(request)
    return review_queue(
        actor=actor,
        kind=filters.kind,
        status=filters.status or "",
        overdue=filters.overdue,
    )


@router.get("/{review_id}", response=ReviewDetailOut, summary="审核事项详情与申请材料")
@access(STAFF_ONLY | {CITY2: MISSING}, sample="review")
def review_detail(request, review_id: ObjectId):
    actor = _staff(request)
    return _detail(review_get_for_staff(actor=actor, pk=review_id))


# The demand's review step is the reviewers': approver, finance and sysadmin may not act.
@router.post("/{review_id}/actions", response=ReviewDetailOut, summary="办理审核（通过/退回/驳回）")
@access(allow(CITY1, PROVINCE) | {CITY2: MISSING}, sample="review", data={"action": "approve"})
def review_act(request, review_id: ObjectId, payload: ReviewActionIn):
    actor = _staff(request)
    review_transition(
        actor=actor, review_id=review_id, action=payload.action, reason=payload.reason
    )
    return _detail(review_get_for_staff(actor=actor, pk=review_id))
