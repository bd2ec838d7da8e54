"""A program's rules in words: labels, values as people read them, refusals in Chinese,
and the differences between two versions. Used by the editor, the API and the services."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import ValidationError

from smevoucher.core.money import yuan

from .rules import ProgramRules

# --- the words for each rule ------------------------------------------------------------

RULE_LABELS: dict[str, Any] = {
    "budget_fen": gettext_lazy("项目总预算"),
    "voucher_types": gettext_lazy("券种"),
    "classifications": gettext_lazy("企业分类名单"),
    "tiers": gettext_lazy("企业档位"),
    "default_tier": gettext_lazy("默认档位"),
    "enterprise_annual_deduction_cap_fen": gettext_lazy("企业年度抵扣上限"),
    "subsidy_ratio_bp": gettext_lazy("补贴比例"),
    "per_order_cap_fen": gettext_lazy("单笔订单抵扣上限"),
    "categories": gettext_lazy("服务类别"),
    "category_rules": gettext_lazy("分类别补贴规则"),
    "batches": gettext_lazy("发放批次"),
    "voucher_mode": gettext_lazy("用券方式"),
    "provider_city_share_bp": gettext_lazy("服务机构单市收券占比上限"),
    "provider_annual_settlement_cap_fen": gettext_lazy("服务机构年度结算上限"),
    "reminder_days_before_recall": gettext_lazy("回收前提醒天数"),
    "notes": gettext_lazy("说明"),
}

ITEM_LABELS: dict[str, Any] = {
    "key": gettext_lazy("代码"),
    "code": gettext_lazy("代码"),
    "name": gettext_lazy("名称"),
    "kind": gettext_lazy("类别"),
    "valid_from": gettext_lazy("有效期起"),
    "valid_until": gettext_lazy("有效期止"),
    "rule_text": gettext_lazy("规则说明"),
    "amount_mode": gettext_lazy("额度方式"),
    "fixed_amount_fen": gettext_lazy("固定额度"),
    "ratio_bp": gettext_lazy("比例"),
    "base_label": gettext_lazy("计算基数"),
    "annual_cap_fen": gettext_lazy("年度上限"),
    "requires_proof": gettext_lazy("需上传证明材料"),
    "max_years": gettext_lazy("支持年限"),
    "categories": gettext_lazy("适用服务类别"),
    "amount_fen": gettext_lazy("年度额度"),
    "classes": gettext_lazy("对应分类"),
    "category": gettext_lazy("服务类别"),
    "per_order_cap_fen": gettext_lazy("单笔上限"),
    "issue_from": gettext_lazy("发放开始"),
    "issue_until": gettext_lazy("发放结束"),
    "order_deadline_days": gettext_lazy("批次结束后下单期限（天）"),
    "contract_deadline_days": gettext_lazy("下单后签约期限（天）"),
}

CHOICE_LABELS: dict[str, dict[str, Any]] = {
    "voucher_mode": {
        "at_order": gettext_lazy("下单时使用（广西）"),
        "per_order_review": gettext_lazy("按订单申请、审核后使用（柳州）"),
    },
    "kind": {"general": gettext_lazy("通用券"), "special": gettext_lazy("专项券")},
    "amount_mode": {
        "tier": gettext_lazy("按企业档位"),
        "requested": gettext_lazy("按申请金额（受比例和上限约束）"),
        "fixed": gettext_lazy("固定额度"),
    },
}

# The lists of the rules and the field that names an item of each.
KEYED_LISTS = {
    "voucher_types": "key",
    "classifications": "code",
    "tiers": "key",
    "category_rules": "category",
    "batches": "key",
}


def percent(bp: int) -> str:
    """Basis points as a percentage: 3000 -> '30%', 1250 -> '12.5%'."""
    value = Decimal(bp).scaleb(-2).normalize()
    return f"{value:f}%"


def rule_value(name: str, value: Any) -> str:
    """One rule's value as a person reads it (money in 元, ratios in %)."""
    if value is None:
        return _("不限") if name.endswith(("_fen", "_bp", "_days")) else "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if name.endswith("_fen") and isinstance(value, int):
        return _("%(amount)s元") % {"amount": yuan(value)}
    if name.endswith("_bp") and isinstance(value, int):
        return percent(value)
    if name in CHOICE_LABELS and isinstance(value, str):
        return str(CHOICE_LABELS[name].get(value, value))
    if isinstance(value, list):
        if all(isinstance(v, str) for v in value):
            return "、".join(value) if value else "—"
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value) if value != "" else "—"


# --- refusals of ProgramRules, in Chinese -----------------------------------------------

# rules.py's own validators speak English; these are their Chinese words and the list
# each refusal belongs to.
_VALIDATOR_MESSAGES = (
    ("valid_until is before valid_from", gettext_lazy("有效期止早于有效期起"), None),
    (
        "a fixed voucher type needs fixed_amount_fen",
        gettext_lazy("固定额度的券种须填写固定额度（fixed_amount_fen）"),
        None,
    ),
    ("tier keys repeat", gettext_lazy("档位代码重复"), "tiers"),
    ("default_tier names no tier", gettext_lazy("默认档位不是已设置的档位代码"), "default_tier"),
    ("voucher type keys repeat", gettext_lazy("券种代码重复"), "voucher_types"),
    (
        "a tier voucher type needs tiers",
        gettext_lazy("有按企业档位定额的券种，须设置企业档位"),
        "tiers",
    ),
    ("tiers name unknown classifications", gettext_lazy("档位引用了未设置的企业分类"), "tiers"),
)


@dataclass(frozen=True)
class RuleProblem:
    loc: tuple  # where in the rules, e.g. ("voucher_types", 1, "valid_until")
    where: str  # the same in words: "券种第2项·有效期止"
    message: str

    @property
    def path(self) -> str:
        return ".".join(str(part) for part in self.loc)

    def __str__(self) -> str:
        return f"{self.where}：{self.message}" if self.where else self.message


def _where(loc: tuple) -> str:
    words = []
    for position, part in enumerate(loc):
        if isinstance(part, int):
            words.append(_("第%(n)s项") % {"n": part + 1})
        elif position == 0:
            words.append(str(RULE_LABELS.get(part, part)))
        else:
            words.append(("·" if words else "") + str(ITEM_LABELS.get(part, part)))
    return "".join(words)


def _bound(field: str, bound) -> str:
    if field.endswith("_fen"):
        return _("%(amount)s元") % {"amount": yuan(int(bound))}
    if field.endswith("_bp"):
        return percent(int(bound))
    return str(bound)


def _problem_message(error: dict) -> tuple[str, str | None]:
    """The Chinese message of one pydantic error, and the list it belongs to if not its own."""
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    loc = error.get("loc", ())
    field = next((str(p) for p in reversed(loc) if isinstance(p, str)), "")
    if kind == "value_error":
        text = str(context.get("error", error.get("msg", "")))
        for english, chinese, belongs in _VALIDATOR_MESSAGES:
            if text.startswith(english):
                detail = text[len(english) :].lstrip(": ")
                return (f"{chinese}：{detail}" if detail else str(chinese)), belongs
        return text, None
    bound_messages = {
        "less_than_equal": (_("不能大于%(bound)s"), "le"),
        "less_than": (_("必须小于%(bound)s"), "lt"),
        "greater_than_equal": (_("不能小于%(bound)s"), "ge"),
        "greater_than": (_("必须大于%(bound)s"), "gt"),
    }
    if kind in bound_messages:
        template, key = bound_messages[kind]
        return template % {"bound": _bound(field, context.get(key))}, None
    if kind == "literal_error":
        options = CHOICE_LABELS.get(field)
        expected = (
            "、".join(f"{code}（{label}）" for code, label in options.items())
            if options
            else str(context.get("expected", "")).replace(" or ", "、")
        )
        return _("取值无效，可选：%(expected)s") % {"expected": expected}, None
    if kind == "string_too_long":
        return _("不能超过%(n)s个字符") % {"n": context.get("max_length")}, None
    if kind == "too_short":
        return _("至少需要%(n)s项") % {"n": context.get("min_length")}, None
    if kind == "too_long":
        return _("最多%(n)s项") % {"n": context.get("max_length")}, None
    simple = {
        "missing": _("必须填写"),
        "extra_forbidden": _("不是可识别的规则项"),
        "int_type": _("应为整数"),
        "int_parsing": _("应为整数"),
        "int_from_float": _("应为整数（金额以分为单位，比例以万分之一为单位）"),
        "bool_type": _("应为 true 或 false"),
        "bool_parsing": _("应为 true 或 false"),
        "string_type": _("应为文本"),
        "list_type": _("应为列表（JSON数组）"),
        "model_type": _("应为对象（JSON对象）"),
        "model_attributes_type": _("应为对象（JSON对象）"),
        "dict_type": _("应为对象（JSON对象）"),
        "date_type": _("应为日期，格式为YYYY-MM-DD"),
        "date_parsing": _("应为日期，格式为YYYY-MM-DD"),
        "date_from_datetime_parsing": _("应为日期，格式为YYYY-MM-DD"),
        "date_from_datetime_inexact": _("应为日期，格式为YYYY-MM-DD"),
    }
    return str(simple.get(kind, _("格式不正确"))), None


def rules_problems(rules: Any) -> list[RuleProblem]:
    """Every reason ``ProgramRules`` refuses these rules, in Chinese; [] when they hold."""
    try:
        ProgramRules.model_validate(rules)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            message, belongs = _problem_message(error)
            loc = tuple(error.get("loc", ())) or ((belongs,) if belongs else ())
            if belongs and loc and loc[0] != belongs:
                loc = (belongs,)
            problems.append(RuleProblem(loc=loc, where=_where(loc), message=message))
        return problems
    return []


# --- the difference between two versions ------------------------------------------------


@dataclass(frozen=True)
class RuleChange:
    path: str  # e.g. "tiers.t30.amount_fen"
    label: str  # e.g. "企业档位「国家级单项冠军…」·年度额度"
    old: str
    new: str


def _normalized(rules: dict | None) -> dict:
    if not rules:
        return {}
    try:
        return ProgramRules.model_validate(rules).model_dump(mode="json")
    except ValidationError:
        return dict(rules)


def _item_summary(item: dict) -> str:
    parts = []
    for field, value in item.items():
        if field in ("rule_text",) or value in (None, "", []):
            continue
        parts.append(f"{ITEM_LABELS.get(field, field)}：{rule_value(field, value)}")
    return "；".join(parts)


def rules_changes(old: dict | None, new: dict) -> list[RuleChange]:
    """What changed from ``old`` to ``new``, field by field (lists: item by item)."""
    if old is None:
        return []
    before, after = _normalized(old), _normalized(new)
    changes: list[RuleChange] = []
    for name in ProgramRules.model_fields:
        was, now = before.get(name), after.get(name)
        if was == now:
            continue
        label = str(RULE_LABELS.get(name, name))
        key_field = KEYED_LISTS.get(name)
        if key_field and isinstance(was, list) and isinstance(now, list):
            changes += _list_changes(name, label, key_field, was, now)
        else:
            changes.append(
                RuleChange(
                    path=name, label=label, old=rule_value(name, was), new=rule_value(name, now)
                )
            )
    return changes


def _list_changes(name: str, label: str, key_field: str, was: list, now: list) -> list[RuleChange]:
    old_items = {item.get(key_field): item for item in was if isinstance(item, dict)}
    new_items = {item.get(key_field): item for item in now if isinstance(item, dict)}
    changes = []
    for key, item in new_items.items():
        title = f"{label}「{item.get('name') or key}」"
        if key not in old_items:
            changes.append(
                RuleChange(
                    path=f"{name}.{key}",
                    label=title,
                    old=_("（无）"),
                    new=_("新增：%(item)s") % {"item": _item_summary(item)},
                )
            )
            continue
        previous = old_items[key]
        for field in dict.fromkeys([*previous, *item]):
            if previous.get(field) != item.get(field):
                changes.append(
                    RuleChange(
                        path=f"{name}.{key}.{field}",
                        label=f"{title}·{ITEM_LABELS.get(field, field)}",
                        old=rule_value(field, previous.get(field)),
                        new=rule_value(field, item.get(field)),
                    )
                )
    for key, item in old_items.items():
        if key not in new_items:
            changes.append(
                RuleChange(
                    path=f"{name}.{key}",
                    label=f"{label}「{item.get('name') or key}」",
                    old=_item_summary(item),
                    new=_("（已删除）"),
                )
            )
    if not changes and [i.get(key_field) for i in was] != [i.get(key_field) for i in now]:
        changes.append(RuleChange(path=name, label=label, old=_("原顺序"), new=_("调整顺序")))
    return changes
