"""The staff review workbench and the working-day calendar. Views parse and present;
the workflow's rules are in services, flow and selectors."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from smevoucher.core.access import CITY2, MISSING, STAFF_ONLY, SYSADMIN, access, allow
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.regions.models import Region
from smevoucher.regions.selectors import region_children
from smevoucher.staff.choices import StaffRole
from smevoucher.staff.permissions import is_sysadmin, staff_region, staff_roles

from .choices import ReviewAction
from .forms import (
    ReviewActionForm,
    ReviewChainForm,
    ReviewQueueFilterForm,
    WorkdayOverrideForm,
    WorkdayOverrideRemoveForm,
)
from .models import Review, ReviewChainStep, WorkdayOverride
from .registry import review_kinds
from .selectors import review_allowed_actions, review_get_for_staff, review_is_overdue
from .services import (
    review_chain_set,
    review_transition,
    workday_override_remove,
    workday_override_set,
)
from .workdays import add_working_days, is_working_day

QUEUE_PAGE_SIZE = 20
CALENDAR_DAYS = 30


def _require_reviewing_staff(user) -> None:
    """The workbench is for staff holding a role; anyone else is refused outright."""
    if not staff_roles(user):
        raise PermissionDenied


def _form_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _region_labels(codes: set[str]) -> dict[str, str]:
    """City and district names of each code ("柳州市城中区"), read in one query."""
    prefixes = {code[:n] for code in codes for n in (2, 4, 6) if len(code) >= n}
    names = dict(Region.objects.filter(code__in=prefixes).values_list("code", "name"))
    labels = {}
    for code in codes:
        parts = [names[code[:n]] for n in (4, 6) if len(code) >= n and code[:n] in names]
        labels[code] = "".join(parts) or names.get(code, code)
    return labels


@dataclass(frozen=True)
class QueueRow:
    review: Review
    kind_label: str
    region_label: str
    overdue: bool


@login_required
@access(STAFF_ONLY)
def workbench(request):
    _require_reviewing_staff(request.user)
    region = staff_region(request.user)
    sub_regions = region_children(parent_code=region.code) if region else []
    form = ReviewQueueFilterForm(request.GET, sub_regions=sub_regions)
    page = Paginator(form.queue(actor=request.user), QUEUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    kinds = review_kinds()
    labels = _region_labels({review.region_code for review in page.object_list})
    rows = [
        QueueRow(
            review=review,
            kind_label=str(kinds[review.kind].label) if review.kind in kinds else review.kind,
            region_label=labels.get(review.region_code, review.region_code),
            overdue=review_is_overdue(review),
        )
        for review in page.object_list
    ]
    return render(
        request,
        "reviews/workbench.html",
        {"form": form, "page": page, "rows": rows, "region": region, "active_entry": "reviews"},
    )


def _subject_of(review: Review):
    model = review.content_type.model_class()
    if model is None:
        return None
    return model._default_manager.filter(pk=review.object_id).first()


@login_required
@access(STAFF_ONLY | {CITY2: MISSING}, sample="review")
def detail(request, pk: int):
    _require_reviewing_staff(request.user)
    try:
        review = review_get_for_staff(actor=request.user, pk=pk)
    except NotFound as exc:
        raise Http404 from exc
    form = ReviewActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action = form.cleaned_data["action"]
        try:
            review_transition(
                actor=request.user,
                review_id=review.pk,
                action=action,
                reason=form.cleaned_data["reason"],
            )
        except NotFound as exc:
            raise Http404 from exc
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request, _("已办理：%(action)s") % {"action": ReviewAction(action).label}
            )
            return redirect("reviews:detail", pk=review.pk)

    kind = review_kinds().get(review.kind)
    subject = _subject_of(review)
    materials = kind.materials_context(subject, request.user) if kind and subject else {}
    context = {
        **materials,
        "review": review,
        "kind_label": kind.label if kind else review.kind,
        "materials_template": kind.materials_template if kind and subject else "",
        "subject": subject,
        "viewer": request.user,
        # Every review this subject has had (a rejected one and a new submission, say).
        "subject_reviews": Review.objects.filter(
            content_type_id=review.content_type_id, object_id=review.object_id
        ).order_by("submitted_at", "pk"),
        "events": review.events.all(),
        "overdue": review_is_overdue(review),
        "allowed_actions": review_allowed_actions(actor=request.user, review=review),
        "form": form,
        "active_entry": "reviews",
    }
    return render(request, "reviews/detail.html", context)


# --- the working-day calendar (工作日设置) ---


def _require_sysadmin(user) -> None:
    if not is_sysadmin(user):
        raise PermissionDenied


@dataclass(frozen=True)
class CalendarDay:
    date: dt.date
    is_working_day: bool
    override: WorkdayOverride | None


@login_required
@access(allow(SYSADMIN))
def calendar(request):
    _require_sysadmin(request.user)
    form = WorkdayOverrideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workday_override_set(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request, _("已保存%(date)s的工作日设置") % {"date": form.cleaned_data["date"]}
            )
            return redirect("calendar:index")

    today = timezone.localdate()
    overrides = list(WorkdayOverride.objects.all())
    by_date = {override.date: override for override in overrides}
    days = [
        CalendarDay(day, is_working_day(day), by_date.get(day))
        for day in (today + dt.timedelta(days=n) for n in range(CALENDAR_DAYS))
    ]
    page = Paginator(overrides, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/calendar.html",
        {
            "form": form,
            "page": page,
            "days": days,
            "today": today,
            # What a submission today would get: a feel for the effect of a change.
            "sample_deadline": add_working_days(today, 2),
            "active_entry": "calendar",
        },
    )


@login_required
@require_POST
@access(allow(SYSADMIN), method="POST", data={"date": "2026-01-05"})
def calendar_remove(request):
    _require_sysadmin(request.user)
    form = WorkdayOverrideRemoveForm(request.POST)
    if not form.is_valid():
        raise Http404
    try:
        workday_override_remove(actor=request.user, date=form.cleaned_data["date"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("已删除%(date)s的工作日调整") % {"date": form.cleaned_data["date"]}
        )
    return redirect("calendar:index")


def _chain_of(kind: str) -> tuple[list[dict], bool]:
    """The chain new submissions of ``kind`` follow, and whether an admin configured it."""
    configured = list(
        ReviewChainStep.objects.filter(kind=kind)
        .order_by("position")
        .values("name", "role", "working_days")
    )
    if configured:
        return configured, True
    default = review_kinds()[kind].default_chain
    return [
        {"name": str(s.name), "role": str(s.role), "working_days": s.working_days} for s in default
    ], False


@login_required
@access(allow(SYSADMIN))
def chains(request):
    """Each kind of review and its chain of steps (system admins)."""
    _require_sysadmin(request.user)
    rows = []
    for key, kind in sorted(review_kinds().items(), key=lambda item: str(item[1].label)):
        steps, configured = _chain_of(key)
        rows.append({"key": key, "label": kind.label, "steps": steps, "configured": configured})
    return render(
        request,
        "reviews/chains.html",
        {"rows": rows, "roles": dict(StaffRole.choices), "active_entry": "chains"},
    )


@login_required
@access(allow(SYSADMIN), kwargs={"kind": "redemption"})
def chain_edit(request, kind: str):
    _require_sysadmin(request.user)
    if kind not in review_kinds():
        raise Http404
    steps, _configured = _chain_of(kind)
    form = ReviewChainForm(request.POST or None, steps=steps)
    if request.method == "POST" and form.is_valid():
        try:
            review_chain_set(actor=request.user, kind=kind, steps=form.steps())
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("审核流程已保存，此后提交的申请按新流程办理"))
            return redirect("reviews:chains")
    return render(
        request,
        "reviews/chain_edit.html",
        {"form": form, "kind_label": review_kinds()[kind].label, "active_entry": "chains"},
    )
