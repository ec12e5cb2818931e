"""Campaign pictures (PNG): a unit's QR poster, a certificate, the organizers' dashboard.

Pure like ``bot.charts``: strings and numbers in (captions come from templates), PNG bytes
out. The same bundled Noto Sans CJK face and colours; every string goes through
``charts.drawable`` so a character the font lacks never shows as a box. QR codes by segno
(pure Python, well kept, no native dependency), drawn at a whole number of pixels per module
so phone cameras read them from a printed poster.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import segno
from PIL import Image, ImageDraw

from bot.charts import (
    BACKGROUND,
    BAR,
    CARD,
    GRID,
    HEADER,
    HEADER_SUBTEXT,
    HEADER_TEXT,
    MUTED,
    TEXT,
)
from bot.charts import draw_text as _text

LATER = "#16A34A"  # the later result beside the baseline (BAR)
GOLD = "#B8860B"


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


# --- QR poster ---------------------------------------------------------------------------------

POSTER_W = 1000
QR_SCALE = 20
QR_BORDER = 4


def qr_poster_png(url: str, unit_name: str, campaign_title: str, scan_hint: str) -> bytes:
    """A square QR code of ``url`` with the unit's name under it, for posters and stands."""
    qr = segno.make(url, error="m", micro=False)
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=QR_SCALE, border=QR_BORDER)
    code = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    if code.width > POSTER_W - 80:
        side = POSTER_W - 80
        code = code.resize((side, side), Image.Resampling.NEAREST)
    height = 140 + code.height + 200
    image = Image.new("RGB", (POSTER_W, height), "#FFFFFF")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, POSTER_W, 110), fill=HEADER)
    _text(draw, (POSTER_W / 2, 55), campaign_title, 40, HEADER_TEXT, anchor="mm",
          max_width=POSTER_W - 60, bold=True)  # fmt: skip
    image.paste(code, ((POSTER_W - code.width) // 2, 130))
    bottom = 130 + code.height
    _text(draw, (POSTER_W / 2, bottom + 60), unit_name, 52, TEXT, anchor="mm",
          max_width=POSTER_W - 60, bold=True)  # fmt: skip
    _text(draw, (POSTER_W / 2, bottom + 135), scan_hint, 32, MUTED, anchor="mm",
          max_width=POSTER_W - 60)  # fmt: skip
    return _png(image)


# --- certificate -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CertificateCard:
    heading: str  # 荣誉证书
    campaign_title: str
    name: str  # the person's name if they chose to show it, else 匿名学员
    body: str
    rows: Sequence[tuple[str, str]]  # (label, value): unit, score, date, code
    verify_hint: str


CERT_W, CERT_H = 1600, 1130


def certificate_png(card: CertificateCard) -> bytes:
    image = Image.new("RGB", (CERT_W, CERT_H), "#FFFDF6")
    draw = ImageDraw.Draw(image)
    draw.rectangle((24, 24, CERT_W - 24, CERT_H - 24), outline=GOLD, width=6)
    draw.rectangle((44, 44, CERT_W - 44, CERT_H - 44), outline=GOLD, width=2)
    width = CERT_W - 240
    _text(draw, (CERT_W / 2, 170), card.heading, 84, GOLD, anchor="mm", max_width=width,
          bold=True)  # fmt: skip
    _text(draw, (CERT_W / 2, 280), card.campaign_title, 44, HEADER, anchor="mm",
          max_width=width)  # fmt: skip
    _text(draw, (CERT_W / 2, 420), card.name, 72, TEXT, anchor="mm", max_width=width,
          bold=True)  # fmt: skip
    draw.line((CERT_W / 2 - 300, 475, CERT_W / 2 + 300, 475), fill=GOLD, width=2)
    _text(draw, (CERT_W / 2, 540), card.body, 36, TEXT, anchor="mm", max_width=width)
    y = 650
    for label, value in card.rows:
        _text(draw, (CERT_W / 2 - 20, y), label, 34, MUTED, anchor="rm")
        _text(draw, (CERT_W / 2 + 20, y), value, 34, TEXT, anchor="lm",
              max_width=CERT_W / 2 - 160, bold=True)  # fmt: skip
        y += 64
    _text(draw, (CERT_W / 2, CERT_H - 100), card.verify_hint, 28, MUTED, anchor="mm",
          max_width=width)  # fmt: skip
    return _png(image)


# --- dashboard ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Dashboard:
    title: str
    subtitle: str
    participation_heading: str
    units: Sequence[tuple[str, float, str]]  # (name, participation rate, "12 / 300")
    days_heading: str
    days: Sequence[tuple[str, int]]  # (label such as "3-15", new participants)
    topics_heading: str
    topics: Sequence[tuple[str, float | None, float | None]]  # (topic, baseline, later)
    baseline_label: str
    later_label: str
    empty: str  # shown in a panel without data


DASH_W = 1280
MARGIN, PAD = 32, 24
UNIT_ROW = 44
PLOT_H = 220


def _card(draw: ImageDraw.ImageDraw, top: int, height: int, heading: str) -> int:
    draw.rounded_rectangle((MARGIN, top, DASH_W - MARGIN, top + height), 16, fill=CARD)
    _text(draw, (MARGIN + PAD, top + PAD + 14), heading, 28, TEXT, anchor="lm", bold=True,
          max_width=DASH_W - 2 * (MARGIN + PAD))  # fmt: skip
    return top + PAD + 50


def _percent(value: float) -> str:
    return f"{round(value * 100)}%"


def dashboard_png(dash: Dashboard) -> bytes:
    units = list(dash.units)[:20]
    units_h = PAD + 50 + max(len(units), 1) * UNIT_ROW + PAD
    plot_h = PAD + 50 + PLOT_H + 60
    height = 112 + MARGIN + units_h + MARGIN + plot_h + MARGIN + plot_h + 40 + MARGIN
    image = Image.new("RGB", (DASH_W, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, DASH_W, 112), fill=HEADER)
    _text(draw, (MARGIN + PAD, 46), dash.title, 38, HEADER_TEXT, anchor="lm", bold=True,
          max_width=DASH_W - 2 * (MARGIN + PAD))  # fmt: skip
    _text(draw, (MARGIN + PAD, 88), dash.subtitle, 24, HEADER_SUBTEXT, anchor="lm",
          max_width=DASH_W - 2 * (MARGIN + PAD))  # fmt: skip

    top = 112 + MARGIN
    y = _card(draw, top, units_h, dash.participation_heading)
    if not units:
        _text(draw, (DASH_W / 2, y + UNIT_ROW / 2), dash.empty, 24, MUTED, anchor="mm")
    name_w = 300
    bar_x = MARGIN + PAD + name_w + 16
    bar_max = DASH_W - MARGIN - PAD - 220 - bar_x
    top_rate = max([rate for _, rate, _ in units] + [1.0])
    for i, (name, rate, count) in enumerate(units):
        cy = y + i * UNIT_ROW + UNIT_ROW / 2
        _text(draw, (MARGIN + PAD, cy), name, 24, TEXT, anchor="lm", max_width=name_w)
        length = bar_max * rate / top_rate
        draw.rounded_rectangle((bar_x, cy - 12, bar_x + max(length, 3), cy + 12), 6, fill=BAR)
        _text(draw, (bar_x + max(length, 3) + 12, cy), f"{_percent(rate)}  {count}", 22,
              TEXT, anchor="lm")  # fmt: skip
    top += units_h + MARGIN

    y = _card(draw, top, plot_h, dash.days_heading)
    _days_plot(draw, dash, y)
    top += plot_h + MARGIN

    y = _card(draw, top, plot_h + 40, dash.topics_heading)
    _topics_plot(draw, dash, y)
    return _png(image)


def _axis(
    draw: ImageDraw.ImageDraw, left: float, right: float, base: float, top_label: str
) -> None:
    draw.line((left, base, right, base), fill=GRID, width=2)
    draw.line((left, base - PLOT_H, right, base - PLOT_H), fill=GRID, width=1)
    _text(draw, (left - 8, base - PLOT_H), top_label, 20, MUTED, anchor="rm")
    _text(draw, (left - 8, base), "0", 20, MUTED, anchor="rm")


def _days_plot(draw: ImageDraw.ImageDraw, dash: Dashboard, y: float) -> None:
    days = list(dash.days)
    left, right = MARGIN + PAD + 60, DASH_W - MARGIN - PAD
    base = y + PLOT_H
    peak = max((n for _, n in days), default=0)
    if peak == 0:
        _text(draw, (DASH_W / 2, y + PLOT_H / 2), dash.empty, 24, MUTED, anchor="mm")
        return
    _axis(draw, left, right, base, str(peak))
    slot = (right - left) / len(days)
    step = max(1, round(90 / slot))  # a date label every ~90 px
    for i, (label, n) in enumerate(days):
        x0 = left + i * slot
        h = PLOT_H * n / peak
        if n:
            draw.rectangle((x0 + slot * 0.1, base - max(h, 2), x0 + slot * 0.9, base), fill=BAR)
        if i % step == 0:
            _text(draw, (x0 + slot / 2, base + 10), label, 18, MUTED, anchor="mt")


def _topics_plot(draw: ImageDraw.ImageDraw, dash: Dashboard, y: float) -> None:
    topics = list(dash.topics)
    left, right = MARGIN + PAD + 60, DASH_W - MARGIN - PAD
    base = y + PLOT_H
    if not topics or all(b is None and a is None for _, b, a in topics):
        _text(draw, (DASH_W / 2, y + PLOT_H / 2), dash.empty, 24, MUTED, anchor="mm")
        return
    _axis(draw, left, right, base, "100%")
    slot = (right - left) / len(topics)
    bar = min(slot * 0.3, 60)
    for i, (name, before, after) in enumerate(topics):
        cx = left + (i + 0.5) * slot
        for offset, value, colour in ((-bar, before, BAR), (0.0, after, LATER)):
            if value is None:
                continue
            h = max(PLOT_H * value, 2)
            draw.rectangle((cx + offset, base - h, cx + offset + bar, base), fill=colour)
            _text(draw, (cx + offset + bar / 2, base - h - 6), _percent(value), 18, colour,
                  anchor="mb")  # fmt: skip
        _text(draw, (cx, base + 10), name, 20, MUTED, anchor="mt", max_width=slot - 8)
    legend_y = base + 52
    for i, (label, colour) in enumerate(((dash.baseline_label, BAR), (dash.later_label, LATER))):
        x = left + i * 200
        draw.rounded_rectangle((x, legend_y - 9, x + 18, legend_y + 9), 4, fill=colour)
        _text(draw, (x + 28, legend_y), label, 22, TEXT, anchor="lm")
