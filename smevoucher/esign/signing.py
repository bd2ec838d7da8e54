"""PAdES signatures with the visible e-seal (pyHanko), and their verification against the
platform's CA. Pure functions on PDF bytes: the calling service records the change."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from django.utils.translation import gettext as _
from PIL import Image
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import SigFieldSpec
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from .pki import platform_ca


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _asn1_cert(pem: str) -> asn1_x509.Certificate:
    from cryptography import x509

    der = x509.load_pem_x509_certificate(pem.encode()).public_bytes(serialization.Encoding.DER)
    return asn1_x509.Certificate.load(der)


def _asn1_key(pem: str) -> asn1_keys.PrivateKeyInfo:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return asn1_keys.PrivateKeyInfo.load(der)


def pdf_sign(
    *,
    pdf: bytes,
    seal,
    field_name: str,
    page: int,
    box: tuple[int, int, int, int],
    reason: str = "",
    location: str = "",
) -> bytes:
    """Add a PAdES signature of ``seal``'s organization with its seal image in ``box`` on
    ``page``, as an incremental update (earlier signatures stay valid)."""
    ca_cert = _asn1_cert(platform_ca().certificate_pem)
    signer = signers.SimpleSigner(
        signing_cert=_asn1_cert(seal.certificate_pem),
        signing_key=_asn1_key(seal.private_key_pem),
        cert_registry=SimpleCertificateStore.from_certs([ca_cert]),
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    fields.append_signature_field(
        writer, SigFieldSpec(sig_field_name=field_name, on_page=page, box=box)
    )
    metadata = signers.PdfSignatureMetadata(
        field_name=field_name,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason or None,
        location=location or None,
    )
    image = Image.open(io.BytesIO(bytes(seal.image_png)))
    style = StaticStampStyle(background=PdfImage(image), border_width=0)
    out = signers.PdfSigner(metadata, signer=signer, stamp_style=style).sign_pdf(writer)
    return out.getvalue()


@dataclass
class SignatureReport:
    field_name: str
    signer_name: str
    signer_uscc: str
    signed_at: dt.datetime | None
    intact: bool
    valid: bool
    trusted: bool
    covers_whole_file: bool
    changed_after: bool  # the file was changed after this signature beyond form filling

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and not self.changed_after


@dataclass
class VerificationReport:
    sha256: str
    signatures: list[SignatureReport] = field(default_factory=list)
    problem: str = ""  # why the file could not be checked at all

    @property
    def all_ok(self) -> bool:
        return not self.problem and bool(self.signatures) and all(s.ok for s in self.signatures)


def pdf_verify(pdf: bytes) -> VerificationReport:
    """Check every signature of ``pdf``: intact, cryptographically valid, by a certificate
    of this platform's CA (the only trust root; no fetching), and not changed after."""
    report = VerificationReport(sha256=sha256_hex(pdf))
    if not pdf.startswith(b"%PDF"):
        report.problem = _("文件不是PDF文档")
        return report
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception:
        report.problem = _("无法读取该PDF文件，文件可能已损坏")
        return report
    if not embedded:
        report.problem = _("该PDF文件没有电子签名")
        return report
    context = ValidationContext(
        trust_roots=[_asn1_cert(platform_ca().certificate_pem)],
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    from pyhanko.sign.validation.status import ModificationLevel, SignatureCoverageLevel

    for signature in embedded:
        try:
            status = validate_pdf_signature(signature, context)
            intact, valid, trusted = status.intact, status.valid, status.trusted
            whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
            changed = status.coverage not in (
                SignatureCoverageLevel.ENTIRE_FILE,
                SignatureCoverageLevel.ENTIRE_REVISION,
            ) or (
                status.modification_level is not None
                and status.modification_level > ModificationLevel.FORM_FILLING
            )
        except Exception:
            intact = valid = trusted = whole = False
            changed = True
        subject = signature.signer_cert.subject.native if signature.signer_cert else {}
        report.signatures.append(
            SignatureReport(
                field_name=signature.field_name or "",
                signer_name=subject.get("organization_name") or subject.get("common_name", ""),
                signer_uscc=subject.get("serial_number", ""),
                signed_at=signature.self_reported_timestamp,
                intact=bool(intact),
                valid=bool(valid),
                trusted=bool(trusted),
                covers_whole_file=bool(whole),
                changed_after=bool(changed),
            )
        )
    return report
