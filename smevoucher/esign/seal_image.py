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
    side = int(font.size * 2)
    tile = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    ImageDraw.Draw(tile).text((side / 2, side / 2), ch, font=font, fill=RED, anchor="mm")
    return tile.rotate(angle_deg, resample=Image.BICUBIC)


def draw_seal(org_name: str, caption: str = "合同专用章") -> bytes:
    """The seal of ``org_name`` as PNG bytes (square, transparent outside the ring). The
    whole name is drawn, however long: the arc widens and the characters shrink to fit."""
    path, index = cjk_font()
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    c = SIZE / 2
    ring = 14
    draw.ellipse((10, 10, SIZE - 10, SIZE - 10), outline=RED, width=ring)
    _star(draw, c, c, SIZE * 0.13)
    name = "".join(org_name.split()) or "—"
    count = len(name)
    # The name runs clockwise along the upper arc, centred on the top, from lower left.
    span = min(250.0, max(60.0, 21.0 * count))
    outer = SIZE / 2 - 10 - ring - 6  # just inside the ring
    size = 46
    for _attempt in range(40):  # shrink until one character fits its share of the arc
        radius = outer - size * 0.55
        if size <= 14 or radius * math.radians(span) / count >= size * 1.02:
            break
        size -= 2
    radius = outer - size * 0.55
    font = ImageFont.truetype(path, size, index=index)
    for i, ch in enumerate(name):
        angle = -90 - span / 2 + span * (i + 0.5) / count  # degrees, 0 = right, -90 = top
        x = c + radius * math.cos(math.radians(angle))
        y = c + radius * math.sin(math.radians(angle))
        tile = _char(ch, font, -(angle + 90))
        image.alpha_composite(tile, (int(x - tile.width / 2), int(y - tile.height / 2)))
    small = ImageFont.truetype(path, 30, index=index)
    draw.text((c, c + SIZE * 0.24), caption, font=small, fill=RED, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
