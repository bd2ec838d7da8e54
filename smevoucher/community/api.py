"""我要留言 over JSON: one's own messages (or the region's, for staff) and replies."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Query, Router, Schema

from smevoucher.api.schemas import ObjectId
from smevoucher.core.access import (
    ENT_A,
    ENT_B,
    ENTERPRISE,
    LOGIN_REQUIRED,
    PROVIDERS,
    PUBLIC,
    REGION_STAFF,
    access,
    allow,
    own,
)

from . import services
from .selectors import message_get, my_messages, staff_queue

router = Router(tags=["留言"])


class CommunityMessageIn(Schema):
    title: str = Field(..., min_length=1, max_length=100)
    content: str = Field(..., min_length=1, max_length=1000)
    region_code: str = Field("", max_length=6, description="不代表机构留言时选择所属地区")


class CommunityReplyIn(Schema):
    content: str = Field(..., min_length=1, max_length=1000)


class CommunityReplyOut(Schema):
    by_staff: bool
    content: str
    created_at: dt.datetime


class CommunityMessageOut(Schema):
    id: int
    title: str
    content: str
    region_code: str
    status: str
    created_at: dt.datetime
    answered_at: dt.datetime | None = None
    replies: list[CommunityReplyOut]


def _out(message) -> dict:
    return {
        "id": message.pk,
        "title": message.title,
        "content": message.content,
        "region_code": message.region_code,
        "status": message.status,
        "created_at": message.created_at,
        "answered_at": message.answered_at,
        "replies": [
            {"by_staff": r.by_staff, "content": r.content, "created_at": r.created_at}
            for r in message.replies.all()
        ],
    }


@router.get(
    "", response=list[CommunityMessageOut], summary="我的留言（工作人员：本辖区待回复留言）"
)
@access(LOGIN_REQUIRED)
def message_list(request):
    if request.auth.is_staff:
        return [_out(row["message"]) for row in staff_queue(actor=request.auth)]
    return [_out(m) for m in my_messages(actor=request.auth)[:200]]


@router.post("", response={201: CommunityMessageOut}, summary="我要留言")
@access(ENTERPRISE)
def message_create(request, payload: CommunityMessageIn):
    message = services.message_create(
        actor=request.auth,
        title=payload.title,
        content=payload.content,
        region_code=payload.region_code,
    )
    return 201, _out(message)


@router.get("/{message_id}", response=CommunityMessageOut, summary="留言详情")
@access(own(ENT_A, *REGION_STAFF), sample="message")
def message_detail(request, message_id: ObjectId):
    return _out(message_get(actor=request.auth, pk=message_id))


@router.post("/{message_id}/replies", response={201: CommunityMessageOut}, summary="回复留言")
@access(own(ENT_A, *REGION_STAFF), sample="message")
def message_reply(request, message_id: ObjectId, payload: CommunityReplyIn):
    services.message_reply(actor=request.auth, message_id=message_id, content=payload.content)
    return 201, _out(message_get(actor=request.auth, pk=message_id))


# --- demands (企业需求) ---

demands_router = Router(tags=["企业需求"])


class DemandIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    category: str = Field(..., min_length=1, max_length=50)
    contact_phone: str = Field(..., min_length=1, max_length=20)
    budget_fen: int | None = Field(None, gt=0, le=10**14, description="不填：需要服务商报价")
    content: str = Field(..., min_length=1, max_length=300)


class DemandRespondIn(Schema):
    message: str = Field(..., min_length=1, max_length=300)
    product_id: ObjectId | None = None


class DemandOut(Schema):
    id: int
    number: str
    name: str
    category: str
    org_name: str
    contact_phone: str = Field(..., description="脱敏显示")
    budget_fen: int | None = None
    content: str
    status: str
    published_at: dt.datetime | None = None
    response_count: int


def _demand_out(demand) -> dict:
    from smevoucher.core.privacy import mask_phone

    return {
        "id": demand.pk,
        "number": demand.number,
        "name": demand.name,
        "category": demand.category,
        "org_name": demand.org.name,
        "contact_phone": mask_phone(demand.contact_phone),
        "budget_fen": demand.budget_fen,
        "content": demand.content,
        "status": demand.status,
        "published_at": demand.published_at,
        "response_count": getattr(demand, "response_count", None) or demand.responses.count(),
    }


@demands_router.get("", response=list[DemandOut], auth=None, summary="需求大厅（公开）")
@access(PUBLIC)
def demand_board_api(
    request, category: str = Query("", max_length=50), q: str = Query("", max_length=50)
):
    from .selectors import demand_board

    return [_demand_out(d) for d in demand_board(category=category[:50], q=q[:50])[:100]]


# Enterprises post demands; providers answer them (demand_respond_api).
@demands_router.post("", response={201: DemandOut}, summary="发布需求（提交审核）")
@access(allow(ENT_A, ENT_B))
def demand_create_api(request, payload: DemandIn):
    demand = services.demand_submit(actor=request.auth, **payload.dict())
    return 201, _demand_out(demand)


@demands_router.post(
    "/{demand_id}/responses", response={201: DemandOut}, summary="我要对接（服务机构）"
)
@access(allow(*PROVIDERS), sample="demand")
def demand_respond_api(request, demand_id: ObjectId, payload: DemandRespondIn):
    response = services.demand_respond(
        actor=request.auth,
        demand_id=demand_id,
        message=payload.message,
        product_id=payload.product_id,
    )
    return 201, _demand_out(response.demand)
