"""Web forms of the organization pages. They parse input; services hold the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from smevoucher.regions.models import Region
from smevoucher.regions.selectors import region_children

from .choices import IdType, OrgKind

REGION_LEVELS = ("province", "city", "district")
_REGION_PROMPTS = {
    "province": _("请选择省份"),
    "city": _("请选择城市"),
    "district": _("请选择区县"),
}
_REGION_LABELS = {"province": _("省份"), "city": _("城市"), "district": _("区县")}


def _text(
    label, missing=None, *, max_length: int, required: bool = True, **widget_attrs
) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        widget=forms.TextInput(attrs=widget_attrs) if widget_attrs else None,
        error_messages={"required": missing} if missing else {},
    )


def _id_type_field(label=None) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label or _("证件类型"),
        choices=[("", _("请选择证件类型")), *IdType.choices],
        error_messages={
            "required": _("请选择证件类型"),
            "invalid_choice": _("请选择证件类型"),
        },
    )


def _id_number_field(label=None, *, required: bool = True, help_text="") -> forms.CharField:
    return forms.CharField(
        label=label or _("证件号码"),
        max_length=30,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": _("请填写证件号码")},
    )


def region_selection(region: Region | None, levels: int = 3) -> dict[str, str]:
    """The select values that show ``region``: its ancestors from the province down.

    A municipality's district sits in the second select, since it has no city above it.
    """
    chain: list[Region] = []
    node = region
    while node is not None:
        chain.append(node)
        node = node.parent
    chain.reverse()
    return {level: item.code for level, item in zip(REGION_LEVELS[:levels], chain, strict=False)}


class RegionSelectsMixin:
    """Province → city (→ district) selects whose options follow the values chosen above.

    Each select lists the children of the value chosen in the select before it, so the page
    needs no script: a submit button re-renders the form after a higher level changed.
    """

    region_levels: tuple[str, ...] = REGION_LEVELS

    def _add_region_fields(self, selection: dict[str, str]) -> None:
        parent: str | None = None
        for position, level in enumerate(self.region_levels):
            options: list[tuple[str, str]] = []
            if position == 0 or parent:
                options = list(region_children(parent_code=parent).values_list("code", "name"))
            self.fields[level] = forms.ChoiceField(
                label=_REGION_LABELS[level],
                required=False,
                choices=[("", _REGION_PROMPTS[level]), *options],
                widget=forms.Select(
                    attrs={"aria-label": _REGION_LABELS[level], "data-region-level": level}
                ),
                error_messages={"invalid_choice": _("地区已变化，请重新选择下级地区")},
            )
            chosen = selection.get(level) or ""
            parent = chosen if chosen in {code for code, _name in options} else None

    def _region_selection(self, initial_region: Region | None) -> dict[str, str]:
        if self.is_bound:
            return {level: (self.data.get(level) or "").strip() for level in self.region_levels}
        selection = region_selection(initial_region, len(self.region_levels))
        for level, code in selection.items():
            self.initial.setdefault(level, code)
        return selection

    def region_fields(self) -> list:
        return [self[level] for level in self.region_levels]

    def region_errors(self) -> list[str]:
        return [error for level in self.region_levels for error in self[level].errors]

    @property
    def region_code(self) -> str:
        """The most specific region chosen: district, else city, else province."""
        for level in reversed(self.region_levels):
            code = self.cleaned_data.get(level)
            if code:
                return code
        return ""


class CertificationForm(RegionSelectsMixin, forms.Form):
    """企业信息认证: the organization's details, confirmed by an SMS code on submit."""

    kind = forms.ChoiceField(
        label=_("机构类型"),
        choices=OrgKind.choices,
        initial=OrgKind.ENTERPRISE,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择机构类型"), "invalid_choice": _("请选择机构类型")},
    )
    name = _text(_("机构名称"), _("请填写机构名称"), max_length=100)
    uscc = _text(
        _("统一社会信用代码"),
        _("请填写统一社会信用代码"),
        max_length=30,
        placeholder=_("18位，见营业执照"),
        autocomplete="off",
        spellcheck="false",
    )
    address = _text(_("注册地址"), max_length=200, required=False)
    legal_rep_name = _text(_("法定代表人姓名"), _("请填写法定代表人姓名"), max_length=50)
    legal_rep_id_type = _id_type_field(_("法定代表人证件类型"))
    legal_rep_id_number = _id_number_field(_("法定代表人证件号码"))
    sms_code = forms.CharField(
        label=_("短信验证码"),
        max_length=6,
        required=False,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "placeholder": _("6位数字"),
            }
        ),
        error_messages={"required": _("请输入短信验证码")},
    )
    agreed = forms.BooleanField(
        label=_("我已阅读并同意《平台用户服务协议》和《隐私政策》"),
        required=False,
        error_messages={"required": _("请阅读并同意平台用户服务协议和隐私政策")},
    )

    def __init__(
        self,
        *args,
        action: str = "save",
        region: Region | None = None,
        saved_id_masked: str = "",
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self._add_region_fields(self._region_selection(region))
        if saved_id_masked:
            # The saved number is never put back into the page; left empty, it stays.
            field = self.fields["legal_rep_id_number"]
            field.required = False
            field.help_text = _(
                "已保存的证件号码：%(masked)s。如需修改请重新填写完整证件号码，不修改可留空"
            ) % {"masked": saved_id_masked}
        if action == "submit":
            self.fields["sms_code"].required = True
            self.fields["agreed"].required = True


class ChangeRequestForm(RegionSelectsMixin, forms.Form):
    """信息变更: new values of a certified organization's key fields, and why."""

    name = _text(_("机构名称"), _("请填写机构名称"), max_length=100)
    address = _text(_("注册地址"), max_length=200, required=False)
    legal_rep_name = _text(_("法定代表人姓名"), _("请填写法定代表人姓名"), max_length=50)
    legal_rep_id_type = _id_type_field(_("法定代表人证件类型"))
    legal_rep_id_number = _id_number_field(
        _("法定代表人证件号码"), help_text=_("请重新填写完整证件号码")
    )
    reason = forms.CharField(
        label=_("变更原因"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写变更原因")},
    )

    def __init__(self, *args, region: Region | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._add_region_fields(self._region_selection(region))


class BankAccountForm(RegionSelectsMixin, forms.Form):
    """支付认证: the account that receives payments and refunds."""

    region_levels = ("province", "city")

    account_name = _text(_("银行开户名"), _("请填写银行开户名"), max_length=100)
    bank_name = _text(
        _("开户银行"), _("请填写开户银行"), max_length=100, placeholder=_("如：中国工商银行")
    )
    branch_name = _text(
        _("开户支行名称"),
        _("请填写开户支行名称"),
        max_length=100,
        placeholder=_("如：中国工商银行柳州分行营业部"),
    )
    account_number = forms.CharField(
        label=_("银行账号"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}
        ),
        error_messages={"required": _("请填写银行账号")},
    )

    def __init__(self, *args, region: Region | None = None, has_saved_account=False, **kwargs):
        super().__init__(*args, **kwargs)
        self._add_region_fields(self._region_selection(region))
        if has_saved_account:
            self.fields["account_number"].help_text = _(
                "为保护账户安全，已保存的账号不会完整显示，保存时请重新填写完整银行账号"
            )


class AgentForm(forms.Form):
    """指定经办人: who may act for the organization with their own registered account."""

    person_name = _text(_("经办人姓名"), _("请填写经办人姓名"), max_length=50)
    id_type = _id_type_field()
    id_number = _id_number_field()
    phone = forms.CharField(
        label=_("经办人手机号"),
        max_length=20,
        help_text=_("须为已在平台注册的账号手机号"),
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "numeric", "placeholder": _("请输入11位手机号")}
        ),
        error_messages={"required": _("请输入手机号")},
    )
