from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from smevoucher.core.access import ENT_A, LOGIN_REQUIRED, access, own
from smevoucher.core.errors import NotFound

from . import selectors, services


@login_required
@access(LOGIN_REQUIRED)
def inbox(request):
    show = request.GET.get("show", "all")
    messages_qs = selectors.inbox_list(actor=request.user)
    if show == "unread":
        messages_qs = messages_qs.filter(read_at__isnull=True)
    page = Paginator(messages_qs, 20).get_page(request.GET.get("page"))
    return render(
        request, "notifications/inbox.html", {"page": page, "show": show, "active_entry": "inbox"}
    )


@login_required
@require_POST
@access(own(ENT_A), sample="inbox", method="POST")
def mark_read(request, pk: int):
    try:
        message = services.inbox_mark_read(actor=request.user, message_id=pk)
    except NotFound as exc:
        from django.http import Http404

        raise Http404 from exc
    if message.link and url_has_allowed_host_and_scheme(
        message.link, allowed_hosts={request.get_host()}
    ):
        return redirect(message.link)
    return redirect("notifications:inbox")


@login_required
@require_POST
@access(LOGIN_REQUIRED, method="POST")
def mark_all_read(request):
    count = services.inbox_mark_all_read(actor=request.user)
    messages.success(request, _("已将%(count)d条消息标记为已读") % {"count": count})
    return redirect("notifications:inbox")
