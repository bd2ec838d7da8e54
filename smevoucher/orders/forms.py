"""Forms of the order pages: they parse what a person typed into fen, dates and files; the
services decide."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smevoucher.core.errors import DomainError
from smevoucher.core.money import parse_yuan


class YuanField(forms.CharField):
    """Yuan typed by a person, cleaned to integer fen."""

    def __init__(self, *, allow_zero: bool = False, **kwargs):
        self.allow_zero = allow_zero
        super().__init__(**kwargs)
        self.widget.attrs.update(maxlength="20", inputmode="decimal")

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        if len(value) > 20:
            raise forms.ValidationError(_("请输入正确的金额（元）"))
        try:
            return parse_yuan(value, allow_zero=self.allow_zero)
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc


class OrderPlaceForm(forms.Form):
    voucher = forms.CharField(required=False)  # a voucher id, or "" for none
    tier = forms.IntegerField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("订单备注"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
    )
    idempotency_key = forms.CharField(max_length=100, widget=forms.HiddenInput)

    def voucher_id(self) -> int | None:
        raw = (self.cleaned_data.get("voucher") or "").strip()
        return int(raw) if raw.isdigit() else None


class ContractForm(forms.Form):
    amount = YuanField(label=_("合同总金额（元）"))
    deposit = YuanField(label=_("合同定金（元）"), allow_zero=True)
    service_period = forms.CharField(label=_("服务期限"), max_length=200, required=False)
    service_content = forms.CharField(
        label=_("服务内容"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    deliverables = forms.CharField(
        label=_("交付成果"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    acceptance = forms.CharField(
        label=_("验收标准"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    payment_terms = forms.CharField(
        label=_("付款约定"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    other_terms = forms.CharField(
        label=_("其他约定"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    attachment = forms.FileField(
        label=_("上传合同附件（PDF，可选；不上传则按平台模板生成）"), required=False
    )


class RemitForm(forms.Form):
    amount = YuanField(label=_("汇款金额（元）"))
    remitted_on = forms.DateField(
        label=_("汇款日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    proof = forms.FileField(label=_("转账凭证（PDF/JPG/PNG，不超过5MB）"))
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["remitted_on"].initial = timezone.localdate()


class ServiceForm(forms.Form):
    content = forms.CharField(
        label=_("内容"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    files = forms.FileField(
        label=_("附件（PDF/JPG/PNG，每个不超过5MB）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"allow_multiple_selected": True}),
    )


class EvaluateForm(forms.Form):
    stars = forms.TypedChoiceField(
        label=_("综合评分"),
        coerce=int,
        choices=[
            (5, _("★★★★★ 非常满意")),
            (4, _("★★★★ 满意")),
            (3, _("★★★ 一般")),
            (2, _("★★ 不满意")),
            (1, _("★ 非常不满意")),
        ],
        widget=forms.RadioSelect,
    )
    content = forms.CharField(
        label=_("评价内容"),
        required=False,
        max_length=200,
        widget=forms.Textarea(
            attrs={"rows": 3, "maxlength": 200, "placeholder": _("请输入评价内容，200字以内")}
        ),
    )


class StaffFilterForm(forms.Form):
    q = forms.CharField(label=_("订单编号/企业/服务机构"), required=False, max_length=100)
    status = forms.CharField(required=False, max_length=30)
