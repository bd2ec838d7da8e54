"""The round red seal (公章样式) drawn for an organization: its name along the upper arc, a
five-pointed star in the centre, "合同专用章" below. A transparent PNG, drawn with Pillow
in the installed CJK font."""

from __future__ import annotations

import io
import math

from PIL import Image, ImageDraw, ImageFont

from smevoucher.core.fonts import cjk_font

RED = (200, 22, 29, 255)
SIZE = 400


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, radius: float) -> None:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.38
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    draw.polygon(points, fill=RED)


def _char(ch: str, font, angle_deg: float) -> Image.Image:
    box = font.getbbox(ch)
    tile = Image.new("RGBA", (box[2] + 8, box[3] + 8), (0, 0, 0, 0))
    ImageDraw.Draw(tile).text((4, 4), ch, font=font, fill=RED)
    return tile.rotate(angle_deg, resample=Image.BICUBIC, expand=True)


def draw_seal(org_name: str, caption: str = "合同专用章") -> bytes:
    path, index = cjk_font()
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    c = SIZE / 2
    draw.ellipse((10, 10, SIZE - 10, SIZE - 10), outline=RED, width=14)
    _star(draw, c, c, SIZE * 0.13)
    name = org_name.strip()[:20] or "—"
    size = 44 if len(name) <= 12 else max(26, int(44 * 12 / len(name)))
    font = ImageFont.truetype(path, size, index=index)
    # The name runs clockwise along the upper arc, from lower left to lower right.
    span = min(240.0, 18.0 * len(name) + 40)
    radius = SIZE / 2 - 14 - size * 0.85
    for i, ch in enumerate(name):
        angle = -90 - span / 2 + (span * (i + 0.5) / len(name))  # degrees, 0 = right
        x = c + radius * math.cos(math.radians(angle))
        y = c + radius * math.sin(math.radians(angle))
        tile = _char(ch, font, -(angle + 90))
        image.alpha_composite(tile, (int(x - tile.width / 2), int(y - tile.height / 2)))
    small = ImageFont.truetype(path, 30, index=index)
    width = draw.textlength(caption, font=small)
    draw.text((c - width / 2, c + SIZE * 0.2), caption, font=small, fill=RED)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
