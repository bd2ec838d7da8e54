"""Re-verifying the person before a seal is made or a contract is signed, behind one
interface: SMS codes here; a face-verification provider in production (the Guangxi manual's
人脸认证), chosen by ``settings.ESIGN_IDENTITY_VERIFIER``."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from smevoucher.accounts.choices import SmsPurpose
from smevoucher.core.errors import DomainError
from smevoucher.core.privacy import mask_phone

PURPOSES = {"seal": SmsPurpose.SEAL, "sign": SmsPurpose.SIGN}


class IdentityVerifier:
    """``start`` asks the person for proof (and says what was sent); ``verify`` accepts the
    answer once or raises DomainError. ``method`` names it on the seal's record."""

    method = ""

    def __init__(self, *, purpose: str):
        if purpose not in PURPOSES:
            raise ValueError(purpose)
        self.purpose = purpose

    def start(self, *, user, ip_address: str | None) -> str:
        raise NotImplementedError

    def verify(self, *, user, response: str) -> None:
        raise NotImplementedError


class SmsIdentityVerifier(IdentityVerifier):
    method = "sms"

    def start(self, *, user, ip_address: str | None) -> str:
        from smevoucher.accounts.services import sms_code_send

        sms_code_send(phone=user.phone, purpose=PURPOSES[self.purpose], ip_address=ip_address)
        return _("验证码已发送至 %(phone)s，5分钟内有效") % {"phone": mask_phone(user.phone)}

    def verify(self, *, user, response: str) -> None:
        from smevoucher.accounts.services import sms_code_consume

        sms_code_consume(phone=user.phone, purpose=PURPOSES[self.purpose], code=response)


class FaceIdentityVerifier(IdentityVerifier):
    """A face-verification provider (人脸核验), for production.

    Contract with the provider (configured by ESIGN_FACE_API_URL and ESIGN_FACE_API_KEY):
    ``start`` creates a verification session for the person (name and ID number of the
    organization's legal representative or agent) and shows the link or QR code the provider
    returns; ``verify`` receives the provider's session id and asks the provider whether it
    passed. Until a provider is configured, both refuse with a clear message."""

    method = "face"

    def _configured(self) -> None:
        if not getattr(settings, "ESIGN_FACE_API_URL", ""):
            raise DomainError(
                "esign.face_unconfigured", _("人脸核验服务未配置，请联系平台"), status=503
            )

    def start(self, *, user, ip_address: str | None) -> str:
        self._configured()
        raise DomainError("esign.face_unavailable", _("人脸核验服务暂不可用"), status=503)

    def verify(self, *, user, response: str) -> None:
        self._configured()
        raise DomainError("esign.face_unavailable", _("人脸核验服务暂不可用"), status=503)


def identity_verifier(*, purpose: str) -> IdentityVerifier:
    path = getattr(
        settings, "ESIGN_IDENTITY_VERIFIER", "smevoucher.esign.identity.SmsIdentityVerifier"
    )
    return import_string(path)(purpose=purpose)
