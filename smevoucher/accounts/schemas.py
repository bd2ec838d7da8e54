"""Request and response bodies of the accounts API.

Input is only shaped here (types and lengths); the services judge it (phone format,
password policy, codes).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.utils.translation import gettext
from ninja import Field, Schema
from pydantic import model_validator

from .choices import SmsPurpose

# Room for "+86 135-0000-1111"; the services normalize and check the number.
PhoneStr = Annotated[str, Field(min_length=1, max_length=20, examples=["13500001111"])]
PasswordStr = Annotated[str, Field(min_length=1, max_length=128)]
SmsCodeStr = Annotated[str, Field(min_length=1, max_length=10, examples=["123456"])]
CaptchaKeyStr = Annotated[str, Field(min_length=1, max_length=40, description="图形验证码标识")]
DeviceNameStr = Annotated[str, Field(max_length=50, description="令牌名称，便于识别设备")]
CaptchaAnswerStr = Annotated[str, Field(min_length=1, max_length=10, description="图形验证码答案")]


class CaptchaOut(Schema):
    key: str = Field(..., max_length=40, description="图形验证码标识，提交时作为 captcha_key")
    image_url: str = Field(..., max_length=200, description="验证码图片地址")


class SmsCodeSendIn(Schema):
    phone: PhoneStr
    purpose: SmsPurpose = Field(..., description="用途")
    captcha_key: CaptchaKeyStr
    captcha_answer: CaptchaAnswerStr


class SmsCodeSentOut(Schema):
    message: str = Field(..., max_length=100)
    expires_at: dt.datetime = Field(..., description="验证码失效时间")
    resend_after_seconds: int = Field(..., description="再次获取前须等待的秒数")


class MeOut(Schema):
    id: int
    phone: str = Field(..., max_length=11, description="脱敏手机号，如 135****7589")
    display_name: str = Field(..., max_length=100, description="企业名称")
    is_staff: bool
    date_joined: dt.datetime

    @staticmethod
    def resolve_phone(user) -> str:
        # Never the full number: the API answers to scripts and devices that may log it.
        return user.masked_phone


class TokenOut(Schema):
    token: str = Field(..., max_length=64, description="放入请求头 Authorization: Bearer <token>")
    token_type: str = Field("Bearer", max_length=10)
    expires_at: dt.datetime
    user: MeOut


class RegisterIn(Schema):
    display_name: str = Field(..., min_length=1, max_length=100, description="企业名称")
    phone: PhoneStr
    password: PasswordStr
    sms_code: SmsCodeStr
    device_name: DeviceNameStr = ""


class LoginIn(Schema):
    # The phone with either the password or an SMS code (purpose "login"), and the captcha.
    phone: PhoneStr
    password: str | None = Field(None, min_length=1, max_length=128)
    sms_code: str | None = Field(None, min_length=1, max_length=10)
    captcha_key: CaptchaKeyStr
    captcha_answer: CaptchaAnswerStr
    device_name: DeviceNameStr = ""
    otp_code: str | None = Field(
        None,
        min_length=6,
        max_length=6,
        pattern=r"^[0-9]{6}$",
        description="工作人员账号：身份验证器中的6位动态口令",
    )

    @model_validator(mode="after")
    def _one_credential(self) -> LoginIn:
        if (self.password is None) == (self.sms_code is None):
            raise ValueError(gettext("请填写密码或短信验证码（二选一）"))
        return self


class MessageOut(Schema):
    message: str = Field(..., max_length=100)


class PasswordChangeIn(Schema):
    old_password: PasswordStr
    new_password: PasswordStr


class PhoneChangeIn(Schema):
    password: PasswordStr
    new_phone: PhoneStr
    sms_code: SmsCodeStr


class PasswordResetIn(Schema):
    phone: PhoneStr
    sms_code: SmsCodeStr
    new_password: PasswordStr
