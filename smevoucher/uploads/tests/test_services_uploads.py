"""Uploads: PDF, PNG and JPEG proven by their bytes, at most 5 MB, stored under random names,
and seen only by the owner or whom a rule lets see them."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter

from smevoucher.audit.models import AuditRecord
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.uploads import access
from smevoucher.uploads import services as upload_services
from smevoucher.uploads.models import Upload
from smevoucher.uploads.selectors import upload_get_for_actor
from smevoucher.uploads.services import upload_create

pytestmark = pytest.mark.django_db

FIVE_MB = 5 * 1024 * 1024
WRONG_TYPE = "仅支持PDF、JPG、PNG格式的文件"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def image_bytes(image_format: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, image_format)
    return buffer.getvalue()


def _file(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    # the browser's content type is whatever the name suggests: it proves nothing
    return SimpleUploadedFile(name, content, content_type=content_type)


def _stored_files(media_root: Path) -> list[Path]:
    return [p for p in media_root.rglob("*") if p.is_file()]


def _refusal(actor, uploaded) -> DomainError:
    with pytest.raises(DomainError) as refused:
        upload_create(actor=actor, uploaded=uploaded, purpose="license")
    assert refused.value.field == "file"
    return refused.value


# Accepted


@pytest.mark.parametrize(
    ("name", "content", "content_type", "extension"),
    [
        ("营业执照-柳州机械.pdf", pdf_bytes(), "application/pdf", "pdf"),
        ("门头照片.png", image_bytes("PNG"), "image/png", "png"),
        ("法人身份证.jpg", image_bytes("JPEG"), "image/jpeg", "jpg"),
    ],
)
def test_a_real_pdf_png_or_jpeg_is_stored_under_a_random_name(
    enterprise_user, media_root, name, content, content_type, extension
):
    # when a real file is uploaded
    upload = upload_create(actor=enterprise_user, uploaded=_file(name, content), purpose="license")
    # then it is kept with its proven type, under a random name that says nothing of the original
    upload.refresh_from_db()
    assert upload.content_type == content_type
    assert (upload.owner, upload.original_name) == (enterprise_user, name)
    assert re.fullmatch(rf"uploads/\d{{4}}/\d{{2}}/[0-9a-f]{{32}}\.{extension}", upload.file.name)
    assert Path(name).stem not in upload.file.name
    with upload.file.open("rb") as stored:
        kept = stored.read()
    assert upload.size == len(kept)
    if content_type == "application/pdf":
        assert kept == content
    else:  # images are stored re-encoded: the same picture (test_attack_corpus)
        with Image.open(io.BytesIO(kept)) as image, Image.open(io.BytesIO(content)) as sent:
            assert (image.format, image.size) == (sent.format, sent.size)
    assert _stored_files(media_root) == [media_root / upload.file.name]


def test_two_uploads_of_the_same_name_get_different_storage_names(enterprise_user):
    first = upload_create(actor=enterprise_user, uploaded=_file("a.pdf", pdf_bytes()), purpose="x")
    second = upload_create(actor=enterprise_user, uploaded=_file("a.pdf", pdf_bytes()), purpose="x")
    assert first.file.name != second.file.name


def test_the_type_comes_from_the_content_not_the_name(enterprise_user):
    upload = upload_create(
        actor=enterprise_user, uploaded=_file("scan.pdf", image_bytes("PNG")), purpose="license"
    )
    assert upload.content_type == "image/png"
    assert upload.file.name.endswith(".png")


def test_a_file_of_exactly_the_limit_is_accepted(enterprise_user, settings):
    content = pdf_bytes()
    settings.UPLOAD_MAX_BYTES = len(content)
    upload_create(actor=enterprise_user, uploaded=_file("a.pdf", content), purpose="license")


# Refused


def test_the_limit_is_five_megabytes_by_default(settings):
    assert settings.UPLOAD_MAX_BYTES == FIVE_MB


def test_a_file_of_5_mb_and_one_byte_is_refused(enterprise_user, media_root):
    # given a file one byte over 5 MB that starts like a PDF
    content = b"%PDF-1.7\n" + b"0" * (FIVE_MB + 1 - len(b"%PDF-1.7\n"))
    assert len(content) == FIVE_MB + 1
    # when it is uploaded, then it is refused for its size, with nothing stored
    refusal = _refusal(enterprise_user, _file("big.pdf", content))
    assert (refusal.code, refusal.message) == ("upload.too_large", "文件大小不能超过5MB")
    assert _stored_files(media_root) == []


def test_a_file_whose_declared_size_lies_is_measured_while_read(enterprise_user):
    # given an oversized upload that does not declare its size
    uploaded = _file("big.pdf", b"%PDF-1.7\n" + b"0" * FIVE_MB)
    uploaded.size = None
    assert _refusal(enterprise_user, uploaded).code == "upload.too_large"


def test_the_limit_follows_the_setting(enterprise_user, settings):
    content = pdf_bytes()
    settings.UPLOAD_MAX_BYTES = len(content) - 1
    assert _refusal(enterprise_user, _file("a.pdf", content)).code == "upload.too_large"


@pytest.mark.parametrize(
    ("name", "content", "code", "message"),
    [
        (
            "x.pdf",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200,  # a Windows .exe
            "upload.type",
            WRONG_TYPE,
        ),
        (
            "page.html",
            b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
            "upload.type",
            WRONG_TYPE,
        ),
        ("x.pdf", b"<html><script>alert(1)</script></html>", "upload.type", WRONG_TYPE),
        ("x.jpg", image_bytes("GIF"), "upload.type", WRONG_TYPE),  # a real image, not allowed
        ("x.png", b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "upload.type", WRONG_TYPE),
        ("x.pdf", b"", "upload.empty", "文件为空，请重新选择"),
        ("x.pdf", b"%PDF-", "upload.pdf_broken", "PDF文件已损坏或格式不正确"),
        (
            "x.pdf",
            b"%PDF-1.7\n" + b"garbage " * 64,
            "upload.pdf_broken",
            "PDF文件已损坏或格式不正确",
        ),
        (
            "x.pdf",
            b"%PDF-1.4\n<html><script>alert(1)</script></html>",
            "upload.pdf_broken",
            "PDF文件已损坏或格式不正确",
        ),
        ("x.pdf", pdf_bytes()[:200], "upload.pdf_broken", "PDF文件已损坏或格式不正确"),
        (
            "x.png",
            b"\x89PNG\r\n\x1a\n" + b"garbage " * 32,
            "upload.image_broken",
            "图片文件已损坏或格式不正确",
        ),
        ("x.png", image_bytes("PNG")[:60], "upload.image_broken", "图片文件已损坏或格式不正确"),
        (
            "x.jpg",
            b"\xff\xd8\xff" + b"garbage " * 32,
            "upload.image_broken",
            "图片文件已损坏或格式不正确",
        ),
    ],
    ids=[
        "exe-named-pdf",
        "html",
        "html-named-pdf",
        "gif",
        "svg-named-png",
        "empty",
        "bare-pdf-signature",
        "pdf-signature-then-garbage",
        "pdf-signature-then-html",
        "truncated-pdf",
        "png-header-then-garbage",
        "truncated-png",
        "jpeg-header-then-garbage",
    ],
)
def test_anything_but_a_real_pdf_png_or_jpeg_is_refused_in_chinese(
    enterprise_user, media_root, name, content, code, message
):
    # when it is uploaded
    refusal = _refusal(enterprise_user, _file(name, content))
    # then it is refused with a clear reason, and nothing is kept or recorded
    assert (refusal.code, refusal.message) == (code, message)
    assert not Upload.objects.exists()
    assert not AuditRecord.objects.exists()
    assert _stored_files(media_root) == []


def test_a_pdf_without_pages_is_refused(enterprise_user):
    buffer = io.BytesIO()
    PdfWriter().write(buffer)
    assert _refusal(enterprise_user, _file("x.pdf", buffer.getvalue())).code == "upload.pdf_empty"


def test_an_encrypted_pdf_is_refused(enterprise_user):
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt("secret", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    refusal = _refusal(enterprise_user, _file("x.pdf", buffer.getvalue()))
    assert (refusal.code, refusal.message) == (
        "upload.pdf_encrypted",
        "PDF文件已加密，请上传未加密的文件",
    )


def test_a_failed_audit_record_leaves_no_file_behind(enterprise_user, media_root, monkeypatch):
    def broken_audit(**kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(upload_services, "audit_record", broken_audit)
    with pytest.raises(RuntimeError):
        upload_create(
            actor=enterprise_user, uploaded=_file("a.pdf", pdf_bytes()), purpose="license"
        )
    assert not Upload.objects.exists()
    assert _stored_files(media_root) == []


# Who may see an upload


@pytest.fixture
def license_upload(enterprise_user):
    return upload_create(
        actor=enterprise_user, uploaded=_file("营业执照.pdf", pdf_bytes()), purpose="license"
    )


def test_the_owner_gets_the_upload(enterprise_user, license_upload):
    assert upload_get_for_actor(actor=enterprise_user, pk=license_upload.pk) == license_upload


def test_another_users_upload_is_not_found(other_enterprise_user, license_upload):
    with pytest.raises(NotFound) as refused:
        upload_get_for_actor(actor=other_enterprise_user, pk=license_upload.pk)
    assert refused.value.status == 404


def test_another_users_upload_answers_exactly_like_a_missing_one(
    other_enterprise_user, license_upload
):
    with pytest.raises(NotFound) as theirs:
        upload_get_for_actor(actor=other_enterprise_user, pk=license_upload.pk)
    with pytest.raises(NotFound) as missing:
        upload_get_for_actor(actor=other_enterprise_user, pk="00000000-0000-0000-0000-000000000000")
    assert (theirs.value.code, theirs.value.message) == (missing.value.code, missing.value.message)


@pytest.mark.parametrize("pk", ["not-a-uuid", "", "1 OR 1=1"])
def test_a_malformed_id_is_not_found(enterprise_user, pk):
    with pytest.raises(NotFound):
        upload_get_for_actor(actor=enterprise_user, pk=pk)


def test_staff_do_not_see_uploads_without_a_rule(staff_user, license_upload):
    with pytest.raises(NotFound):
        upload_get_for_actor(actor=staff_user, pk=license_upload.pk)


def test_an_anonymous_visitor_gets_nothing(license_upload):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotFound):
        upload_get_for_actor(actor=AnonymousUser(), pk=license_upload.pk)


def test_a_registered_rule_lets_others_see_uploads_of_its_purpose(
    monkeypatch, staff_user, other_enterprise_user, license_upload
):
    # given a rule that lets staff see licenses
    monkeypatch.setitem(access._rules, "license", lambda actor, upload: actor.is_staff)
    # then staff see it, and other enterprises still do not
    assert upload_get_for_actor(actor=staff_user, pk=license_upload.pk) == license_upload
    with pytest.raises(NotFound):
        upload_get_for_actor(actor=other_enterprise_user, pk=license_upload.pk)


def test_a_rule_for_one_purpose_opens_no_other(monkeypatch, staff_user, license_upload):
    monkeypatch.setitem(access._rules, "contract", lambda actor, upload: True)
    with pytest.raises(NotFound):
        upload_get_for_actor(actor=staff_user, pk=license_upload.pk)
