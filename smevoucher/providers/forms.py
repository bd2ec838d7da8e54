"""Forms of the provider pages. They parse input; services hold the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from smevoucher.programs.imports import MAX_LIST_BYTES

from .choices import ProviderLevel, ProviderStatus

FILE_HELP = _("支持PDF、JPG、PNG格式，单个文件不超过5MB；多页资料请合并为一个PDF")
FILE_ACCEPT = ".pdf,.jpg,.jpeg,.png"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (资质文件)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": FILE_ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ProviderApplicationForm(forms.Form):
    """申请入驻平台 (and its resubmission): categories from the program, the public
    contact details, the qualification documents and the commitment letter."""

    categories = forms.MultipleChoiceField(
        label=_("服务类别"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("请至少选择一个服务类别"),
            "invalid_choice": _("请选择本项目的服务类别"),
        },
    )
    intro = forms.CharField(
        label=_("机构简介"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("机构的主要业务、服务能力、团队与业绩，将在服务机构页面公开展示"),
        error_messages={"required": _("请填写机构简介")},
    )
    contact_phone = forms.CharField(
        label=_("服务电话"),
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "placeholder": "0772-1234567"}),
        error_messages={"required": _("请填写服务电话")},
    )
    address = forms.CharField(
        label=_("服务地址"), max_length=200, error_messages={"required": _("请填写服务地址")}
    )
    working_hours = forms.CharField(
        label=_("工作时间"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如：周一至周五 8:30-12:00，14:30-17:30")}),
    )
    qualifications = MultipleFileField(
        label=_("资质文件"),
        required=False,
        help_text=_("营业执照副本或其他资格许可证件，可选择多个文件。") + " " + str(FILE_HELP),
    )
    commitment_letter = forms.FileField(
        label=_("服务机构承诺书"),
        required=False,
        help_text=_("须有法定代表人签字（不能用签章代替）、当年日期，并加盖清晰可辨认的公章。")
        + " "
        + str(FILE_HELP),
        widget=forms.ClearableFileInput(attrs={"accept": FILE_ACCEPT}),
    )

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].choices = [(c, c) for c in categories]


class DirectoryImportForm(forms.Form):
    program = forms.TypedChoiceField(
        label=_("服务券项目"),
        coerce=int,
        error_messages={"required": _("请选择项目"), "invalid_choice": _("请选择项目")},
    )
    file = forms.FileField(
        label=_("名录文件"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
        error_messages={"required": _("请选择名录文件")},
    )

    def __init__(self, *args, programs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = gettext(
            "Excel（.xlsx）或CSV文件，不超过%(size)dMB；表头须有“机构全称”“统一社会信用代码”"
            "“级别”列，市级机构另填“所在城市”"
        ) % {"size": MAX_LIST_BYTES // 2**20}
        self.fields["program"].choices = [("", _("请选择")), *((p.pk, p.name) for p in programs)]


class DirectorySearchForm(forms.Form):
    q = forms.CharField(
        label=_("机构全称或统一社会信用代码"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "size": 28}),
    )
    level = forms.ChoiceField(
        label=_("级别"),
        required=False,
        choices=[("", _("全部")), *ProviderLevel.choices],
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("原因"),
        max_length=300,
        error_messages={"required": _("请填写原因")},
    )


class StaffProviderFilterForm(forms.Form):
    program = forms.TypedChoiceField(label=_("项目"), coerce=int, required=False, empty_value=None)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *ProviderStatus.choices]
    )
    level = forms.ChoiceField(
        label=_("级别"), required=False, choices=[("", _("全部")), *ProviderLevel.choices]
    )
    q = forms.CharField(
        label=_("机构名称或信用代码"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    def __init__(self, *args, programs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [("", _("全部")), *((p.pk, p.name) for p in programs)]


class PublicProviderFilterForm(forms.Form):
    program = forms.TypedChoiceField(label=_("项目"), coerce=int, required=False, empty_value=None)
    category = forms.ChoiceField(label=_("服务类别"), required=False)

    def __init__(self, *args, programs=(), categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [("", _("全部")), *((p.pk, p.name) for p in programs)]
        self.fields["category"].choices = [("", _("全部")), *((c, c) for c in categories)]
