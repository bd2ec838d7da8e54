"""What an upload really is, judged by its bytes: PDF, PNG or JPEG, and nothing else.

Images are decoded in full and re-encoded: what is stored is only the pixels (orientation
applied, EXIF, text chunks, comments, colour profiles and anything after the image dropped),
so a file that also parses as HTML or a script cannot be stored as one. A file that carries
such extra content is refused rather than silently cleaned (the acceptance asks for the
attack corpus to be refused, and the user then knows the file was not what it seemed): data
after the end of the image, and markup in text chunks, comments or metadata segments.
PDFs are parsed, not rewritten (a rewrite would break their signatures): one that runs
scripts, launches programs or carries embedded files is refused.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, JpegImagePlugin, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from smevoucher.core.errors import DomainError

_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
_PIL_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG"}

NAME_MAX_LENGTH = 200  # Upload.original_name
# HTML or script as a browser would run it; XMP metadata (XML) does not match.
_MARKUP = re.compile(
    rb"<\s*(?:!doctype|html|head|body|script|iframe|frame|object|embed|svg|img|form|meta|"
    rb"link|style|base)\b|<\?php|javascript:",
    re.IGNORECASE,
)
_PADDING = b"\x00\xff\r\n\t "
# Names that make a PDF do something when opened: scripts, launching programs, embedded
# files and rich media. They are looked for as dictionary keys and as name values (/S
# /JavaScript, /Type /EmbeddedFile); pypdf has already decoded #xx escapes in names.
_PDF_ACTIVE = frozenset(
    ["/JS", "/JavaScript", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia"]
)
_PDF_MAX_OBJECTS = 200_000


@dataclass(frozen=True)
class CheckedFile:
    content: bytes  # what is stored: the re-encoded image, or the PDF as uploaded
    content_type: str
    sha256: str
    name: str  # the original name, checked; shown to people, never used as a path


def _refuse(code: str, message: str) -> DomainError:
    return DomainError(code, message, field="file")


def check_upload(uploaded) -> CheckedFile:
    """Read an uploaded file within the size limit and prove its type by parsing it;
    images come back re-encoded."""
    # ``client_name`` is the name as the browser sent it (uploads.handlers); Django's own
    # ``name`` has path parts and control characters already cut away.
    name = check_name(getattr(uploaded, "client_name", None) or getattr(uploaded, "name", None))
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
        stored = content
    else:
        stored = _reencode_image(content, content_type)
    return CheckedFile(
        content=stored,
        content_type=content_type,
        sha256=hashlib.sha256(stored).hexdigest(),
        name=name,
    )


def check_name(name: str | None) -> str:
    """The original file name, or a refusal.

    A name with a path (/, \\, ..) or control characters is refused, not stripped: the
    stored file never takes its name from the user (it gets a random one), so such a name
    only ever comes from a tampered client or a broken tool, and cutting it silently would
    keep a name the user never gave (NUL truncation: "a.pdf\\0.exe").
    """
    if not name:
        return "upload"
    if not all(char.isprintable() for char in name):
        raise _refuse("upload.name_control", _("文件名含有不可见的控制字符，请重命名后上传"))
    if "/" in name or "\\" in name or name.strip() in {".", ".."}:
        raise _refuse("upload.name_path", _("文件名不能包含路径（/、\\或..），请重命名后上传"))
    if len(name) > NAME_MAX_LENGTH:
        raise _refuse(
            "upload.name_long",
            _("文件名不能超过%(count)s个字符，请重命名后上传") % {"count": NAME_MAX_LENGTH},
        )
    return name


def _too_large(limit: int) -> DomainError:
    megabytes = limit / (1024 * 1024)
    return _refuse("upload.too_large", _("文件大小不能超过%(size)sMB") % {"size": f"{megabytes:g}"})


# PDF


def _check_pdf(content: bytes) -> None:
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise _refuse("upload.pdf_encrypted", _("PDF文件已加密，请上传未加密的文件"))
        if len(reader.pages) < 1:
            raise _refuse("upload.pdf_empty", _("PDF文件没有页面"))
        if _pdf_has_active_content(reader):
            raise _refuse(
                "upload.pdf_active",
                _("PDF文件含有脚本、程序启动或内嵌文件，请另存为普通PDF后上传"),
            )
    except DomainError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise _refuse("upload.pdf_broken", _("PDF文件已损坏或格式不正确")) from exc
    # Cheap, not complete: data after the last %%EOF is what a PDF+HTML polyglot appends.
    # (pypdf has refused a file without %%EOF above.) The download view's nosniff and
    # sandbox headers are what keep a PDF from being run as a page.
    if content[content.rfind(b"%%EOF") + 5 :].strip(_PADDING):
        raise _refuse(
            "upload.pdf_trailing_data",
            _("PDF文件末尾含有多余数据，请重新导出后上传"),
        )


def _pdf_has_active_content(reader: PdfReader) -> bool:
    """Walk every object reachable from the trailer (iteratively, each object once)."""
    seen: set[tuple[int, int]] = set()
    stack: list = [reader.trailer]
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            if (node.idnum, node.generation) in seen:
                continue
            seen.add((node.idnum, node.generation))
            if len(seen) > _PDF_MAX_OBJECTS:
                raise _refuse("upload.pdf_complex", _("PDF文件结构过于复杂，请重新导出后上传"))
            node = node.get_object()
        if isinstance(node, DictionaryObject):  # streams too
            for key, value in node.items():
                if key in _PDF_ACTIVE or (isinstance(value, NameObject) and value in _PDF_ACTIVE):
                    return True
                if isinstance(value, (DictionaryObject, ArrayObject, IndirectObject)):
                    stack.append(value)
        elif isinstance(node, ArrayObject):
            stack.extend(
                item
                for item in node
                if isinstance(item, (DictionaryObject, ArrayObject, IndirectObject))
            )
    return False


# Images


def _reencode_image(content: bytes, content_type: str) -> bytes:
    """Decode the whole image and encode its pixels again; refuse what hides extra content."""
    broken = _refuse("upload.image_broken", _("图片文件已损坏或格式不正确"))
    if content_type == "image/png":
        trailing, extras = _png_parts(content, broken)
    else:
        trailing, extras = _jpeg_parts(content, broken)
    if trailing.strip(_PADDING) and not (
        # a phone's second picture (MPF, HDR gain map) follows the first one; dropped below
        content_type == "image/jpeg" and trailing.lstrip(b"\x00").startswith(b"\xff\xd8\xff")
    ):
        raise _trailing_data()
    if any(_MARKUP.search(part) for part in [trailing, *extras]):
        raise _markup()

    pil_format = _PIL_FORMATS[content_type]
    limit = settings.UPLOAD_MAX_IMAGE_PIXELS
    try:
        # The pixel limit is checked from the header, before anything is decoded. Pillow's
        # own DecompressionBombWarning is not turned into an error here: warning filters are
        # process-wide and not thread-safe; this check covers it (and Pillow still raises
        # DecompressionBombError above twice its own limit).
        with Image.open(io.BytesIO(content), formats=[pil_format]) as image:
            if image.format != pil_format:
                raise _refuse("upload.type", _("仅支持PDF、JPG、PNG格式的文件"))
            if image.width * image.height > limit:
                raise _bomb(limit)
            image.load()
            texts = [str(value).encode() for value in getattr(image, "text", {}).values()]
            if any(_MARKUP.search(text) for text in texts):
                raise _markup()
            return _encode_pixels(image, pil_format)
    except DomainError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _bomb(limit) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise broken from exc


def _encode_pixels(image: Image.Image, pil_format: str) -> bytes:
    try:
        clean = ImageOps.exif_transpose(image)
    except Exception:  # an unreadable EXIF block: keep the pixels as they are
        clean = image.copy()
    options = {}
    if pil_format == "PNG":
        if "transparency" in image.info:  # part of the pixels, not metadata
            options["transparency"] = image.info["transparency"]
    else:
        # The source's own quantization: no visible loss from encoding once more.
        quantization = getattr(image, "quantization", None)
        if quantization:
            options["qtables"] = quantization
            sampling = JpegImagePlugin.get_sampling(image)
            if sampling != -1:
                options["subsampling"] = sampling
        else:
            options["quality"] = 90
    clean.info = {}  # Pillow would carry comments, EXIF and profiles over from info
    output = io.BytesIO()
    clean.save(output, pil_format, **options)
    return output.getvalue()


def _png_parts(content: bytes, broken: DomainError) -> tuple[bytes, list[bytes]]:
    """(data after IEND, raw data of each chunk but the image data)."""
    position, extras = 8, []
    while position + 12 <= len(content):
        length = int.from_bytes(content[position : position + 4], "big")
        kind = content[position + 4 : position + 8]
        end = position + 12 + length
        if end > len(content):
            break
        if kind != b"IDAT":
            extras.append(content[position + 8 : position + 8 + length])
        position = end
        if kind == b"IEND":
            return content[position:], extras
    raise broken


def _jpeg_parts(content: bytes, broken: DomainError) -> tuple[bytes, list[bytes]]:
    """(data after EOI, the application and comment segments), walking the markers."""
    position, extras, size = 2, [], len(content)
    while position < size:
        if content[position] != 0xFF:
            raise broken
        while position < size and content[position] == 0xFF:  # fill bytes
            position += 1
        if position >= size:
            break
        marker = content[position]
        position += 1
        if marker == 0xD9:  # EOI
            return content[position:], extras
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # no length
            continue
        length = int.from_bytes(content[position : position + 2], "big")
        if length < 2 or position + length > size:
            raise broken
        if 0xE0 <= marker <= 0xEF or marker == 0xFE:  # APPn, COM
            extras.append(content[position + 2 : position + length])
        position += length
        if marker == 0xDA:  # SOS: entropy-coded data runs to the next real marker
            while True:
                position = content.find(b"\xff", position)
                if position < 0 or position + 1 >= size:
                    raise broken
                following = content[position + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    position += 2
                    continue
                break
    raise broken


def _trailing_data() -> DomainError:
    return _refuse(
        "upload.image_trailing_data",
        _("图片文件含有多余数据（图片结束后还有其他内容），请重新导出后上传"),
    )


def _markup() -> DomainError:
    return _refuse("upload.image_markup", _("图片文件中含有网页或脚本内容，请重新导出后上传"))


def _bomb(limit: int) -> DomainError:
    return _refuse(
        "upload.image_pixels",
        _("图片尺寸过大（超过%(count)s万像素），请缩小后上传") % {"count": f"{limit // 10_000}"},
    )
