"""Staff dashboards (数据看板): each chart is a list of (label, value) rows computed for the
staff member's jurisdiction only, drawn as server-rendered SVG, shown as a table and exported
to Excel from the same rows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smevoucher.staff.permissions import jurisdiction_filter


@dataclass
class Chart:
    key: str
    title: str
    unit: str  # "yuan" (values in fen) or "count"
    rows: list[tuple[str, int]]

    @property
    def peak(self) -> int:
        return max((v for _l, v in self.rows), default=0) or 1

    @property
    def height(self) -> int:
        return 24 * len(self.rows) + 4

    @property
    def bars(self) -> list[dict]:
        """Each row as an SVG bar: label on the left, bar from x=160 scaled to the peak."""
        out = []
        for index, (label, value) in enumerate(self.rows):
            shown = f"{value / 100:,.2f}" if self.unit == "yuan" else f"{value:,}"
            out.append(
                {
                    "label": str(label)[:14],
                    "value": shown,
                    "y": 4 + 24 * index,
                    "text_y": 18 + 24 * index,
                    "width": max(int(200 * value / self.peak), 1 if value else 0),
                }
            )
        return out


def _scope(actor, field: str) -> Q:
    return Q() if actor.is_superuser else jurisdiction_filter(actor, field=field)


def _months(queryset, value_field: str) -> dict[str, int]:
    rows = (
        queryset.annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(total=Sum(value_field))
        .order_by("month")
    )
    return {r["month"].strftime("%Y-%m"): int(r["total"] or 0) for r in rows}


def _city_names(codes) -> dict[str, str]:
    from smevoucher.regions.models import Region

    return dict(Region.objects.filter(code__in=list(codes)).values_list("code", "name"))


def charts_for(actor) -> list[Chart]:
    from smevoucher.orders.models import Order
    from smevoucher.reviews.models import Review
    from smevoucher.settlements.models import Claim
    from smevoucher.vouchers.choices import Movement
    from smevoucher.vouchers.models import LedgerTransaction, ProviderUsage, Voucher

    ledger = LedgerTransaction.objects.filter(_scope(actor, "voucher__org__region_code"))
    issued = _months(ledger.filter(movement=Movement.ISSUE), "amount_fen")
    captured = _months(ledger.filter(movement=Movement.CAPTURE), "amount_fen")
    refunded = _months(ledger.filter(movement=Movement.REFUND), "amount_fen")
    deducted = {
        m: captured.get(m, 0) - refunded.get(m, 0) for m in sorted(set(captured) | set(refunded))
    }
    paid_claims = Claim.objects.filter(
        _scope(actor, "provider__org__region_code"), paid_at__isnull=False
    )
    redeemed: dict[str, int] = defaultdict(int)
    for paid_at, amount in paid_claims.values_list("paid_at", "approved_fen"):
        redeemed[timezone.localtime(paid_at).strftime("%Y-%m")] += amount

    orders = Order.objects.filter(_scope(actor, "enterprise__region_code"), captured_fen__gt=0)
    by_category = list(
        orders.values("category").annotate(total=Sum("captured_fen")).order_by("-total")[:12]
    )
    vouchers = Voucher.objects.filter(_scope(actor, "org__region_code"))
    by_city: dict[str, int] = defaultdict(int)
    for region_code, total in vouchers.values_list("org__region_code", "total_fen"):
        by_city[region_code[:4]] += total
    names = _city_names(by_city)
    by_tier = list(vouchers.values("total_fen").annotate(n=Count("pk")).order_by("total_fen"))

    reviews = Review.objects.filter(
        _scope(actor, "region_code"), status__in=["submitted", "under_review"]
    )
    today = timezone.localdate()
    backlog = list(reviews.values("kind").annotate(n=Count("pk")).order_by("-n"))
    overdue = dict(reviews.filter(deadline__lt=today).values_list("kind").annotate(n=Count("pk")))
    from smevoucher.reviews.registry import review_kinds

    kinds = review_kinds()

    shares = []
    from smevoucher.vouchers.deduction import city_issued_fen

    for usage in ProviderUsage.objects.select_related("provider__org", "provider"):
        for city, used in (usage.by_city or {}).items():
            region_ok = actor.is_superuser or _in(actor, city)
            if not region_ok or not used:
                continue
            issued_total = city_issued_fen(program_id=usage.provider.program_id, city_code=city)
            share = int(used * 10_000 // issued_total) if issued_total else 0
            shares.append(
                (f"{usage.provider.org.name} · {_city_names([city]).get(city, city)}", share)
            )
    shares.sort(key=lambda row: -row[1])

    return [
        Chart("issued", _("服务券发放（按月）"), "yuan", sorted(issued.items())),
        Chart("deducted", _("服务券抵扣（按月）"), "yuan", sorted(deducted.items())),
        Chart("redeemed", _("兑付金额（按月）"), "yuan", sorted(redeemed.items())),
        Chart(
            "category",
            _("抵扣金额（按服务类别）"),
            "yuan",
            [(r["category"], int(r["total"])) for r in by_category],
        ),
        Chart(
            "city",
            _("服务券发放（按城市）"),
            "yuan",
            [(names.get(c, c), v) for c, v in sorted(by_city.items())],
        ),
        Chart(
            "tier",
            _("服务券张数（按券面额度）"),
            "count",
            [(f"{r['total_fen'] // 100:,}", r["n"]) for r in by_tier],
        ),
        Chart(
            "backlog",
            _("待审核事项（按类型，括号内为超期）"),
            "count",
            [
                (
                    f"{kinds[r['kind']].label if r['kind'] in kinds else r['kind']}（{overdue.get(r['kind'], 0)}）",
                    r["n"],
                )
                for r in backlog
            ],
        ),
        Chart("share", _("服务机构在城市收券占比（万分比）"), "count", shares[:10]),
    ]


def _in(actor, code: str) -> bool:
    from smevoucher.staff.permissions import in_jurisdiction

    return in_jurisdiction(actor, code)


def chart_xlsx(chart: Chart) -> bytes:
    import io

    from openpyxl import Workbook

    from smevoucher.settlements.exports import safe_cell

    book = Workbook()
    sheet = book.active
    sheet.title = "data"
    sheet.append([safe_cell(str(chart.title))])
    sheet.append(["项目", "金额(元)" if chart.unit == "yuan" else "数量"])
    for label, value in chart.rows:
        sheet.append([safe_cell(label), value / 100 if chart.unit == "yuan" else value])
        if chart.unit == "yuan":
            sheet.cell(row=sheet.max_row, column=2).number_format = "#,##0.00"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
