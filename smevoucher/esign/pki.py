"""The platform's certificate authority: a self-issued root (created once, under a lock) that
issues each organization's signing certificate. ECDSA P-256 keys, SHA-256 signatures.

National algorithms (SM2) are not in `cryptography`; ECDSA is what PAdES readers verify."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.db import IntegrityError, transaction

from .models import PlatformCA

CA_NAME = "smevoucher 平台电子签章根证书"
CA_YEARS = 10
SEAL_YEARS = 3


def _name(common: str, *, org: str = "", serial: str = "") -> x509.Name:
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.COMMON_NAME, common),
    ]
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    if serial:
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial))
    return x509.Name(attrs)


def _pem_key(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _usage(*, signing: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing,
        content_commitment=signing,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not signing,
        crl_sign=not signing,
        encipher_only=False,
        decipher_only=False,
    )


def _new_ca() -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(CA_NAME, org="smevoucher")
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(signing=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode(), _pem_key(key)


def platform_ca() -> PlatformCA:
    """The platform CA, created on first use: once, also under concurrent first uses (the
    losing insert hits the unique ``singleton`` and reads the winner's row)."""
    ca = PlatformCA.objects.first()
    if ca is None:
        cert_pem, key_pem = _new_ca()
        try:
            with transaction.atomic():
                ca = PlatformCA.objects.create(certificate_pem=cert_pem, private_key_pem=key_pem)
        except IntegrityError:
            ca = PlatformCA.objects.get()
    return ca


def ca_certificate() -> x509.Certificate:
    return x509.load_pem_x509_certificate(platform_ca().certificate_pem.encode())


def ca_certificate_pem_if_made() -> str | None:
    """The CA's certificate if the platform has one; reading never creates it (a public
    verification must not write)."""
    ca = PlatformCA.objects.only("certificate_pem").first()
    return ca.certificate_pem if ca else None


@dataclass(frozen=True)
class Issued:
    certificate_pem: str
    private_key_pem: str
    serial: str
    valid_until: dt.datetime


def issue_signing_certificate(*, org_name: str, uscc: str) -> Issued:
    """A new key and a certificate for an organization: CN and O its name, serialNumber its
    统一社会信用代码, signed by the platform CA."""
    ca = platform_ca()
    ca_key = serialization.load_pem_private_key(ca.private_key_pem.encode(), password=None)
    ca_cert = x509.load_pem_x509_certificate(ca.certificate_pem.encode())
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    until = now + dt.timedelta(days=365 * SEAL_YEARS)
    serial = x509.random_serial_number()
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(org_name[:64], org=org_name[:64], serial=uscc))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(until)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(signing=True), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return Issued(
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        private_key_pem=_pem_key(key),
        serial=format(serial, "x"),
        valid_until=until,
    )
