"""The results picture of a group quiz event: a PNG with the leaderboard and per-question accuracy.

Pure: no Telegram, no database, no clock. The event service passes the numbers and the localized
captions (from templates) in and gets PNG bytes back.

Chinese needs a CJK font that the project installs itself (no apt package, no download at run
time): the ``noto-cjk-sans-otc`` PyPI package ships Noto Sans CJK (SIL OFL 1.1) as one
OpenType collection, and we pick its Simplified Chinese face by name so glyphs take the
mainland forms. Pillow draws; two bar charts do not need matplotlib.

Every string goes through :func:`drawable` before it is drawn: characters the font lacks
(emoji, rare scripts) are dropped, so the picture never shows a tofu box.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_MODULE = "noto_cjk_sans_otc"
"""Import name of the PyPI package ``noto-cjk-sans-otc`` that carries the font."""
FONT_FILE = "NotoSansCJK-Regular.ttc"
FONT_FACE = "Noto Sans CJK SC"
"""The collection holds JP, KR, SC, TC, HK faces; SC has the Simplified Chinese glyph forms."""

WIDTH = 1280
MAX_ROWS = 10
UNNAMED = "?"
"""Shown for a name made only of characters the font lacks (language-neutral on purpose)."""
ELLIPSIS = "…"

# Colours: a calm navy header, white cards, blue bars, one red accent for the hardest question.
BACKGROUND = "#EEF2F7"
HEADER = "#1E3A8A"
HEADER_TEXT = "#FFFFFF"
HEADER_SUBTEXT = "#C7D2FE"
CARD = "#FFFFFF"
STRIPE = "#F6F8FB"
TEXT = "#1F2937"
MUTED = "#6B7280"
GRID = "#E5E7EB"
BAR = "#3B82F6"
HARDEST = "#DC2626"
MEDALS = {1: "#E8A800", 2: "#9AA4B2", 3: "#C27C3A"}
RANK_OTHER = "#E2E8F0"

# Sizes in px. Telegram recompresses photos; nothing smaller than 20 px stays legible.
TITLE_SIZE = 38
SUBTITLE_SIZE = 24
HEADING_SIZE = 28
ROW_SIZE = 24
SMALL_SIZE = 20
MARGIN = 32
PAD = 24
HEADER_H = 112
ROW_H = 40
NAME_MAX_W = 300
PLOT_H = 190
RANK_D = 32
MIN_BAR = 3


class CjkFontMissingError(RuntimeError):
    """The Chinese font package is not installed, so Chinese text cannot be drawn."""


@dataclass(frozen=True, slots=True)
class ChartLabels:
    """Localized captions; the caller renders them from templates (no user text in Python)."""

    leaderboard_heading: str  # e.g. "排行榜 · 前 10 名"
    accuracy_heading: str  # e.g. "每题正确率"
    points_unit: str  # e.g. "分"; "" shows the bare number
    no_answers: str  # e.g. "暂无作答": empty leaderboard, question nobody answered
    hardest: str  # e.g. "最难": legend of the highlighted question


@dataclass(frozen=True, slots=True)
class ResultsPicture:
    """What the picture shows. Only the first 10 leaderboard rows are drawn."""

    title: str
    subtitle: str
    leaderboard: Sequence[tuple[int, str, int]]  # (rank, display name, points)
    question_labels: Sequence[str]
    question_accuracy: Sequence[float | None]  # 0..1; None = nobody answered
    labels: ChartLabels

    def __post_init__(self) -> None:
        if len(self.question_labels) != len(self.question_accuracy):
            raise ValueError(
                f"{len(self.question_labels)} question labels but "
                f"{len(self.question_accuracy)} accuracies"
            )
        for value in self.question_accuracy:
            if value is not None and not 0.0 <= value <= 1.0:  # also rejects NaN
                raise ValueError(f"accuracy must be within 0..1 or None, got {value}")


# --------------------------------------------------------------------------- font


def find_cjk_font(*, module: str = FONT_MODULE, filename: str = FONT_FILE) -> Path:
    """Path of the bundled CJK font collection; raises CjkFontMissingError naming the package."""
    package = module.replace("_", "-")
    hint = f"pip install {package} (a dependency of this project: `pip install -e .`)"
    try:
        path = Path(str(resources.files(module).joinpath(filename)))
    except ModuleNotFoundError:
        raise CjkFontMissingError(
            f"the Chinese font package {package!r} is not installed: {hint}"
        ) from None
    if not path.is_file():
        raise CjkFontMissingError(f"{filename} is missing from the package {package!r}: {hint}")
    return path


@lru_cache(maxsize=1)
def _face_index() -> int:
    """Index of the Simplified Chinese face in the collection (looked up by name, not assumed)."""
    path = find_cjk_font()
    index = 0
    while True:
        try:
            face = ImageFont.truetype(path, 20, index=index)
        except OSError:
            break
        if face.getname()[0] == FONT_FACE:
            return index
        index += 1
    raise CjkFontMissingError(f"{path} has no face named {FONT_FACE!r}")


@lru_cache(maxsize=16)
def cjk_font(size: int) -> ImageFont.FreeTypeFont:
    """The Simplified Chinese face at ``size`` px, with the same (basic) layout everywhere."""
    return ImageFont.truetype(
        find_cjk_font(), size, index=_face_index(), layout_engine=ImageFont.Layout.BASIC
    )


def _glyph_print(char: str) -> tuple[tuple[int, int], bytes]:
    mask = cjk_font(40).getmask(char)
    return mask.size, bytes(mask)


@lru_cache(maxsize=1)
def _notdef_print() -> tuple[tuple[int, int], bytes]:
    # U+10FFFD is a private-use code point no font maps: FreeType draws glyph 0 (the tofu box).
    return _glyph_print(chr(0x10FFFD))


@lru_cache(maxsize=4096)
def has_glyph(char: str) -> bool:
    """True if the font maps ``char`` to a real glyph, i.e. it is not drawn as the tofu box."""
    return _glyph_print(char) != _notdef_print()


def drawable(text: str) -> str:
    """``text`` with every character the font cannot draw removed; whitespace collapsed.

    Line breaks and other control characters become spaces (a name must stay on one line);
    format characters (zero-width joiners, direction marks, variation selectors) and characters
    without a glyph (emoji, scripts the font lacks) are dropped.
    """
    kept: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        category = unicodedata.category(char)
        if char.isspace() or category in ("Cc", "Zl", "Zp"):
            kept.append(" ")
        elif category != "Cf" and has_glyph(char):
            kept.append(char)
    return " ".join("".join(kept).split())


def fit(text: str, font: ImageFont.FreeTypeFont, max_width: float) -> str:
    """``text`` cut at the end with "…" so it is at most ``max_width`` px wide."""
    if font.getlength(text) <= max_width:
        return text
    low, high = 0, len(text)  # the longest prefix that fits with the ellipsis
    while low < high:
        middle = (low + high + 1) // 2
        if font.getlength(text[:middle].rstrip() + ELLIPSIS) <= max_width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS


# --------------------------------------------------------------------------- drawing


def draw_text(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    size: int,
    fill: str,
    *,
    anchor: str = "la",
    max_width: float | None = None,
    bold: bool = False,
) -> float:
    """Draw one line made drawable first, cut with "…" at ``max_width``; returns its width."""
    font = cjk_font(size)
    line = drawable(text)
    if max_width is not None:
        line = fit(line, font, max_width)
    if not line:
        return 0.0
    draw.text(
        xy,
        line,
        font=font,
        fill=fill,
        anchor=anchor,
        stroke_width=1 if bold else 0,
        stroke_fill=fill,
    )
    return font.getlength(line)


class _Canvas:
    """ImageDraw with every string made drawable first: the single place text is drawn."""

    def __init__(self, image: Image.Image) -> None:
        self.draw = ImageDraw.Draw(image)

    def text(
        self,
        xy: tuple[float, float],
        text: str,
        *,
        size: int,
        fill: str,
        anchor: str = "la",
        max_width: float | None = None,
        bold: bool = False,
    ) -> float:
        """Draw one line; returns its width in px."""
        return draw_text(
            self.draw, xy, text, size, fill, anchor=anchor, max_width=max_width, bold=bold
        )

    def box(self, xy: tuple[float, float, float, float], fill: str, radius: float = 0) -> None:
        x0, y0, x1, y1 = xy
        if x1 - x0 < 1 or y1 - y0 < 1:
            return
        radius = min(radius, (x1 - x0) / 2, (y1 - y0) / 2)
        self.draw.rounded_rectangle(xy, radius=radius, fill=fill)


def _points_text(points: int, unit: str) -> str:
    return f"{points:,} {unit}".strip()


def _percent(value: float) -> str:
    return f"{round(value * 100)}%"


def _hardest(accuracy: Sequence[float | None]) -> int | None:
    """Lowest accuracy, ties to the first: the same rule as ``bot.domain.events.summarize``."""
    answered = [(value, index) for index, value in enumerate(accuracy) if value is not None]
    return min(answered)[1] if answered else None


def _leaderboard_height(rows: int) -> int:
    return PAD + HEADING_SIZE + 20 + max(rows, 1) * ROW_H + PAD // 2


def _accuracy_height() -> int:
    return PAD + HEADING_SIZE + 20 + 30 + PLOT_H + 40


def picture_size(picture: ResultsPicture) -> tuple[int, int]:
    """Width and height in px: the height grows with the number of leaderboard rows."""
    rows = min(len(picture.leaderboard), MAX_ROWS)
    height = HEADER_H + MARGIN + _leaderboard_height(rows) + MARGIN + _accuracy_height() + MARGIN
    return WIDTH, height


def _draw_header(canvas: _Canvas, picture: ResultsPicture) -> None:
    canvas.box((0, 0, WIDTH, HEADER_H), HEADER)
    width = WIDTH - 2 * (MARGIN + PAD)
    title_y = 46 if drawable(picture.subtitle) else HEADER_H // 2
    canvas.text(
        (MARGIN + PAD, title_y),
        picture.title,
        size=TITLE_SIZE,
        fill=HEADER_TEXT,
        anchor="lm",
        max_width=width,
        bold=True,
    )
    canvas.text(
        (MARGIN + PAD, 88),
        picture.subtitle,
        size=SUBTITLE_SIZE,
        fill=HEADER_SUBTEXT,
        anchor="lm",
        max_width=width,
    )


def _draw_leaderboard(canvas: _Canvas, picture: ResultsPicture, top: int) -> int:
    rows = list(picture.leaderboard)[:MAX_ROWS]
    left, right = MARGIN, WIDTH - MARGIN
    bottom = top + _leaderboard_height(len(rows))
    canvas.box((left, top, right, bottom), CARD, radius=16)
    heading_y = top + PAD + HEADING_SIZE // 2
    canvas.text(
        (left + PAD, heading_y),
        picture.labels.leaderboard_heading,
        size=HEADING_SIZE,
        fill=TEXT,
        anchor="lm",
        max_width=right - left - 2 * PAD,
        bold=True,
    )
    rows_top = top + PAD + HEADING_SIZE + 20
    if not rows:
        canvas.text(
            ((left + right) / 2, rows_top + ROW_H / 2),
            picture.labels.no_answers,
            size=ROW_SIZE,
            fill=MUTED,
            anchor="mm",
        )
        return bottom

    font = cjk_font(ROW_SIZE)
    names = [fit(drawable(name) or UNNAMED, font, NAME_MAX_W) for _, name, _ in rows]
    name_w = max(font.getlength(name) for name in names)
    points_labels = [
        _points_text(max(points, 0), picture.labels.points_unit) for *_, points in rows
    ]
    points_w = max(font.getlength(label) for label in points_labels)
    rank_x = left + PAD + RANK_D / 2
    name_x = left + PAD + RANK_D + 16
    bar_x = name_x + name_w + 24
    bar_max = right - PAD - points_w - 12 - bar_x
    best = max(max(points, 0) for *_, points in rows)

    for i, ((rank, _, points), name, label) in enumerate(
        zip(rows, names, points_labels, strict=True)
    ):
        y0 = rows_top + i * ROW_H
        cy = y0 + ROW_H / 2
        if i % 2 == 0:
            canvas.box((left + 8, y0, right - 8, y0 + ROW_H), STRIPE, radius=8)
        rank_text = str(rank)
        rank_w = max(RANK_D, cjk_font(SMALL_SIZE).getlength(rank_text) + 14)
        medal = MEDALS.get(rank)
        canvas.box(
            (rank_x - rank_w / 2, cy - RANK_D / 2, rank_x + rank_w / 2, cy + RANK_D / 2),
            medal or RANK_OTHER,
            radius=RANK_D / 2,
        )
        canvas.text(
            (rank_x, cy),
            rank_text,
            size=SMALL_SIZE,
            fill="#FFFFFF" if medal else TEXT,
            anchor="mm",
            bold=medal is not None,
        )
        canvas.text((name_x, cy), name, size=ROW_SIZE, fill=TEXT, anchor="lm")
        length = bar_max * max(points, 0) / best if best > 0 else 0.0
        canvas.box((bar_x, cy - 11, bar_x + length, cy + 11), medal or BAR, radius=6)
        canvas.text((bar_x + length + 12, cy), label, size=ROW_SIZE, fill=TEXT, anchor="lm")
    return bottom


def _draw_accuracy(canvas: _Canvas, picture: ResultsPicture, top: int) -> int:
    labels = picture.labels
    accuracy = list(picture.question_accuracy)
    left, right = MARGIN, WIDTH - MARGIN
    bottom = top + _accuracy_height()
    canvas.box((left, top, right, bottom), CARD, radius=16)
    heading_y = top + PAD + HEADING_SIZE // 2
    heading_w = canvas.text(
        (left + PAD, heading_y),
        labels.accuracy_heading,
        size=HEADING_SIZE,
        fill=TEXT,
        anchor="lm",
        max_width=(right - left) / 2,
        bold=True,
    )

    hardest = _hardest(accuracy)
    if hardest is not None:  # legend, right-aligned in the heading row
        value = accuracy[hardest]
        assert value is not None
        legend = f"{labels.hardest} {picture.question_labels[hardest]} {_percent(value)}"
        legend_max = right - PAD - (left + PAD + heading_w + 40) - 28
        width = canvas.text(
            (right - PAD, heading_y),
            legend,
            size=ROW_SIZE,
            fill=HARDEST,
            anchor="rm",
            max_width=legend_max,
        )
        swatch_x = right - PAD - width - 28
        canvas.box((swatch_x, heading_y - 9, swatch_x + 18, heading_y + 9), HARDEST, radius=4)

    plot_top = top + PAD + HEADING_SIZE + 20 + 30
    baseline = plot_top + PLOT_H
    plot_left, plot_right = left + PAD + 56, right - PAD
    count = len(accuracy)
    if count == 0 or all(value is None for value in accuracy):
        canvas.text(
            ((left + right) / 2, (plot_top + baseline) / 2),
            labels.no_answers,
            size=ROW_SIZE,
            fill=MUTED,
            anchor="mm",
        )
        return bottom

    small = cjk_font(SMALL_SIZE)
    for fraction in (0.0, 0.5, 1.0):
        y = baseline - fraction * PLOT_H
        canvas.box((plot_left, y - 1, plot_right, y + 1), GRID)
        canvas.text(
            (plot_left - 10, y), _percent(fraction), size=SMALL_SIZE, fill=MUTED, anchor="rm"
        )

    slot = (plot_right - plot_left) / count
    bar_w = max(min(slot * 0.62, 72.0), 2.0)
    show_percent = slot >= small.getlength("100%") + 6
    widest_label = max(small.getlength(drawable(text)) for text in picture.question_labels)
    step = max(1, int(-(-(widest_label + 12) // slot)))  # ceil: every step-th label fits
    for i, value in enumerate(accuracy):
        cx = plot_left + slot * (i + 0.5)
        colour = HARDEST if i == hardest else BAR
        if value is None:
            canvas.text((cx, baseline - 6), "–", size=SMALL_SIZE, fill=MUTED, anchor="mb")
        else:
            y = baseline - max(value * PLOT_H, MIN_BAR)  # 0% stays visible, unlike "nobody"
            canvas.box((cx - bar_w / 2, y, cx + bar_w / 2, baseline), colour, radius=4)
            if show_percent or i == hardest:
                half = small.getlength(_percent(value)) / 2
                x = min(max(cx, plot_left + half), plot_right - half)
                canvas.text((x, y - 6), _percent(value), size=SMALL_SIZE, fill=colour, anchor="mb")
        if i % step == 0 or (i == hardest and step == 1):
            canvas.text(
                (cx, baseline + 10),
                picture.question_labels[i],
                size=SMALL_SIZE,
                fill=HARDEST if i == hardest else MUTED,
                anchor="mt",
                max_width=slot * step - 4,
            )
    return bottom


def render_results_image(picture: ResultsPicture) -> Image.Image:
    """The picture as a Pillow image (RGB)."""
    width, height = picture_size(picture)
    image = Image.new("RGB", (width, height), BACKGROUND)
    canvas = _Canvas(image)
    _draw_header(canvas, picture)
    board_bottom = _draw_leaderboard(canvas, picture, HEADER_H + MARGIN)
    _draw_accuracy(canvas, picture, board_bottom + MARGIN)
    return image


def render_results_png(picture: ResultsPicture) -> bytes:
    """The results picture as PNG bytes, ready for ``sendPhoto``."""
    buffer = io.BytesIO()
    render_results_image(picture).save(buffer, format="PNG")
    return buffer.getvalue()
