"""The CJK font embedded in generated PDFs and drawn into seal images.

No font is fetched at run time: the first installed candidate is used (Debian's
fonts-wqy-zenhei on our machines, which `.ci/run` installs)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.conf import settings

# (path, index of the face inside a .ttc collection)
CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
    ("/System/Library/Fonts/PingFang.ttc", 0),
    ("C:/Windows/Fonts/simsun.ttc", 0),
)


class FontMissing(RuntimeError):
    pass


@lru_cache(maxsize=1)
def cjk_font() -> tuple[str, int]:
    """(path, face index) of a CJK font; settings.CJK_FONT_PATH wins when set."""
    configured = getattr(settings, "CJK_FONT_PATH", "")
    candidates = ((configured, 0), *CANDIDATES) if configured else CANDIDATES
    for path, index in candidates:
        if Path(path).is_file():
            return path, index
    raise FontMissing("No CJK font found: install fonts-wqy-zenhei (Debian) or set CJK_FONT_PATH")


@lru_cache(maxsize=1)
def reportlab_cjk() -> str:
    """Register the CJK font with reportlab once (embedded as a subset) and name it."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    path, index = cjk_font()
    pdfmetrics.registerFont(TTFont("CJK", path, subfontIndex=index))
    return "CJK"
