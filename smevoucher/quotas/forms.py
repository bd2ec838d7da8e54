from django import forms
from django.utils.translation import gettext_lazy as _


class SpecialQuotaForm(forms.Form):
    """A special voucher (设备更新专项券): the proven base, the amount asked for, the proof."""

    base_yuan = forms.CharField(label=_("计算基数（元）"), max_length=20)
    requested_yuan = forms.CharField(label=_("申请额度（元）"), max_length=20)
    proof = forms.FileField(
        label=_("合同凭证"),
        required=False,
        help_text=_("支持PDF、JPG、PNG格式，单个文件不超过5MB"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def __init__(self, *args, base_label: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if base_label:
            self.fields["base_yuan"].label = _("%(base)s（元）") % {"base": base_label}
