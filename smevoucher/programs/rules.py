"""A program's rules as data: validated on every edit, versioned, read by the services.

All money is integer fen; ratios are basis points (5000 = 50%).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Fen = int


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Classification(Strict):
    """A list an enterprise can be on (e.g. 专精特新"小巨人"), imported by USCC."""

    code: str = Field(max_length=40)
    name: str = Field(max_length=100)


class Tier(Strict):
    key: str = Field(max_length=40)
    name: str = Field(max_length=100)
    amount_fen: Fen = Field(ge=0)
    # Classification codes (from imported lists) that put an enterprise in this tier.
    classes: list[str] = Field(default_factory=list)


class VoucherTypeRule(Strict):
    key: str = Field(max_length=40)
    name: str = Field(max_length=50)
    kind: Literal["general", "special"]
    valid_from: dt.date
    valid_until: dt.date
    rule_text: str = Field(default="", max_length=2000)
    # general: the amount follows from the tier; special: the enterprise asks for an amount,
    # capped by ``ratio_bp`` of the proven base (e.g. the guarantee fee) and ``annual_cap_fen``.
    amount_mode: Literal["tier", "requested", "fixed"]
    fixed_amount_fen: Fen | None = Field(default=None, ge=0)
    ratio_bp: int | None = Field(default=None, ge=0, le=10000)
    base_label: str = Field(default="", max_length=50)
    annual_cap_fen: Fen | None = Field(default=None, ge=0)
    requires_proof: bool = False
    max_years: int | None = Field(default=None, ge=1, le=10)
    # Product categories this voucher type may be spent on (empty: every category).
    categories: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _window(self):
        if self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        if self.amount_mode == "fixed" and self.fixed_amount_fen is None:
            raise ValueError("a fixed voucher type needs fixed_amount_fen")
        return self


class CategoryRule(Strict):
    category: str = Field(max_length=50)
    ratio_bp: int = Field(ge=0, le=10000)
    per_order_cap_fen: Fen | None = Field(default=None, ge=0)


class Batch(Strict):
    key: str = Field(max_length=40)
    name: str = Field(max_length=50)
    issue_from: dt.date
    issue_until: dt.date
    # After the batch ends: order within N days, sign the contract within M days of the
    # order, else the voucher is recalled (Guangdong: 30 and 30).
    order_deadline_days: int | None = Field(default=None, ge=1)
    contract_deadline_days: int | None = Field(default=None, ge=1)


class ProgramRules(Strict):
    budget_fen: Fen = Field(ge=0)
    voucher_types: list[VoucherTypeRule] = Field(min_length=1)
    classifications: list[Classification] = Field(default_factory=list)
    tiers: list[Tier] = Field(default_factory=list)
    # An enterprise in no listed class gets this tier (Liuzhou: every small enterprise).
    default_tier: str | None = None
    enterprise_annual_deduction_cap_fen: Fen | None = Field(default=None, ge=0)
    subsidy_ratio_bp: int = Field(ge=0, le=10000)
    per_order_cap_fen: Fen | None = Field(default=None, ge=0)
    categories: list[str] = Field(default_factory=list)
    category_rules: list[CategoryRule] = Field(default_factory=list)
    batches: list[Batch] = Field(default_factory=list)
    voucher_mode: Literal["at_order", "per_order_review"]
    provider_city_share_bp: int | None = Field(default=None, ge=0, le=10000)
    provider_annual_settlement_cap_fen: Fen | None = Field(default=None, ge=0)
    reminder_days_before_recall: int = Field(default=7, ge=0, le=60)
    notes: str = Field(default="", max_length=4000)

    @model_validator(mode="after")
    def _references(self):
        keys = [t.key for t in self.tiers]
        if len(keys) != len(set(keys)):
            raise ValueError("tier keys repeat")
        if self.default_tier and self.default_tier not in keys:
            raise ValueError("default_tier names no tier")
        types = [v.key for v in self.voucher_types]
        if len(types) != len(set(types)):
            raise ValueError("voucher type keys repeat")
        if any(v.amount_mode == "tier" for v in self.voucher_types) and not self.tiers:
            raise ValueError("a tier voucher type needs tiers")
        known = {c.code for c in self.classifications}
        unknown = {code for t in self.tiers for code in t.classes} - known
        if unknown:
            raise ValueError(f"tiers name unknown classifications: {sorted(unknown)}")
        return self

    def classification_name(self, code: str) -> str:
        return next((c.name for c in self.classifications if c.code == code), code)

    def voucher_type(self, key: str) -> VoucherTypeRule | None:
        return next((v for v in self.voucher_types if v.key == key), None)

    def tier_for_classes(self, classes: set[str]) -> Tier | None:
        """The highest tier any of the enterprise's classes gives, else the default tier."""
        matching = [t for t in self.tiers if classes & set(t.classes)]
        if matching:
            return max(matching, key=lambda t: t.amount_fen)
        return next((t for t in self.tiers if t.key == self.default_tier), None)

    def subsidy_for_category(self, category: str) -> tuple[int, Fen | None]:
        rule = next((r for r in self.category_rules if r.category == category), None)
        if rule is not None:
            return rule.ratio_bp, rule.per_order_cap_fen
        return self.subsidy_ratio_bp, self.per_order_cap_fen
