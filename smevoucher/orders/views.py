"""Order pages: 订单详情 (placing an order), 我购买的服务, 我的服务订单, one order's page with
the steps its viewer may take, and the staff order list. Views parse and call services."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from smevoucher.catalog.models import Product
from smevoucher.catalog.selectors import apply_problem, deduction_previews
from smevoucher.core.access import (
    ENT_A,
    LOGIN_REQUIRED,
    PROV_X,
    REGION_STAFF,
    STAFF_ONLY,
    access,
    own,
)
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.core.http import client_ip
from smevoucher.orgs.selectors import org_acting_for
from smevoucher.programs.selectors import sees_staff_pages

from . import flow, services
from .choices import OrderStatus, Side
from .forms import (
    ContractForm,
    EvaluateForm,
    OrderPlaceForm,
    RemitForm,
    ServiceForm,
    StaffFilterForm,
)
from .payments import payment_methods
from .selectors import (
    order_get_for_actor,
    order_timeline,
    orders_for_party,
    orders_for_staff,
    provider_rating,
)

PAGE_SIZE = 20

# The progress bar of the Guangxi order page (申请服务 → 评价服务), by status.
PROGRESS = (
    (_("申请服务"), {OrderStatus.AWAITING_ACCEPTANCE}),
    (_("服务机构接单"), {OrderStatus.AWAITING_CONTRACT}),
    (_("签订合同"), {OrderStatus.VOUCHER_REVIEW, OrderStatus.AWAITING_PAYMENT}),
    (_("线上支付"), {OrderStatus.AWAITING_SERVICE, OrderStatus.AWAITING_DELIVERY}),
    (_("完成服务"), {OrderStatus.IN_SERVICE}),
    (_("评价服务"), {OrderStatus.AWAITING_EVALUATION, OrderStatus.EVALUATED}),
)


def _progress(status: str) -> list[dict]:
    reached = next((i for i, (_l, states) in enumerate(PROGRESS) if status in states), -1)
    return [
        {
            "label": label,
            "done": i < reached or status == OrderStatus.EVALUATED,
            "current": i == reached,
        }
        for i, (label, _states) in enumerate(PROGRESS)
    ]


def _fail(request, error: DomainError) -> None:
    messages.error(request, error.message)


# --- placing an order ---


def _product_for_order(request) -> Product:
    raw = request.GET.get("product") or request.POST.get("product") or ""
    if not raw.isdigit():
        raise Http404
    product = (
        Product.objects.select_related("program", "provider", "provider__org")
        .prefetch_related("tiers")
        .filter(pk=int(raw))
        .first()
    )
    if product is None:
        raise Http404
    return product


def _confirmed_deduction(request, voucher_id: int | None) -> int | None:
    """The deduction the page showed for the chosen voucher (the service refuses it if a cap
    moved since), or None to take the most allowed."""
    if voucher_id is None:
        return None
    raw = (request.POST.get(f"deduction_{voucher_id}") or "").strip()
    return int(raw) if raw.isdigit() else None


@login_required
@access(LOGIN_REQUIRED, sample="product", data={"product": "<pk>"})
def new(request):
    """订单详情: choose the voucher, see the deduction, the headroom under each cap, the
    amount to pay in figures and in uppercase, add remarks, submit."""
    product = _product_for_order(request)
    org = org_acting_for(request.user)
    headline, per_tier = deduction_previews(enterprise_org=org, product=product)
    problem = apply_problem(user=request.user, product=product, preview=headline)
    tiers = [tier for tier, _p in per_tier]
    raw_tier = request.POST.get("tier") or request.GET.get("tier") or ""
    tier = next((t for t in tiers if str(t.pk) == raw_tier), None)
    preview = headline
    if tier is not None:
        preview = next(p for t, p in per_tier if t.pk == tier.pk)
    elif tiers and product.pricing_mode == "range":
        tier = next((t for t, p in per_tier if p is headline), tiers[0])
    form = OrderPlaceForm(
        request.POST or None,
        initial={"idempotency_key": uuid.uuid4().hex, "tier": tier.pk if tier else None},
    )
    chosen = preview["voucher"]
    if request.method == "POST" and form.is_valid():
        voucher_id = form.voucher_id()
        chosen = next((v for v in preview["vouchers"] if v["voucher_id"] == voucher_id), None)
        try:
            order = services.order_place(
                actor=request.user,
                product_id=product.pk,
                tier_id=tier.pk if tier else None,
                voucher_id=voucher_id,
                deduction_fen=_confirmed_deduction(request, voucher_id),
                note=form.cleaned_data["note"],
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("您的订单已经提交成功，请等待服务机构接单"))
            return redirect("orders:detail", order.number)
    return render(
        request,
        "orders/new.html",
        {
            "product": product,
            "tiers": tiers,
            "tier": tier,
            "preview": preview,
            "chosen": chosen,
            "problem": problem,
            "form": form,
            "org": org,
            "progress": _progress(OrderStatus.AWAITING_ACCEPTANCE),
        },
    )


# --- lists ---


def _list(request, *, side: str, template: str, active: str):
    tab = request.GET.get("tab") or "all"
    q = request.GET.get("q", "")[:100]
    orders, tabs = orders_for_party(actor=request.user, side=side, tab=tab, q=q)
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "order": order,
            "actions": [
                (a, flow.LABELS[a]) for a in flow.allowed_actions(order, side) if a in ROW_ACTIONS
            ],
        }
        for order in page
    ]
    return render(
        request,
        template,
        {
            "page": page,
            "rows": rows,
            "tabs": tabs,
            "tab": tab,
            "q": q,
            "side": side,
            "labels": flow.LABELS,
            "active_entry": active,
        },
    )


# The actions a list row offers (the others live on the order's page).
ROW_ACTIONS = ("accept", "cancel", "draft_contract", "sign_contract", "remit", "evaluate", "start")


@login_required
@access(LOGIN_REQUIRED)
def mine(request):
    return _list(request, side=Side.ENTERPRISE, template="orders/list.html", active="orders")


@login_required
@access(LOGIN_REQUIRED)
def provider(request):
    return _list(request, side=Side.PROVIDER, template="orders/list.html", active="service_orders")


# --- one order ---


def _get(request, number: str):
    try:
        return order_get_for_actor(actor=request.user, number=number)
    except NotFound as exc:
        raise Http404 from exc


@login_required
@access(own(ENT_A, PROV_X, *REGION_STAFF), sample="order")
def detail(request, number: str):
    order, side = _get(request, number)
    contracts = list(order.contracts.select_related("body", "signed_file").order_by("-version"))
    records = list(order.service_records.prefetch_related("attachments"))
    allowed = flow.allowed_actions(order, side)
    remittances = list(order.remittances.select_related("proof"))
    pending = sum(r.amount_fen for r in remittances if r.status == "submitted")
    context = {
        "order": order,
        "side": side,
        "allowed": allowed,
        "labels": flow.LABELS,
        "needs_reason": flow.NEEDS_REASON,
        "progress": _progress(order.status),
        "contract": contracts[0] if contracts else None,
        "contracts": contracts,
        "remittances": remittances,
        "pending_fen": pending,
        "records": records,
        "timeline": [
            (event, flow.EVENT_LABELS.get(event.action, event.action))
            for event in order_timeline(order)
        ],
        "evaluation": getattr(order, "evaluation", None) if hasattr(order, "evaluation") else None,
        "refunds": list(order.refunds.all()),
        "rating": provider_rating(order.provider),
        "remit_form": RemitForm(),
        "service_form": ServiceForm(),
        "evaluate_form": EvaluateForm(),
        "active_entry": {Side.PROVIDER: "service_orders"}.get(side, "orders"),
        "payment_methods": payment_methods(),
    }
    if side == Side.PROVIDER:
        context["headroom"] = _provider_headroom(order)
    base = "staff_base.html" if side == Side.STAFF else "center_base.html"
    context["base_template"] = base
    return render(request, "orders/detail.html", context)


def _provider_headroom(order):
    from smevoucher.vouchers.deduction import provider_headroom

    rules = order.program_version.parsed
    if rules.provider_city_share_bp is None and rules.provider_annual_settlement_cap_fen is None:
        return None
    return provider_headroom(
        provider=order.provider, rules=rules, city_code=order.city_code, year=order.program.year
    )


def _back(number: str, anchor: str = ""):
    return redirect(reverse("orders:detail", args=[number]) + (f"#{anchor}" if anchor else ""))


def _run(request, number: str, call, *, done: str, anchor: str = ""):
    order, _side = _get(request, number)
    try:
        call(order)
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as error:
        _fail(request, error)
    else:
        messages.success(request, done)
    return _back(number, anchor)


@login_required
@require_POST
@access(
    own(ENT_A, PROV_X, *REGION_STAFF), sample="order", method="POST", kwargs={"action": "start"}
)
def act(request, number: str, action: str):
    reason = request.POST.get("reason", "")
    return _run(
        request,
        number,
        lambda order: services.order_act(
            actor=request.user, order_id=order.pk, action=action, reason=reason
        ),
        done=_("操作成功：%(action)s") % {"action": flow.LABELS.get(action, action)},
    )


# The provider's contract form: the order's other parties have none (404).
@login_required
@access(own(PROV_X), sample="order_contract")
def contract(request, number: str):
    """制定合同 / 修改合同: the provider's form (template or attachment)."""
    order, side = _get(request, number)
    if not flow.is_allowed(order, "draft_contract", side):
        if side != Side.PROVIDER:
            raise Http404
        messages.error(request, _("当前不能制定合同"))
        return _back(number)
    previous = order.contracts.order_by("-version").first()
    initial = {"amount": f"{order.contract_total_fen / 100:.2f}"}
    if previous is not None:
        initial.update(
            amount=f"{previous.amount_fen / 100:.2f}",
            deposit=f"{previous.deposit_fen / 100:.2f}",
            service_period=previous.service_period,
            service_content=previous.service_content,
            deliverables=previous.deliverables,
            acceptance=previous.acceptance,
            payment_terms=previous.payment_terms,
            other_terms=previous.other_terms,
        )
    else:
        initial.update(
            service_content=order.tier_content or order.product.overview,
            deliverables=order.product.deliverables,
            acceptance=order.product.acceptance,
            service_period=order.product.cycle,
            payment_terms=_("合同签署后，甲方以对公转账方式支付定金；服务完成后支付尾款。"),
        )
    form = ContractForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.contract_draft(
                actor=request.user,
                order_id=order.pk,
                amount_fen=data["amount"],
                deposit_fen=data["deposit"] or 0,
                service_period=data["service_period"],
                service_content=data["service_content"],
                deliverables=data["deliverables"],
                acceptance=data["acceptance"],
                payment_terms=data["payment_terms"],
                other_terms=data["other_terms"],
                attachment=data["attachment"],
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("合同已提交给企业确认"))
            return _back(number, "contract")
    return render(
        request,
        "orders/contract_form.html",
        {"order": order, "form": form, "previous": previous, "active_entry": "service_orders"},
    )


@login_required
@require_POST
@access(
    own(ENT_A, PROV_X, *REGION_STAFF), sample="order", method="POST", data={"decision": "agree"}
)
def contract_decide(request, number: str):
    decision = request.POST.get("decision")
    if decision == "agree":
        return _run(
            request,
            number,
            lambda order: services.contract_agree(actor=request.user, order_id=order.pk),
            done=_("已同意合同，合同不可再修改，请等待双方签署"),
            anchor="contract",
        )
    if decision == "return":
        return _run(
            request,
            number,
            lambda order: services.contract_return(
                actor=request.user, order_id=order.pk, reason=request.POST.get("reason", "")
            ),
            done=_("合同已退回服务机构修改"),
            anchor="contract",
        )
    raise Http404


@login_required
@require_POST
@access(own(ENT_A, PROV_X, *REGION_STAFF), sample="order", method="POST", data={"code": "000000"})
def contract_sign(request, number: str):
    if request.POST.get("step") == "code":
        order, _side = _get(request, number)
        try:
            sent = services.contract_sign_start(
                actor=request.user, order_id=order.pk, ip_address=client_ip(request)
            )
        except DomainError as error:
            _fail(request, error)
        else:
            messages.info(request, sent)
        return _back(number, "contract")
    code = request.POST.get("code", "")
    return _run(
        request,
        number,
        lambda order: services.contract_sign(actor=request.user, order_id=order.pk, response=code),
        done=_("合同签署成功"),
        anchor="contract",
    )


@login_required
@require_POST
@access(own(ENT_A, PROV_X, *REGION_STAFF), sample="order", method="POST")
def apply_voucher(request, number: str):
    return _run(
        request,
        number,
        lambda order: services.order_apply_voucher(actor=request.user, order_id=order.pk),
        done=_("服务补贴券申请已提交，请等待服务中心审核"),
    )


@login_required
@require_POST
@access(own(ENT_A, PROV_X, *REGION_STAFF), sample="order", method="POST")
def remit(request, number: str):
    form = RemitForm(request.POST, request.FILES)
    if not form.is_valid():
        _get(request, number)
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(number, "payment")
    data = form.cleaned_data
    return _run(
        request,
        number,
        lambda order: services.remittance_submit(
            actor=request.user,
            order_id=order.pk,
            amount_fen=data["amount"],
            remitted_on=data["remitted_on"],
            proof=data["proof"],
            note=data["note"],
        ),
        done=_("汇款信息已提交，请等待服务机构确认收款"),
        anchor="payment",
    )


@login_required
@require_POST
@access(
    own(ENT_A, PROV_X, *REGION_STAFF),
    sample="remittance",
    method="POST",
    data={"decision": "confirm"},
)
def remittance_decide(request, number: str, remittance_id: int):
    decision = request.POST.get("decision")
    if decision == "confirm":
        call = lambda order: services.remittance_confirm(  # noqa: E731
            actor=request.user, remittance_id=remittance_id
        )
        done = _("已确认收款")
    elif decision == "reject":
        call = lambda order: services.remittance_reject(  # noqa: E731
            actor=request.user, remittance_id=remittance_id, reason=request.POST.get("reason", "")
        )
        done = _("已告知企业未收到该笔汇款")
    else:
        raise Http404
    order, _side = _get(request, number)
    if not order.remittances.filter(pk=remittance_id).exists():
        raise Http404
    return _run(request, number, call, done=done, anchor="payment")


@login_required
@require_POST
@access(own(ENT_A, PROV_X, *REGION_STAFF), sample="order", method="POST")
def service(request, number: str):
    form = ServiceForm(request.POST, request.FILES)
    form.is_valid()
    content = form.cleaned_data.get("content", "") if hasattr(form, "cleaned_data") else ""
    files = request.FILES.getlist("files")
    if request.POST.get("step") == "finish":
        return _run(
            request,
            number,
            lambda order: services.service_finish(
                actor=request.user, order_id=order.pk, content=content, files=files
            ),
            done=_("已结束服务，请等待企业支付尾款并确认"),
            anchor="service",
        )
    return _run(
        request,
        number,
        lambda order: services.service_progress(
            actor=request.user, order_id=order.pk, content=content, files=files
        ),
        done=_("服务进展已记录"),
        anchor="service",
    )


@login_required
@require_POST
@access(own(ENT_A, PROV_X, *REGION_STAFF), sample="order", method="POST")
def evaluate(request, number: str):
    form = EvaluateForm(request.POST)
    if not form.is_valid():
        _get(request, number)
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(number, "evaluation")
    return _run(
        request,
        number,
        lambda order: services.order_evaluate(
            actor=request.user,
            order_id=order.pk,
            stars=form.cleaned_data["stars"],
            content=form.cleaned_data["content"],
        ),
        done=_("评价已提交，感谢您的评价"),
        anchor="evaluation",
    )


@login_required
@require_POST
@access(own(ENT_A, PROV_X, *REGION_STAFF), sample="order", method="POST")
def refund(request, number: str):
    return _run(
        request,
        number,
        lambda order: services.refund_request(
            actor=request.user, order_id=order.pk, reason=request.POST.get("reason", "")
        ),
        done=_("退回支付申请已提交，等待平台审核"),
    )


# --- staff ---


@login_required
@access(STAFF_ONLY)
def staff_list(request):
    if not sees_staff_pages(request.user):
        raise PermissionDenied
    form = StaffFilterForm(request.GET)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    orders = orders_for_staff(
        actor=request.user, status=data.get("status", ""), q=data.get("q", "")
    )
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "orders/staff_list.html",
        {
            "page": page,
            "form": form,
            "statuses": OrderStatus.choices,
            "status": data.get("status", ""),
        },
    )
