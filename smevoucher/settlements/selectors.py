"""Reads of redemption: the provider's claims and claimable orders, a claim's whole dossier,
the notices, and each program's budget figures from the ledger."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import QuerySet, Sum

from smevoucher.core.errors import NotFound
from smevoucher.orders.choices import OrderStatus
from smevoucher.orders.models import Order
from smevoucher.orgs.selectors import org_acting_for
from smevoucher.staff.permissions import in_jurisdiction, jurisdiction_filter

from .choices import LIVE, ClaimStatus
from .models import Claim, ClaimLine, Notice


def provider_claims(*, actor) -> QuerySet[Claim]:
    org = org_acting_for(actor) if getattr(actor, "is_authenticated", False) else None
    if org is None:
        return Claim.objects.none()
    return Claim.objects.filter(provider__org=org).select_related("program", "notice")


def claim_get_for_provider(*, actor, pk: int) -> Claim:
    claim = provider_claims(actor=actor).filter(pk=pk).first()
    if claim is None:
        raise NotFound()
    return claim


def claim_get_for_staff(*, actor, pk: int) -> Claim:
    claim = Claim.objects.select_related("provider__org", "program", "notice").filter(pk=pk).first()
    if claim is None or not (
        actor.is_superuser or in_jurisdiction(actor, claim.provider.org.region_code)
    ):
        raise NotFound()
    return claim


def claimable_orders(*, actor, program_id: int | None = None) -> QuerySet[Order]:
    """The provider's evaluated orders with voucher value, in no live claim (可申请兑现)."""
    org = org_acting_for(actor) if getattr(actor, "is_authenticated", False) else None
    if org is None:
        return Order.objects.none()
    orders = Order.objects.filter(
        provider__org=org, status=OrderStatus.EVALUATED, captured_fen__gt=0
    ).exclude(claim_lines__live=True)
    if program_id:
        orders = orders.filter(program_id=program_id)
    return orders.select_related("enterprise", "program", "voucher").order_by(
        "-evaluated_at", "-pk"
    )


def claim_lines(claim: Claim) -> list[ClaimLine]:
    return list(
        claim.lines.select_related("order", "order__enterprise", "order__voucher", "invoice")
        .prefetch_related(
            "order__contracts", "order__remittances__proof", "order__service_records__attachments"
        )
        .order_by("pk")
    )


def claim_lines_streamed(claim: Claim, *, chunk_size: int = 2000) -> Iterator[ClaimLine]:
    """The lines with only what the summary prints, read in chunks (exports of any size)."""
    return (
        claim.lines.select_related("order__enterprise")
        .only(
            "claim",
            "invoice_number",
            "invoice_amount_fen",
            "invoice_date",
            "claimed_fen",
            "approved_fen",
            "order__number",
            "order__product_name",
            "order__created_at",
            "order__contract_amount_fen",
            "order__amount_fen",
            "order__deduction_fen",
            "order__enterprise__name",
        )
        .order_by("pk")
        .iterator(chunk_size=chunk_size)
    )


def claim_dossier(*, claim: Claim, viewer) -> dict:
    """Everything about a claim on one page: lines with each order's contract, transfer
    proofs and deliverables, the materials, the review and the notice."""
    from smevoucher.reviews.models import Review

    lines = claim_lines(claim)
    for line in lines:
        contracts = [c for c in line.order.contracts.all() if c.status == "signed"]
        line.signed_contract = contracts[-1] if contracts else None
        line.proofs = [r for r in line.order.remittances.all() if r.status == "confirmed"]
        line.deliverables = [
            a for record in line.order.service_records.all() for a in record.attachments.all()
        ]
    return {
        "claim": claim,
        "lines": lines,
        "review": Review.objects.filter(kind="redemption", object_id=str(claim.pk))
        .order_by("-pk")
        .first(),
        "materials": list(claim.other_materials.all()),
    }


def claims_for_staff(*, actor, status: str = "", program_id: int | None = None) -> QuerySet[Claim]:
    claims = Claim.objects.select_related("provider__org", "program", "notice")
    if not actor.is_superuser:
        claims = claims.filter(jurisdiction_filter(actor, field="provider__org__region_code"))
    if status:
        claims = claims.filter(status=status)
    if program_id:
        claims = claims.filter(program_id=program_id)
    return claims.order_by("-submitted_at", "-pk")


def public_notices() -> QuerySet[Notice]:
    return Notice.objects.select_related("program").prefetch_related("claims__provider__org")


def notice_rows(notice: Notice) -> list[dict]:
    return [
        {
            "provider": claim.provider.org.name,
            "orders": claim.lines.count(),
            "amount_fen": claim.approved_fen,
            "claim": claim,
        }
        for claim in notice.claims.select_related("provider__org").order_by("pk")
    ]


@dataclass(frozen=True)
class Budget:
    """A program's money, each figure read off the ledger (fen)."""

    funded_fen: int  # put into the program (预算)
    unallocated_fen: int  # budget not yet issued as vouchers
    issued_fen: int  # value issued as vouchers, less what was recalled back
    available_fen: int  # on vouchers, unused
    held_fen: int  # held by open orders
    deducted_fen: int  # captured by paid orders, awaiting redemption
    paid_fen: int  # redeemed to providers (兑付)
    pending_approval_fen: int  # in claims under review or in notice (待预算审批)


def program_budget(program) -> Budget:
    from smevoucher.vouchers.choices import AccountKind as K
    from smevoucher.vouchers.models import LedgerAccount

    program_accounts = dict(
        LedgerAccount.objects.filter(program=program, voucher__isnull=True).values_list(
            "kind", "balance_fen"
        )
    )
    voucher_sums = dict(
        LedgerAccount.objects.filter(program=program, voucher__isnull=False)
        .values_list("kind")
        .annotate(total=Sum("balance_fen"))
    )
    available = voucher_sums.get(K.AVAILABLE, 0) or 0
    held = voucher_sums.get(K.HELD, 0) or 0
    payable = program_accounts.get(K.PAYABLE, 0)
    paid = program_accounts.get(K.PAID, 0)
    pending = (
        Claim.objects.filter(
            program=program,
            status__in=[ClaimStatus.SUBMITTED, ClaimStatus.APPROVED, ClaimStatus.NOTICE],
        ).aggregate(t=Sum("approved_fen"))["t"]
        or 0
    )
    return Budget(
        funded_fen=-program_accounts.get(K.TREASURY, 0),
        unallocated_fen=program_accounts.get(K.BUDGET, 0),
        issued_fen=available + held + payable + paid,
        available_fen=available,
        held_fen=held,
        deducted_fen=payable,
        paid_fen=paid,
        pending_approval_fen=pending,
    )


def claimable_fen(order: Order) -> int:
    """What an order can be redeemed for: the voucher value captured and not refunded."""
    return order.captured_fen - order.refunded_fen


def cap_problem(claim: Claim) -> str | None:
    """Why the claim would take the provider past its caps, or None: the annual settlement
    cap over this claim and every other live claim of the year, and each city's share."""
    from django.utils.translation import gettext as _

    from smevoucher.core.money import yuan
    from smevoucher.programs.selectors import program_version_at
    from smevoucher.vouchers.deduction import city_issued_fen

    rules = program_version_at(program=claim.program).parsed
    others = ClaimLine.objects.filter(
        live=True, claim__provider=claim.provider, claim__status__in=LIVE
    ).exclude(claim=claim)
    lines = list(claim.lines.select_related("order"))
    cap = rules.provider_annual_settlement_cap_fen
    if cap is not None:
        total = (others.aggregate(t=Sum("approved_fen"))["t"] or 0) + sum(
            line.approved_fen for line in lines
        )
        if total > cap:
            return _("超出服务机构年度结算上限：本年度兑现合计%(total)s元，上限%(cap)s元") % {
                "total": yuan(total),
                "cap": yuan(cap),
            }
    share = rules.provider_city_share_bp
    if share is not None:
        by_city: dict[str, int] = {}
        for city, amount in others.values_list("order__city_code", "approved_fen"):
            by_city[city] = by_city.get(city, 0) + amount
        for line in lines:
            by_city[line.order.city_code] = by_city.get(line.order.city_code, 0) + line.approved_fen
        for city, amount in sorted(by_city.items()):
            city_cap = (
                city_issued_fen(program_id=claim.program_id, city_code=city) * share // 10_000
            )
            if amount > city_cap:
                return _(
                    "超出服务机构在该市收券上限：在%(city)s兑现合计%(total)s元，上限%(cap)s元"
                ) % {"city": city, "total": yuan(amount), "cap": yuan(city_cap)}
    return None
