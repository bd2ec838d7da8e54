from django import forms
from django.utils.translation import gettext_lazy as _


class AuditSearchForm(forms.Form):
    action = forms.CharField(
        label=_("操作"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"placeholder": "user.registered"}),
    )
    subject_type = forms.CharField(
        label=_("对象类型"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"placeholder": "user"}),
    )
    subject_id = forms.CharField(label=_("对象编号"), required=False, max_length=64)
    request_id = forms.CharField(label=_("请求编号"), required=False, max_length=64)
    since = forms.DateField(
        label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
