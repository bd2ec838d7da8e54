"""Web forms of the accounts pages. They parse input; services hold the rules."""

from captcha.fields import CaptchaField
from django import forms
from django.utils.translation import gettext_lazy as _


def captcha_field() -> CaptchaField:
    return CaptchaField(
        label=_("图形验证码"),
        error_messages={"invalid": _("图形验证码错误或已过期"), "required": _("请输入图形验证码")},
    )


def _phone_field(label=None) -> forms.CharField:
    return forms.CharField(
        label=label or _("手机号"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "type": "tel",
                "autocomplete": "tel",
                "inputmode": "numeric",
                "placeholder": _("请输入11位手机号"),
            }
        ),
        error_messages={"required": _("请输入手机号")},
    )


def _code_field(required: bool) -> forms.CharField:
    return forms.CharField(
        label=_("短信验证码"),
        max_length=6,
        required=required,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "placeholder": _("6位数字"),
            }
        ),
        error_messages={"required": _("请输入短信验证码")},
    )


def _password_field(label, autocomplete="new-password") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
        error_messages={"required": _("请输入密码")},
    )


class SendCodeForm(forms.Form):
    """The part of a form that asks for an SMS code: the phone and a fresh image captcha."""

    phone = _phone_field()
    captcha = captcha_field()


class RegisterForm(forms.Form):
    display_name = forms.CharField(
        label=_("企业名称"), max_length=100, error_messages={"required": _("请填写企业名称")}
    )
    phone = _phone_field()
    password = _password_field(_("登录密码"))
    password_confirm = _password_field(_("确认密码"))
    captcha = captcha_field()
    sms_code = _code_field(required=True)
    agree = forms.BooleanField(
        label=_("我已阅读并同意《平台用户服务协议》和《隐私政策》"),
        error_messages={"required": _("请阅读并同意用户服务协议和隐私政策")},
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_confirm"):
            self.add_error("password_confirm", _("两次输入的密码不一致"))
        return data


class PasswordLoginForm(forms.Form):
    phone = _phone_field()
    password = _password_field(_("密码"), autocomplete="current-password")
    captcha = captcha_field()


class SmsLoginForm(forms.Form):
    phone = _phone_field()
    captcha = captcha_field()
    sms_code = _code_field(required=True)


class PasswordResetForm(forms.Form):
    phone = _phone_field()
    captcha = captcha_field()
    sms_code = _code_field(required=True)
    new_password = _password_field(_("新密码"))
    new_password_confirm = _password_field(_("确认新密码"))

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get(
            "new_password_confirm"
        ):
            self.add_error("new_password_confirm", _("两次输入的密码不一致"))
        return data


class PasswordChangeForm(forms.Form):
    old_password = _password_field(_("原密码"), autocomplete="current-password")
    new_password = _password_field(_("新密码"))
    new_password_confirm = _password_field(_("确认新密码"))

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get(
            "new_password_confirm"
        ):
            self.add_error("new_password_confirm", _("两次输入的密码不一致"))
        return data


class PhoneChangeForm(forms.Form):
    password = _password_field(_("登录密码"), autocomplete="current-password")
    phone = _phone_field(_("新手机号"))
    captcha = captcha_field()
    sms_code = _code_field(required=True)


class OtpCodeForm(forms.Form):
    code = forms.CharField(
        label=_("动态口令"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "placeholder": _("身份验证器中的6位数字"),
                "autofocus": True,
            }
        ),
        error_messages={
            "required": _("请输入动态口令"),
            "min_length": _("动态口令为6位数字"),
            "max_length": _("动态口令为6位数字"),
        },
    )
