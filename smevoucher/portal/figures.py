"""The live figures of the homepage (the Guangxi homepage's counters), read off the ledger and
the registers, cached briefly: never wrong by more than ``HOMEPAGE_FIGURES_SECONDS``."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q, Sum

CACHE_KEY = "portal:homepage-figures:v1"


@dataclass(frozen=True)
class Figures:
    enterprises: int  # 企业入驻平台 (certified enterprises)
    providers: int  # 服务机构入驻平台服务 (admitted providers)
    products: int  # 服务产品 (on sale)
    signed_contracts: int  # 企业累计签约合同
    deducted_fen: int  # 累计抵扣金额: captured, less refunded
    settled_fen: int  # 累计结算金额: redeemed to providers
    enterprises_with_quota: int  # 获得配额企业
    quota_fen: int  # 配额总额: issued
    pending_budget_fen: int  # 待预算审批: claims under review or in notice


def compute() -> Figures:
    from smevoucher.catalog.choices import ProductStatus
    from smevoucher.catalog.models import Product
    from smevoucher.orders.choices import ContractStatus
    from smevoucher.orders.models import Contract
    from smevoucher.orgs.choices import CertStatus, OrgKind
    from smevoucher.orgs.models import Organization
    from smevoucher.providers.choices import ProviderStatus
    from smevoucher.providers.models import Provider
    from smevoucher.settlements.choices import ClaimStatus
    from smevoucher.settlements.models import Claim
    from smevoucher.vouchers.choices import Movement
    from smevoucher.vouchers.models import LedgerTransaction, Voucher

    moved = dict(
        LedgerTransaction.objects.filter(
            movement__in=[Movement.ISSUE, Movement.CAPTURE, Movement.REFUND, Movement.REDEEM]
        )
        .values_list("movement")
        .annotate(total=Sum("amount_fen"))
    )
    return Figures(
        enterprises=Organization.objects.filter(
            kind=OrgKind.ENTERPRISE, status=CertStatus.APPROVED
        ).count(),
        providers=Provider.objects.filter(status=ProviderStatus.APPROVED)
        .values("org_id")
        .distinct()
        .count(),
        products=Product.objects.filter(status=ProductStatus.ON_SALE).count(),
        signed_contracts=Contract.objects.filter(status=ContractStatus.SIGNED).count(),
        deducted_fen=(moved.get(Movement.CAPTURE) or 0) - (moved.get(Movement.REFUND) or 0),
        settled_fen=moved.get(Movement.REDEEM) or 0,
        enterprises_with_quota=Voucher.objects.values("org_id").distinct().count(),
        quota_fen=moved.get(Movement.ISSUE) or 0,
        pending_budget_fen=Claim.objects.filter(
            Q(status__in=[ClaimStatus.SUBMITTED, ClaimStatus.APPROVED, ClaimStatus.NOTICE])
        ).aggregate(t=Sum("approved_fen"))["t"]
        or 0,
    )


def homepage_figures() -> Figures:
    """The figures, from the cache when fresh enough."""
    cached = cache.get(CACHE_KEY)
    if cached is not None:
        return Figures(**cached)
    figures = compute()
    cache.set(CACHE_KEY, asdict(figures), settings.HOMEPAGE_FIGURES_SECONDS)
    return figures


def active_program_banners() -> list[dict]:
    """The programs running now, with the caps their rules set (the homepage banner)."""
    from smevoucher.programs.models import Program, ProgramStatus
    from smevoucher.programs.selectors import program_version_at

    banners = []
    for program in Program.objects.filter(status=ProgramStatus.ACTIVE).order_by("-year", "code")[
        :3
    ]:
        rules = program_version_at(program=program).parsed
        banners.append(
            {
                "program": program,
                "annual_cap_fen": rules.enterprise_annual_deduction_cap_fen,
                "ratio_bp": rules.subsidy_ratio_bp,
                "per_order_cap_fen": rules.per_order_cap_fen,
                "tiers": list(rules.tiers),
                "voucher_types": list(rules.voucher_types),
            }
        )
    return banners
