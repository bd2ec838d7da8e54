"""Forms of the classified-enterprise list pages. They parse input; services hold the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from smevoucher.core.errors import DomainError
from smevoucher.orgs.validation import clean_uscc

from .imports import MAX_LIST_BYTES

FROM_FILE = ""  # the class is named on each row of the file


class ClassificationImportForm(forms.Form):
    program = forms.TypedChoiceField(
        label=_("服务券项目"),
        coerce=int,
        error_messages={"required": _("请选择项目"), "invalid_choice": _("请选择项目")},
    )
    class_code = forms.ChoiceField(
        label=_("企业类别"),
        required=False,
        help_text=_("选择“文件中注明”时，文件须有“类别”列，填写类别名称或代码"),
        error_messages={"invalid_choice": _("请选择该项目规则中的企业类别")},
    )
    file = forms.FileField(
        label=_("名单文件"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
        error_messages={"required": _("请选择名单文件")},
    )

    def __init__(self, *args, programs=(), rules_by_program=None, **kwargs):
        """``programs``: those the staff member may manage; ``rules_by_program``: their
        current rules by id. Classes are grouped by program, so the page needs no script."""
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = gettext(
            "Excel（.xlsx）或CSV文件，不超过%(size)dMB；表头须有“统一社会信用代码”列，"
            "可另加“企业名称”“类别”列"
        ) % {"size": MAX_LIST_BYTES // 2**20}
        rules_by_program = rules_by_program or {}
        self.fields["program"].choices = [
            ("", _("请选择")),
            *((p.pk, p.name) for p in programs),
        ]
        groups = []
        for program in programs:
            rules = rules_by_program.get(program.pk)
            if rules is not None and rules.classifications:
                groups.append((program.name, [(c.code, c.name) for c in rules.classifications]))
        self.fields["class_code"].choices = [(FROM_FILE, _("文件中注明")), *groups]


class ClassificationSearchForm(forms.Form):
    uscc = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("18位统一社会信用代码"), "size": 24}),
    )

    def clean_uscc(self) -> str:
        value = self.cleaned_data["uscc"]
        if not value:
            return ""
        try:
            return clean_uscc(value)
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc


class ClassificationRemoveForm(forms.Form):
    uscc = forms.CharField(max_length=30, widget=forms.HiddenInput)
    class_code = forms.CharField(max_length=40, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("移出原因"),
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("如：名单更新，该企业已不在认定名单中")}),
        error_messages={"required": _("请填写移出名单的原因")},
    )
