"""通知公告 / 政策文件 / 操作指南 and the help center: public pages, and the staff's page to
publish them. Views parse and call services."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from smevoucher.core.access import PUBLIC, STAFF_ONLY, access
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.programs.selectors import sees_staff_pages

from . import services
from .models import ArticleKind
from .selectors import article_public, help_contacts, published_articles


@access(PUBLIC)
def articles(request):
    kind = request.GET.get("kind", "")
    kind = kind if kind in ArticleKind.values else ""
    return render(
        request,
        "community/articles.html",
        {
            "articles": published_articles(kind=kind)[:100],
            "kind": kind,
            "kinds": ArticleKind.choices,
        },
    )


@access(PUBLIC, sample="article")
def article(request, pk: int):
    try:
        found = article_public(pk=pk)
    except NotFound as exc:
        raise Http404 from exc
    return render(request, "community/article.html", {"article": found})


@access(PUBLIC, sample="article_file")
def article_file(request, pk: int, upload_id):
    """An attachment of a published article: public, as the article is."""
    try:
        found = article_public(pk=pk)
    except NotFound as exc:
        raise Http404 from exc
    upload = found.attachments.filter(pk=upload_id).first()
    if upload is None:
        raise Http404
    return FileResponse(
        upload.file.open("rb"),
        as_attachment=True,
        filename=upload.original_name,
        content_type=upload.content_type,
    )


@access(PUBLIC)
def help_center(request):
    return render(
        request,
        "community/help.html",
        {"contacts": help_contacts(), "guides": published_articles(kind=ArticleKind.GUIDE)[:20]},
    )


@login_required
@access(STAFF_ONLY)
def staff_articles(request):
    if not sees_staff_pages(request.user):
        raise PermissionDenied
    if request.method == "POST":
        try:
            if request.POST.get("step") == "withdraw":
                services.article_withdraw(
                    actor=request.user, article_id=int(request.POST.get("article", "0") or 0)
                )
                flash.success(request, _("已撤回"))
            elif request.POST.get("step") == "help":
                services.help_contact_save(
                    actor=request.user,
                    unit=request.POST.get("unit", ""),
                    phone=request.POST.get("phone", ""),
                    email=request.POST.get("email", ""),
                    hours=request.POST.get("hours", ""),
                )
                flash.success(request, _("帮助中心联系方式已保存"))
            else:
                services.article_publish(
                    actor=request.user,
                    kind=request.POST.get("kind", ""),
                    title=request.POST.get("title", ""),
                    body=request.POST.get("body", ""),
                    publisher_name=request.POST.get("publisher_name", ""),
                    files=request.FILES.getlist("files"),
                )
                flash.success(request, _("已发布"))
        except NotFound as exc:
            raise Http404 from exc
        except (DomainError, ValueError) as error:
            flash.error(request, getattr(error, "message", _("提交的数据格式不正确")))
        return redirect("news:staff")
    return render(
        request,
        "community/staff_articles.html",
        {
            "articles": published_articles()[:100],
            "kinds": ArticleKind.choices,
            "active_entry": "articles",
        },
    )
