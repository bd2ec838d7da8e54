"""Identity re-verification behind one interface: SMS codes, or a face-verification provider."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from smevoucher.core.errors import DomainError
from smevoucher.esign import services
from smevoucher.esign.identity import (
    FaceIdentityVerifier,
    SmsIdentityVerifier,
    identity_verifier,
)
from smevoucher.orgs.models import OrgMember

pytestmark = pytest.mark.django_db

FACE = "smevoucher.esign.identity.FaceIdentityVerifier"


def test_sms_is_the_default_for_both_purposes(settings):
    assert isinstance(identity_verifier(purpose="seal"), SmsIdentityVerifier)
    assert identity_verifier(purpose="sign").purpose == "sign"
    with pytest.raises(ValueError, match="pay"):
        identity_verifier(purpose="pay")


def test_a_sign_code_does_not_make_a_seal(org_a, send_seal_code):
    code = send_seal_code(org_a.owner, purpose="sign")
    with pytest.raises(DomainError):
        identity_verifier(purpose="seal").verify(user=org_a.owner, response=code)
    identity_verifier(purpose="sign").verify(user=org_a.owner, response=code)
    with pytest.raises(DomainError, match="验证码已失效"):  # spent once
        identity_verifier(purpose="sign").verify(user=org_a.owner, response=code)


def test_face_verification_refuses_clearly_until_configured(settings, org_a):
    settings.ESIGN_IDENTITY_VERIFIER = FACE
    settings.ESIGN_FACE_API_URL = ""
    with pytest.raises(DomainError, match="人脸核验服务未配置") as refused:
        services.seal_start_verification(actor=org_a.owner, ip_address=None)
    assert refused.value.status == 503
    with pytest.raises(DomainError, match="人脸核验服务未配置"):
        services.seal_create(actor=org_a.owner, response="session-1")


@pytest.fixture
def provider(settings, monkeypatch):
    """A face-verification provider answering from a table, with no network."""
    settings.ESIGN_IDENTITY_VERIFIER = FACE
    settings.ESIGN_FACE_API_URL = "https://face.example.invalid/v1"
    settings.ESIGN_FACE_API_KEY = "secret"
    calls: list[tuple[str, str, dict | None]] = []
    sessions: dict[str, dict] = {}

    def call(self, method, path, body=None):
        calls.append((method, path, body))
        if method == "POST":
            return {"session_id": "s-1", "verify_url": "https://face.example.invalid/h5/s-1"}
        return sessions[path.rsplit("/", 1)[1]]

    monkeypatch.setattr(FaceIdentityVerifier, "_call", call)
    return {"calls": calls, "sessions": sessions}


def test_face_verification_makes_a_seal(provider, org_a, make_user):
    # given the agent acts for the organization with their certified identity
    agent = make_user()
    OrgMember.objects.create(
        org=org_a, user=agent, role="agent", person_name="李四", id_number="450202198506150043"
    )
    # when the check starts, the provider gets the agent's name and ID, and a link comes back
    message = services.seal_start_verification(actor=agent, ip_address=None)
    assert "https://face.example.invalid/h5/s-1" in message
    assert provider["calls"][0] == (
        "POST",
        "/sessions",
        {
            "name": "李四",
            "id_number": "450202198506150043",
            "purpose": "seal",
            "reference": str(agent.pk),
        },
    )
    # then a pending session is refused, a passed one makes the seal, recorded as face
    provider["sessions"]["s-1"] = {"status": "pending"}
    with pytest.raises(DomainError, match="尚未完成"):
        services.seal_create(actor=agent, response="s-1")
    provider["sessions"]["s-1"] = {
        "status": "passed",
        "reference": str(agent.pk),
        "purpose": "seal",
    }
    seal = services.seal_create(actor=agent, response="s-1")
    assert seal.identity_method == "face"


def test_a_face_session_of_someone_else_or_used_twice_is_refused(provider, org_a, org_b):
    provider["sessions"]["s-2"] = {
        "status": "passed",
        "reference": str(org_b.owner.pk),
        "purpose": "seal",
    }
    verifier = identity_verifier(purpose="seal")
    with pytest.raises(DomainError, match="人脸核验未通过"):
        verifier.verify(user=org_a.owner, response="s-2")
    verifier.verify(user=org_b.owner, response="s-2")
    with pytest.raises(DomainError, match="已使用"):
        verifier.verify(user=org_b.owner, response="s-2")
    with pytest.raises(DomainError, match="人脸核验未通过"):
        verifier.verify(user=org_b.owner, response="../admin")
    with pytest.raises(DomainError, match="人脸核验未通过"):
        verifier.verify(user=org_b.owner, response="核验编号")


def test_an_unreachable_provider_is_a_clear_refusal(settings, org_a, monkeypatch):
    settings.ESIGN_FACE_API_URL = "https://face.example.invalid/v1"
    settings.ESIGN_FACE_API_KEY = "secret"
    requested = []

    def unreachable(request, timeout):
        requested.append((request.full_url, request.get_header("Authorization"), timeout))
        raise urllib.error.URLError("connection refused")

    monkeypatch.setattr(urllib.request, "urlopen", unreachable)
    with pytest.raises(DomainError, match="暂时无法访问") as refused:
        FaceIdentityVerifier(purpose="seal").start(user=org_a.owner, ip_address=None)
    assert refused.value.status == 503
    assert requested == [("https://face.example.invalid/v1/sessions", "Bearer secret", 10)]


def test_the_seal_page_asks_for_the_face_check_when_configured(provider, client, org_a):
    client.force_login(org_a.owner)
    page = client.get("/center/seal/").content.decode()
    assert "开始人脸核验" in page
    assert "人脸核验编号" in page
    assert "验证码将发送至" not in page
