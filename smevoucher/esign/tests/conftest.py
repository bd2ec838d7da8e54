"""Fixtures of the e-seal tests: certified organizations, their seals, and small PDFs."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from reportlab.pdfgen import canvas

# Where the two parties sign on the last page (x1, y1, x2, y2 in PDF points).
BOX_B = (320, 80, 460, 220)
BOX_A = (80, 80, 220, 220)


@pytest.fixture
def send_seal_code(settings, django_capture_on_commit_callbacks):
    """Send an e-seal (or signing) SMS code to ``user`` and return it, as they would read it."""
    from smevoucher.accounts.services import sms_code_send
    from smevoucher.notifications.models import SmsOutbox

    settings.SMS_RESEND_SECONDS = 0  # a test may ask for several codes within the minute

    def send(user, purpose: str = "seal") -> str:
        with django_capture_on_commit_callbacks(execute=True):
            sms_code_send(phone=user.phone, purpose=purpose, ip_address="127.0.0.1")
        text = SmsOutbox.objects.filter(phone=user.phone).order_by("-pk").first().text
        return re.search(r"\d{6}", text).group(0)

    return send


@pytest.fixture
def org_a(make_org):
    """甲方: the enterprise."""
    return make_org("柳州市签章测试机械有限公司")


@pytest.fixture
def org_b(make_org):
    """乙方: the service provider."""
    return make_org("广西签章测试服务有限公司")


@pytest.fixture
def make_seal(send_seal_code):
    from smevoucher.esign.services import seal_create

    def make(org):
        return seal_create(actor=org.owner, org=org, response=send_seal_code(org.owner))

    return make


@pytest.fixture
def seal_a(org_a, make_seal):
    return make_seal(org_a)


@pytest.fixture
def seal_b(org_b, make_seal):
    return make_seal(org_b)


def contract_pdf(pages: int = 2) -> bytes:
    """A small uncompressed PDF (its text is findable in the bytes)."""
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pageCompression=0)
    for number in range(pages):
        c.drawString(100, 700, f"Service contract page {number + 1}")
        c.showPage()
    c.save()
    return buffer.getvalue()


@pytest.fixture(scope="module")
def stranger_ca():
    """A look-alike CA someone made for themselves, and a certificate it issued (made once
    per module: key generation is the slow part)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "smevoucher 平台电子签章根证书")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COMMON_NAME, "柳州市签章测试机械有限公司"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "柳州市签章测试机械有限公司"),
                ]
            )
        )
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(ca_key, hashes.SHA256())
    )
    return {
        "ca_pem": ca_cert.public_bytes(serialization.Encoding.PEM).decode(),
        "cert_pem": cert.public_bytes(serialization.Encoding.PEM).decode(),
        "key_pem": key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
    }
