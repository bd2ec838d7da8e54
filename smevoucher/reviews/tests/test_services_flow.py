"""The review workflow as a whole: every (status, action) pair, allowed or refused."""

import itertools

import pytest

from conftest import VALID_ID, make_uscc
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.orgs.services import org_save, org_submit
from smevoucher.reviews.choices import ReviewAction, ReviewStatus
from smevoucher.reviews.flow import APPLICANT, NEXT, REVIEW_FLOW, STAFF
from smevoucher.reviews.models import Review, ReviewChainStep
from smevoucher.reviews.services import review_transition

pytestmark = pytest.mark.django_db

ALL_PAIRS = list(itertools.product(ReviewStatus.values, ReviewAction.values))


@pytest.fixture
def submitted(enterprise_user, send_certify_code):
    """An enterprise's certification, submitted and waiting for the Liuzhou reviewers."""
    org = org_save(
        actor=enterprise_user,
        kind="enterprise",
        name="柳州市流程测试有限公司",
        uscc=make_uscc(11),
        region_code="450202",
        address="",
        legal_rep_name="张三",
        legal_rep_id_type="resident_id",
        legal_rep_id_number=VALID_ID,
    )
    org_submit(
        actor=enterprise_user,
        org_id=org.pk,
        sms_code=send_certify_code(enterprise_user),
        agreed=True,
    )
    return Review.objects.get(object_id=str(org.pk))


def _force_status(review: Review, status: str) -> Review:
    # Test setup only: put the review in the state whose outgoing pairs are checked.
    Review.objects.filter(pk=review.pk).update(status=status)
    review.refresh_from_db()
    return review


@pytest.mark.parametrize(("status", "action"), ALL_PAIRS)
def test_every_status_action_pair(status, action, submitted, enterprise_user, liuzhou_reviewer):
    # given a review in ``status``
    review = _force_status(submitted, status)
    allowed = REVIEW_FLOW.get((status, action))
    actor = enterprise_user if allowed and allowed[1] == APPLICANT else liuzhou_reviewer
    # when the action is taken by the party the table names (a reviewer when none)
    if allowed is None:
        with pytest.raises(DomainError) as refused:
            review_transition(actor=actor, review_id=review.pk, action=action, reason="原因")
        # then a pair outside the table is refused and nothing moves
        assert refused.value.code == "review.invalid_action"
        assert Review.objects.get(pk=review.pk).status == status
        return
    review = review_transition(actor=actor, review_id=review.pk, action=action, reason="原因")
    # then it lands where the table says (approve of a one-step chain: approved)
    expected = ReviewStatus.APPROVED if allowed[0] == NEXT else allowed[0]
    assert review.status == expected


@pytest.mark.parametrize(
    ("status", "action"), [pair for pair, (_, who) in REVIEW_FLOW.items() if who == STAFF]
)
def test_staff_actions_are_refused_to_the_applicant(status, action, submitted, enterprise_user):
    review = _force_status(submitted, status)
    with pytest.raises(DomainError) as refused:
        review_transition(actor=enterprise_user, review_id=review.pk, action=action, reason="原因")
    assert refused.value.code == "review.forbidden"


@pytest.mark.parametrize(
    ("status", "action"), [pair for pair, (_, who) in REVIEW_FLOW.items() if who == APPLICANT]
)
def test_applicant_actions_are_refused_to_staff(status, action, submitted, liuzhou_reviewer):
    review = _force_status(submitted, status)
    with pytest.raises(DomainError) as refused:
        review_transition(actor=liuzhou_reviewer, review_id=review.pk, action=action)
    assert refused.value.code == "review.forbidden"


def test_another_users_review_is_not_found(submitted, other_enterprise_user, nanning_reviewer):
    with pytest.raises(NotFound):
        review_transition(actor=other_enterprise_user, review_id=submitted.pk, action="withdraw")
    with pytest.raises(NotFound):
        review_transition(actor=nanning_reviewer, review_id=submitted.pk, action="approve")


def test_staff_without_the_steps_role_may_not_act(submitted, make_staff):
    auditor = make_staff(region_code="4502", roles=("auditor",))
    with pytest.raises(DomainError) as refused:
        review_transition(actor=auditor, review_id=submitted.pk, action="approve")
    assert refused.value.code == "review.forbidden"


@pytest.mark.parametrize("action", ["return", "reject"])
def test_return_and_reject_need_a_reason(action, submitted, liuzhou_reviewer):
    with pytest.raises(DomainError) as refused:
        review_transition(
            actor=liuzhou_reviewer, review_id=submitted.pk, action=action, reason="  "
        )
    assert refused.value.code == "review.reason_required"
    assert Review.objects.get(pk=submitted.pk).status == ReviewStatus.SUBMITTED


def test_reason_is_recorded_and_shown_to_the_applicant(
    submitted, liuzhou_reviewer, enterprise_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        review_transition(
            actor=liuzhou_reviewer, review_id=submitted.pk, action="return", reason="请补充注册地址"
        )
    event = submitted.events.order_by("-pk").first()
    assert (event.actor_id, event.action, event.reason) == (
        liuzhou_reviewer.pk,
        "return",
        "请补充注册地址",
    )
    inbox = enterprise_user.inbox_messages.order_by("-pk").first()
    assert inbox is not None
    assert "请补充注册地址" in inbox.body


def test_at_most_one_open_review_per_subject(submitted, enterprise_user):
    from smevoucher.orgs.models import Organization
    from smevoucher.reviews.services import review_submit

    org = Organization.objects.get(pk=submitted.object_id)
    with pytest.raises(DomainError) as refused:
        review_submit(
            actor=enterprise_user,
            subject=org,
            kind="org_certification",
            region_code="450202",
            label="x",
        )
    assert refused.value.code == "review.already_open"
    assert Review.objects.filter(object_id=str(org.pk)).count() == 1


def test_multi_step_chain_separates_duties(submitted, make_staff):
    # given a two-step chain (as redemption will have) configured by the admin
    ReviewChainStep.objects.create(
        kind="org_certification", position=0, name="初审", role="reviewer"
    )
    ReviewChainStep.objects.create(
        kind="org_certification", position=1, name="复核", role="reviewer"
    )
    Review.objects.filter(pk=submitted.pk).update(
        chain=[
            {"name": "初审", "role": "reviewer", "working_days": 2},
            {"name": "复核", "role": "reviewer", "working_days": 1},
        ]
    )
    first = make_staff(region_code="4502", roles=("reviewer",))
    second = make_staff(region_code="45", roles=("reviewer",))
    # when the first reviewer approves step one
    review = review_transition(actor=first, review_id=submitted.pk, action="approve")
    assert (review.status, review.step) == (ReviewStatus.SUBMITTED, 1)
    # then the same person may not approve the next step
    with pytest.raises(DomainError) as refused:
        review_transition(actor=first, review_id=submitted.pk, action="approve")
    assert refused.value.code == "review.same_person"
    # and another reviewer may
    review = review_transition(actor=second, review_id=submitted.pk, action="approve")
    assert review.status == ReviewStatus.APPROVED


def test_resubmission_restarts_the_chain_and_the_deadline(
    submitted, liuzhou_reviewer, enterprise_user
):
    review_transition(
        actor=liuzhou_reviewer, review_id=submitted.pk, action="return", reason="缺少材料"
    )
    review = review_transition(actor=enterprise_user, review_id=submitted.pk, action="resubmit")
    assert (review.status, review.step) == (ReviewStatus.SUBMITTED, 0)
    assert review.deadline is not None
