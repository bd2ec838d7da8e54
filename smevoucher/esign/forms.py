from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

# The largest file the verification page and API read (as every upload on the platform).
MAX_PDF_BYTES = 5 * 1024 * 1024


class SealForm(forms.Form):
    # The identity check's answer: the SMS code, or the face-verification session number.
    sms_code = forms.CharField(
        label=_("短信验证码"),
        max_length=64,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    agreed = forms.BooleanField(
        label=_("我已阅读并同意《电子签章使用协议》"),
        error_messages={"required": _("请阅读并同意电子签章使用协议")},
    )

    def __init__(self, *args, response_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        if response_label:
            self.fields["sms_code"].label = response_label


class VerifyForm(forms.Form):
    file = forms.FileField(
        label=_("已签署的PDF合同"),
        help_text=_("PDF格式，不超过5MB"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_PDF_BYTES:
            raise forms.ValidationError(_("文件大小不能超过5MB"), code="too_large")
        return upload
