"""The provider's product form: every field of the Guangdong manual, prices typed in yuan,
tiers and market comparisons as a fixed number of repeated rows, files per material set."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from smevoucher.core.errors import DomainError
from smevoucher.core.money import parse_yuan

from .choices import MaterialKind, PricingMode
from .fields import MAX_MATERIAL_SETS, TEXT_LIMITS

TIER_ROWS = 6
COMPARISON_ROWS = 5


def yuan_input(fen: int | None) -> str:
    """Fen as a plain yuan number for an input box: 7600 -> '76', 12345 -> '123.45'."""
    if fen is None:
        return ""
    whole, cents = divmod(fen, 100)
    return f"{whole}.{cents:02d}" if cents else str(whole)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def _area(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class ProductForm(forms.Form):
    name = forms.CharField(label=_("产品名称"), max_length=100, help_text=_("请填写准确名称"))
    category = forms.ChoiceField(label=_("服务类别"))
    voucher_types = forms.MultipleChoiceField(
        label=_("可使用的服务券"), widget=forms.CheckboxSelectMultiple
    )
    service_area = forms.CharField(
        label=_("服务区域"),
        max_length=TEXT_LIMITS["service_area"],
        required=False,
        help_text=_("精确到市"),
    )
    target_customers = forms.CharField(
        label=_("服务对象"),
        max_length=TEXT_LIMITS["target_customers"],
        required=False,
        help_text=_("企业规模、所属行业等"),
    )
    overview = forms.CharField(
        label=_("服务概述"), max_length=TEXT_LIMITS["overview"], required=False, widget=_area(4)
    )
    process = forms.CharField(
        label=_("服务流程"), max_length=TEXT_LIMITS["process"], required=False, widget=_area()
    )
    cycle = forms.CharField(label=_("服务周期"), max_length=TEXT_LIMITS["cycle"], required=False)
    deliverables = forms.CharField(
        label=_("交付成果"), max_length=TEXT_LIMITS["deliverables"], required=False, widget=_area()
    )
    acceptance = forms.CharField(
        label=_("验收标准"), max_length=TEXT_LIMITS["acceptance"], required=False, widget=_area()
    )
    pricing_mode = forms.ChoiceField(
        label=_("定价方式"),
        choices=PricingMode.choices,
        initial=PricingMode.FIXED,
        widget=forms.RadioSelect,
    )
    guide_price = forms.CharField(
        label=_("市场指导价（元）"),
        max_length=20,
        required=False,
        help_text=_("固定价格必填；区间报价可不填"),
    )
    platform_price = forms.CharField(
        label=_("平台销售价（元）"),
        max_length=20,
        required=False,
        help_text=_("固定价格必填，不高于市场指导价"),
    )
    guide_doc_name = forms.CharField(
        label=_("指导价文件名称"),
        max_length=TEXT_LIMITS["guide_doc_name"],
        required=False,
        help_text=_("政府部门或行业协会指导价（如有）"),
    )
    guide_doc_number = forms.CharField(
        label=_("指导价文件文号"), max_length=TEXT_LIMITS["guide_doc_number"], required=False
    )
    internal_basis = forms.CharField(
        label=_("企业内部定价依据"),
        max_length=TEXT_LIMITS["internal_basis"],
        required=False,
        widget=_area(),
        help_text=_("成本、利润、纳税等"),
    )
    proofs = MultipleFileField(
        label=_("上传服务资质证明"),
        required=False,
        help_text=_("PDF、JPG或PNG，每个文件不超过5MB，可多选"),
    )
    keep_proofs = forms.MultipleChoiceField(
        label=_("已上传的资质证明（取消勾选即删除）"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, rules, existing_proofs=(), existing_materials=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "---------")] + [(c, c) for c in rules.categories]
        self.fields["voucher_types"].choices = [(v.key, v.name) for v in rules.voucher_types]
        self.fields["keep_proofs"].choices = [(str(u.pk), u.original_name) for u in existing_proofs]
        if not existing_proofs:
            del self.fields["keep_proofs"]
        self.existing_materials = existing_materials or {}
        for i in range(1, TIER_ROWS + 1):
            self.fields[f"tier_{i}_content"] = forms.CharField(
                label=_("第%(n)s档服务内容") % {"n": i}, max_length=300, required=False
            )
            self.fields[f"tier_{i}_price"] = forms.CharField(
                label=_("第%(n)s档价格（元）") % {"n": i}, max_length=20, required=False
            )
        for i in range(1, COMPARISON_ROWS + 1):
            self.fields[f"cmp_{i}_name"] = forms.CharField(
                label=_("比价%(n)s：机构或产品名称") % {"n": i}, max_length=100, required=False
            )
            self.fields[f"cmp_{i}_source"] = forms.CharField(
                label=_("比价%(n)s：价格来源") % {"n": i}, max_length=200, required=False
            )
            self.fields[f"cmp_{i}_price"] = forms.CharField(
                label=_("比价%(n)s：价格（元）") % {"n": i}, max_length=20, required=False
            )
        for n in range(1, MAX_MATERIAL_SETS + 1):
            for kind, label in MaterialKind.choices:
                self.fields[f"mat_{n}_{kind}"] = forms.FileField(
                    label=_("第%(n)s套%(kind)s") % {"n": n, "kind": label}, required=False
                )
                if (n, kind) in self.existing_materials:
                    self.fields[f"mat_{n}_{kind}_remove"] = forms.BooleanField(
                        label=_("删除已上传的%(kind)s") % {"kind": label}, required=False
                    )

    # --- groups for the template ---

    def intro_fields(self):
        names = ("service_area", "target_customers", "overview", "process", "cycle")
        return [self[n] for n in (*names, "deliverables", "acceptance")]

    def tier_rows(self):
        return [
            (i, self[f"tier_{i}_content"], self[f"tier_{i}_price"]) for i in range(1, TIER_ROWS + 1)
        ]

    def comparison_rows(self):
        return [
            (i, self[f"cmp_{i}_name"], self[f"cmp_{i}_source"], self[f"cmp_{i}_price"])
            for i in range(1, COMPARISON_ROWS + 1)
        ]

    def material_sets(self):
        sets = []
        for n in range(1, MAX_MATERIAL_SETS + 1):
            row = []
            for kind, label in MaterialKind.choices:
                existing = self.existing_materials.get((n, kind))
                remove = self[f"mat_{n}_{kind}_remove"] if existing else None
                row.append(
                    {
                        "label": label,
                        "field": self[f"mat_{n}_{kind}"],
                        "existing": existing,
                        "remove": remove,
                    }
                )
            sets.append((n, row))
        return sets

    # --- parsing ---

    def _yuan(self, name: str) -> int | None:
        text = (self.cleaned_data.get(name) or "").strip()
        if not text:
            return None
        try:
            return parse_yuan(text, field=name)
        except DomainError as exc:
            self.add_error(name, exc.message)
            return None

    def clean(self):
        cleaned = super().clean()
        cleaned["guide_price_fen"] = self._yuan("guide_price")
        cleaned["platform_price_fen"] = self._yuan("platform_price")
        tiers = []
        for i in range(1, TIER_ROWS + 1):
            content = (cleaned.get(f"tier_{i}_content") or "").strip()
            price = self._yuan(f"tier_{i}_price")
            if content or price is not None:
                tiers.append({"content": content, "price_fen": price})
        cleaned["tiers"] = tiers
        comparisons = []
        for i in range(1, COMPARISON_ROWS + 1):
            name = (cleaned.get(f"cmp_{i}_name") or "").strip()
            source = (cleaned.get(f"cmp_{i}_source") or "").strip()
            price = self._yuan(f"cmp_{i}_price")
            if name or source or price is not None:
                comparisons.append({"name": name, "source": source, "price_fen": price})
        cleaned["market_comparisons"] = comparisons
        return cleaned


class CatalogFilterForm(forms.Form):
    """The catalogue's filters, from the query string; invalid input is ignored."""

    program = forms.IntegerField(required=False, min_value=1)
    category = forms.CharField(required=False, max_length=50)
    kind = forms.ChoiceField(
        required=False, choices=[("", ""), ("general", "general"), ("special", "special")]
    )
    voucher_type = forms.SlugField(required=False, max_length=40)
    min_price = forms.CharField(required=False, max_length=20)
    max_price = forms.CharField(required=False, max_length=20)
    q = forms.CharField(required=False, max_length=100)
    sort = forms.CharField(required=False, max_length=20)
    page_size = forms.IntegerField(required=False, min_value=1, max_value=60)

    def _fen(self, name: str) -> int | None:
        text = (self.cleaned_data.get(name) or "").strip()
        if not text:
            return None
        try:
            return parse_yuan(text, field=name, allow_zero=True)
        except DomainError as exc:
            self.add_error(name, exc.message)
            return None

    def clean(self):
        cleaned = super().clean()
        cleaned["min_fen"] = self._fen("min_price")
        cleaned["max_fen"] = self._fen("max_price")
        return cleaned

    def filters(self) -> dict:
        self.is_valid()  # an invalid filter is dropped; the valid ones still apply
        data = self.cleaned_data
        return {
            "program_id": data.get("program") or None,
            "category": (data.get("category") or "").strip(),
            "kind": data.get("kind") or "",
            "voucher_type": data.get("voucher_type") or "",
            "min_fen": data.get("min_fen"),
            "max_fen": data.get("max_fen"),
            "q": (data.get("q") or "").strip(),
        }
