"""The shape of a product's content: limits, what review needs, what a revision carries."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

MAX_TIERS = 10
MAX_COMPARISONS = 10
MAX_MATERIAL_SETS = 5
MAX_PROOFS = 10

TEXT_LIMITS = {
    "service_area": 200,
    "target_customers": 200,
    "overview": 5000,
    "process": 5000,
    "cycle": 100,
    "deliverables": 5000,
    "acceptance": 5000,
    "guide_doc_name": 200,
    "guide_doc_number": 100,
    "internal_basis": 5000,
}

# The introduction and pricing basis a product must have before it is reviewed (Guangdong).
REQUIRED_AT_SUBMIT = {
    "service_area": gettext_lazy("服务区域"),
    "target_customers": gettext_lazy("服务对象"),
    "overview": gettext_lazy("服务概述"),
    "process": gettext_lazy("服务流程"),
    "cycle": gettext_lazy("服务周期"),
    "deliverables": gettext_lazy("交付成果"),
    "acceptance": gettext_lazy("验收标准"),
    "internal_basis": gettext_lazy("企业内部定价依据"),
}

# The product's own columns a revision carries (besides tiers, proofs and materials).
SCALAR_FIELDS = (
    "name",
    "category",
    "voucher_types",
    "accepts_general",
    "accepts_special",
    "pricing_mode",
    "guide_price_fen",
    "platform_price_fen",
    "min_price_fen",
    "max_price_fen",
    "market_comparisons",
    *TEXT_LIMITS,
)
