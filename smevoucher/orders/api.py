"""Orders over JSON: the quote (订单详情 figures), placing, every step of the flow, and the
order as each party sees it. Endpoints parse and call services."""

from __future__ import annotations

from typing import Annotated, Literal

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from ninja import Path, Query, Router

from smevoucher.api.schemas import ObjectId
from smevoucher.catalog.models import Product
from smevoucher.catalog.selectors import apply_problem, deduction_previews
from smevoucher.core.access import ENT_A, LOGIN_REQUIRED, PROV_X, REGION_STAFF, access, own
from smevoucher.core.errors import NotFound
from smevoucher.core.http import client_ip
from smevoucher.core.money import rmb_upper
from smevoucher.orgs.selectors import org_acting_for

from . import flow, services
from .models import Order
from .schemas import (
    OrderActionIn,
    OrderCodeIn,
    OrderContractIn,
    OrderEvaluationIn,
    OrderIn,
    OrderOut,
    OrderQuoteOut,
    OrderReasonIn,
    OrderRemittanceIn,
    OrderRowOut,
    OrderServiceIn,
    OrderSignCodeOut,
)
from .selectors import order_get_for_actor, order_timeline, orders_for_party

router = Router(tags=["服务订单"])
OrderNumber = Annotated[str, Path(max_length=30, description="订单编号")]


def _limits(entry: dict) -> list[dict]:
    return [
        {
            "code": x.code,
            "label": str(x.label),
            "cap_fen": x.cap_fen,
            "headroom_fen": x.headroom_fen,
        }
        for x in entry["limits"]
    ]


@router.get("/quote", response=OrderQuoteOut, summary="订单详情：服务券抵扣与实付金额试算")
@access(LOGIN_REQUIRED, sample="product", data={"product_id": "<product_id>"})
def quote(request, product_id: ObjectId, tier_id: ObjectId | None = None):
    product = get_object_or_404(
        Product.objects.select_related("program", "provider", "provider__org"), pk=product_id
    )
    org = org_acting_for(request.auth)
    headline, per_tier = deduction_previews(enterprise_org=org, product=product)
    preview = headline
    if tier_id is not None:
        preview = next((p for t, p in per_tier if t.pk == tier_id), None)
        if preview is None:
            raise NotFound()
    chosen = preview["voucher"]
    return {
        "product_id": product.pk,
        "tier_id": tier_id,
        "price_fen": preview["price_fen"],
        "ratio_bp": preview["ratio_bp"],
        "deduction_fen": preview["deduction_fen"],
        "pay_fen": preview["pay_fen"],
        "pay_upper": rmb_upper(preview["pay_fen"]),
        "voucher_id": chosen["voucher_id"] if chosen else None,
        "vouchers": [
            {
                **{
                    k: v[k]
                    for k in (
                        "voucher_id",
                        "number",
                        "type_name",
                        "available_fen",
                        "valid_from",
                        "valid_until",
                        "use_deadline",
                        "deduction_fen",
                        "pay_fen",
                        "left_after_fen",
                    )
                },
                "limits": _limits(v),
                "binding": v["binding"].code if v["binding"] else None,
            }
            for v in preview["vouchers"]
        ],
        "problem": apply_problem(user=request.auth, product=product, preview=headline),
    }


def _row(order: Order, side: str | None) -> dict:
    return {
        "number": order.number,
        "product_id": order.product_id,
        "product_name": order.product_name,
        "provider_name": order.provider.org.name,
        "enterprise_name": order.enterprise.name,
        "created_at": order.created_at,
        "amount_fen": order.amount_fen,
        "contract_amount_fen": order.contract_amount_fen,
        "deduction_fen": order.deduction_fen,
        "pay_fen": order.pay_fen,
        "status": order.status,
        "status_label": str(order.get_status_display()),
        "actions": flow.allowed_actions(order, side),
    }


def _out(order: Order, side: str) -> dict:
    contracts = order.contracts.order_by("-version")
    return {
        **_row(order, side),
        "side": side,
        "tier_content": order.tier_content,
        "voucher_number": order.voucher.number if order.voucher else None,
        "captured_fen": order.captured_fen,
        "released_fen": order.released_fen,
        "refunded_fen": order.refunded_fen,
        "deposit_fen": order.deposit_fen,
        "final_fen": order.final_fen,
        "paid_fen": order.paid_fen,
        "unpaid_fen": order.unpaid_fen,
        "pay_upper": rmb_upper(order.pay_fen),
        "note": order.note,
        "contracts": [
            {
                "number": c.number,
                "version": c.version,
                "source": c.source,
                "status": c.status,
                "status_label": str(c.get_status_display()),
                "amount_fen": c.amount_fen,
                "deduction_fen": c.deduction_fen,
                "deposit_fen": c.deposit_fen,
                "final_fen": c.final_fen,
                "body_upload_id": str(c.body_id),
                "body_sha256": c.body_sha256,
                "signed_upload_id": str(c.signed_file_id) if c.signed_file_id else None,
                "signed_sha256": c.signed_sha256,
                "return_reason": c.return_reason,
                "provider_signed_at": c.provider_signed_at,
                "enterprise_signed_at": c.enterprise_signed_at,
            }
            for c in contracts
        ],
        "remittances": [
            {
                "id": r.pk,
                "sequence": r.sequence,
                "amount_fen": r.amount_fen,
                "remitted_on": r.remitted_on,
                "proof_upload_id": str(r.proof_id),
                "status": r.status,
                "status_label": str(r.get_status_display()),
                "reject_reason": r.reject_reason,
            }
            for r in order.remittances.all()
        ],
        "records": [
            {
                "kind": r.kind,
                "kind_label": str(r.get_kind_display()),
                "content": r.content,
                "upload_ids": [str(u.pk) for u in r.attachments.all()],
                "created_at": r.created_at,
            }
            for r in order.service_records.prefetch_related("attachments")
        ],
        "evaluation": (
            {
                "stars": order.evaluation.stars,
                "content": order.evaluation.content,
                "created_at": order.evaluation.created_at,
            }
            if hasattr(order, "evaluation")
            else None
        ),
        "events": [
            {
                "action": e.action,
                "label": str(flow.EVENT_LABELS.get(e.action, e.action)),
                "side": e.side,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "reason": e.reason,
                "created_at": e.created_at,
            }
            for e in order_timeline(order)
        ],
    }


def _fresh(request, number: str) -> dict:
    order, side = order_get_for_actor(actor=request.auth, number=number)
    return _out(order, side)


def _id(request, number: str) -> int:
    order, _side = order_get_for_actor(actor=request.auth, number=number)
    return order.pk


@router.get("", response=list[OrderRowOut], summary="我购买的服务 / 我的服务订单")
@access(LOGIN_REQUIRED)
def order_list(
    request,
    side: Literal["enterprise", "provider"] = "enterprise",
    tab: str = Query("all", max_length=30),
    q: str = Query("", max_length=100),
    page: int = Query(1, ge=1, le=10_000),
):
    orders, _tabs = orders_for_party(actor=request.auth, side=side, tab=tab, q=q)
    rows = Paginator(orders, 50).get_page(page)
    return [_row(order, side) for order in rows]


@router.post("", response={201: OrderOut}, summary="提交订单（冻结服务券抵扣金额）")
@access(
    LOGIN_REQUIRED,
    sample="product",
    data={"product_id": "<product_id>", "idempotency_key": "matrix-0001"},
)
def order_place(request, payload: OrderIn):
    order = services.order_place(
        actor=request.auth,
        product_id=payload.product_id,
        tier_id=payload.tier_id,
        voucher_id=payload.voucher_id,
        deduction_fen=payload.deduction_fen,
        note=payload.note,
        idempotency_key=payload.idempotency_key,
    )
    return 201, _fresh(request, order.number)


@router.get("/{number}", response=OrderOut, summary="订单详情")
@access(own(ENT_A, PROV_X, *REGION_STAFF), sample="order")
def order_detail(request, number: OrderNumber):
    return _fresh(request, number)


@router.post(
    "/{number}/actions",
    response=OrderOut,
    summary="接单、拒绝接单、取消订单、取消合同、开始服务、确认完成",
)
@access(own(ENT_A, PROV_X, *REGION_STAFF), sample="order")
def order_action(request, number: OrderNumber, payload: OrderActionIn):
    services.order_act(
        actor=request.auth,
        order_id=_id(request, number),
        action=payload.action,
        reason=payload.reason,
    )
    return _fresh(request, number)


@router.post("/{number}/contract", response={201: OrderOut}, summary="制定或修改合同（乙方）")
@access(own(ENT_A, PROV_X, *REGION_STAFF), sample="order")
def contract_draft(request, number: OrderNumber, payload: OrderContractIn):
    services.contract_draft(
        actor=request.auth,
        order_id=_id(request, number),
        amount_fen=payload.amount_fen,
        deposit_fen=payload.deposit_fen,
        service_period=payload.service_period,
        service_content=payload.service_content,
        deliverables=payload.deliverables,
        acceptance=payload.acceptance,
        payment_terms=payload.payment_terms,
        other_terms=payload.other_terms,
        attachment=payload.attachment_upload_id,
    )
    return 201, _fresh(request, number)


@router.post("/{number}/contract/agree", response=OrderOut, summary="同意合同（甲方）")
@access(own(ENT_A, PROV_X, *REGION_STAFF), sample="order")
def contract_agree(request, number: OrderNumber):
    services.contract_agree(actor=request.auth, order_id=_id(request, number))
    return _fresh(request, number)


@router.post("/{number}/contract/return", response=OrderOut, summary="退回合同修改（甲方）")
@access(own(ENT_A, PROV_X, *REGION_STAFF), sample="order")
def contract_return(request, number: OrderNumber, payload: OrderReasonIn):
    services.contract_return(
        actor=request.auth, order_id=_id(request, number), reason=payload.reason
    )
    return _fresh(request, number)


@router.post(
    "/{number}/contract/sign-code",
    response=OrderSignCodeOut,
    summary="签署合同前获取身份核验验证码",
)
@access(own(ENT_A, PROV_X, *REGION_STAFF), sample="order")
def contract_sign_code(request, number: OrderNumber):
    message = services.contract_sign_start(
        actor=request.auth, order_id=_id(request, number), ip_address=client_ip(request)
    )
    return {"message": str(message)}


@router.post(
    "/{number}/contract/sign",
    response=OrderOut,
    summary="使用电子签章签署合同（乙方先签，甲方后签）",
)
@access(own(ENT_A, PROV_X, *REGION_STAFF), sample="order")
def contract_sign(request, number: OrderNumber, payload: OrderCodeIn):
    services.contract_sign(actor=request.auth, order_id=_id(request, number), response=payload.code)
    return _fresh(request, number)


@router.post(
    "/{number}/voucher-application", response=OrderOut, summary="申请服务补贴券（按单审核的项目）"
)
@access(own(ENT_A, PROV_X, *REGION_STAFF), sample="order")
def voucher_application(request, number: OrderNumber):
    services.order_apply_voucher(actor=request.auth, order_id=_id(request, number))
    return _fresh(request, number)


@router.post(
    "/{number}/remittances", response={201: OrderOut}, summary="确认汇款（对公转账，附凭证）"
)
@access(own(ENT_A, PROV_X, *REGION_STAFF), sample="order")
def remittance_submit(request, number: OrderNumber, payload: OrderRemittanceIn):
    services.remittance_submit(
        actor=request.auth,
        order_id=_id(request, number),
        amount_fen=payload.amount_fen,
        remitted_on=payload.remitted_on,
        proof=payload.proof_upload_id,
        note=payload.note,
    )
    return 201, _fresh(request, number)


def _remittance_of(request, number: str, remittance_id: int) -> int:
    order, _side = order_get_for_actor(actor=request.auth, number=number)
    if not order.remittances.filter(pk=remittance_id).exists():
        raise NotFound()
    return remittance_id


@router.post(
    "/{number}/remittances/{remittance_id}/confirm", response=OrderOut, summary="确认收款（乙方）"
)
@access(own(ENT_A, PROV_X, *REGION_STAFF), sample="remittance")
def remittance_confirm(request, number: OrderNumber, remittance_id: ObjectId):
    services.remittance_confirm(
        actor=request.auth, remittance_id=_remittance_of(request, number, remittance_id)
    )
    return _fresh(request, number)


@router.post(
    "/{number}/remittances/{remittance_id}/reject", response=OrderOut, summary="未收到款项（乙方）"
)
@access(own(ENT_A, PROV_X, *REGION_STAFF), sample="remittance")
def remittance_reject(
    request, number: OrderNumber, remittance_id: ObjectId, payload: OrderReasonIn
):
    services.remittance_reject(
        actor=request.auth,
        remittance_id=_remittance_of(request, number, remittance_id),
        reason=payload.reason,
    )
    return _fresh(request, number)


@router.post("/{number}/service/progress", response=OrderOut, summary="记录服务进展（乙方）")
@access(own(ENT_A, PROV_X, *REGION_STAFF), sample="order")
def service_progress(request, number: OrderNumber, payload: OrderServiceIn):
    services.service_progress(
        actor=request.auth,
        order_id=_id(request, number),
        content=payload.content,
        files=payload.upload_ids,
    )
    return _fresh(request, number)


@router.post(
    "/{number}/service/finish", response=OrderOut, summary="结束服务并提交交付成果（乙方）"
)
@access(own(ENT_A, PROV_X, *REGION_STAFF), sample="order")
def service_finish(request, number: OrderNumber, payload: OrderServiceIn):
    services.service_finish(
        actor=request.auth,
        order_id=_id(request, number),
        content=payload.content,
        files=payload.upload_ids,
    )
    return _fresh(request, number)


@router.post("/{number}/evaluation", response={201: OrderOut}, summary="评价服务（甲方）")
@access(own(ENT_A, PROV_X, *REGION_STAFF), sample="order")
def evaluation(request, number: OrderNumber, payload: OrderEvaluationIn):
    services.order_evaluate(
        actor=request.auth,
        order_id=_id(request, number),
        stars=payload.stars,
        content=payload.content,
    )
    return 201, _fresh(request, number)


@router.post(
    "/{number}/refund", response={201: OrderOut}, summary="申请退回支付（由企业所在地管理员审核）"
)
@access(own(ENT_A, PROV_X, *REGION_STAFF), sample="order")
def refund(request, number: OrderNumber, payload: OrderReasonIn):
    services.refund_request(
        actor=request.auth, order_id=_id(request, number), reason=payload.reason
    )
    return 201, _fresh(request, number)
