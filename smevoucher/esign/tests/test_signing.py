"""PAdES signing with the seal, and 签章验证 against the platform CA."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from smevoucher.core.errors import DomainError, NotFound
from smevoucher.esign.models import PlatformCA
from smevoucher.esign.pki import platform_ca
from smevoucher.esign.signing import _asn1_cert, pdf_sign, pdf_verify, sha256_hex

from .conftest import BOX_A, BOX_B, contract_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_by_both(seal_a, seal_b):
    """乙方 signs first, then 甲方, on the last page in their own boxes."""
    pdf = contract_pdf(pages=2)
    once = pdf_sign(pdf=pdf, seal=seal_b, field_name="SignatureB", page=1, box=BOX_B, reason="sign")
    return pdf_sign(pdf=once, seal=seal_a, field_name="SignatureA", page=1, box=BOX_A)


def test_two_signatures_are_intact_valid_and_trusted(signed_by_both, org_a, org_b):
    # when the twice-signed contract is verified
    report = pdf_verify(signed_by_both)
    # then both signatures pass, named by their organizations and USCCs, in signing order
    assert report.message == ""
    assert report.all_ok
    assert [(s.field_name, s.signer_name, s.signer_uscc) for s in report.signatures] == [
        ("SignatureB", org_b.name, org_b.uscc),
        ("SignatureA", org_a.name, org_a.uscc),
    ]
    first, second = report.signatures
    assert all(s.intact and s.valid and s.trusted for s in report.signatures)
    assert (first.modified_after, second.modified_after) == (False, False)
    # the first covers its revision (the second signature came after), the last the whole file
    assert (first.coverage, second.coverage) == ("entire_revision", "entire_file")
    assert abs(second.signed_at - timezone.now()) < dt.timedelta(minutes=1)
    assert report.sha256 == sha256_hex(signed_by_both)


def test_pyhanko_agrees_with_the_platform_ca_as_only_root(signed_by_both):
    context = ValidationContext(
        trust_roots=[_asn1_cert(platform_ca().certificate_pem)],
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    signatures = PdfFileReader(io.BytesIO(signed_by_both)).embedded_signatures
    assert len(signatures) == 2
    for signature in signatures:
        status = validate_pdf_signature(signature, context)
        assert (status.intact, status.valid, status.trusted) == (True, True, True)
        assert status.bottom_line


def test_the_seals_are_visible_on_the_last_page(signed_by_both):
    page = PdfReader(io.BytesIO(signed_by_both)).pages[-1]
    widgets = {
        str(annotation.get_object()["/T"]): [float(v) for v in annotation.get_object()["/Rect"]]
        for annotation in page["/Annots"]
    }
    assert widgets == {"SignatureB": list(map(float, BOX_B)), "SignatureA": list(map(float, BOX_A))}
    appearance = page["/Annots"][0].get_object()["/AP"]["/N"].get_object()
    # the appearance draws the seal image (an XObject image with an alpha mask)
    assert b"Do" in appearance.get_data()


def test_one_altered_byte_in_the_signed_content_breaks_integrity(signed_by_both):
    # given the text of the contract changed by one byte after both signed
    at = signed_by_both.index(b"Service contract page 2")
    altered = bytearray(signed_by_both)
    altered[at] = ord("X")
    # then neither signature is intact any more, and the verdict fails
    report = pdf_verify(bytes(altered))
    assert [s.intact for s in report.signatures] == [False, False]
    assert not report.all_ok


def test_content_appended_after_signing_is_reported(seal_a):
    # given a signed file, then a new revision that rewrites the page's content
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    signed = pdf_sign(pdf=contract_pdf(1), seal=seal_a, field_name="SignatureA", page=0, box=BOX_A)
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 600 Td (Pay 1000000) Tj ET")
    page["/Contents"] = writer.add_object(stream)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    # then the signature is still intact over what it signed, but the file changed after it
    report = pdf_verify(out.getvalue())
    (signature,) = report.signatures
    assert (signature.intact, signature.valid, signature.trusted) == (True, True, True)
    assert signature.modified_after
    assert not report.all_ok


def test_a_certificate_of_another_ca_is_not_trusted(seal_a, stranger_ca):
    # given a look-alike seal whose certificate a stranger's own CA issued
    seal_a.certificate_pem = stranger_ca["cert_pem"]
    seal_a.private_key_pem = stranger_ca["key_pem"]
    forged = pdf_sign(pdf=contract_pdf(1), seal=seal_a, field_name="SignatureA", page=0, box=BOX_A)
    # when it is verified
    report = pdf_verify(forged)
    # then the signature is intact and valid, but not by this platform's certificate
    (signature,) = report.signatures
    assert (signature.intact, signature.valid, signature.trusted) == (True, True, False)
    assert not report.all_ok


def test_without_a_platform_ca_nothing_is_trusted(seal_a, stranger_ca):
    # given a file signed under the stranger's CA, checked where no platform CA exists yet
    seal_a.certificate_pem = stranger_ca["cert_pem"]
    seal_a.private_key_pem = stranger_ca["key_pem"]
    forged = pdf_sign(pdf=contract_pdf(1), seal=seal_a, field_name="SignatureA", page=0, box=BOX_A)
    PlatformCA.objects.all().delete()
    # then verifying neither trusts it nor makes a CA
    assert not pdf_verify(forged).signatures[0].trusted
    assert not PlatformCA.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "文件不是PDF文档"),
        (b"MZ\x90\x00 not a pdf at all", "文件不是PDF文档"),
        (b"%PDF-1.7\n garbage without objects", "无法读取该PDF文件"),
        (None, "该PDF文件没有电子签名"),
    ],
)
def test_garbage_gives_a_clear_message(content, message):
    report = pdf_verify(contract_pdf(1) if content is None else content)
    assert message in report.message
    assert report.signatures == []
    assert not report.all_ok


def test_a_truncated_signed_file_is_not_ok(signed_by_both):
    report = pdf_verify(signed_by_both[: len(signed_by_both) - 2000])
    assert not report.all_ok


def test_a_revoked_or_expired_seal_cannot_sign(seal_a):
    seal_a.revoked_at = timezone.now()
    with pytest.raises(DomainError, match="已注销"):
        pdf_sign(pdf=contract_pdf(1), seal=seal_a, field_name="S", page=0, box=BOX_A)
    seal_a.revoked_at = None
    seal_a.valid_until = timezone.now() - dt.timedelta(days=1)
    with pytest.raises(DomainError, match="已过期"):
        pdf_sign(pdf=contract_pdf(1), seal=seal_a, field_name="S", page=0, box=BOX_A)


def test_only_the_seals_organization_may_sign_with_it(seal_a, org_a, org_b):
    pdf = contract_pdf(1)
    with pytest.raises(NotFound):
        pdf_sign(actor=org_b.owner, pdf=pdf, seal=seal_a, field_name="S", page=0, box=BOX_A)
    assert pdf_sign(actor=org_a.owner, pdf=pdf, seal=seal_a, field_name="S", page=0, box=BOX_A)


def test_a_signed_field_is_not_signed_again(signed_by_both, seal_a):
    with pytest.raises(DomainError, match="已有签名") as refused:
        pdf_sign(pdf=signed_by_both, seal=seal_a, field_name="SignatureA", page=1, box=BOX_A)
    assert refused.value.status == 409


def test_signing_a_missing_page_or_a_broken_file_is_refused(seal_a):
    with pytest.raises(DomainError, match="签署页不存在"):
        pdf_sign(pdf=contract_pdf(1), seal=seal_a, field_name="S", page=3, box=BOX_A)
    with pytest.raises(DomainError, match="无法读取该PDF文件"):
        pdf_sign(pdf=b"%PDF-1.4 broken", seal=seal_a, field_name="S", page=0, box=BOX_A)
