"""Forms of the staff management pages. They parse input; services hold the rules."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from .choices import StaffRole


def _region_choices(regions) -> list[tuple[str, str]]:
    return [(region.code, region.full_name) for region in regions]


def _roles_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=_("角色"),
        choices=StaffRole.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一个角色")},
    )


def _region_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("所属辖区"),
        help_text=_("省级人员可查看和办理全省事项，市级人员只办理本市事项"),
        error_messages={
            "required": _("请选择所属辖区"),
            "invalid_choice": _("只能选择本辖区或其下辖地市"),
        },
    )


def _title_field() -> forms.CharField:
    return forms.CharField(label=_("单位及职务"), max_length=100, required=False)


class StaffFilterForm(forms.Form):
    q = forms.CharField(
        label=_("姓名或手机号"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("姓名关键字或完整手机号")}),
    )
    region = forms.ChoiceField(label=_("所属辖区"), required=False)
    role = forms.ChoiceField(
        label=_("角色"), required=False, choices=[("", _("全部角色")), *StaffRole.choices]
    )
    active = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部")), ("1", _("启用")), ("0", _("已停用"))],
    )

    def __init__(self, data=None, *, regions=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["region"].choices = [("", _("全部辖区")), *_region_choices(regions)]

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        active = data.get("active", "")
        return {
            "query": data.get("q", ""),
            "region_code": data.get("region", ""),
            "role": data.get("role", ""),
            "active": None if active == "" else active == "1",
        }


class StaffCreateForm(forms.Form):
    phone = forms.CharField(
        label=_("手机号（登录账号）"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric"}),
        error_messages={"required": _("请输入手机号")},
    )
    display_name = forms.CharField(
        label=_("姓名"), max_length=100, error_messages={"required": _("请填写姓名")}
    )
    title = _title_field()
    region_code = _region_field()
    roles = _roles_field()
    password = forms.CharField(
        label=_("初始密码"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("请设置初始密码")},
    )
    password_confirm = forms.CharField(
        label=_("确认密码"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("请再次输入密码")},
    )

    def __init__(self, data=None, *, regions=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["region_code"].choices = [("", "—"), *_region_choices(regions)]
        policy = "；".join(
            t.rstrip("。") for t in password_validation.password_validators_help_texts()
        )
        self.fields["password"].help_text = _(
            "%(policy)s。请当面或电话告知本人，并提醒其登录后修改。"
        ) % {"policy": policy}

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_confirm"):
            self.add_error("password_confirm", _("两次输入的密码不一致"))
        return data


class StaffUpdateForm(forms.Form):
    region_code = _region_field()
    roles = _roles_field()
    title = _title_field()

    def __init__(self, data=None, *, regions=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["region_code"].choices = _region_choices(regions)


class StaffActiveForm(forms.Form):
    reason = forms.CharField(
        label=_("原因"),
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("如：调离岗位、恢复工作")}),
        error_messages={"required": _("请填写原因")},
    )
