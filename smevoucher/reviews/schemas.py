"""Request and response bodies of the review workflow's API.

These know nothing of the things reviewed: each domain shows an applicant the progress of
its own review with ``ReviewProgressOut``, and the staff API adds each kind's materials.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from .choices import ReviewAction, ReviewStatus
from .registry import review_kind
from .selectors import review_allowed_actions, review_is_overdue


def _viewer(context):
    """Who asked: the user the API authenticated (None outside a request)."""
    return getattr((context or {}).get("request"), "auth", None)


def _kind_label(key: str) -> str:
    try:
        return str(review_kind(key).label)
    except KeyError:
        return key


def _status_label(value: str) -> str:
    return str(ReviewStatus(value).label) if value in ReviewStatus.values else value


class ReviewEventOut(Schema):
    step_name: str = Field(..., max_length=50, description="环节名称")
    actor_label: str = Field(..., max_length=100, description="办理人")
    action: str = Field(..., max_length=20)
    action_label: str = Field(..., max_length=20)
    from_status: str = Field(..., max_length=20)
    to_status: str = Field(..., max_length=20)
    to_status_label: str = Field(..., max_length=20)
    reason: str = Field(..., max_length=1000, description="审核意见")
    at: dt.datetime

    @staticmethod
    def resolve_action_label(event) -> str:
        return str(ReviewAction(event.action).label)

    @staticmethod
    def resolve_to_status_label(event) -> str:
        return _status_label(event.to_status)


class ReviewProgressOut(Schema):
    """What the applicant sees of its review: where it stands, until when, and why."""

    id: int
    kind: str = Field(..., max_length=50)
    kind_label: str = Field(..., max_length=50)
    status: ReviewStatus
    status_label: str = Field(..., max_length=20)
    step_name: str = Field(..., max_length=50, description="当前环节")
    submitted_at: dt.datetime
    deadline: dt.date | None = Field(None, description="本环节办理期限（工作日计）")
    overdue: bool
    last_reason: str = Field(..., max_length=1000, description="最近一次审核意见")
    events: list[ReviewEventOut]

    @staticmethod
    def resolve_kind_label(review) -> str:
        return _kind_label(review.kind)

    @staticmethod
    def resolve_status_label(review) -> str:
        return _status_label(review.status)

    @staticmethod
    def resolve_overdue(review) -> bool:
        return review_is_overdue(review)

    @staticmethod
    def resolve_events(review):
        return review.events.all()


class AllowedActionOut(Schema):
    action: str = Field(..., max_length=20, examples=["approve"])
    label: str = Field(..., max_length=20, examples=["通过"])
    needs_reason: bool = Field(..., description="退回或驳回须填写原因")


class ReviewQueueItemOut(Schema):
    id: int
    kind: str = Field(..., max_length=50)
    kind_label: str = Field(..., max_length=50)
    subject_label: str = Field(..., max_length=200, description="申请事项")
    applicant_name: str = Field(..., max_length=100, description="申请人")
    region_code: str = Field(..., max_length=6)
    status: ReviewStatus
    status_label: str = Field(..., max_length=20)
    step_name: str = Field(..., max_length=50, description="当前环节")
    submitted_at: dt.datetime
    deadline: dt.date | None = Field(None, description="本环节办理期限（工作日计）")
    overdue: bool = Field(..., description="已超过办理期限")
    allowed_actions: list[AllowedActionOut] = Field(..., description="当前用户可执行的操作")

    @staticmethod
    def resolve_kind_label(review) -> str:
        return _kind_label(review.kind)

    @staticmethod
    def resolve_applicant_name(review) -> str:
        return review.applicant.display_name

    @staticmethod
    def resolve_status_label(review) -> str:
        return _status_label(review.status)

    @staticmethod
    def resolve_overdue(review) -> bool:
        return review_is_overdue(review)

    @staticmethod
    def resolve_allowed_actions(review, context):
        viewer = _viewer(context)
        return review_allowed_actions(actor=viewer, review=review) if viewer else []


class ChainStepOut(Schema):
    name: str = Field(..., max_length=50)
    role: str = Field(..., max_length=20)
    working_days: int


class ReviewDetailBase(ReviewQueueItemOut):
    """A review as staff handle it; the API adds the materials of the thing reviewed."""

    chain: list[ChainStepOut] = Field(..., description="审核流程")
    step: int = Field(..., description="当前环节序号（从0开始）")
    handler_name: str = Field(..., max_length=100, description="受理人员")
    last_reason: str = Field(..., max_length=1000)
    decided_at: dt.datetime | None
    events: list[ReviewEventOut]

    @staticmethod
    def resolve_handler_name(review) -> str:
        return review.handler.display_name if review.handler_id else ""

    @staticmethod
    def resolve_events(review):
        return review.events.all()


StaffAction = Literal["start", "approve", "return", "reject"]


class ReviewActionIn(Schema):
    action: StaffAction = Field(
        ..., description="start 开始审核 / approve 通过 / return 退回修改 / reject 驳回"
    )
    reason: str = Field("", max_length=1000, description="审核意见；退回或驳回时必填")


class ReviewQueueFilter(Schema):
    kind: str = Field("", max_length=50, description="审核事项，如 org_certification")
    status: ReviewStatus | None = Field(None, description="状态")
    overdue: bool = Field(False, description="只看已超期的")
