"""Forms of the staff program editor, and the words for a program's rules.

The forms parse input: yuan and percentages typed by a person become integer fen and basis
points exactly (Decimal, never float); the lists of the rules are edited as JSON. Whether
the rules hold together is decided once, by ``ProgramRules`` (rules.py); its refusals are
put in Chinese here, on the input they came from, for the pages and for the API.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError as FormValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import ProgramStatus
from .rules import ProgramRules
from .rules_text import CHOICE_LABELS, KEYED_LISTS, RuleProblem, rules_problems

# --- input fields ---------------------------------------------------------------------


class YuanField(forms.DecimalField):
    """An amount in 元 with at most two decimals; ``to_hundredths`` gives integer fen exactly."""

    input_messages = {
        "invalid": gettext_lazy("请输入金额，如 12345.67"),
        "max_decimal_places": gettext_lazy("金额最多精确到分（两位小数）"),
        "max_digits": gettext_lazy("金额过大"),
        "max_whole_digits": gettext_lazy("金额过大"),
    }
    strip_suffixes = ("元",)

    def __init__(self, *, error_messages=None, **kwargs):
        kwargs.setdefault("max_digits", 15)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(error_messages={**self.input_messages, **(error_messages or {})}, **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            # Thousands separators and a trailing unit, as people type them.
            value = value.replace(",", "").replace("，", "").replace(" ", "")
            for suffix in self.strip_suffixes:
                value = value.removesuffix(suffix)
        return super().to_python(value)


class PercentField(YuanField):
    """A percentage with at most two decimals; ``to_hundredths`` gives basis points."""

    input_messages = {
        "invalid": gettext_lazy("请输入百分比数字，如 30 或 12.5"),
        "max_decimal_places": gettext_lazy("百分比最多两位小数"),
        "max_digits": gettext_lazy("数值过大"),
        "max_whole_digits": gettext_lazy("数值过大"),
    }
    strip_suffixes = ("%", "％")

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 7)
        super().__init__(**kwargs)


def to_hundredths(value: Decimal | None) -> int | None:
    """12345.67 -> 1234567 (元 to fen, % to basis points), exactly."""
    if value is None:
        return None
    scaled = value.scaleb(2)
    if scaled != scaled.to_integral_value():  # the field allows two places; never rounds
        raise InvalidOperation(str(value))
    return int(scaled)


def from_hundredths(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(value).scaleb(-2)


class JsonListField(forms.CharField):
    """A list of the rules, edited as pretty-printed JSON."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 50_000)
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 12, "class": "mono"}))
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value).strip()
        if not text:
            return []
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise FormValidationError(
                _("JSON格式不正确（第%(line)s行第%(column)s列附近），请检查括号、引号和逗号")
                % {"line": exc.lineno, "column": exc.colno}
            ) from exc
        if not isinstance(data, list):
            raise FormValidationError(_("应为JSON数组，以 [ 开头、] 结尾"))
        return data


def pretty_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


# --- the editor ---------------------------------------------------------------------------

# Rule name -> (form field, how the form's value becomes the rule's value).
_SCALARS = {
    "budget_fen": "budget_yuan",
    "enterprise_annual_deduction_cap_fen": "deduction_cap_yuan",
    "subsidy_ratio_bp": "subsidy_ratio_percent",
    "per_order_cap_fen": "per_order_cap_yuan",
    "voucher_mode": "voucher_mode",
    "provider_city_share_bp": "provider_city_share_percent",
    "provider_annual_settlement_cap_fen": "provider_settlement_cap_yuan",
    "reminder_days_before_recall": "reminder_days",
    "default_tier": "default_tier",
    "categories": "categories",
    "notes": "notes",
}
_LISTS = {name: f"{name}_json" for name in KEYED_LISTS}
RULE_FIELDS = {**_SCALARS, **_LISTS}


def _categories(text: str) -> list[str]:
    seen: dict[str, None] = {}
    for line in (text or "").splitlines():
        line = line.strip()
        if line:
            seen[line] = None
    return list(seen)


class ProgramRulesForm(forms.Form):
    """A new version of a program's rules, edited from the latest version's."""

    base_version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={
            "required": gettext_lazy("页面已过期，请刷新后重新编辑"),
            "invalid": gettext_lazy("页面已过期，请刷新后重新编辑"),
            "min_value": gettext_lazy("页面已过期，请刷新后重新编辑"),
        },
    )
    budget_yuan = YuanField(
        label=gettext_lazy("项目总预算（元）"),
        help_text=gettext_lazy("调高时差额自动拨入项目预算；不能低于已拨入的金额"),
        error_messages={"required": gettext_lazy("请填写项目总预算")},
    )
    deduction_cap_yuan = YuanField(
        label=gettext_lazy("企业年度抵扣上限（元）"),
        required=False,
        help_text=gettext_lazy("留空表示不限"),
    )
    subsidy_ratio_percent = PercentField(
        label=gettext_lazy("补贴比例（%）"),
        help_text=gettext_lazy("服务券可抵扣订单金额的比例，如 30 表示 30%"),
        error_messages={"required": gettext_lazy("请填写补贴比例")},
    )
    per_order_cap_yuan = YuanField(
        label=gettext_lazy("单笔订单抵扣上限（元）"),
        required=False,
        help_text=gettext_lazy("留空表示不限"),
    )
    voucher_mode = forms.ChoiceField(
        label=gettext_lazy("用券方式"),
        choices=[(code, label) for code, label in CHOICE_LABELS["voucher_mode"].items()],
    )
    provider_city_share_percent = PercentField(
        label=gettext_lazy("服务机构单市收券占比上限（%）"),
        required=False,
        help_text=gettext_lazy(
            "一家服务机构在一个城市收取的服务券占该市发券总额的上限；留空表示不限"
        ),
    )
    provider_settlement_cap_yuan = YuanField(
        label=gettext_lazy("服务机构年度结算上限（元）"),
        required=False,
        help_text=gettext_lazy("留空表示不限"),
    )
    reminder_days = forms.IntegerField(
        label=gettext_lazy("回收前提醒天数"),
        help_text=gettext_lazy("服务券将被回收前多少天提醒企业"),
        error_messages={
            "required": gettext_lazy("请填写提醒天数"),
            "invalid": gettext_lazy("请输入整数"),
        },
    )
    default_tier = forms.CharField(
        label=gettext_lazy("默认档位代码"),
        required=False,
        max_length=40,
        help_text=gettext_lazy("不在任何分类名单中的企业所属的档位（填档位的 key）；留空表示无"),
    )
    categories = forms.CharField(
        label=gettext_lazy("服务类别"),
        required=False,
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("每行一个"),
    )
    voucher_types_json = JsonListField(
        label=gettext_lazy("券种（JSON）"),
        required=True,
        help_text=gettext_lazy(
            "每个券种：key、name、kind（general 通用券 / special 专项券）、valid_from、valid_until、"
            "rule_text、amount_mode（tier / requested / fixed）等。金额字段（*_fen）单位为分，"
            "比例字段（*_bp）单位为万分之一（5000 即 50%）。"
        ),
        error_messages={"required": gettext_lazy("至少需要一个券种")},
    )
    tiers_json = JsonListField(
        label=gettext_lazy("企业档位（JSON）"),
        help_text=gettext_lazy(
            "每个档位：key、name、amount_fen（年度额度，单位为分）、classes（分类代码）"
        ),
    )
    classifications_json = JsonListField(
        label=gettext_lazy("企业分类名单（JSON）"),
        help_text=gettext_lazy("每个分类：code、name；导入名单时按 code 对应"),
    )
    batches_json = JsonListField(
        label=gettext_lazy("发放批次（JSON）"),
        help_text=gettext_lazy(
            "每个批次：key、name、issue_from、issue_until、order_deadline_days（批次结束后下单天数）、"
            "contract_deadline_days（下单后签约天数）"
        ),
    )
    category_rules_json = JsonListField(
        label=gettext_lazy("分类别补贴规则（JSON）"),
        help_text=gettext_lazy(
            "每条：category、ratio_bp（万分之一）、per_order_cap_fen（分，可为 null）"
        ),
    )
    notes = forms.CharField(
        label=gettext_lazy("规则说明"),
        required=False,
        max_length=4_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    note = forms.CharField(
        label=gettext_lazy("修订说明"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("说明本次修改的内容和依据（如文件名），将记入版本历史"),
        error_messages={"required": gettext_lazy("请填写修订说明")},
    )
    effective_from = forms.DateTimeField(
        label=gettext_lazy("生效时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=gettext_lazy("留空则发布后立即生效；已下的订单仍按下单时的版本执行"),
        error_messages={"invalid": gettext_lazy("请输入正确的时间，如 2025-01-01 08:00")},
    )

    def __init__(self, data=None, *, base_rules: dict, base_version: int, **kwargs):
        self.base_rules = base_rules
        kwargs.setdefault("initial", self.initial_from(base_rules, base_version))
        super().__init__(data, **kwargs)
        self.rules: dict | None = None

    @staticmethod
    def initial_from(rules: dict, version: int) -> dict:
        initial: dict[str, Any] = {"base_version": version}
        for name, field in _SCALARS.items():
            value = rules.get(name)
            if name.endswith(("_fen", "_bp")):
                value = from_hundredths(value)
            elif name == "categories":
                value = "\n".join(value or [])
            initial[field] = value
        for name, field in _LISTS.items():
            initial[field] = pretty_json(rules.get(name) or [])
        return initial

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        rules = dict(self.base_rules)
        for name, field in _SCALARS.items():
            value = data.get(field)
            if name.endswith(("_fen", "_bp")):
                value = to_hundredths(value)
            elif name == "categories":
                value = _categories(value)
            elif name == "default_tier":
                value = (value or "").strip() or None
            elif name == "notes":
                # A textarea trims and sends CRLF: unchanged notes stay byte for byte.
                value = (value or "").replace("\r\n", "\n")
                if value.strip() == (self.base_rules.get("notes") or "").strip():
                    value = self.base_rules.get("notes") or ""
            rules[name] = value
        for name, field in _LISTS.items():
            rules[name] = data.get(field) or []
        for problem in rules_problems(rules):
            self.add_rule_problem(problem)
        if not self.errors:
            self.rules = ProgramRules.model_validate(rules).model_dump(mode="json")
        return data

    def add_rule_problem(self, problem: RuleProblem) -> None:
        field = RULE_FIELDS.get(problem.loc[0]) if problem.loc else None
        if field is None:
            self.add_error(None, str(problem))
        elif len(problem.loc) == 1 and field in _SCALARS.values():
            self.add_error(field, problem.message)
        else:
            self.add_error(field, str(problem))


# --- a new program --------------------------------------------------------------------------


class ProgramCreateForm(forms.Form):
    code = forms.SlugField(
        label=gettext_lazy("项目代码"),
        max_length=50,
        help_text=gettext_lazy("英文字母、数字和连字符，如 guangxi-2025；创建后不能修改"),
        error_messages={
            "required": gettext_lazy("请填写项目代码"),
            "invalid": gettext_lazy("项目代码只能包含英文字母、数字、连字符和下划线"),
        },
    )
    name = forms.CharField(
        label=gettext_lazy("项目名称"),
        max_length=100,
        error_messages={"required": gettext_lazy("请填写项目名称")},
    )
    policy_title = forms.CharField(label=gettext_lazy("政策文件"), max_length=200, required=False)
    region_code = forms.ChoiceField(
        label=gettext_lazy("实施地区"),
        error_messages={
            "required": gettext_lazy("请选择实施地区"),
            "invalid_choice": gettext_lazy("只能选择本辖区或其下辖地市"),
        },
    )
    year = forms.IntegerField(
        label=gettext_lazy("年度"),
        min_value=2000,
        max_value=2100,
        error_messages={
            "required": gettext_lazy("请填写年度"),
            "invalid": gettext_lazy("请输入四位年份"),
            "min_value": gettext_lazy("请输入四位年份"),
            "max_value": gettext_lazy("请输入四位年份"),
        },
    )
    status = forms.ChoiceField(
        label=gettext_lazy("状态"),
        choices=[
            (ProgramStatus.DRAFT, ProgramStatus.DRAFT.label),
            (ProgramStatus.ACTIVE, ProgramStatus.ACTIVE.label),
        ],
        initial=ProgramStatus.DRAFT,
        help_text=gettext_lazy("筹备中的项目企业看不到；实施中的项目企业可申领服务券"),
    )
    source = forms.ChoiceField(
        label=gettext_lazy("初始规则"),
        help_text=gettext_lazy("从预置规则或已有项目的现行规则开始，创建后可发布新版本修改"),
        error_messages={
            "required": gettext_lazy("请选择初始规则"),
            "invalid_choice": gettext_lazy("请选择列出的预置规则或项目"),
        },
    )

    def __init__(self, data=None, *, regions=(), sources: dict[str, tuple[str, dict]], **kwargs):
        super().__init__(data, **kwargs)
        self.sources = sources
        self.fields["region_code"].choices = [
            ("", "—"),
            *[(region.code, region.full_name) for region in regions],
        ]
        self.fields["source"].choices = [
            ("", "—"),
            *[(key, label) for key, (label, _rules) in sources.items()],
        ]
        if not self.is_bound and "year" not in self.initial:
            self.initial["year"] = timezone.localdate().year

    def source_rules(self) -> dict:
        return dict(self.sources[self.cleaned_data["source"]][1])
