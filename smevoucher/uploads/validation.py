"""What an upload really is, judged by its bytes: PDF, PNG or JPEG, and nothing else."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from smevoucher.core.errors import DomainError

_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
_PIL_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG"}


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str
    sha256: str


def _refuse(code: str, message: str) -> DomainError:
    return DomainError(code, message, field="file")


def check_upload(uploaded) -> CheckedFile:
    """Read an uploaded file within the size limit and prove its type by parsing it."""
    limit = settings.UPLOAD_MAX_BYTES
    size = getattr(uploaded, "size", None)
    if size is not None and size > limit:
        raise _too_large(limit)
    buffer = io.BytesIO()
    for chunk in uploaded.chunks():
        buffer.write(chunk)
        if buffer.tell() > limit:
            raise _too_large(limit)
    content = buffer.getvalue()
    if not content:
        raise _refuse("upload.empty", _("文件为空，请重新选择"))

    content_type = next((kind for magic, kind in _SIGNATURES if content.startswith(magic)), None)
    if content_type is None:
        raise _refuse("upload.type", _("仅支持PDF、JPG、PNG格式的文件"))
    if content_type == "application/pdf":
        _check_pdf(content)
    else:
        _check_image(content, content_type)
    return CheckedFile(
        content=content, content_type=content_type, sha256=hashlib.sha256(content).hexdigest()
    )


def _too_large(limit: int) -> DomainError:
    megabytes = limit / (1024 * 1024)
    return _refuse("upload.too_large", _("文件大小不能超过%(size)sMB") % {"size": f"{megabytes:g}"})


def _check_pdf(content: bytes) -> None:
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise _refuse("upload.pdf_encrypted", _("PDF文件已加密，请上传未加密的文件"))
        if len(reader.pages) < 1:
            raise _refuse("upload.pdf_empty", _("PDF文件没有页面"))
    except DomainError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise _refuse("upload.pdf_broken", _("PDF文件已损坏或格式不正确")) from exc


def _check_image(content: bytes, content_type: str) -> None:
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.format != _PIL_FORMATS[content_type]:
                raise _refuse("upload.type", _("仅支持PDF、JPG、PNG格式的文件"))
            image.verify()
    except DomainError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise _refuse("upload.image_broken", _("图片文件已损坏或格式不正确")) from exc
