"""The one review workflow: submit, then staff act step by step; the applicant may resubmit.

Every move goes through ``review_transition``: the table says from which status an action
may be taken and by whom; the guards check role, jurisdiction and separation of duties.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smevoucher.audit.services import audit_record
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.core.i18n import platform_text
from smevoucher.notifications.services import notify
from smevoucher.staff.choices import StaffRole
from smevoucher.staff.permissions import has_role, in_jurisdiction, is_sysadmin

from .choices import ReviewAction, ReviewStatus
from .flow import (
    NEXT,
    REASON_REQUIRED,
    REVIEW_FLOW,
    STAFF,
    acted_earlier_this_round,
    may_act,
)
from .models import Review, ReviewChainStep, ReviewEvent, WorkdayOverride
from .registry import review_kind, review_kinds
from .workdays import add_working_days

S = ReviewStatus
A = ReviewAction


def _chain_for(kind: str) -> list[dict]:
    steps = list(ReviewChainStep.objects.filter(kind=kind).order_by("position"))
    if steps:
        return [{"name": s.name, "role": s.role, "working_days": s.working_days} for s in steps]
    return [
        {"name": platform_text(s.name), "role": str(s.role), "working_days": s.working_days}
        for s in review_kind(kind).default_chain
    ]


def _deadline(review: Review, now) -> object:
    days = review.chain[review.step].get("working_days", 2)
    return add_working_days(timezone.localdate(now), days)


def review_submit(
    *, actor, subject: models.Model, kind: str, region_code: str, label: str
) -> Review:
    """Open the review of ``subject``. Call inside the subject's own transaction."""
    now = timezone.now()
    chain = _chain_for(kind)
    review = Review(
        kind=kind,
        content_type=ContentType.objects.get_for_model(subject),
        object_id=str(subject.pk),
        subject_label=label[:200],
        applicant=actor,
        region_code=region_code,
        status=S.SUBMITTED,
        chain=chain,
        step=0,
        submitted_at=now,
        step_started_at=now,
    )
    review.deadline = _deadline(review, now)
    try:
        with transaction.atomic():
            review.save(force_insert=True)
    except IntegrityError as exc:
        raise DomainError("review.already_open", _("该事项已在审核中，请勿重复提交")) from exc
    ReviewEvent.objects.create(
        review=review,
        step=0,
        step_name=review.step_name,
        actor=actor,
        actor_label=_label(actor),
        action=A.SUBMIT,
        from_status="",
        to_status=S.SUBMITTED,
    )
    review_kind(kind).on_submitted(subject=subject, review=review, actor=actor, reason="")
    return review


def _label(user) -> str:
    return getattr(user, "display_name", "") or getattr(user, "masked_phone", "") or str(user.pk)


@transaction.atomic
def review_transition(*, actor, review_id: int, action: str, reason: str = "") -> Review:
    review = Review.objects.select_for_update().filter(pk=review_id).first()
    if review is None:
        raise NotFound()
    if (
        actor.is_staff
        and not in_jurisdiction(actor, review.region_code)
        and review.applicant_id != actor.pk
    ):
        raise NotFound()
    if not actor.is_staff and review.applicant_id != actor.pk:
        raise NotFound()
    target, who = REVIEW_FLOW.get((review.status, action), (None, None))
    if target is None:
        raise DomainError("review.invalid_action", _("当前状态不能执行该操作"), status=409)
    if not may_act(actor, review, who):
        qualified = (
            who == STAFF
            and has_role(actor, review.step_role)
            and in_jurisdiction(actor, review.region_code)
        )
        if qualified and acted_earlier_this_round(review, actor):
            raise DomainError(
                "review.same_person", _("提交或审核上一环节的人员不能审核本环节"), status=403
            )
        raise DomainError("review.forbidden", _("您没有办理该环节的权限"), status=403)
    kind = review_kind(review.kind)
    if who == STAFF:
        blocked = kind.step_guard(
            subject=review.content_type.get_object_for_this_type(pk=review.object_id),
            review=review,
            action=action,
        )
        if blocked:
            raise DomainError("review.step_blocked", blocked, status=409)
    reason = (reason or "").strip()
    if action in REASON_REQUIRED and not reason:
        raise DomainError("review.reason_required", _("退回或驳回时请填写原因"), field="reason")
    if len(reason) > 1000:
        raise DomainError("review.reason_too_long", _("意见不能超过1000字"), field="reason")

    now = timezone.now()
    from_status, from_step, step_name = review.status, review.step, review.step_name
    if target == NEXT:
        if review.is_last_step:
            target = S.APPROVED
        else:
            review.step += 1
            target = S.SUBMITTED
            review.step_started_at = now
            review.deadline = _deadline(review, now)
            review.handler = None
    if action == A.RESUBMIT:
        review.step = 0
        review.submitted_at = review.step_started_at = now
        review.deadline = _deadline(review, now)
        review.handler = None
    if action == A.START:
        review.handler = actor
    review.status = target
    if action in (A.APPROVE, A.RETURN, A.REJECT):
        review.last_reason = reason
    if target in (S.APPROVED, S.REJECTED, S.WITHDRAWN):
        review.decided_at = now
        review.deadline = None
    review.save()
    ReviewEvent.objects.create(
        review=review,
        step=from_step,
        step_name=step_name,
        actor=actor,
        actor_label=_label(actor),
        action=action,
        from_status=from_status,
        to_status=target,
        reason=reason,
    )
    # The subject's own changes (vouchers issued, a provider admitted) lock their rows
    # first; the audit record comes last, because from it until the commit the writers of
    # audit records take turns (audit.chain): a row lock taken after it could deadlock.
    _tell_subject(review=review, action=action, actor=actor, reason=reason)
    audit_record(
        actor=actor,
        subject=review,
        action=f"review.{action}",
        from_state=f"{from_status}@{from_step}",
        to_state=f"{target}@{review.step}",
        reason=reason,
        data={"kind": review.kind, "object_id": review.object_id},
    )
    return review


def _tell_subject(*, review: Review, action: str, actor, reason: str) -> None:
    kind = review_kind(review.kind)
    subject = review.content_type.get_object_for_this_type(pk=review.object_id)
    callback = {
        S.APPROVED: kind.on_approved,
        S.RETURNED: kind.on_returned,
        S.REJECTED: kind.on_rejected,
        S.WITHDRAWN: kind.on_withdrawn,
        S.UNDER_REVIEW: kind.on_started,
    }.get(review.status)
    if action == A.RESUBMIT:
        callback = kind.on_submitted
    if callback is not None:
        callback(subject=subject, review=review, actor=actor, reason=reason)
    if review.status in (S.APPROVED, S.RETURNED, S.REJECTED):
        title = platform_text(
            gettext_lazy("%(kind)s%(outcome)s"),
            {
                "kind": platform_text(kind.label),
                "outcome": platform_text(ReviewStatus(review.status).label),
            },
        )
        body = (
            platform_text(gettext_lazy("审核意见：%(reason)s"), {"reason": reason})
            if reason
            else ""
        )
        notify(user=review.applicant, title=title, body=body, sms=True)


# --- the working-day calendar: corrections to the shipped holiday data ---


def _require_calendar_admin(actor) -> None:
    if not is_sysadmin(actor):
        raise DomainError("workday.forbidden", _("只有系统管理员可以调整工作日设置"), status=403)


def _day_kind(is_working_day: bool) -> str:
    return "workday" if is_working_day else "holiday"


@transaction.atomic
def workday_override_set(
    *, actor, date: dt.date, is_working_day: bool, note: str = ""
) -> WorkdayOverride:
    """Make ``date`` a working day or a day off, whatever the shipped calendar says.

    Deadlines already set stay as they are; reviews submitted from now on count with it.
    """
    _require_calendar_admin(actor)
    if not isinstance(date, dt.date):
        raise DomainError("workday.date_required", _("请选择日期"), field="date")
    note = (note or "").strip()
    if len(note) > 100:
        raise DomainError("workday.note_too_long", _("说明不能超过100个字"), field="note")
    override = WorkdayOverride.objects.select_for_update().filter(date=date).first()
    before = "" if override is None else _day_kind(override.is_working_day)
    if override is None:
        override = WorkdayOverride.objects.create(
            date=date, is_working_day=is_working_day, note=note
        )
    else:
        override.is_working_day, override.note = is_working_day, note
        override.save(update_fields=["is_working_day", "note"])
    audit_record(
        actor=actor,
        subject=override,
        action="workday_override.set",
        from_state=before,
        to_state=_day_kind(is_working_day),
        reason=note,
        data={"date": date.isoformat()},
    )
    return override


@transaction.atomic
def workday_override_remove(*, actor, date: dt.date) -> None:
    """Drop the correction of ``date``: the shipped calendar decides that day again."""
    _require_calendar_admin(actor)
    override = WorkdayOverride.objects.select_for_update().filter(date=date).first()
    if override is None:
        raise NotFound(_("该日期没有工作日调整"))
    audit_record(
        actor=actor,
        subject=override,
        action="workday_override.removed",
        from_state=_day_kind(override.is_working_day),
        data={"date": date.isoformat()},
    )
    override.delete()


MAX_CHAIN_STEPS = 6


@transaction.atomic
def review_chain_set(*, actor, kind: str, steps: list[dict]) -> list[ReviewChainStep]:
    """Set the chain of steps of a kind of review (system admins). Reviews already submitted
    keep the chain they started with; submissions from now on follow the new one."""
    if not is_sysadmin(actor):
        raise DomainError("review_chain.forbidden", _("只有系统管理员可以设置审核流程"), status=403)
    if kind not in review_kinds():
        raise NotFound()
    if not 1 <= len(steps) <= MAX_CHAIN_STEPS:
        raise DomainError(
            "review_chain.length",
            _("审核流程须有1至%(n)d个环节") % {"n": MAX_CHAIN_STEPS},
            field="steps",
        )
    cleaned = []
    for number, step in enumerate(steps, start=1):
        name = (step.get("name") or "").strip()
        role = step.get("role") or ""
        days = step.get("working_days")
        if not name or len(name) > 50:
            raise DomainError(
                "review_chain.name",
                _("第%(n)d个环节：请填写不超过50个字的环节名称") % {"n": number},
                field="steps",
            )
        if role not in StaffRole.values:
            raise DomainError(
                "review_chain.role",
                _("第%(n)d个环节：请选择办理角色") % {"n": number},
                field="steps",
            )
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 30:
            raise DomainError(
                "review_chain.days",
                _("第%(n)d个环节：办理时限应为1至30个工作日") % {"n": number},
                field="steps",
            )
        cleaned.append({"name": name, "role": role, "working_days": days})
    before = list(
        ReviewChainStep.objects.filter(kind=kind)
        .order_by("position")
        .values("name", "role", "working_days")
    )
    ReviewChainStep.objects.filter(kind=kind).delete()
    created = [
        ReviewChainStep.objects.create(kind=kind, position=i, **step)
        for i, step in enumerate(cleaned)
    ]
    audit_record(
        actor=actor,
        subject=created[0],
        action="review_chain.set",
        data={"kind": kind, "before": before, "after": cleaned},
    )
    return created
