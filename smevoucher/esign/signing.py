"""PAdES signatures with the visible e-seal (pyHanko), and their verification against the
platform's CA. Pure functions on PDF bytes: they write nothing, so the calling service
(contract signing, in the orders app) records the change and the file's hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
from dataclasses import dataclass, field

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.fields import SigFieldSpec
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from smevoucher.core.errors import DomainError, NotFound
from smevoucher.orgs.selectors import org_acting_for

from .models import OrgSeal
from .pki import ca_certificate_pem_if_made, platform_ca

logger = logging.getLogger(__name__)


def _outside_event_loop(call):
    """pyHanko's synchronous calls run their own asyncio loop; where a loop already runs in
    this thread (an async worker, a test driving a browser), run them on a worker thread."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def sha256_hex(data: bytes) -> str:
    """The hex SHA-256 of a file, as recorded beside each signed version."""
    return hashlib.sha256(data).hexdigest()


def _asn1_cert(pem: str) -> asn1_x509.Certificate:
    der = x509.load_pem_x509_certificate(pem.encode()).public_bytes(serialization.Encoding.DER)
    return asn1_x509.Certificate.load(der)


def _asn1_key(pem: str) -> asn1_keys.PrivateKeyInfo:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return asn1_keys.PrivateKeyInfo.load(der)


def _usable(seal: OrgSeal, actor) -> None:
    if actor is not None:
        org = org_acting_for(actor)
        if org is None or org.pk != seal.org_id:
            raise NotFound()
    if seal.revoked_at is not None:
        raise DomainError("esign.seal_revoked", _("该签章已注销，不能再用于签署"), status=409)
    if seal.valid_until <= timezone.now():
        raise DomainError("esign.seal_expired", _("签章证书已过期，请联系平台"), status=409)


def pdf_sign(
    *,
    pdf: bytes,
    seal: OrgSeal,
    field_name: str,
    page: int,
    box: tuple[int, int, int, int],
    reason: str = "",
    location: str = "",
    actor=None,
) -> bytes:
    """Sign ``pdf`` with ``seal``'s key: a PAdES signature (ETSI.CAdES.detached, SHA-256) in a
    new signature field ``field_name`` on ``page`` (0-based) at ``box`` (x1, y1, x2, y2 in PDF
    points), showing the seal image. Written as an incremental update, so earlier signatures
    stay valid. When ``actor`` is given, they must act for the seal's organization.
    """
    _usable(seal, actor)
    ca_cert = _asn1_cert(platform_ca().certificate_pem)
    signer = signers.SimpleSigner(
        signing_cert=_asn1_cert(seal.certificate_pem),
        signing_key=_asn1_key(seal.private_key_pem),
        cert_registry=SimpleCertificateStore.from_certs([ca_cert]),
    )
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        if not 0 <= page < int(writer.root["/Pages"]["/Count"]):
            raise DomainError("esign.page", _("签署页不存在"), field="page")
        if any(fields.enumerate_sig_fields(writer, with_name=field_name)):
            raise DomainError("esign.already_signed", _("该签署位置已有签名"), status=409)
        fields.append_signature_field(
            writer, SigFieldSpec(sig_field_name=field_name, on_page=page, box=box)
        )
    except DomainError:
        raise
    except Exception as exc:  # pyHanko raises many kinds on a broken or unusual file
        raise DomainError("esign.pdf_unreadable", _("无法读取该PDF文件，不能签署")) from exc
    metadata = signers.PdfSignatureMetadata(
        field_name=field_name,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason or None,
        location=location or None,
    )
    with Image.open(io.BytesIO(bytes(seal.image_png))) as image:
        image.load()
        style = StaticStampStyle(background=PdfImage(image), border_width=0)
        out = _outside_event_loop(
            lambda: signers.PdfSigner(metadata, signer=signer, stamp_style=style).sign_pdf(writer)
        )
    return out.getvalue()


# --- verification ----------------------------------------------------------------------

COVERAGE_LABELS = {
    "entire_file": gettext_lazy("覆盖整个文件"),
    "entire_revision": gettext_lazy("覆盖签署时的文件，其后仅追加了签署"),
    "partial": gettext_lazy("未覆盖整个文件"),
}


@dataclass
class SignatureReport:
    field_name: str
    signer_name: str
    signer_uscc: str
    signed_at: dt.datetime | None
    intact: bool  # the signed bytes still hash to the signed digest
    valid: bool  # the signature over that digest verifies with the certificate's key
    trusted: bool  # the certificate chains to this platform's CA (the only trust root)
    coverage: str  # "entire_file", "entire_revision" (later signatures added) or "partial"
    modified_after: bool  # the file was changed after this signature beyond adding signatures

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and not self.modified_after

    @property
    def coverage_label(self) -> str:
        return str(COVERAGE_LABELS[self.coverage])


@dataclass
class VerificationReport:
    sha256: str
    signatures: list[SignatureReport] = field(default_factory=list)
    message: str = ""  # why the file could not be checked at all, for the person

    @property
    def all_ok(self) -> bool:
        return not self.message and bool(self.signatures) and all(s.ok for s in self.signatures)


def _coverage(level: SignatureCoverageLevel | None) -> str:
    if level == SignatureCoverageLevel.ENTIRE_FILE:
        return "entire_file"
    if level == SignatureCoverageLevel.ENTIRE_REVISION:
        return "entire_revision"
    return "partial"


def _subject(signature) -> tuple[str, str]:
    cert = signature.signer_cert
    subject = cert.subject.native if cert is not None else {}
    name = subject.get("organization_name") or subject.get("common_name") or ""
    return str(name), str(subject.get("serial_number") or "")


def _check(signature, context: ValidationContext) -> SignatureReport:
    name, uscc = _subject(signature)
    try:
        status = _outside_event_loop(lambda: validate_pdf_signature(signature, context))
    except Exception as exc:  # a malformed signature dictionary or CMS blob
        logger.info("signature %s could not be validated", signature.field_name, exc_info=exc)
        return SignatureReport(
            field_name=signature.field_name or "",
            signer_name=name,
            signer_uscc=uscc,
            signed_at=None,
            intact=False,
            valid=False,
            trusted=False,
            coverage="partial",
            modified_after=True,
        )
    coverage = _coverage(status.coverage)
    level = status.modification_level
    # A later revision may only add signatures and their fields (what a second signer
    # does); anything else, or an unknown level, counts as changed after signing.
    modified_after = coverage == "partial" or (
        coverage == "entire_revision" and (level is None or level > ModificationLevel.FORM_FILLING)
    )
    return SignatureReport(
        field_name=signature.field_name or "",
        signer_name=name,
        signer_uscc=uscc,
        signed_at=status.signer_reported_dt,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        coverage=coverage,
        modified_after=modified_after,
    )


def pdf_verify(pdf: bytes) -> VerificationReport:
    """Check every signature of ``pdf``: intact, cryptographically valid, by a certificate of
    this platform's CA (the only trust root, nothing fetched, revocation soft-fail: the
    platform publishes no CRL or OCSP), and not changed after it. A file that cannot be
    checked at all gives a report with a ``message`` and no signatures."""
    report = VerificationReport(sha256=sha256_hex(pdf))
    if b"%PDF-" not in pdf[:1024]:
        report.message = _("文件不是PDF文档")
        return report
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        if reader.encrypted:
            report.message = _("PDF文件已加密，无法核验")
            return report
        embedded = list(reader.embedded_signatures)
    except Exception as exc:  # a damaged file: any parser error means "cannot read"
        logger.info("unreadable PDF submitted for verification", exc_info=exc)
        report.message = _("无法读取该PDF文件，文件可能已损坏")
        return report
    if not embedded:
        report.message = _("该PDF文件没有电子签名")
        return report
    ca_pem = ca_certificate_pem_if_made()
    context = ValidationContext(
        # With no CA made yet nothing can be trusted; never the operating system's roots.
        trust_roots=[_asn1_cert(ca_pem)] if ca_pem else [],
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    report.signatures = [_check(signature, context) for signature in embedded]
    return report
