"""Every change to an order, its contract, payments, service and evaluation.

Each public function is one step: it locks the order row first (then the ledger rows, in
the ledger's own order), passes `flow.require_allowed`, writes an `OrderEvent` and one audit
record, and tells the other party after commit. Money moves only through the ledger
services (`vouchers.services`), each with an idempotency key derived from the order.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smevoucher.audit.services import audit_record
from smevoucher.catalog.choices import PricingMode
from smevoucher.catalog.models import Product
from smevoucher.catalog.selectors import apply_problem, deduction_basis, preview_at
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.core.i18n import platform_text
from smevoucher.core.money import MAX_FEN, yuan
from smevoucher.core.numbers import next_number
from smevoucher.notifications.services import notify
from smevoucher.orgs.selectors import org_acting_for, org_people
from smevoucher.programs.selectors import program_version_at
from smevoucher.uploads.services import upload_create
from smevoucher.vouchers import services as ledger
from smevoucher.vouchers.deduction import refuse_over_limit
from smevoucher.vouchers.models import Voucher
from smevoucher.vouchers.selectors import voucher_usable_problem

from . import flow
from .choices import ContractSource, ContractStatus, RefundStatus, RemittanceStatus, Side
from .choices import OrderStatus as S
from .choices import ServiceRecordKind as R
from .models import (
    Contract,
    Evaluation,
    Order,
    OrderEvent,
    RefundRequest,
    Remittance,
    ServiceRecord,
)
from .selectors import side_of

NOTE_MAX = 500
REASON_MAX = 300
EVALUATION_MAX = 200


# --- helpers ---


def _locked(order_id: int) -> Order:
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("enterprise", "provider", "provider__org", "voucher", "program")
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise NotFound()
    return order


def _open(*, actor, order_id: int) -> tuple[Order, str]:
    """Lock the order and find the actor's side; 404 for anyone who is not a party."""
    order = _locked(order_id)
    side = side_of(actor, order)
    if side is None:
        raise NotFound()
    return order, side


def _reason(reason: str, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise DomainError("reason.required", _("请填写原因"), field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(
            "reason.too_long",
            _("原因不能超过%(max)d个字（当前%(n)d个字）") % {"max": REASON_MAX, "n": len(reason)},
            field="reason",
        )
    return reason


def _tell(order: Order, side: str, title, params: dict | None = None) -> None:
    """Tell the other party (or both, for a staff decision) in the inbox after commit."""
    link = reverse("orders:detail", args=[order.number])
    params = {"number": order.number, "product": order.product_name, **(params or {})}
    body = platform_text(title, params)
    recipients = []
    if side != Side.ENTERPRISE:
        recipients += org_people(order.enterprise)
    if side != Side.PROVIDER:
        recipients += org_people(order.provider.org)
    for user in recipients:
        notify(user=user, title=body, body="", link=link)


def _event(order, *, action, side, actor, from_status="", reason="", data=None) -> None:
    OrderEvent.objects.create(
        order=order,
        action=action,
        from_status=from_status,
        to_status=order.status,
        side=side,
        actor=actor if getattr(actor, "pk", None) else None,
        reason=reason,
        data=data or {},
    )


_CURRENT = object()


def _step(
    order,
    *,
    action: str,
    side: str,
    actor,
    subject,
    audit_action: str,
    from_status=_CURRENT,
    reason: str = "",
    data: dict | None = None,
    from_state: str = "",
    to_state: str = "",
) -> None:
    """A step on an order's timeline (订单动态) and the one audit record of its change."""
    _event(
        order,
        action=action,
        side=side,
        actor=actor,
        from_status=order.status if from_status is _CURRENT else from_status,
        reason=reason,
        data=data,
    )
    audit_record(
        actor=actor,
        subject=subject,
        action=audit_action,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        data=data,
    )


_STAMPS = {
    S.AWAITING_CONTRACT: "accepted_at",
    S.AWAITING_PAYMENT: "signed_at",
    S.IN_SERVICE: "service_started_at",
    S.AWAITING_EVALUATION: "completed_at",
    S.EVALUATED: "evaluated_at",
    S.CANCELLED: "cancelled_at",
}


def _move(
    order: Order,
    *,
    action: str,
    side: str,
    actor,
    reason: str = "",
    data: dict | None = None,
    fields: tuple[str, ...] = (),
    record: bool = True,
) -> str:
    """The one place that assigns an order's status: checked against the table, stamped,
    saved with ``fields``, with its event and (unless the calling service or review writes
    the one record of the change) its audit record."""
    flow.require_allowed(order, action, side)
    source = order.status
    target = flow.transition_target(order, action)
    order.status = target
    changed = {"status", "updated_at", *fields}
    stamp = _STAMPS.get(target) if target != source else None
    if stamp and getattr(order, stamp) is None:
        setattr(order, stamp, timezone.now())
        changed.add(stamp)
    if target == S.CANCELLED:
        order.cancelled_by = side
        order.cancel_reason = reason
        changed |= {"cancelled_by", "cancel_reason"}
    order.save(update_fields=sorted(changed))
    if record:
        _step(
            order,
            action=action,
            side=side,
            actor=actor,
            subject=order,
            audit_action=f"order.{action}",
            from_status=source,
            reason=reason,
            data=data,
            from_state=source,
            to_state=target,
        )
    else:
        _event(
            order,
            action=action,
            side=side,
            actor=actor,
            from_status=source,
            reason=reason,
            data=data,
        )
    return source


def _held_fen(order: Order) -> int:
    return order.deduction_fen - order.captured_fen - order.released_fen


def _release_hold(order: Order, *, actor, key_suffix: str, amount_fen: int | None = None) -> int:
    """Give back what the order holds on its voucher (all, or ``amount_fen`` of it)."""
    amount = _held_fen(order) if amount_fen is None else amount_fen
    if amount <= 0 or order.voucher_id is None:
        return 0
    ledger.voucher_release(
        record=False,
        actor=actor,
        voucher_id=order.voucher_id,
        amount_fen=amount,
        idempotency_key=f"order:{order.number}:release:{key_suffix}",
        ref=order.number,
        provider_id=order.provider_id,
        city_code=order.city_code,
    )
    order.released_fen += amount
    return amount


def _capture(order: Order, *, actor) -> int:
    amount = _held_fen(order)
    if amount <= 0 or order.voucher_id is None:
        return 0
    ledger.voucher_capture(
        record=False,
        actor=actor,
        voucher_id=order.voucher_id,
        amount_fen=amount,
        idempotency_key=f"order:{order.number}:capture",
        ref=order.number,
        provider_id=order.provider_id,
        city_code=order.city_code,
    )
    order.captured_fen += amount
    return amount


def _void_contracts(order: Order) -> None:
    order.contracts.exclude(status__in=[ContractStatus.RETURNED, ContractStatus.VOID]).update(
        status=ContractStatus.VOID
    )


# --- placing an order ---


def _price(product: Product, tier_id: int | None):
    if product.pricing_mode == PricingMode.RANGE:
        tier = product.tiers.filter(pk=tier_id).first() if tier_id else None
        if tier is None:
            raise DomainError("order.tier_required", _("请选择服务内容及价格"), field="tier")
        return tier, tier.price_fen
    if tier_id:
        raise DomainError("order.tier_invalid", _("该服务产品为固定价格"), field="tier")
    return None, product.platform_price_fen or 0


@transaction.atomic
def order_place(
    *,
    actor,
    product_id: int,
    tier_id: int | None = None,
    voucher_id: int | None = None,
    deduction_fen: int | None = None,
    note: str = "",
    idempotency_key: str,
) -> Order:
    """Place an order (提交订单): the deduction is the one computed by
    `vouchers.deduction` on the rows locked here; it is held on the voucher.

    ``deduction_fen`` is what the enterprise saw and confirmed (None: the most allowed); a
    request above any cap is refused naming that cap, and nothing is held."""
    key = (idempotency_key or "").strip()
    if not key or len(key) > 100:
        raise DomainError("idempotency.key", _("缺少有效的幂等键"), status=400)
    earlier = Order.objects.filter(idempotency_key=key).first()
    if earlier is not None:
        if earlier.placed_by_id != actor.pk or earlier.product_id != product_id:
            raise DomainError(
                "idempotency.mismatch", _("该幂等键已用于另一笔不同的操作"), status=409
            )
        return earlier
    product = (
        Product.objects.select_related("program", "provider", "provider__org")
        .filter(pk=product_id)
        .first()
    )
    if product is None:
        raise NotFound()
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise DomainError(
            "order.note_too_long",
            _("订单备注不能超过%(max)d个字（当前%(n)d个字）") % {"max": NOTE_MAX, "n": len(note)},
            field="note",
        )
    if deduction_fen is not None and (
        not isinstance(deduction_fen, int) or deduction_fen < 0 or deduction_fen > MAX_FEN
    ):
        raise DomainError("amount.invalid", _("抵扣金额无效"), field="deduction")
    org = org_acting_for(actor)
    if voucher_id is not None and org is not None:
        # A chosen voucher that cannot be used says why (e.g. past its batch deadline).
        chosen = Voucher.objects.filter(pk=voucher_id, org=org, program=product.program).first()
        if chosen is None:
            raise NotFound()
        unusable = voucher_usable_problem(chosen)
        if unusable:
            raise DomainError("voucher.unusable", unusable, field="voucher", status=409)
    problem = apply_problem(user=actor, product=product)
    if problem:
        raise DomainError("order.cannot_apply", problem, status=409)
    tier, price_fen = _price(product, tier_id)
    if price_fen <= 0:
        raise DomainError("order.price_missing", _("该服务产品暂无有效价格"), status=409)
    version = program_version_at(program=product.program)
    rules = version.parsed
    city_code = org.region_code[:4]

    deduction, voucher = 0, None
    if voucher_id is not None:
        provider_usage, enterprise_usage, voucher = ledger.deduction_rows_locked(
            voucher_id=voucher_id, provider_id=product.provider_id
        )
        unusable = voucher_usable_problem(voucher)
        if unusable:
            raise DomainError("voucher.unusable", unusable, field="voucher", status=409)
        basis = deduction_basis(
            enterprise_org=org,
            product=product,
            rules=rules,
            vouchers=[voucher],
            deducted={voucher.year: enterprise_usage.deducted_fen},
            provider_usage=provider_usage,
        )
        if not basis.vouchers:
            raise DomainError(
                "voucher.not_for_product", _("该服务券不能用于此服务产品"), field="voucher"
            )
        entry = preview_at(basis, price_fen)["vouchers"][0]
        deduction = entry["deduction_fen"] if deduction_fen is None else deduction_fen
        if deduction_fen is None and deduction <= 0 and entry["binding"] is not None:
            refuse_over_limit(entry["limits"], 1)  # nothing left under a cap: name it
        refuse_over_limit(entry["limits"], deduction)
        if deduction == 0:
            voucher = None
    elif deduction_fen:
        raise DomainError("order.voucher_required", _("请选择使用的服务券"), field="voucher")

    order = Order(
        number=next_number("ORD"),
        program=product.program,
        program_version=version,
        voucher_mode=rules.voucher_mode,
        enterprise=org,
        provider=product.provider,
        product=product,
        tier=tier,
        product_name=product.name,
        tier_content=tier.content if tier else "",
        category=product.category,
        amount_fen=price_fen,
        voucher=voucher,
        deduction_fen=deduction,
        city_code=city_code,
        note=note,
        placed_by=actor,
        idempotency_key=key,
    )
    try:
        with transaction.atomic():
            order.save(force_insert=True)
    except IntegrityError as exc:
        # The same form or call, submitted twice at once: the first one places the order.
        raise DomainError(
            "order.in_flight", _("订单正在提交，请稍候在“我购买的服务”中查看"), status=409
        ) from exc
    if deduction:
        ledger.voucher_hold(
            record=False,
            actor=actor,
            voucher_id=voucher.pk,
            amount_fen=deduction,
            idempotency_key=f"order:{order.number}:hold",
            ref=order.number,
            provider=product.provider,
            city_code=city_code,
            rules=rules,
        )
    Product.objects.filter(pk=product.pk).update(application_count=F("application_count") + 1)
    data = {
        "amount_fen": price_fen,
        "deduction_fen": deduction,
        "voucher": voucher.number if voucher else None,
    }
    _step(
        order,
        action="place",
        side=Side.ENTERPRISE,
        actor=actor,
        subject=order,
        audit_action="order.placed",
        from_status="",
        data=data,
        to_state=order.status,
    )
    _tell(
        order,
        Side.ENTERPRISE,
        gettext_lazy("新的服务订单 %(number)s：%(product)s，请及时接单"),
    )
    return order


# --- status steps taken by a party ---

_TOLD = {
    "accept": gettext_lazy("服务机构已接单：订单 %(number)s（%(product)s），请等待合同"),
    "decline": gettext_lazy("服务机构未接单：订单 %(number)s（%(product)s）已取消"),
    "cancel": gettext_lazy("企业已取消订单 %(number)s（%(product)s）"),
    "cancel_contract": gettext_lazy("订单 %(number)s（%(product)s）的合同已取消，订单关闭"),
    "start": gettext_lazy("订单 %(number)s（%(product)s）已开始服务"),
    "confirm": gettext_lazy("企业已确认订单 %(number)s（%(product)s）服务完成"),
}


@transaction.atomic
def order_act(*, actor, order_id: int, action: str, reason: str = "") -> Order:
    """A party's step that needs no more input than a reason: accept (接单), decline (拒绝
    接单), cancel (取消订单), cancel_contract (取消合同), start (开始服务), confirm (确认完成).
    Cancelling releases what the order holds on the voucher."""
    if action not in _TOLD:
        raise DomainError("order.action_unknown", _("未知的操作"), status=400)
    order, side = _open(actor=actor, order_id=order_id)
    reason = _reason(reason, required=action in flow.NEEDS_REASON)
    flow.require_allowed(order, action, side)
    fields: tuple[str, ...] = ()
    data = None
    if flow.transition_target(order, action) == S.CANCELLED:
        released = _release_hold(order, actor=actor, key_suffix="cancel")
        _void_contracts(order)
        fields, data = ("released_fen",), {"released_fen": released}
    _move(order, action=action, side=side, actor=actor, reason=reason, data=data, fields=fields)
    if action == "start":
        ServiceRecord.objects.create(order=order, kind=R.START, content=reason, actor=actor)
    _tell(order, side, _TOLD[action])
    return order


# --- contracts ---


def _contract_terms(order: Order, amount_fen: int, deposit_fen: int) -> tuple[int, int, int]:
    """(deduction, deposit, final) of a contract of ``amount_fen``: the deduction can only
    shrink from what the order holds (ratio and per-order cap of the rules in force)."""
    if not isinstance(amount_fen, int) or amount_fen <= 0 or amount_fen > MAX_FEN:
        raise DomainError("contract.amount", _("请填写正确的合同金额"), field="amount")
    rules = order.program_version.parsed
    ratio_bp, per_order_cap = rules.subsidy_for_category(order.category)
    ceilings = [order.deduction_fen, amount_fen * ratio_bp // 10_000]
    if per_order_cap is not None:
        ceilings.append(per_order_cap)
    deduction = min(ceilings)
    payable = amount_fen - deduction
    if not isinstance(deposit_fen, int) or deposit_fen < 0 or deposit_fen > payable:
        raise DomainError(
            "contract.deposit",
            _("定金应在0至%(max)s元之间（合同金额减去服务券抵扣）") % {"max": yuan(payable)},
            field="deposit",
        )
    return deduction, deposit_fen, payable - deposit_fen


def _file(*, actor, value, purpose: str, field: str):
    """A file given as an upload (its id from the upload API, or the Upload) of the actor
    for ``purpose``, or as a file just received (checked and stored here)."""
    from smevoucher.uploads.models import Upload
    from smevoucher.uploads.selectors import upload_owned

    if isinstance(value, (str, Upload)):
        upload = upload_owned(
            actor=actor, pk=value.pk if isinstance(value, Upload) else value, purpose=purpose
        )
        if upload is None:
            raise DomainError("upload.invalid", _("文件无效，请重新上传"), field=field)
        return upload
    return upload_create(record=False, actor=actor, uploaded=value, purpose=purpose)


def _as_file(content: bytes, name: str):
    return ContentFile(content, name=name)


def _contract_document(order: Order, contract: Contract):
    from .contract_pdf import ContractDocument, Party

    def party(org, contact_user) -> Party:
        from smevoucher.core.privacy import mask_phone

        return Party(
            name=org.name,
            uscc=org.uscc,
            legal_rep=org.legal_rep_name,
            address=org.address,
            contact=mask_phone(getattr(contact_user, "phone", "") or ""),
        )

    return ContractDocument(
        contract_number=contract.number,
        version=contract.version,
        order_number=order.number,
        program_name=order.program.name,
        enterprise=party(order.enterprise, order.placed_by),
        provider=party(order.provider.org, order.provider.org.owner),
        product_name=order.product_name,
        service_content=contract.service_content,
        service_period=contract.service_period,
        deliverables=contract.deliverables,
        acceptance=contract.acceptance,
        amount_fen=contract.amount_fen,
        deduction_fen=contract.deduction_fen,
        deposit_fen=contract.deposit_fen,
        final_fen=contract.final_fen,
        payment_terms=contract.payment_terms,
        other_terms=contract.other_terms,
        drafted_at=timezone.localdate(),
    )


@transaction.atomic
def contract_draft(
    *,
    actor,
    order_id: int,
    amount_fen: int,
    deposit_fen: int,
    service_period: str = "",
    service_content: str = "",
    deliverables: str = "",
    acceptance: str = "",
    payment_terms: str = "",
    other_terms: str = "",
    attachment=None,
) -> Contract:
    """The provider drafts the contract (制定合同), or a revision after the enterprise
    returned it: generated from the platform's template, or an uploaded PDF attachment."""
    order, side = _open(actor=actor, order_id=order_id)
    flow.require_allowed(order, "draft_contract", side)
    deduction, deposit, final = _contract_terms(order, amount_fen, deposit_fen)
    texts = {
        "service_period": (service_period or "").strip()[:200],
        "service_content": (service_content or order.tier_content or order.product_name).strip()[
            :4000
        ],
        "deliverables": (deliverables or "").strip()[:4000],
        "acceptance": (acceptance or "").strip()[:4000],
        "payment_terms": (payment_terms or "").strip()[:2000],
        "other_terms": (other_terms or "").strip()[:4000],
    }
    version = (
        order.contracts.order_by("-version").values_list("version", flat=True).first() or 0
    ) + 1
    contract = Contract(
        order=order,
        number=f"HT{order.number[3:]}",
        version=version,
        source=ContractSource.UPLOADED if attachment is not None else ContractSource.GENERATED,
        amount_fen=amount_fen,
        deduction_fen=deduction,
        deposit_fen=deposit,
        final_fen=final,
        drafted_by=actor,
        **texts,
    )
    if attachment is not None:
        body = _file(actor=actor, value=attachment, purpose="order_contract", field="attachment")
        if body.content_type != "application/pdf":
            raise DomainError("contract.not_pdf", _("合同附件须为PDF文件"), field="attachment")
    else:
        from .contract_pdf import render_contract

        pdf = render_contract(_contract_document(order, contract))
        body = upload_create(
            record=False,
            actor=actor,
            uploaded=_as_file(pdf, f"{contract.number}-v{version}.pdf"),
            purpose="order_contract",
        )
    contract.body = body
    contract.body_sha256 = body.sha256
    contract.save(force_insert=True)
    data = {
        "version": version,
        "amount_fen": amount_fen,
        "deposit_fen": deposit,
        "final_fen": final,
        "sha256": body.sha256,
    }
    _step(
        order,
        action="draft_contract",
        side=side,
        actor=actor,
        subject=contract,
        audit_action="contract.drafted",
        data=data,
    )
    _tell(order, side, gettext_lazy("订单 %(number)s 的合同已制定，请查看并确认"))
    return contract


def _latest_contract(order: Order) -> Contract:
    contract = order.contracts.select_for_update().order_by("-version").first()
    if contract is None:
        raise DomainError("contract.missing", _("合同尚未制定"), status=409)
    return contract


@transaction.atomic
def contract_return(*, actor, order_id: int, reason: str) -> Contract:
    """The enterprise returns the contract for changes (退回修改), with a reason."""
    order, side = _open(actor=actor, order_id=order_id)
    reason = _reason(reason, required=True)
    flow.require_allowed(order, "return_contract", side)
    contract = _latest_contract(order)
    contract.status = ContractStatus.RETURNED
    contract.return_reason = reason
    contract.decided_at = timezone.now()
    contract.save(update_fields=["status", "return_reason", "decided_at"])
    _step(
        order,
        action="return_contract",
        side=side,
        actor=actor,
        subject=contract,
        audit_action="contract.returned",
        reason=reason,
        data={"version": contract.version},
        from_state=ContractStatus.DRAFTED,
        to_state=ContractStatus.RETURNED,
    )
    _tell(
        order,
        side,
        gettext_lazy("企业退回了订单 %(number)s 的合同：%(reason)s"),
        {"reason": reason},
    )
    return contract


def _contract_deadline_problem(order: Order) -> str | None:
    """Guangdong: the contract must be agreed within N days of the order (batch rule)."""
    voucher = order.voucher
    if voucher is None or not voucher.batch_key:
        return None
    rules = order.program_version.parsed
    batch = next((b for b in rules.batches if b.key == voucher.batch_key), None)
    if batch is None or batch.contract_deadline_days is None:
        return None
    deadline = timezone.localtime(order.created_at).date() + dt.timedelta(
        days=batch.contract_deadline_days
    )
    if timezone.localdate() > deadline:
        return _("已超过签约期限（%(day)s），服务券将被回收，请取消订单") % {"day": deadline}
    return None


@transaction.atomic
def contract_agree(*, actor, order_id: int) -> Contract:
    """The enterprise agrees to the contract (同意): it becomes immutable, the signable PDF
    (body + signing page) is made, and a lower contract price releases the difference."""
    from .contract_pdf import signable_pdf

    order, side = _open(actor=actor, order_id=order_id)
    flow.require_allowed(order, "agree_contract", side)
    late = _contract_deadline_problem(order)
    if late:
        raise DomainError("contract.deadline", late, status=409)
    contract = _latest_contract(order)
    with contract.body.file.open("rb") as handle:
        body = handle.read()
    try:
        pdf = signable_pdf(
            body=body,
            contract_number=contract.number,
            version=contract.version,
            order_number=order.number,
            enterprise_name=order.enterprise.name,
            provider_name=order.provider.org.name,
        )
    except ValueError as exc:
        raise DomainError(
            "contract.unreadable", _("合同文件无法用于签署（可能已加密），请服务机构重新上传")
        ) from exc
    signable = upload_create(
        record=False,
        actor=actor,
        uploaded=_as_file(pdf, f"{contract.number}-v{contract.version}-signing.pdf"),
        purpose="order_contract",
    )
    contract.status = ContractStatus.AGREED
    contract.decided_at = timezone.now()
    contract.signed_file = signable
    contract.signed_sha256 = signable.sha256
    contract.save(update_fields=["status", "decided_at", "signed_file", "signed_sha256"])
    released = 0
    if contract.deduction_fen < order.deduction_fen:
        released = _release_hold(
            order,
            actor=actor,
            key_suffix=f"contract-v{contract.version}",
            amount_fen=order.deduction_fen - contract.deduction_fen,
        )
        order.deduction_fen = contract.deduction_fen
        order.released_fen -= released  # the deduction itself shrank; nothing is held for it
    order.contract_amount_fen = contract.amount_fen
    order.deposit_fen = contract.deposit_fen
    order.final_fen = contract.final_fen
    order.save(
        update_fields=[
            "contract_amount_fen",
            "deposit_fen",
            "final_fen",
            "deduction_fen",
            "released_fen",
            "updated_at",
        ]
    )
    data = {"version": contract.version, "sha256": contract.body_sha256, "released_fen": released}
    _step(
        order,
        action="agree_contract",
        side=side,
        actor=actor,
        subject=contract,
        audit_action="contract.agreed",
        data=data,
        from_state=ContractStatus.DRAFTED,
        to_state=ContractStatus.AGREED,
    )
    _tell(order, side, gettext_lazy("企业已同意订单 %(number)s 的合同，请签署（乙方先签）"))
    return contract


def contract_sign_start(*, actor, order_id: int, ip_address: str | None) -> str:
    """Send the signer's identity check (an SMS code here) before signing."""
    from smevoucher.esign.identity import identity_verifier

    order = Order.objects.select_related("enterprise", "provider__org").filter(pk=order_id).first()
    side = side_of(actor, order) if order else None
    if side is None:
        raise NotFound()
    flow.require_allowed(order, "sign_contract", side)
    return identity_verifier(purpose="sign").start(user=actor, ip_address=ip_address)


def contract_sign(*, actor, order_id: int, response: str) -> Contract:
    """Sign the agreed contract with the organization's e-seal (乙方 first, then 甲方):
    a PAdES signature in the signing page's box of that party. The enterprise's signature
    completes the contract; in the Guangxi flow the order then awaits payment."""
    from smevoucher.esign.identity import identity_verifier

    order = Order.objects.select_related("enterprise", "provider__org").filter(pk=order_id).first()
    side = side_of(actor, order) if order else None
    if side is None:
        raise NotFound()
    flow.require_allowed(order, "sign_contract", side)
    # The code is checked (and spent) outside the signing transaction, as SMS codes are.
    identity_verifier(purpose="sign").verify(user=actor, response=response)
    return _contract_sign(actor=actor, order_id=order_id)


@transaction.atomic
def _contract_sign(*, actor, order_id: int) -> Contract:
    from smevoucher.esign.selectors import active_seal
    from smevoucher.esign.signing import pdf_sign

    from .contract_pdf import SIGNATURE_BOXES

    order, side = _open(actor=actor, order_id=order_id)
    flow.require_allowed(order, "sign_contract", side)
    org = order.enterprise if side == Side.ENTERPRISE else order.provider.org
    seal = active_seal(org)
    if seal is None:
        raise DomainError(
            "esign.no_seal", _("贵单位尚未制作电子签章，请先在个人中心制作签章"), status=409
        )
    contract = _latest_contract(order)
    with contract.signed_file.file.open("rb") as handle:
        current = handle.read()
    import io

    from pypdf import PdfReader

    last_page = len(PdfReader(io.BytesIO(current)).pages) - 1
    signed = pdf_sign(
        pdf=current,
        seal=seal,
        field_name="SignatureB" if side == Side.PROVIDER else "SignatureA",
        page=last_page,
        box=SIGNATURE_BOXES[side],
        reason=_("签署服务合同 %(number)s") % {"number": contract.number},
        location="smevoucher",
    )
    upload = upload_create(
        record=False,
        actor=actor,
        uploaded=_as_file(signed, f"{contract.number}-v{contract.version}-signed.pdf"),
        purpose="order_contract",
    )
    before = contract.status
    now = timezone.now()
    if side == Side.PROVIDER:
        contract.status, contract.provider_signed_at = ContractStatus.PROVIDER_SIGNED, now
    else:
        contract.status, contract.enterprise_signed_at = ContractStatus.SIGNED, now
    contract.signed_file = upload
    contract.signed_sha256 = hashlib.sha256(signed).hexdigest()
    contract.save(
        update_fields=[
            "status",
            "provider_signed_at",
            "enterprise_signed_at",
            "signed_file",
            "signed_sha256",
        ]
    )
    data = {"version": contract.version, "sha256": contract.signed_sha256, "signer": org.name}
    _step(
        order,
        action="sign_contract",
        side=side,
        actor=actor,
        subject=contract,
        audit_action="contract.signed",
        data=data,
        from_state=before,
        to_state=contract.status,
    )
    if contract.status == ContractStatus.SIGNED:
        if order.voucher_mode == "at_order":
            _move(
                order,
                action="contract_signed",
                side=Side.SYSTEM,
                actor=actor,
                data=data,
                record=False,
            )
            if order.deposit_fen == 0:
                # No deposit agreed: the voucher is received at signing (接收服务券).
                captured = _capture(order, actor=actor)
                _move(
                    order,
                    action="deposit_confirmed",
                    side=Side.SYSTEM,
                    actor=actor,
                    data={"captured_fen": captured},
                    fields=("captured_fen",),
                    record=False,
                )
                _tell(
                    order,
                    Side.SYSTEM,
                    gettext_lazy("订单 %(number)s 合同已签署，待服务机构开始服务"),
                )
            else:
                _tell(
                    order, Side.SYSTEM, gettext_lazy("订单 %(number)s 合同已签署，请企业支付定金")
                )
        else:
            _tell(order, Side.SYSTEM, gettext_lazy("订单 %(number)s 合同已签署，请企业申请服务券"))
    else:
        _tell(order, side, gettext_lazy("服务机构已签署订单 %(number)s 的合同，请签署"))
    return contract


# --- Liuzhou: the per-order voucher application, reviewed by the service center ---


@transaction.atomic
def order_apply_voucher(*, actor, order_id: int) -> Order:
    """After both signed, the enterprise applies for the order's voucher (申请服务补贴券);
    the service center of its region reviews it (review kind ``order_voucher``)."""
    from django.contrib.contenttypes.models import ContentType

    from smevoucher.reviews.choices import ReviewAction, ReviewStatus
    from smevoucher.reviews.models import Review
    from smevoucher.reviews.services import review_submit, review_transition

    order, side = _open(actor=actor, order_id=order_id)
    returned = Review.objects.filter(
        kind="order_voucher",
        content_type=ContentType.objects.get_for_model(Order),
        object_id=str(order.pk),
        status=ReviewStatus.RETURNED,
    ).first()
    # After a return the same review goes round again (its record is the one record).
    _move(order, action="apply_voucher", side=side, actor=actor, record=returned is None)
    if returned is not None:
        review_transition(actor=actor, review_id=returned.pk, action=ReviewAction.RESUBMIT)
    else:
        review_submit(
            actor=actor,
            subject=order,
            kind="order_voucher",
            region_code=order.enterprise.region_code,
            label=f"{order.enterprise.name} · {order.number}",
        )
    _tell(order, side, gettext_lazy("订单 %(number)s 已申请服务补贴券，等待服务中心审核"))
    return order


def on_voucher_decided(*, order_id: int, actor, outcome: str, reason: str = "") -> None:
    """The review of the order's voucher decided (inside the review's transaction):
    approved captures the deduction and the order awaits delivery; rejected voids it."""
    order = _locked(order_id)
    if outcome == "approved":
        captured = _capture(order, actor=actor)
        _move(
            order,
            action="voucher_approved",
            side=Side.STAFF,
            actor=actor,
            data={"captured_fen": captured},
            fields=("captured_fen",),
            record=False,
        )
        _tell(order, Side.STAFF, gettext_lazy("订单 %(number)s 的服务补贴券已审核通过，待交付"))
    elif outcome == "rejected":
        released = _release_hold(order, actor=actor, key_suffix="voucher-rejected")
        _void_contracts(order)
        _move(
            order,
            action="voucher_rejected",
            side=Side.STAFF,
            actor=actor,
            reason=reason,
            data={"released_fen": released},
            fields=("released_fen",),
            record=False,
        )
        _tell(
            order,
            Side.STAFF,
            gettext_lazy("订单 %(number)s 的服务补贴券审核未通过，订单作废：%(reason)s"),
            {"reason": reason},
        )
    else:
        _move(
            order,
            action="voucher_returned",
            side=Side.STAFF,
            actor=actor,
            reason=reason,
            record=False,
        )
        _tell(
            order,
            Side.STAFF,
            gettext_lazy("订单 %(number)s 的服务补贴券申请被退回：%(reason)s"),
            {"reason": reason},
        )


# --- payments ---


@transaction.atomic
def remittance_submit(
    *,
    actor,
    order_id: int,
    amount_fen: int,
    remitted_on: dt.date,
    proof,
    note: str = "",
) -> Remittance:
    """The enterprise records one corporate transfer (确认汇款) with its proof; several
    remittances may make up the deposit and the final payment."""
    order, side = _open(actor=actor, order_id=order_id)
    flow.require_allowed(order, "remit", side)
    if not isinstance(amount_fen, int) or amount_fen <= 0:
        raise DomainError("amount.positive", _("汇款金额必须大于零"), field="amount")
    pending = sum(
        order.remittances.filter(status=RemittanceStatus.SUBMITTED).values_list(
            "amount_fen", flat=True
        )
    )
    room = order.unpaid_fen - pending
    if amount_fen > room:
        raise DomainError(
            "remittance.too_much",
            _("汇款金额超过待付金额：尚需支付%(left)s元（已扣除待确认的汇款）")
            % {"left": yuan(max(room, 0))},
            field="amount",
        )
    if remitted_on is None or remitted_on > timezone.localdate():
        raise DomainError("remittance.date", _("请填写正确的汇款日期"), field="remitted_on")
    if proof is None:
        raise DomainError("remittance.proof", _("请上传转账凭证"), field="proof")
    upload = _file(actor=actor, value=proof, purpose="order_payment_proof", field="proof")
    sequence = (
        order.remittances.order_by("-sequence").values_list("sequence", flat=True).first() or 0
    ) + 1
    remittance = Remittance.objects.create(
        order=order,
        sequence=sequence,
        amount_fen=amount_fen,
        remitted_on=remitted_on,
        proof=upload,
        note=(note or "").strip()[:200],
        submitted_by=actor,
    )
    data = {"sequence": sequence, "amount_fen": amount_fen}
    _step(
        order,
        action="remit",
        side=side,
        actor=actor,
        subject=remittance,
        audit_action="remittance.submitted",
        data=data,
    )
    _tell(
        order,
        side,
        gettext_lazy("订单 %(number)s 企业已汇款%(amount)s元，请核实后确认收款"),
        {"amount": yuan(amount_fen)},
    )
    return remittance


def _remittance_open(
    *, actor, remittance_id: int, decision: str
) -> tuple[Order, str, Remittance, bool]:
    """Lock the remittance's order and the remittance. The last value says whether the
    provider already took this same ``decision`` on it: a retry whose answer was lost, which
    gets the remittance back as it is, with no second effect."""
    peek = Remittance.objects.filter(pk=remittance_id).values_list("order_id", flat=True).first()
    if peek is None:
        raise NotFound()
    order, side = _open(actor=actor, order_id=peek)
    remittance = Remittance.objects.select_for_update().get(pk=remittance_id)
    if remittance.status == decision and side == Side.PROVIDER:
        return order, side, remittance, True
    flow.require_allowed(order, "confirm_remittance", side)
    if remittance.status != RemittanceStatus.SUBMITTED:
        raise DomainError("remittance.decided", _("该笔汇款已处理"), status=409)
    return order, side, remittance, False


@transaction.atomic
def remittance_confirm(*, actor, remittance_id: int) -> Remittance:
    """The provider confirms receipt of a remittance (确认收款). When the deposit is in, the
    voucher deduction is captured (接收服务券) and the order awaits service. Confirming a
    confirmed remittance again returns it unchanged (idempotent)."""
    order, side, remittance, replayed = _remittance_open(
        actor=actor, remittance_id=remittance_id, decision=RemittanceStatus.CONFIRMED
    )
    if replayed:
        return remittance
    remittance.status = RemittanceStatus.CONFIRMED
    remittance.decided_by = actor
    remittance.decided_at = timezone.now()
    remittance.save(update_fields=["status", "decided_by", "decided_at"])
    order.paid_fen += remittance.amount_fen
    order.save(update_fields=["paid_fen", "updated_at"])
    data = {"sequence": remittance.sequence, "amount_fen": remittance.amount_fen}
    _step(
        order,
        action="confirm_remittance",
        side=side,
        actor=actor,
        subject=remittance,
        audit_action="remittance.confirmed",
        data=data,
        from_state=RemittanceStatus.SUBMITTED,
        to_state=RemittanceStatus.CONFIRMED,
    )
    if order.status == S.AWAITING_PAYMENT and order.paid_fen >= order.deposit_fen:
        captured = _capture(order, actor=actor)
        _move(
            order,
            action="deposit_confirmed",
            side=Side.SYSTEM,
            actor=actor,
            data={"captured_fen": captured},
            fields=("captured_fen",),
            record=False,
        )
        _tell(
            order, Side.SYSTEM, gettext_lazy("订单 %(number)s 定金已确认到账，待服务机构开始服务")
        )
    else:
        _tell(
            order,
            side,
            gettext_lazy("订单 %(number)s 的汇款%(amount)s元已确认收款"),
            {"amount": yuan(remittance.amount_fen)},
        )
    return remittance


@transaction.atomic
def remittance_reject(*, actor, remittance_id: int, reason: str) -> Remittance:
    """The provider has not received a remittance (未收到款项), with a reason. Rejecting a
    rejected remittance again returns it unchanged (idempotent)."""
    order, side, remittance, replayed = _remittance_open(
        actor=actor, remittance_id=remittance_id, decision=RemittanceStatus.REJECTED
    )
    if replayed:
        return remittance
    reason = _reason(reason, required=True)
    remittance.status = RemittanceStatus.REJECTED
    remittance.decided_by = actor
    remittance.decided_at = timezone.now()
    remittance.reject_reason = reason
    remittance.save(update_fields=["status", "decided_by", "decided_at", "reject_reason"])
    _step(
        order,
        action="reject_remittance",
        side=side,
        actor=actor,
        subject=remittance,
        audit_action="remittance.rejected",
        reason=reason,
        data={"sequence": remittance.sequence},
        from_state=RemittanceStatus.SUBMITTED,
        to_state=RemittanceStatus.REJECTED,
    )
    _tell(
        order,
        side,
        gettext_lazy("订单 %(number)s 的汇款未被确认：%(reason)s"),
        {"reason": reason},
    )
    return remittance


# --- service and evaluation ---


def _attach(record: ServiceRecord, *, actor, files) -> None:
    uploads = [
        _file(actor=actor, value=f, purpose="order_deliverable", field="files") for f in files or ()
    ]
    if uploads:
        record.attachments.add(*uploads)


@transaction.atomic
def service_progress(*, actor, order_id: int, content: str, files=()) -> ServiceRecord:
    """The provider records progress during service (服务进展)."""
    order, side = _open(actor=actor, order_id=order_id)
    flow.require_allowed(order, "record_progress", side)
    content = (content or "").strip()
    if not content:
        raise DomainError("service.content", _("请填写服务进展"), field="content")
    record = ServiceRecord.objects.create(
        order=order, kind=R.PROGRESS, content=content[:1000], actor=actor
    )
    _attach(record, actor=actor, files=files)
    _step(
        order,
        action="record_progress",
        side=side,
        actor=actor,
        subject=record,
        audit_action="order.progress_recorded",
    )
    _tell(order, side, gettext_lazy("订单 %(number)s 有新的服务进展"))
    return record


@transaction.atomic
def service_finish(*, actor, order_id: int, content: str, files=()) -> Order:
    """The provider ends service (结束服务) with the deliverables; the enterprise then
    pays the final payment and confirms."""
    order, side = _open(actor=actor, order_id=order_id)
    flow.require_allowed(order, "finish", side)
    content = (content or "").strip()
    if not content and not files:
        raise DomainError(
            "service.deliverables", _("请填写服务成果说明或上传交付成果"), field="content"
        )
    _move(order, action="finish", side=side, actor=actor)
    order.service_finished_at = timezone.now()
    order.save(update_fields=["service_finished_at"])
    record = ServiceRecord.objects.create(
        order=order, kind=R.FINISH, content=content[:1000], actor=actor
    )
    _attach(record, actor=actor, files=files)
    _tell(order, side, gettext_lazy("订单 %(number)s 服务已完成，请支付尾款并确认完成"))
    return order


@transaction.atomic
def order_evaluate(*, actor, order_id: int, stars: int, content: str = "") -> Evaluation:
    """The enterprise evaluates the service (评价服务): 1–5 stars and up to 200 characters."""
    order, side = _open(actor=actor, order_id=order_id)
    flow.require_allowed(order, "evaluate", side)
    if not isinstance(stars, int) or isinstance(stars, bool) or not 1 <= stars <= 5:
        raise DomainError("evaluation.stars", _("请选择1至5星的综合评分"), field="stars")
    content = (content or "").strip()
    if len(content) > EVALUATION_MAX:
        raise DomainError(
            "evaluation.too_long",
            _("评价内容不能超过%(max)d个字（当前%(n)d个字）")
            % {"max": EVALUATION_MAX, "n": len(content)},
            field="content",
        )
    evaluation = Evaluation.objects.create(
        order=order, provider=order.provider, stars=stars, content=content, created_by=actor
    )
    Product.objects.filter(pk=order.product_id).update(sales_count=F("sales_count") + 1)
    _move(order, action="evaluate", side=side, actor=actor, data={"stars": stars})
    _tell(order, side, gettext_lazy("企业已评价订单 %(number)s：%(stars)d星"), {"stars": stars})
    return evaluation


# --- refunds of the voucher payment ---


@transaction.atomic
def refund_request(*, actor, order_id: int, reason: str) -> RefundRequest:
    """Ask the staff of the enterprise's region to undo the voucher payment (退回支付);
    refused once the voucher has expired."""
    from smevoucher.reviews.services import review_submit

    order, side = _open(actor=actor, order_id=order_id)
    reason = _reason(reason, required=True)
    flow.require_allowed(order, "request_refund", side)
    refund = RefundRequest.objects.create(
        order=order, side=side, reason=reason, amount_fen=order.captured_fen, requested_by=actor
    )
    review_submit(
        actor=actor,
        subject=refund,
        kind="order_refund",
        region_code=order.enterprise.region_code,
        label=f"{order.number} · {order.enterprise.name}",
    )
    _step(
        order,
        action="request_refund",
        side=side,
        actor=actor,
        subject=refund,
        audit_action="refund.requested",
        reason=reason,
        data={"amount_fen": refund.amount_fen},
    )
    _tell(order, side, gettext_lazy("订单 %(number)s 已申请退回支付，等待平台审核"))
    return refund


def on_refund_decided(*, refund_id: int, actor, outcome: str, reason: str = "") -> None:
    """The refund review decided (inside the review's transaction). Approval gives the
    captured deduction back to the voucher and closes the order."""
    refund = RefundRequest.objects.select_related("order").get(pk=refund_id)
    order = _locked(refund.order_id)
    refund = RefundRequest.objects.select_for_update().get(pk=refund_id)
    if outcome != "approved":
        refund.status = {
            "rejected": RefundStatus.REJECTED,
            "returned": RefundStatus.RETURNED,
            "withdrawn": RefundStatus.WITHDRAWN,
            "submitted": RefundStatus.SUBMITTED,
        }[outcome]
        fields = ["status"]
        if outcome in ("rejected", "withdrawn"):
            refund.decided_at = timezone.now()
            fields.append("decided_at")
        refund.save(update_fields=fields)
        return
    voucher = order.voucher
    if voucher is not None and timezone.localdate() > voucher.valid_until:
        raise DomainError("refund.expired", _("服务券已到期，不能退回支付"), status=409)
    refunded = 0
    if order.captured_fen > order.refunded_fen and order.voucher_id:
        refunded = order.captured_fen - order.refunded_fen
        ledger.voucher_refund(
            record=False,
            actor=actor,
            voucher_id=order.voucher_id,
            amount_fen=refunded,
            idempotency_key=f"order:{order.number}:refund:{refund.pk}",
            ref=order.number,
            provider_id=order.provider_id,
            city_code=order.city_code,
        )
        order.refunded_fen += refunded
    released = _release_hold(order, actor=actor, key_suffix=f"refund-{refund.pk}")
    refund.status = RefundStatus.APPROVED
    refund.decided_at = timezone.now()
    refund.save(update_fields=["status", "decided_at"])
    _move(
        order,
        action="refund_approved",
        side=Side.STAFF,
        actor=actor,
        reason=refund.reason,
        data={"refunded_fen": refunded, "released_fen": released},
        fields=("refunded_fen", "released_fen"),
        record=False,
    )
    _tell(order, Side.STAFF, gettext_lazy("订单 %(number)s 的退回支付申请已通过，订单关闭"))
