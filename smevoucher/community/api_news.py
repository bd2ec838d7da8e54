"""Notices, policy documents, guides and help contacts over JSON (public)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Query, Router, Schema

from smevoucher.api.schemas import ObjectId
from smevoucher.core.access import PUBLIC, access

from .selectors import article_public, help_contacts, published_articles

router = Router(tags=["通知公告"])


class ArticleCardOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    publisher_name: str
    published_at: dt.datetime


class ArticleOut(ArticleCardOut):
    body: str
    attachments: list[str] = Field(..., description="附件下载地址")


class HelpContactOut(Schema):
    region_code: str
    region: str
    unit: str
    phone: str
    email: str
    hours: str


def _card(a) -> dict:
    return {
        "id": a.pk,
        "kind": a.kind,
        "kind_label": str(a.get_kind_display()),
        "title": a.title,
        "publisher_name": a.publisher_name,
        "published_at": a.published_at,
    }


@router.get(
    "", response=list[ArticleCardOut], auth=None, summary="通知公告、政策文件、操作指南（公开）"
)
@access(PUBLIC)
def articles(request, kind: str = Query("", max_length=20)):
    return [_card(a) for a in published_articles(kind=kind)[:100]]


@router.get(
    "/help-contacts", response=list[HelpContactOut], auth=None, summary="帮助中心联系方式（公开）"
)
@access(PUBLIC)
def contacts(request):
    return [
        {
            "region_code": row["contact"].region_code,
            "region": row["region"],
            "unit": row["contact"].unit,
            "phone": row["contact"].phone,
            "email": row["contact"].email,
            "hours": row["contact"].hours,
        }
        for row in help_contacts()
    ]


@router.get("/{article_id}", response=ArticleOut, auth=None, summary="通知公告详情（公开）")
@access(PUBLIC, sample="article")
def article(request, article_id: ObjectId):
    found = article_public(pk=article_id)
    return {
        **_card(found),
        "body": found.body,
        "attachments": [f"/news/{found.pk}/files/{u.pk}/" for u in found.attachments.all()],
    }
