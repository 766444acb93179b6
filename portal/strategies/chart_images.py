"""The strategy's charts as PNG images for the Word export, drawn with Pillow from the same
geometry the pages' SVG uses (`charts.Chart`), and a bar of evidence coverage per level."""

from __future__ import annotations

from io import BytesIO

from PIL import Image, ImageDraw, ImageFont

from portal.strategies.charts import Chart

SCALE = 3  # drawn at three times the SVG size, so that it prints sharply
INK = (27, 31, 36)
MUTED = (74, 85, 96)
LINE = (201, 209, 217)
BRAND = (0, 48, 94)
TARGET = (29, 107, 47)
BASELINE = (138, 59, 0)
TRACK = (230, 234, 238)


# Fonts with the Norwegian letters (Debian's fonts-dejavu-core, or Liberation). Pillow's own
# default font has no å, æ or ø.
FONTS = ("DejaVuSans.ttf", "LiberationSans-Regular.ttf")


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for name in FONTS:
        try:
            return ImageFont.truetype(name, size * SCALE)
        except OSError:
            continue
    return ImageFont.load_default(size=size * SCALE)


def _png(image: Image.Image) -> bytes:
    out = BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _dashed(draw: ImageDraw.ImageDraw, x1: float, x2: float, y: float, fill, width: int) -> None:
    x = x1
    while x < x2:
        draw.line([(x, y), (min(x + 6 * SCALE, x2), y)], fill=fill, width=width)
        x += 10 * SCALE


def indicator_png(chart: Chart, target_label: str) -> bytes:
    """Measurements against the baseline and the target line, with a progress bar below."""
    s = SCALE
    image = Image.new("RGB", (chart.width * s, (chart.height + 22) * s), "white")
    draw = ImageDraw.Draw(image)
    plot = {k: v * s for k, v in chart.plot.items()}
    small = _font(10)
    draw.line(
        [(plot["left"], plot["bottom"]), (plot["right"], plot["bottom"])], fill=MUTED, width=s
    )
    draw.line([(plot["left"], plot["top"]), (plot["left"], plot["bottom"])], fill=MUTED, width=s)
    for y, label in chart.y_ticks:
        draw.text((plot["left"] - 4 * s, y * s), label, fill=MUTED, font=small, anchor="rm")
    for x, label, anchor in chart.x_ticks:
        pil_anchor = {"start": "la", "middle": "ma", "end": "ra"}.get(anchor, "ma")
        draw.text((x * s, plot["bottom"] + 6 * s), label, fill=MUTED, font=small, anchor=pil_anchor)
    if chart.baseline_y is not None:
        draw.line([(plot["left"], chart.baseline_y * s), (plot["right"], chart.baseline_y * s)],
                  fill=BASELINE, width=s)  # fmt: skip
    _dashed(draw, plot["left"], plot["right"], chart.target_y * s, TARGET, 2 * s)
    draw.text((plot["right"], chart.target_y * s - 3 * s), target_label, fill=TARGET,
              font=small, anchor="rb")  # fmt: skip
    points = [(p.x * s, p.y * s) for p in chart.points]
    if len(points) > 1:
        draw.line(points, fill=BRAND, width=2 * s, joint="curve")
    for x, y in points:
        r = 4 * s
        draw.ellipse([(x - r, y - r), (x + r, y + r)], fill=BRAND)
    bar_y = (chart.height + 6) * s
    draw.rounded_rectangle([(plot["left"], bar_y), (plot["right"], bar_y + 10 * s)], 5 * s,
                           fill=TRACK)  # fmt: skip
    if chart.bar_width > 0:
        right = plot["left"] + chart.bar_width * s
        draw.rounded_rectangle([(plot["left"], bar_y), (right, bar_y + 10 * s)], 5 * s,
                               fill=TARGET if chart.reached else BRAND)  # fmt: skip
    return _png(image)


def coverage_png(rows: list[tuple[str, int, int]]) -> bytes:
    """One bar per level of the strategy ("Delmål", "Område" …): goals with cases of all."""
    s = SCALE
    label_width, bar_width, row_height = 150, 260, 30
    size = ((label_width + bar_width + 70) * s, (len(rows) * row_height + 10) * s)
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = _font(12)
    for i, (label, covered, total) in enumerate(rows):
        y = (5 + i * row_height) * s
        draw.text((0, y + 10 * s), label, fill=INK, font=font, anchor="lm")
        left = label_width * s
        draw.rounded_rectangle([(left, y + 2 * s), (left + bar_width * s, y + 18 * s)], 4 * s,
                               fill=TRACK)  # fmt: skip
        if total and covered:
            filled = left + round(bar_width * covered / total) * s
            draw.rounded_rectangle([(left, y + 2 * s), (filled, y + 18 * s)], 4 * s, fill=BRAND)
        draw.text((left + (bar_width + 8) * s, y + 10 * s), f"{covered} / {total}", fill=INK,
                  font=font, anchor="lm")  # fmt: skip
    return _png(image)
