"""The site inbox (站内消息) over JSON."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Router, Schema
from ninja.pagination import paginate

from smevoucher.api.schemas import ObjectId, Pagination
from smevoucher.core.access import ENT_A, LOGIN_REQUIRED, access, own

from .selectors import inbox_list, inbox_unread_count
from .services import inbox_mark_all_read, inbox_mark_read

router = Router(tags=["站内消息"])


class InboxMessageOut(Schema):
    id: int
    title: str = Field(..., max_length=100)
    body: str
    link: str = Field(..., max_length=300)
    created_at: dt.datetime
    read_at: dt.datetime | None
    is_read: bool


class CountOut(Schema):
    count: int


@router.get("", response=list[InboxMessageOut], summary="站内消息列表（新消息在前）")
@paginate(Pagination, page_size=20)
@access(LOGIN_REQUIRED)
def inbox(request):
    return inbox_list(actor=request.auth)


@router.get("/unread-count", response=CountOut, summary="未读消息数")
@access(LOGIN_REQUIRED)
def unread_count(request):
    return {"count": inbox_unread_count(actor=request.auth)}


@router.post("/read-all", response=CountOut, summary="全部标为已读")
@access(LOGIN_REQUIRED)
def read_all(request):
    return {"count": inbox_mark_all_read(actor=request.auth)}


@router.post("/{message_id}/read", response=InboxMessageOut, summary="标为已读")
@access(own(ENT_A), sample="inbox")
def read_one(request, message_id: ObjectId):
    return inbox_mark_read(actor=request.auth, message_id=message_id)
