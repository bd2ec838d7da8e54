"""E-seals (制作签章) and signature verification (签章验证)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from reportlab.pdfgen import canvas

from smevoucher.core.errors import DomainError
from smevoucher.esign import services
from smevoucher.esign.models import OrgSeal
from smevoucher.esign.selectors import active_seal
from smevoucher.esign.signing import pdf_sign, pdf_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def code_for(settings, django_capture_on_commit_callbacks):
    from smevoucher.accounts.services import sms_code_send
    from smevoucher.notifications.models import SmsOutbox

    settings.SMS_RESEND_SECONDS = 0

    def send(user, purpose="seal") -> str:
        with django_capture_on_commit_callbacks(execute=True):
            sms_code_send(phone=user.phone, purpose=purpose, ip_address=None)
        text = SmsOutbox.objects.filter(phone=user.phone).order_by("-pk").first().text
        return re.search(r"\d{6}", text).group(0)

    return send


@pytest.fixture
def org_a(make_org):
    return make_org("柳州市签章测试机械有限公司")


@pytest.fixture
def org_b(make_org):
    return make_org("广西签章测试服务有限公司")


def _seal(org, code_for):
    return services.seal_create(actor=org.owner, response=code_for(org.owner))


def _pdf() -> bytes:
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer)
    c.drawString(100, 700, "contract")
    c.showPage()
    c.save()
    return buffer.getvalue()


def test_a_seal_needs_the_right_code(org_a, code_for):
    code_for(org_a.owner)
    with pytest.raises(DomainError, match="验证码"):
        services.seal_create(actor=org_a.owner, response="000000")
    assert not OrgSeal.objects.exists()
    seal = _seal(org_a, code_for)
    assert seal.identity_method == "sms"
    assert active_seal(org_a) == seal
    # the certificate names the organization and its USCC, issued by the platform CA
    cert = x509.load_pem_x509_certificate(seal.certificate_pem.encode())
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == org_a.name
    assert cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == org_a.uscc


def test_a_second_seal_is_refused(org_a, code_for):
    _seal(org_a, code_for)
    with pytest.raises(DomainError, match="无需重复制作"):
        services.seal_start_verification(actor=org_a.owner, ip_address=None)
    assert OrgSeal.objects.count() == 1


def test_an_uncertified_user_cannot_make_a_seal(make_user):
    with pytest.raises(DomainError, match="认证"):
        services.seal_start_verification(actor=make_user(), ip_address=None)


def test_the_seal_image_is_a_red_round_png_seen_only_by_its_org(client, org_a, org_b, code_for):
    seal = _seal(org_a, code_for)
    image = Image.open(io.BytesIO(bytes(seal.image_png)))
    assert image.format == "PNG"
    raw = image.convert("RGBA").tobytes()
    pixels = (raw[i : i + 4] for i in range(0, len(raw), 4))
    red = sum(1 for r, g, b, a in pixels if a and r > 150 and g < 80 and b < 80)
    assert red > 5000
    client.force_login(org_a.owner)
    assert client.get(reverse("esign:seal_image")).status_code == 200
    client.force_login(org_b.owner)
    assert client.get(reverse("esign:seal_image")).status_code == 404
    page = client.get(reverse("esign:seal")).content.decode()
    assert seal.serial not in page


def test_two_signatures_verify_and_an_altered_byte_does_not(org_a, org_b, code_for):
    seal_a, seal_b = _seal(org_a, code_for), _seal(org_b, code_for)
    once = pdf_sign(
        pdf=_pdf(), seal=seal_b, field_name="SignatureB", page=0, box=(300, 100, 450, 250)
    )
    twice = pdf_sign(
        pdf=once, seal=seal_a, field_name="SignatureA", page=0, box=(60, 100, 210, 250)
    )
    report = pdf_verify(twice)
    assert report.all_ok
    assert [(s.signer_name, s.signer_uscc) for s in report.signatures] == [
        (org_b.name, org_b.uscc),
        (org_a.name, org_a.uscc),
    ]
    altered = bytearray(twice)
    altered[len(altered) // 4] ^= 0x01
    assert not pdf_verify(bytes(altered)).all_ok


def test_a_certificate_of_another_ca_is_not_trusted(org_a, code_for):
    seal = _seal(org_a, code_for)
    # a look-alike seal whose certificate a stranger's own CA issued
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, org_a.name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    seal.certificate_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    seal.private_key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    forged = pdf_sign(
        pdf=_pdf(), seal=seal, field_name="SignatureA", page=0, box=(60, 100, 210, 250)
    )
    report = pdf_verify(forged)
    assert report.signatures[0].intact
    assert not report.signatures[0].trusted
    assert not report.all_ok


def test_verification_page_and_api_explain_garbage(client):
    page = client.post(
        reverse("esign:verify"),
        {"file": SimpleUploadedFile("x.pdf", b"MZ not a pdf", content_type="application/pdf")},
    )
    assert page.status_code == 200
    assert "文件不是PDF文档" in page.content.decode()
    answer = client.post(
        "/api/v1/esign/verify",
        {"file": SimpleUploadedFile("x.pdf", _pdf(), content_type="application/pdf")},
    )
    assert answer.status_code == 400
    assert answer.json()["message"] == "该PDF文件没有电子签名"


def test_seal_page_makes_the_seal(client, org_a, code_for, django_capture_on_commit_callbacks):
    client.force_login(org_a.owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("esign:seal"), {"step": "code"})
    from smevoucher.notifications.models import SmsOutbox

    text = SmsOutbox.objects.filter(phone=org_a.owner.phone).order_by("-pk").first()
    assert text is not None
    code = re.search(r"\d{6}", text.text).group(0)
    response = client.post(reverse("esign:seal"), {"code": code, "agreed": "on"})
    assert response.status_code == 302
    assert active_seal(org_a) is not None
    assert "证书序列号" in client.get(reverse("esign:seal")).content.decode()
