"""我要留言 pages: the writer's messages and threads; the staff's queue and replies."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from smevoucher.core.access import (
    ENT_A,
    ENTERPRISES,
    REDIRECT,
    REGION_STAFF,
    STAFF,
    STAFF_ONLY,
    access,
    allow,
    own,
)
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.programs.selectors import sees_staff_pages
from smevoucher.regions.models import Region, RegionLevel

from . import services
from .models import MessageStatus
from .selectors import message_get, my_messages, staff_queue


# Staff are sent to their queue (community:staff).
@login_required
@access(allow(*ENTERPRISES) | dict.fromkeys(STAFF, REDIRECT))
def messages_page(request):
    if request.user.is_staff:
        return redirect("community:staff")
    form = {"title": "", "content": "", "region": ""}
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in form}
        try:
            message = services.message_create(
                actor=request.user,
                title=form["title"],
                content=form["content"],
                region_code=form["region"],
            )
        except DomainError as error:
            flash.error(request, error.message)
        else:
            flash.success(request, _("留言已提交，平台工作人员将尽快回复"))
            return redirect("community:message", message.pk)
    return render(
        request,
        "community/messages.html",
        {
            "items": my_messages(actor=request.user),
            "form": form,
            "provinces": Region.objects.filter(level=RegionLevel.PROVINCE).order_by("code"),
            "active_entry": "messages",
        },
    )


@login_required
@access(own(ENT_A, *REGION_STAFF), sample="message")
def message(request, pk: int):
    try:
        found = message_get(actor=request.user, pk=pk)
    except NotFound as exc:
        raise Http404 from exc
    if request.method == "POST":
        try:
            services.message_reply(
                actor=request.user, message_id=found.pk, content=request.POST.get("content", "")
            )
        except NotFound as exc:
            raise Http404 from exc
        except DomainError as error:
            flash.error(request, error.message)
        else:
            flash.success(request, _("回复已提交"))
        return redirect("community:message", pk)
    return render(
        request,
        "community/message.html",
        {
            "message": found,
            "replies": found.replies.select_related("author"),
            "base_template": "staff_base.html" if request.user.is_staff else "center_base.html",
            "active_entry": "messages",
        },
    )


@login_required
@access(STAFF_ONLY)
def staff(request):
    if not sees_staff_pages(request.user):
        raise PermissionDenied
    status = request.GET.get("status", MessageStatus.OPEN)
    status = status if status in MessageStatus.values or status == "" else MessageStatus.OPEN
    return render(
        request,
        "community/staff.html",
        {
            "rows": staff_queue(actor=request.user, status=status),
            "status": status,
            "statuses": MessageStatus.choices,
            "active_entry": "messages",
        },
    )
