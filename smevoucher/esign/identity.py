"""Re-verifying the person before a seal is made or a contract is signed, behind one
interface: SMS codes here; a face-verification provider in production (the Guangxi manual's
人脸认证), chosen by ``settings.ESIGN_IDENTITY_VERIFIER``.

Both steps run outside any transaction: a refused answer must still count as a failed
attempt (the SMS code's counter), and the calling service opens its own transaction after.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request
from abc import ABC, abstractmethod

from django.conf import settings
from django.core.cache import cache
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smevoucher.accounts.choices import SmsPurpose
from smevoucher.core.errors import DomainError
from smevoucher.core.privacy import mask_phone

logger = logging.getLogger(__name__)

# A provider's session number as it may appear in a URL path.
_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# What the person re-verifies for: making the organization's seal, or signing a contract.
PURPOSES = {"seal": SmsPurpose.SEAL, "sign": SmsPurpose.SIGN}


class IdentityVerifier(ABC):
    """``start`` asks the person for proof and returns what to tell them; ``verify`` accepts
    their answer once or raises DomainError. ``method`` names the check on the seal's record.
    """

    method = ""
    # What the person types to answer, as the form labels it.
    response_label = ""

    def __init__(self, *, purpose: str):
        if purpose not in PURPOSES:
            raise ValueError(f"unknown identity purpose {purpose!r}")
        self.purpose = purpose

    @abstractmethod
    def start(self, *, user, ip_address: str | None) -> str: ...

    @abstractmethod
    def verify(self, *, user, response: str) -> None: ...


class SmsIdentityVerifier(IdentityVerifier):
    """A code sent to the person's registered phone (its own SMS purpose and daily allowance)."""

    method = "sms"
    response_label = gettext_lazy("短信验证码")

    def start(self, *, user, ip_address: str | None) -> str:
        from smevoucher.accounts.services import sms_code_send

        sms_code_send(phone=user.phone, purpose=PURPOSES[self.purpose], ip_address=ip_address)
        return _("验证码已发送至%(phone)s，%(minutes)d分钟内有效") % {
            "phone": mask_phone(user.phone),
            "minutes": settings.SMS_CODE_TTL_SECONDS // 60,
        }

    def verify(self, *, user, response: str) -> None:
        from smevoucher.accounts.services import sms_code_consume

        sms_code_consume(phone=user.phone, purpose=PURPOSES[self.purpose], code=response)


class FaceIdentityVerifier(IdentityVerifier):
    """A face-verification provider (人脸核验) for production, reached over HTTPS with JSON.

    Settings: ``ESIGN_FACE_API_URL`` (the provider's base address) and ``ESIGN_FACE_API_KEY``
    (sent as ``Authorization: Bearer <key>``); ``ESIGN_FACE_TIMEOUT_SECONDS`` (default 10).

    ``start`` -> ``POST {url}/sessions`` with
    ``{"name": "...", "id_number": "...", "purpose": "seal"|"sign", "reference": "<user id>"}``;
    the provider answers ``{"session_id": "...", "verify_url": "..."}`` and the person opens
    ``verify_url`` (an H5 page or QR code) on their phone to take the live face check against
    the ID photo of the public-security database.

    ``verify(response=<session_id>)`` -> ``GET {url}/sessions/<session_id>``; the provider
    answers ``{"status": "passed"|"failed"|"pending", "reference": "<user id>",
    "purpose": "..."}``. Only a passed session of this person and purpose is accepted, and
    only once (spent sessions are remembered in the cache, which is Redis in production).

    The person is the organization's legal representative (its certifying account) or its
    designated agent, with the name and ID number the organization certified. ID numbers go
    to the provider only, never to the log.
    """

    method = "face"
    response_label = gettext_lazy("人脸核验编号")

    def _config(self) -> tuple[str, str]:
        url = getattr(settings, "ESIGN_FACE_API_URL", "")
        key = getattr(settings, "ESIGN_FACE_API_KEY", "")
        if not url or not key:
            raise DomainError(
                "esign.face_unconfigured", _("人脸核验服务未配置，请联系平台"), status=503
            )
        return url.rstrip("/"), key

    def session_request(self, *, user) -> dict[str, str]:
        """The body of ``POST /sessions`` for ``user`` (who must act for an organization)."""
        from smevoucher.orgs.models import OrgMember

        member = OrgMember.objects.select_related("org").filter(user=user).first()
        if member is None:
            raise DomainError("esign.no_identity", _("请先完成机构信息认证"), status=403)
        if member.role == "agent":
            name, id_number = member.person_name, member.id_number
        else:
            name, id_number = member.org.legal_rep_name, member.org.legal_rep_id_number
        return {
            "name": name,
            "id_number": id_number,
            "purpose": self.purpose,
            "reference": str(user.pk),
        }

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        url, key = self._config()
        request = urllib.request.Request(  # noqa: S310  the configured https address
            f"{url}{path}",
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        timeout = getattr(settings, "ESIGN_FACE_TIMEOUT_SECONDS", 10)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
                body = json.loads(answer.read())
            if not isinstance(body, dict):
                raise ValueError("the provider's answer is not a JSON object")
            return body
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            logger.warning("face verification provider failed: %s %s", method, path, exc_info=exc)
            raise DomainError(
                "esign.face_unavailable", _("人脸核验服务暂时无法访问，请稍后再试"), status=503
            ) from exc

    def start(self, *, user, ip_address: str | None) -> str:
        self._config()
        answer = self._call("POST", "/sessions", self.session_request(user=user))
        session, link = answer.get("session_id"), answer.get("verify_url")
        if not session or not link:
            raise DomainError(
                "esign.face_unavailable", _("人脸核验服务暂时无法访问，请稍后再试"), status=503
            )
        return _("请在手机上打开以下链接完成人脸核验，完成后提交核验编号 %(session)s：%(link)s") % {
            "session": session,
            "link": link,
        }

    def verify(self, *, user, response: str) -> None:
        self._config()
        session = (response or "").strip()
        if not _SESSION_ID.fullmatch(session):
            raise DomainError("esign.face_failed", _("人脸核验未通过"), field="sms_code")
        answer = self._call("GET", f"/sessions/{session}")
        if answer.get("status") == "pending":
            raise DomainError("esign.face_pending", _("人脸核验尚未完成"), field="sms_code")
        if (
            answer.get("status") != "passed"
            or answer.get("reference") != str(user.pk)
            or answer.get("purpose") != self.purpose
        ):
            raise DomainError("esign.face_failed", _("人脸核验未通过"), field="sms_code")
        # A passed session proves one act: it cannot be presented again for another.
        if not cache.add(f"esign:face-session:{session}", user.pk, timeout=7 * 24 * 3600):
            raise DomainError(
                "esign.face_used", _("该核验编号已使用，请重新核验"), field="sms_code"
            )


def identity_verifier(*, purpose: str) -> IdentityVerifier:
    """The configured verifier for ``purpose`` ("seal" or "sign")."""
    path = getattr(
        settings, "ESIGN_IDENTITY_VERIFIER", "smevoucher.esign.identity.SmsIdentityVerifier"
    )
    return import_string(path)(purpose=purpose)
