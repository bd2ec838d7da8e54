"""How much of a price a voucher may pay: one function for the product page, the order page
and the order service (which calls it again with the rows locked).

Each cap is a `Limit` with its headroom; the deduction is the smallest headroom, and a
request above it is refused naming that cap. Money in fen; ratios in basis points.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Sum
from django.utils.translation import gettext as _

from smevoucher.core.errors import DomainError
from smevoucher.core.money import yuan

RATIO = "ratio"
PER_ORDER = "per_order"
VOUCHER = "voucher"
ENTERPRISE_ANNUAL = "enterprise_annual"
PROVIDER_CITY = "provider_city"
PROVIDER_ANNUAL = "provider_annual"


def limit_label(code: str) -> str:
    return {
        RATIO: _("补贴比例"),
        PER_ORDER: _("单笔订单抵扣上限"),
        VOUCHER: _("服务券余额"),
        ENTERPRISE_ANNUAL: _("企业年度抵扣上限"),
        PROVIDER_CITY: _("服务机构在该市收券上限"),
        PROVIDER_ANNUAL: _("服务机构年度结算上限"),
    }[code]


@dataclass(frozen=True)
class Limit:
    code: str
    headroom_fen: int
    cap_fen: int | None = None  # the cap itself, where it is a figure (for the page)

    @property
    def label(self) -> str:
        return limit_label(self.code)


@dataclass(frozen=True)
class ProviderHeadroom:
    """What a provider may still receive: in the enterprise's city and in the year."""

    city_code: str
    city_issued_fen: int
    city_share_bp: int | None
    city_used_fen: int
    annual_cap_fen: int | None
    annual_used_fen: int

    @property
    def city_cap_fen(self) -> int | None:
        if self.city_share_bp is None:
            return None
        return self.city_issued_fen * self.city_share_bp // 10_000

    @property
    def city_left_fen(self) -> int | None:
        cap = self.city_cap_fen
        return None if cap is None else max(cap - self.city_used_fen, 0)

    @property
    def annual_left_fen(self) -> int | None:
        if self.annual_cap_fen is None:
            return None
        return max(self.annual_cap_fen - self.annual_used_fen, 0)

    def limits(self) -> list[Limit]:
        found = []
        if self.city_share_bp is not None:
            found.append(Limit(PROVIDER_CITY, self.city_left_fen, self.city_cap_fen))
        if self.annual_cap_fen is not None:
            found.append(Limit(PROVIDER_ANNUAL, self.annual_left_fen, self.annual_cap_fen))
        return found


def city_issued_fen(*, program_id: int, city_code: str) -> int:
    """All voucher value a program issued to enterprises of one city. It only grows (recalled
    value stays in a voucher's total), so reading it unlocked errs on the safe side."""
    from .models import Voucher

    total = Voucher.objects.filter(
        program_id=program_id, org__region_code__startswith=city_code
    ).aggregate(total=Sum("total_fen"))["total"]
    return int(total or 0)


def provider_headroom(
    *, provider, rules, city_code: str, year: int, usage=None
) -> ProviderHeadroom:
    """The provider caps of ``rules`` for one city; ``usage`` is the (locked) ProviderUsage
    row when the caller holds it, else it is read."""
    from .models import ProviderUsage

    if usage is None:
        usage = ProviderUsage.objects.filter(provider=provider, year=year).first()
    share_bp = rules.provider_city_share_bp
    return ProviderHeadroom(
        city_code=city_code,
        city_issued_fen=(
            city_issued_fen(program_id=provider.program_id, city_code=city_code)
            if share_bp is not None
            else 0
        ),
        city_share_bp=share_bp,
        city_used_fen=int((usage.by_city if usage else {}).get(city_code, 0)),
        annual_cap_fen=rules.provider_annual_settlement_cap_fen,
        annual_used_fen=usage.deducted_fen if usage else 0,
    )


def deduction_limits(
    *,
    price_fen: int,
    ratio_bp: int,
    per_order_cap_fen: int | None,
    voucher_available_fen: int,
    enterprise_cap_fen: int | None,
    enterprise_used_fen: int,
    provider: ProviderHeadroom | None,
) -> list[Limit]:
    """Every cap that bounds the deduction of one order on one voucher, with its headroom."""
    limits = [
        Limit(RATIO, price_fen * ratio_bp // 10_000),
        Limit(VOUCHER, voucher_available_fen),
    ]
    if per_order_cap_fen is not None:
        limits.append(Limit(PER_ORDER, per_order_cap_fen, per_order_cap_fen))
    if enterprise_cap_fen is not None:
        limits.append(
            Limit(
                ENTERPRISE_ANNUAL,
                max(enterprise_cap_fen - enterprise_used_fen, 0),
                enterprise_cap_fen,
            )
        )
    if provider is not None:
        limits += provider.limits()
    return limits


def max_deduction(limits: list[Limit]) -> tuple[int, Limit | None]:
    """The largest deduction every limit allows, and the limit that binds it."""
    if not limits:
        return 0, None
    binding = min(limits, key=lambda limit: limit.headroom_fen)
    return max(binding.headroom_fen, 0), binding


def refuse_over_limit(limits: list[Limit], requested_fen: int) -> None:
    """Refuse ``requested_fen`` if any limit is below it, naming the tightest such cap."""
    over = [limit for limit in limits if requested_fen > limit.headroom_fen]
    if not over:
        return
    binding = min(over, key=lambda limit: limit.headroom_fen)
    raise DomainError(
        f"deduction.{binding.code}",
        _("超出%(cap)s：本单最多可抵扣%(left)s元，申请抵扣%(asked)s元")
        % {
            "cap": binding.label,
            "left": yuan(max(binding.headroom_fen, 0)),
            "asked": yuan(requested_fen),
        },
        field="deduction",
        status=409,
    )
