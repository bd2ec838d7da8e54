"""The upload attack corpus, sent the way an attacker would: a hand-built multipart body
(so the file name is exactly what the client sends) to the JSON API and to a web form.
Every attack is refused with its Chinese reason and leaves nothing behind; real files pass,
and images are stored re-encoded."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image, PngImagePlugin
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from smevoucher.accounts.services import api_token_create
from smevoucher.audit.models import AuditRecord
from smevoucher.providers.models import Provider
from smevoucher.uploads.models import Upload

pytestmark = pytest.mark.django_db

FIVE_MB = 5 * 1024 * 1024
BOUNDARY = "corpus-7MA4YWxkTrZu0gW"
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


# Building the files


def png(size=(64, 48), **save_options) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG", **save_options)
    return buffer.getvalue()


def jpeg(size=(64, 48), **save_options) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(buffer, "JPEG", **save_options)
    return buffer.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int, height: int) -> bytes:
    """A real, decodable black 1-bit PNG: a few KB that decode to width x height pixels."""
    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", data)
        + _png_chunk(b"IEND", b"")
    )


def png_with_text(key: str, value: str, *, compressed: bool = False) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text(key, value, zip=compressed)
    return png(pnginfo=info)


def _pdf(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    return _pdf(writer)


def pdf_opening_with_javascript() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_open_action(JavaScript("app.alert('x');"))
    return _pdf(writer)


def pdf_launching_a_program() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.root_object[NameObject("/OpenAction")] = DictionaryObject(
        {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")}
    )
    return _pdf(writer)


def pdf_with_a_javascript_link() -> bytes:
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("1")}
    )
    link = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([]),
            NameObject("/A"): action,
        }
    )
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    return _pdf(writer)


def pdf_with_an_embedded_file() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment("发票.exe", b"MZ\x90\x00" + b"\x00" * 60)
    return _pdf(writer)


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200


# Sending them


def multipart(fields: dict, files: list[tuple[str, str, bytes]]) -> bytes:
    """A multipart body with the file names written as given, not cleaned by the client."""
    parts = []
    for name, values in fields.items():
        for value in values if isinstance(values, list) else [values]:
            parts.append(
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                + str(value).encode()
                + b"\r\n"
            )
    for field, filename, content in files:
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field}"; filename="'.encode()
            + filename.encode()
            + b'"\r\nContent-Type: application/octet-stream\r\n\r\n'
            + content
            + b"\r\n"
        )
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def post(client, url: str, body: bytes, **extra):
    return client.generic(
        "POST", url, body, content_type=f"multipart/form-data; boundary={BOUNDARY}", **extra
    )


@pytest.fixture
def via_api(client, enterprise_user):
    """Send one file to POST /api/v1/uploads; answer (status, code or None, message or None)."""
    _token, key = api_token_create(actor=enterprise_user)

    def send(filename: str, content: bytes):
        body = multipart({"purpose": "license"}, [("file", filename, content)])
        response = post(client, "/api/v1/uploads", body, headers={"Authorization": f"Bearer {key}"})
        answer = response.json()
        return response.status_code, answer.get("code"), answer.get("message")

    return send


@pytest.fixture
def provider_applicant(make_program, make_org):
    """A certified organization that may apply to become a provider of a program."""
    return make_org("柳州市智造服务有限公司"), make_program()


@pytest.fixture
def via_web(client, provider_applicant):
    """Send one file as a qualification document of the provider application form
    (申请入驻平台); answer (status, page text)."""
    org, program = provider_applicant
    client.force_login(org.owner)
    url = reverse("providers:apply", args=[program.pk])
    fields = {
        "categories": ["企业诊断"],
        "intro": "为中小企业提供诊断咨询服务。",
        "contact_phone": "0772-2861234",
        "address": "柳州市城中区文昌路1号",
        "working_hours": "周一至周五 9:00-17:00",
    }

    def send(filename: str, content: bytes, *, letter: bytes | None = None):
        files = [("qualifications", filename, content)]
        if letter is not None:
            files.append(("commitment_letter", "承诺书.pdf", letter))
        response = post(client, url, multipart(fields, files))
        return response.status_code, response.content.decode()

    return send


def _stored_files(media_root: Path) -> list[Path]:
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


def assert_nothing_kept(media_root: Path) -> None:
    assert not Upload.objects.exists()
    assert not AuditRecord.objects.filter(action="upload.created").exists()
    assert not Provider.objects.exists()
    assert _stored_files(media_root) == []


# The corpus: (filename, content, code, message)

WRONG_TYPE = "仅支持PDF、JPG、PNG格式的文件"
TRAILING = "图片文件含有多余数据（图片结束后还有其他内容），请重新导出后上传"
MARKUP = "图片文件中含有网页或脚本内容，请重新导出后上传"
BOMB = "图片尺寸过大（超过4000万像素），请缩小后上传"
PDF_ACTIVE = "PDF文件含有脚本、程序启动或内嵌文件，请另存为普通PDF后上传"
NAME_PATH = "文件名不能包含路径（/、\\或..），请重命名后上传"
NAME_CONTROL = "文件名含有不可见的控制字符，请重命名后上传"

CORPUS = {
    "png+html-after-iend": ("门头照片.png", png() + HTML, "upload.image_trailing_data", TRAILING),
    "png+html-in-text-chunk": (
        "门头照片.png",
        png_with_text("Comment", HTML.decode()),
        "upload.image_markup",
        MARKUP,
    ),
    "png+html-in-compressed-text-chunk": (
        "门头照片.png",
        png_with_text("Description", HTML.decode(), compressed=True),
        "upload.image_markup",
        MARKUP,
    ),
    "jpeg+html-after-eoi": (
        "法人身份证.jpg",
        jpeg() + HTML,
        "upload.image_trailing_data",
        TRAILING,
    ),
    "jpeg+html-in-comment": (
        "法人身份证.jpg",
        jpeg(comment=HTML),
        "upload.image_markup",
        MARKUP,
    ),
    "exe-named-pdf": ("营业执照.pdf", EXE, "upload.type", WRONG_TYPE),
    "elf-named-pdf": ("营业执照.pdf", ELF, "upload.type", WRONG_TYPE),
    "html-named-png": ("照片.png", HTML, "upload.type", WRONG_TYPE),
    "pdf+html-after-eof": (
        "营业执照.pdf",
        pdf() + HTML,
        "upload.pdf_trailing_data",
        "PDF文件末尾含有多余数据，请重新导出后上传",
    ),
    "pdf-javascript-on-open": (
        "营业执照.pdf",
        pdf_opening_with_javascript(),
        "upload.pdf_active",
        PDF_ACTIVE,
    ),
    "pdf-javascript-escaped-name": (
        "营业执照.pdf",
        pdf_opening_with_javascript().replace(b"/JavaScript", b"/J#61vaScript"),
        "upload.pdf_active",
        PDF_ACTIVE,
    ),
    "pdf-javascript-link": (
        "营业执照.pdf",
        pdf_with_a_javascript_link(),
        "upload.pdf_active",
        PDF_ACTIVE,
    ),
    "pdf-launch": ("营业执照.pdf", pdf_launching_a_program(), "upload.pdf_active", PDF_ACTIVE),
    "pdf-embedded-exe": (
        "营业执照.pdf",
        pdf_with_an_embedded_file(),
        "upload.pdf_active",
        PDF_ACTIVE,
    ),
    "5mb-and-one-byte": (
        "营业执照.pdf",
        b"%PDF-1.7\n" + b"0" * (FIVE_MB + 1 - len(b"%PDF-1.7\n")),
        "upload.too_large",
        "文件大小不能超过5MB",
    ),
    "decompression-bomb-400-megapixels": (
        "照片.png",
        png_bomb(20_000, 20_000),
        "upload.image_pixels",
        BOMB,
    ),
    "decompression-bomb-49-megapixels": (
        "照片.png",
        png_bomb(7_000, 7_000),
        "upload.image_pixels",
        BOMB,
    ),
    "name-with-nul": ("营业执照.pdf\x00.exe", pdf(), "upload.name_control", NAME_CONTROL),
    "name-with-right-to-left-override": (
        "invoice\u202efdp.exe",
        pdf(),
        "upload.name_control",
        NAME_CONTROL,
    ),
    "name-with-escape-sequence": ("\x1b[2J.png", png(), "upload.name_control", NAME_CONTROL),
    "name-with-dot-dot-slash": ("../../etc/passwd.png", png(), "upload.name_path", NAME_PATH),
    "name-with-dot-dot-backslash": (
        "..\\..\\windows\\win.ini.png",
        png(),
        "upload.name_path",
        NAME_PATH,
    ),
    "absolute-posix-name": ("/etc/cron.d/x.pdf", pdf(), "upload.name_path", NAME_PATH),
    "absolute-windows-name": ("C:\\Users\\a\\x.pdf", pdf(), "upload.name_path", NAME_PATH),
    "name-over-200-characters": (
        "营" * 197 + ".pdf",
        pdf(),
        "upload.name_long",
        "文件名不能超过200个字符，请重命名后上传",
    ),
}


@pytest.mark.parametrize(("filename", "content", "code", "message"), CORPUS.values(), ids=CORPUS)
def test_the_api_refuses_each_attack_with_its_reason_and_keeps_nothing(
    via_api, media_root, filename, content, code, message
):
    # when the attack file is posted to the upload API
    status, answered_code, answered_message = via_api(filename, content)
    # then it is refused with the reason in Chinese, and nothing is stored or recorded
    assert (status, answered_code, answered_message) == (400, code, message)
    assert_nothing_kept(media_root)


@pytest.mark.parametrize(("filename", "content", "code", "message"), CORPUS.values(), ids=CORPUS)
def test_the_web_form_refuses_each_attack_with_its_reason_and_keeps_nothing(
    via_web, media_root, filename, content, code, message
):
    # when the attack file is sent as a qualification document of the application form
    status, page = via_web(filename, content, letter=pdf())
    # then the form comes back with the reason, and no application or file is kept
    assert status == 400
    assert message in page
    assert_nothing_kept(media_root)


def test_a_bad_name_among_several_files_is_refused(client, enterprise_user, media_root):
    # given two files under one field, the second with a path in its name
    _token, key = api_token_create(actor=enterprise_user)
    body = multipart(
        {"purpose": "license"}, [("file", "a.png", png()), ("file", "../b.png", png())]
    )
    # when posted, the API takes the last one (as the field's single value), by its own name
    response = post(client, "/api/v1/uploads", body, headers={"Authorization": f"Bearer {key}"})
    assert (response.status_code, response.json()["code"]) == (400, "upload.name_path")
    assert_nothing_kept(media_root)


def test_the_pixel_limit_follows_the_setting(via_api, settings, media_root):
    settings.UPLOAD_MAX_IMAGE_PIXELS = 64 * 48 - 1
    status, code, message = via_api("照片.png", png())
    assert (status, code) == (400, "upload.image_pixels")
    assert message == "图片尺寸过大（超过0万像素），请缩小后上传"
    settings.UPLOAD_MAX_IMAGE_PIXELS = 64 * 48
    assert via_api("照片.png", png())[0] == 201


# Real files pass, images stored re-encoded


def _stored(upload: Upload) -> bytes:
    with upload.file.open("rb") as stored:
        return stored.read()


@pytest.mark.parametrize(
    ("filename", "content", "content_type"),
    [
        ("营业执照 (副本).v2.pdf", pdf(), "application/pdf"),
        ("门头照片.png", png(), "image/png"),
        ("法人身份证.jpg", jpeg(), "image/jpeg"),
    ],
)
def test_real_files_are_accepted_through_the_api_and_the_form(
    via_api, via_web, media_root, filename, content, content_type
):
    status, _code, _message = via_api(filename, content)
    assert status == 201
    upload = Upload.objects.get()
    assert (upload.original_name, upload.content_type) == (filename, content_type)
    stored = _stored(upload)
    assert upload.sha256 == hashlib.sha256(stored).hexdigest()
    assert upload.size == len(stored)
    assert _stored_files(media_root) == [media_root / upload.file.name]

    status, _page = via_web(filename, content, letter=pdf())
    assert status == 302
    assert Provider.objects.get().qualifications.get().original_name == filename


def test_a_pdf_is_stored_as_uploaded(via_api):
    content = pdf()
    via_api("营业执照.pdf", content)
    assert _stored(Upload.objects.get()) == content


def test_a_jpeg_is_stored_without_exif_and_upright(via_api):
    # given a photo 64 wide and 48 high, taken rotated (orientation 6), with camera and GPS data
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to show
    exif[0x010F] = "CanonSecretMake"
    exif[0x8825] = {2: (22.0, 48.0, 0.0)}  # GPS latitude
    status, _code, _message = via_api("现场照片.jpg", jpeg(exif=exif.tobytes()))
    assert status == 201
    # then what is stored is the picture turned upright, and nothing else
    stored = _stored(Upload.objects.get())
    assert b"Exif" not in stored
    assert b"CanonSecretMake" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert image.size == (48, 64)
        assert dict(image.getexif()) == {}


def test_a_png_is_stored_without_its_text_chunks(via_api):
    status, _code, _message = via_api("扫描件.png", png_with_text("Author", "张三 13500001111"))
    assert status == 201
    stored = _stored(Upload.objects.get())
    assert b"tEXt" not in stored
    assert "张三".encode() not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (64, 48)
        assert image.getpixel((10, 10)) == (200, 30, 30)


def test_a_transparent_png_keeps_its_transparency(via_api):
    buffer = io.BytesIO()
    Image.new("RGBA", (8, 8), (0, 0, 0, 0)).save(buffer, "PNG")
    assert via_api("印章.png", buffer.getvalue())[0] == 201
    with Image.open(io.BytesIO(_stored(Upload.objects.get()))) as image:
        assert image.mode == "RGBA"
        assert image.getpixel((1, 1)) == (0, 0, 0, 0)


def test_a_jpeg_followed_by_a_second_picture_is_stored_as_one_picture(via_api):
    # given a phone photo that carries a second picture after the first (MPF, HDR gain map)
    status, _code, _message = via_api("手机照片.jpg", jpeg() + jpeg(size=(8, 8)))
    # then it is accepted, and only the first picture is kept
    assert status == 201
    stored = _stored(Upload.objects.get())
    assert stored.count(b"\xff\xd8\xff") == 1
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (64, 48)
