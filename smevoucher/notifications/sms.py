"""SMS backends behind one interface: an outbox (default) and a provider adapter.

Messages are named templates with parameters, as SMS providers in mainland China require
pre-approved templates; the platform keeps the wording of each template here.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.utils.module_loading import import_string

TEMPLATES: dict[str, str] = {
    "verification_code": "您的验证码为{code}，{minutes}分钟内有效，用于{purpose}。如非本人操作，请忽略本短信。",
    "notice": "{title}：{body}",
}


class SmsError(Exception):
    """The provider refused or could not be reached."""


def render(template: str, params: dict) -> str:
    return f"【{settings.SMS_SIGNATURE}】" + TEMPLATES[template].format(**params)


class SmsBackend:
    """Send one templated SMS; return the provider's message id."""

    def send(self, *, phone: str, template: str, params: dict) -> str:
        raise NotImplementedError


class OutboxSmsBackend(SmsBackend):
    """Keeps the message in the outbox only; the demo-mode page shows it."""

    def send(self, *, phone: str, template: str, params: dict) -> str:
        return ""


class AliyunSmsBackend(SmsBackend):
    """Alibaba Cloud SMS (dysmsapi) through its official SDK, installed in production with
    ``pip install alibabacloud_dysmsapi20170525``.

    Settings: SMS_ALIYUN_ACCESS_KEY_ID, SMS_ALIYUN_ACCESS_KEY_SECRET, SMS_SIGNATURE and
    SMS_ALIYUN_TEMPLATES, a mapping of our template names to approved template codes.
    """

    def __init__(self) -> None:
        self.template_codes: dict[str, str] = getattr(settings, "SMS_ALIYUN_TEMPLATES", {})

    def request_fields(self, *, phone: str, template: str, params: dict) -> dict[str, str]:
        try:
            template_code = self.template_codes[template]
        except KeyError as exc:
            raise SmsError(f"no Aliyun template code configured for {template!r}") from exc
        return {
            "phone_numbers": phone,
            "sign_name": settings.SMS_SIGNATURE,
            "template_code": template_code,
            "template_param": json.dumps(
                {k: str(v) for k, v in params.items()}, ensure_ascii=False
            ),
        }

    def send(self, *, phone: str, template: str, params: dict) -> str:
        from alibabacloud_dysmsapi20170525 import models as sms_models
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi import models as api_models

        client = Client(
            api_models.Config(
                access_key_id=settings.SMS_ALIYUN_ACCESS_KEY_ID,
                access_key_secret=settings.SMS_ALIYUN_ACCESS_KEY_SECRET,
                endpoint="dysmsapi.aliyuncs.com",
            )
        )
        response = client.send_sms(
            sms_models.SendSmsRequest(
                **self.request_fields(phone=phone, template=template, params=params)
            )
        )
        body = response.body
        if body.code != "OK":
            raise SmsError(f"Aliyun SMS refused: {body.code}")
        return body.biz_id or ""


def get_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
