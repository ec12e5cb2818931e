"""Scene pictures: an SMS thread, a chat or an incoming call, drawn from a question's ``scene``.

Pure like ``bot.charts``: a domain :class:`~bot.domain.content.Scene`, a language and the
localized labels (from templates) in, PNG bytes out. The same bundled Noto Sans CJK face
(``charts.cjk_font``); a character the font lacks is dropped, never drawn as a box (the
validator refuses such characters first, so nothing is lost in shipped content).

The look is neutral on purpose: no real app's colours, icons or layout details. Links are
drawn as underlined text (a picture is never clickable anyway). Everything is laid out in
logical pixels, 1080 wide, and painted at twice that size, then scaled down, so curves are
smooth. Body text is at least :data:`MIN_TEXT_PX`; a long thread first gets tighter spacing,
then smaller text down to that floor, and a scene that still does not fit in
:data:`MAX_HEIGHT` is refused (:class:`SceneTooTallError`; the validator reports it).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from math import ceil

from PIL import Image, ImageDraw, ImageFont

from bot.charts import cjk_font, fit, has_glyph
from bot.domain.content import Scene, SceneKind, Speaker

RENDERER_VERSION = 1
"""Part of every picture's key: bump it when the drawing changes, so cached uploads renew."""

WIDTH = 1080
MAX_HEIGHT = 2 * WIDTH
MIN_TEXT_PX = 32
SCALE = 2
"""Painted at this multiple and scaled down (antialiased shapes); text sizes are logical px."""

# Neutral colours (the project's chart palette family, not any messenger's).
INK = "#111827"
MUTED = "#6B7280"
LINE = "#E5E7EB"
WHITE = "#FFFFFF"
LINK_ON_LIGHT = "#1D4ED8"
SMS_BG = "#FFFFFF"
SMS_THEM = "#E8EAEE"
SMS_ME = "#2563EB"
CHAT_BG = "#ECEFF4"
CHAT_THEM = "#FFFFFF"
CHAT_ME = "#CFE0FF"
AVATAR = "#94A3B8"
AVATAR_FACE = "#E2E8F0"
AVATAR_COLOURS = ("#0EA5E9", "#8B5CF6", "#F59E0B", "#10B981", "#EF4444", "#6366F1")
CALL_TOP = "#0B1224"
CALL_BOTTOM = "#1E293B"
CALL_TEXT = "#F8FAFC"
CALL_MUTED = "#94A3B8"
CALL_SAID = "#26324A"
CALL_REPLY = "#1E4FBF"
DECLINE = "#DC2626"
ACCEPT = "#16A34A"


class SceneTooTallError(ValueError):
    """Even the tightest layout with :data:`MIN_TEXT_PX` text is taller than MAX_HEIGHT."""


@dataclass(frozen=True, slots=True)
class SceneLabels:
    """The few words a picture shows besides the scene; the caller renders them from templates.

    Each is drawn on one line (cut with "…" if it is too long), so they never change the
    picture's height: the validator measures a scene without them.
    """

    sms: str  # 短信: under the sender of an SMS thread, and in its empty input field
    today: str  # 今天: before the time of an SMS thread
    chat_input: str  # 发消息: the empty input field of a chat
    incoming_call: str  # 来电
    captions: str  # 通话字幕: the heading above what the caller says
    decline: str  # 拒绝
    accept: str  # 接听


MEASURE_LABELS = SceneLabels("", "", "", "", "", "", "")


@dataclass(frozen=True, slots=True)
class _Style:
    """One density of layout; :data:`STYLES` go from roomy to tight."""

    body: int  # bubble text px
    line: float  # line height as a multiple of ``body``
    pad_x: int
    pad_y: int
    gap: int  # between bubbles
    margin: int
    bubble: float  # widest bubble, as a share of the width
    title: int  # the sender's name px
    roomy: bool  # an avatar in the header, room around the time stamp
    avatars: bool = True  # a chat's avatars beside its bubbles


STYLES = (
    _Style(44, 1.45, 34, 22, 26, 40, 0.78, 46, True),
    _Style(40, 1.42, 30, 20, 22, 36, 0.80, 44, True),
    _Style(36, 1.38, 28, 18, 18, 32, 0.84, 40, True),
    _Style(34, 1.34, 26, 16, 14, 28, 0.88, 38, False),
    _Style(32, 1.30, 24, 14, 12, 24, 0.92, 36, False),
    _Style(32, 1.25, 20, 10, 8, 20, 0.96, 36, False, avatars=False),
)


# --------------------------------------------------------------------------- text


LINK = re.compile(
    r"(?:https?://)?(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?::\d+)?(?:/[A-Za-z0-9\-._~%/?#=&+]*)?",
    re.ASCII,
)
"""Web addresses as editors write them (jf-bank.cc, http://x.cn/a): drawn underlined."""

OPENING = frozenset("（([{【《〈「『“‘")
CLOSING = frozenset("）)]}】》〉」』”’，。、；：！？,.;:!?…%％·")
"""Kept with the next / the previous character: a line never starts with ，or ends with （."""

Run = tuple[str, bool]  # text, is a link
Line = tuple[Run, ...]


def clean(text: str) -> str:
    """NFC text with the characters the font lacks dropped; line breaks and spaces kept."""
    kept = []
    for char in unicodedata.normalize("NFC", text):
        if char == "\n" or char == " ":
            kept.append(char)
        elif char.isspace():
            kept.append(" ")
        elif unicodedata.category(char) not in ("Cc", "Cf") and has_glyph(char):
            kept.append(char)
    return "".join(kept)


def _link_mask(text: str) -> list[bool]:
    mask = [False] * len(text)
    for match in LINK.finditer(text):
        if any(c.isalpha() for c in match.group()):
            for i in range(match.start(), match.end()):
                mask[i] = True
    return mask


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _units(chars: Sequence[tuple[str, bool]]) -> list[list[tuple[str, bool]]]:
    """Unbreakable pieces: a Latin word (with its trailing spaces), or one wide character;
    opening punctuation joins the next piece, closing punctuation the previous one."""
    units: list[list[tuple[str, bool]]] = []
    current: list[tuple[str, bool]] = []
    pending_open: list[tuple[str, bool]] = []

    def close() -> None:
        nonlocal current
        if current:
            units.append(current)
            current = []

    for item in chars:
        char = item[0]
        if char == " ":
            if current:
                current.append(item)
            elif units:
                units[-1].append(item)
            continue
        if char in CLOSING and not pending_open:
            if current and current[-1][0] != " ":
                current.append(item)
            elif units and not current:
                units[-1].append(item)
            else:
                current.append(item)
            continue
        if char in OPENING:
            close()
            pending_open.append(item)
            continue
        if _wide(char):
            close()
            units.append([*pending_open, item])
            pending_open = []
            continue
        if current and current[-1][0] == " ":
            close()
        if pending_open:
            current = [*pending_open, *current]
            pending_open = []
        current.append(item)
    close()
    if pending_open:
        units.append(pending_open)
    return units


def _runs(chars: Sequence[tuple[str, bool]]) -> Line:
    runs: list[Run] = []
    for char, link in chars:
        if runs and runs[-1][1] == link:
            runs[-1] = (runs[-1][0] + char, link)
        else:
            runs.append((char, link))
    return tuple(runs)


def _strip(chars: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    while chars and chars[-1][0] == " ":
        chars.pop()
    while chars and chars[0][0] == " ":
        chars.pop(0)
    return chars


def _text_of(chars: Sequence[tuple[str, bool]]) -> str:
    return "".join(char for char, _ in chars)


@lru_cache(maxsize=16384)
def _length(size: int, text: str) -> float:
    """Width of ``text`` at ``size`` px; pieces repeat a lot (one per Chinese character)."""
    return cjk_font(size).getlength(text)


def _split_wide(
    unit: list[tuple[str, bool]], size: int, max_width: float
) -> list[list[tuple[str, bool]]]:
    """A unit wider than a line (a long address) cut between characters."""
    if _length(size, _text_of(unit).rstrip()) <= max_width:
        return [unit]
    pieces: list[list[tuple[str, bool]]] = [[]]
    for item in unit:
        if pieces[-1] and _length(size, _text_of([*pieces[-1], item]).rstrip()) > max_width:
            pieces.append([])
        pieces[-1].append(item)
    return pieces


def wrap(text: str, font: ImageFont.FreeTypeFont, max_width: float) -> list[Line]:
    """Lines of runs no wider than ``max_width``: Chinese breaks between characters, English
    between words (a word longer than a line between characters), links keep their mark.

    Widths are summed piece by piece (each measured once), so a long scene lays out fast
    enough for the validator.
    """
    size = int(font.size)
    text = clean(text)
    mask = _link_mask(text)
    lines: list[Line] = []
    start = 0
    for paragraph in text.split("\n"):
        chars = list(zip(paragraph, mask[start : start + len(paragraph)], strict=True))
        start += len(paragraph) + 1
        current: list[tuple[str, bool]] = []
        width = 0.0  # of ``current`` with its trailing spaces
        for whole in _units(chars):
            for unit in _split_wide(whole, size, max_width):
                unit_text = _text_of(unit)
                trimmed = _length(size, unit_text.rstrip())
                if current and width + trimmed > max_width:
                    lines.append(_runs(_strip(current)))
                    current, width = [], 0.0
                current.extend(unit)
                width += _length(size, unit_text)
        lines.append(_runs(_strip(current)))
    return lines


def line_width(line: Line, font: ImageFont.FreeTypeFont) -> float:
    return _length(int(font.size), "".join(text for text, _ in line))


# --------------------------------------------------------------------------- surfaces


XY = tuple[float, float]
Rect = tuple[float, float, float, float]


class _Surface:
    """Where a layout goes. This base draws nothing: laying a scene out on it only measures
    (the validator's check and the choice of style); :class:`_Painter` draws for real."""

    def box(
        self,
        rect: Rect,
        fill: str | None,
        radius: float = 0,
        outline: str | None = None,
        width: int = 0,
    ) -> None:
        return None

    def circle(self, cx: float, cy: float, radius: float, fill: str) -> None:
        return None

    def line(self, points: Sequence[XY], fill: str, width: float) -> None:
        return None

    def text(
        self,
        xy: XY,
        text: str,
        size: int,
        fill: str,
        *,
        anchor: str = "lm",
        max_width: float | None = None,
        bold: bool = False,
    ) -> None:
        return None

    def runs(self, x: float, y: float, line: Line, size: int, fill: str, link: str) -> None:
        return None

    def avatar(self, cx: float, cy: float, radius: float, back: str, face: str) -> None:
        return None

    def handset(self, cx: float, cy: float, size: float, fill: str, *, down: bool) -> None:
        return None


def _s(value: float) -> float:
    return value * SCALE


class _Painter(_Surface):
    """ImageDraw at :data:`SCALE`: every coordinate and size is given in logical px."""

    def __init__(self, image: Image.Image) -> None:
        self.image = image
        self.draw = ImageDraw.Draw(image)

    def box(
        self,
        rect: Rect,
        fill: str | None,
        radius: float = 0,
        outline: str | None = None,
        width: int = 0,
    ) -> None:
        x0, y0, x1, y1 = rect
        self.draw.rounded_rectangle(
            (_s(x0), _s(y0), _s(x1), _s(y1)),
            radius=_s(min(radius, (x1 - x0) / 2, (y1 - y0) / 2)),
            fill=fill,
            outline=outline,
            width=width * SCALE,
        )

    def circle(self, cx: float, cy: float, radius: float, fill: str) -> None:
        self.draw.ellipse(
            (_s(cx - radius), _s(cy - radius), _s(cx + radius), _s(cy + radius)), fill
        )

    def line(self, points: Sequence[XY], fill: str, width: float) -> None:
        scaled = [(_s(x), _s(y)) for x, y in points]
        self.draw.line(scaled, fill=fill, width=round(_s(width)), joint="curve")
        for x, y in (scaled[0], scaled[-1]):  # round ends
            r = _s(width) / 2
            self.draw.ellipse((x - r, y - r, x + r, y + r), fill)

    def text(
        self,
        xy: XY,
        text: str,
        size: int,
        fill: str,
        *,
        anchor: str = "lm",
        max_width: float | None = None,
        bold: bool = False,
    ) -> None:
        """One line of plain text, cut with "…" at ``max_width``."""
        font = cjk_font(size * SCALE)
        line = " ".join(clean(text).split())
        if max_width is not None:
            line = fit(line, font, _s(max_width))
        if line:
            self.draw.text(
                (_s(xy[0]), _s(xy[1])),
                line,
                font=font,
                fill=fill,
                anchor=anchor,
                stroke_width=SCALE if bold else 0,
                stroke_fill=fill,
            )

    def runs(self, x: float, y: float, line: Line, size: int, fill: str, link: str) -> None:
        """One wrapped line, its vertical middle at ``y``; links in ``link`` and underlined."""
        font = cjk_font(size * SCALE)
        for text, is_link in line:
            colour = link if is_link else fill
            self.draw.text((_s(x), _s(y)), text, font=font, fill=colour, anchor="lm")
            width = _length(size, text)
            if is_link:
                under = y + size * 0.62
                self.draw.line(
                    [(_s(x), _s(under)), (_s(x + width), _s(under))],
                    fill=colour,
                    width=round(_s(max(2.0, size / 16))),
                )
            x += width

    def avatar(self, cx: float, cy: float, radius: float, back: str, face: str) -> None:
        """A generic person: head and shoulders inside a circle."""
        size = round(_s(radius * 2))
        layer = Image.new("RGB", (size, size), back)
        draw = ImageDraw.Draw(layer)
        r = size / 2
        draw.ellipse((r - r * 0.36, r * 0.38, r + r * 0.36, r * 1.1), fill=face)
        draw.ellipse((r - r * 0.72, r * 1.22, r + r * 0.72, r * 2.6), fill=face)
        mask = Image.new("L", (size, size), 0)
        ImageDraw.Draw(mask).ellipse((0, 0, size - 1, size - 1), fill=255)
        self.image.paste(layer, (round(_s(cx - radius)), round(_s(cy - radius))), mask)

    def handset(self, cx: float, cy: float, size: float, fill: str, *, down: bool) -> None:
        """A phone handset from shapes: a curved grip with two round ends; level for
        "decline", tilted for "accept"."""
        half = size / 2
        if down:
            ends = ((cx - half, cy + size * 0.08), (cx + half, cy + size * 0.08))
            bend = (cx, cy - size * 0.24)
        else:
            ends = ((cx - half * 0.75, cy - half * 0.6), (cx + half * 0.75, cy + half * 0.6))
            bend = (cx - size * 0.2, cy + size * 0.2)
        self.line([_bezier(ends[0], bend, ends[1], i / 16) for i in range(17)], fill, size * 0.2)
        for x, y in ends:
            self.circle(x, y, size * 0.16, fill)

    def gradient(self, top: str, bottom: str) -> None:
        """A vertical gradient over the whole picture."""
        (r0, g0, b0), (r1, g1, b1) = _rgb(top), _rgb(bottom)
        height = self.image.height
        for y in range(height):
            t = y / max(height - 1, 1)
            colour = (
                round(r0 + (r1 - r0) * t),
                round(g0 + (g1 - g0) * t),
                round(b0 + (b1 - b0) * t),
            )
            self.draw.line([(0, y), (self.image.width, y)], fill=colour)


def _rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _bezier(a: XY, b: XY, c: XY, t: float) -> XY:
    u = 1 - t
    return (
        u * u * a[0] + 2 * u * t * b[0] + t * t * c[0],
        u * u * a[1] + 2 * u * t * b[1] + t * t * c[1],
    )


# --------------------------------------------------------------------------- layout

STATUS_H = 72


def _status_bar(s: _Surface, time: str | None, fill: str) -> None:
    """The clock (the scene's time), signal bars and a battery: a phone, but no brand's."""
    if time:
        s.text((48, STATUS_H / 2), time, 32, fill, bold=True)
    x = WIDTH - 48 - 58
    s.box((x, 24, x + 52, 48), None, radius=7, outline=fill, width=3)
    s.box((x + 6, 30, x + 38, 42), fill, radius=3)
    s.box((x + 54, 31, x + 59, 41), fill, radius=2)
    for i in range(4):
        bar_x = x - 70 + i * 14
        s.box((bar_x, 40 - i * 5, bar_x + 9, 48), fill, radius=2)


def _chevron(s: _Surface, x: float, y: float, fill: str) -> None:
    s.line([(x + 16, y - 22), (x, y), (x + 16, y + 22)], fill, 5)


def _bubble(
    s: _Surface,
    text: str,
    style: _Style,
    *,
    top: float,
    left: float,
    right: float,
    widest: float,
    me: bool,
    colours: tuple[str, str, str],
    whole_row: bool = False,
) -> float:
    """A bubble of wrapped text against ``left`` (them) or ``right`` (me), at most ``widest``
    wide (``whole_row``: exactly that wide). Returns its bottom."""
    fill, ink, link = colours
    font = cjk_font(style.body)
    lines = wrap(text, font, widest - 2 * style.pad_x)
    text_w = max((line_width(line, font) for line in lines), default=0.0)
    w = widest if whole_row else max(text_w + 2 * style.pad_x, style.body * 2)
    line_h = style.body * style.line
    h = len(lines) * line_h + 2 * style.pad_y
    x = right - w if me else left
    s.box((x, top, x + w, top + h), fill, radius=min(style.body * 0.8, h / 2))
    for i, line in enumerate(lines):
        y = top + style.pad_y + (i + 0.5) * line_h
        s.runs(x + style.pad_x, y, line, style.body, ink, link)
    return top + h


def _sms(s: _Surface, scene: Scene, lang: str, labels: SceneLabels, style: _Style) -> float:
    _status_bar(s, scene.time, INK)
    y = STATUS_H + 8.0
    if style.roomy:
        s.avatar(WIDTH / 2, y + 48, 48, AVATAR, AVATAR_FACE)
        _chevron(s, 40, y + 60, LINK_ON_LIGHT)
        y += 96 + 14
    else:
        _chevron(s, 40, y + style.title * 0.7, LINK_ON_LIGHT)
    y += style.title * 0.7
    s.text((WIDTH / 2, y), scene.sender.get(lang), style.title, INK, anchor="mm",
           max_width=WIDTH - 240, bold=True)  # fmt: skip
    y += style.title * 0.7 + 26
    s.text((WIDTH / 2, y), labels.sms, 32, MUTED, anchor="mm", max_width=WIDTH - 240)
    y += 30
    s.box((0, y, WIDTH, y + 2), LINE)
    y += 2 + (36 if style.roomy else 20)
    if scene.time:
        stamp = f"{labels.today} {scene.time}".strip()
        s.text((WIDTH / 2, y + 16), stamp, 32, MUTED, anchor="mm", max_width=WIDTH - 80)
        y += 32 + (30 if style.roomy else 18)
    m = style.margin
    for bubble in scene.messages:
        me = bubble.speaker is Speaker.ME
        colours = (SMS_ME, WHITE, WHITE) if me else (SMS_THEM, INK, LINK_ON_LIGHT)
        y = _bubble(s, bubble.text.get(lang), style, top=y, left=m, right=WIDTH - m,
                    widest=(WIDTH - 2 * m) * style.bubble, me=me, colours=colours)  # fmt: skip
        y += style.gap
    y += (48 if style.roomy else 28) - style.gap
    s.box((0, y - 1, WIDTH, y + 1), LINE)
    s.box((m, y + 18, WIDTH - m, y + 86), None, radius=34, outline=LINE, width=2)
    s.text((m + 32, y + 52), labels.sms, 32, MUTED, max_width=WIDTH - 2 * m - 64)
    return y + 104


def _initial(name: str) -> str:
    """The first letter or character of a chat's name, shown in its avatar."""
    for char in clean(name):
        if char.isalnum():
            return char.upper()
    return ""


def _chat(s: _Surface, scene: Scene, lang: str, labels: SceneLabels, style: _Style) -> float:
    sender = scene.sender.get(lang)
    header_h = STATUS_H + (112 if style.roomy else 88)
    middle = STATUS_H + (header_h - STATUS_H) / 2
    s.box((0, 0, WIDTH, header_h), WHITE)
    _status_bar(s, scene.time, INK)
    _chevron(s, 40, middle, INK)
    s.text((WIDTH / 2, middle), sender, style.title, INK, anchor="mm", max_width=WIDTH - 260,
           bold=True)  # fmt: skip
    for i in range(3):  # a menu: three dots
        s.circle(WIDTH - 90 + i * 18, middle, 5, INK)
    s.box((0, header_h - 2, WIDTH, header_h), LINE)
    y = header_h + (36.0 if style.roomy else 20.0)
    if scene.time:
        half = _length(32, scene.time) / 2 + 20
        s.box((WIDTH / 2 - half, y, WIDTH / 2 + half, y + 48), "#DDE2EA", radius=24)
        s.text((WIDTH / 2, y + 24), scene.time, 32, MUTED, anchor="mm")
        y += 48 + (30 if style.roomy else 18)
    radius = (40 if style.roomy else 34) if style.avatars else 0
    m = style.margin
    beside = 2 * radius + 16 if radius else 0
    left, right = m + beside, WIDTH - m - beside
    initial = _initial(sender)
    colour = AVATAR_COLOURS[sum(map(ord, sender)) % len(AVATAR_COLOURS)]
    for bubble in scene.messages:
        me = bubble.speaker is Speaker.ME
        if radius and me:
            s.avatar(WIDTH - m - radius, y + radius, radius, AVATAR, AVATAR_FACE)
        elif radius:
            s.circle(m + radius, y + radius, radius, colour)
            s.text((m + radius, y + radius), initial, round(radius * 0.95), WHITE, anchor="mm")
        colours = (CHAT_ME if me else CHAT_THEM, INK, LINK_ON_LIGHT)
        widest = min((WIDTH - 2 * m) * style.bubble, right - left)
        y = _bubble(s, bubble.text.get(lang), style, top=y, left=left, right=right,
                    widest=widest, me=me, colours=colours)  # fmt: skip
        y += style.gap
    y += (48 if style.roomy else 28) - style.gap
    s.box((0, y, WIDTH, y + 112), WHITE)
    s.box((0, y, WIDTH, y + 2), LINE)
    s.box((m, y + 22, WIDTH - m - 90, y + 90), CHAT_BG, radius=16)
    s.text((m + 28, y + 56), labels.chat_input, 32, MUTED, max_width=WIDTH - 2 * m - 150)
    plus_x = WIDTH - m - 36
    s.circle(plus_x, y + 56, 34, "#C3CAD5")
    s.line([(plus_x - 14, y + 56), (plus_x + 14, y + 56)], WHITE, 5)
    s.line([(plus_x, y + 42), (plus_x, y + 70)], WHITE, 5)
    return y + 112


def _call(s: _Surface, scene: Scene, lang: str, labels: SceneLabels, style: _Style) -> float:
    _status_bar(s, scene.time, CALL_TEXT)
    y = STATUS_H + (56.0 if style.roomy else 32.0)
    s.text((WIDTH / 2, y), labels.incoming_call, 34, CALL_MUTED, anchor="mm",
           max_width=WIDTH - 120)  # fmt: skip
    y += 40
    if style.avatars:
        radius = 84 if style.roomy else 60
        s.avatar(WIDTH / 2, y + radius, radius, "#334155", "#94A3B8")
        y += 2 * radius + 28
    number_size = 60 if style.roomy else 52 if style.avatars else 46
    number_h = number_size * 1.3
    for line in wrap(scene.sender.get(lang), cjk_font(number_size), WIDTH - 160):
        text = "".join(part for part, _ in line)
        s.text((WIDTH / 2, y + number_h / 2), text, number_size, CALL_TEXT, anchor="mm",
               bold=True)  # fmt: skip
        y += number_h
    y += 56 if style.roomy else 32
    m = style.margin
    s.text((m + 8, y), labels.captions, 32, CALL_MUTED, max_width=WIDTH - 2 * m)
    y += 36
    for bubble in scene.messages:  # what the caller says, as subtitles; a reply on the right
        me = bubble.speaker is Speaker.ME
        widest = (WIDTH - 2 * m) * (style.bubble if me else 1.0)
        colours = (CALL_REPLY if me else CALL_SAID, CALL_TEXT, CALL_TEXT)
        y = _bubble(s, bubble.text.get(lang), style, top=y, left=m, right=WIDTH - m,
                    widest=widest, me=me, colours=colours, whole_row=not me)  # fmt: skip
        y += style.gap
    y += (80 if style.roomy else 44) - style.gap
    radius = 76 if style.roomy else 64 if style.avatars else 54
    cy = y + radius
    for cx, colour, label, down in (
        (WIDTH * 0.27, DECLINE, labels.decline, True),
        (WIDTH * 0.73, ACCEPT, labels.accept, False),
    ):
        s.circle(cx, cy, radius, colour)
        s.handset(cx, cy, radius * 0.9, WHITE, down=down)
        s.text((cx, cy + radius + 36), label, 32, CALL_TEXT, anchor="mm", max_width=WIDTH * 0.4)
    return cy + radius + 56 + (64 if style.roomy else 36)


Layout = Callable[[_Surface, Scene, str, SceneLabels, _Style], float]
_KINDS: dict[SceneKind, Layout] = {
    SceneKind.SMS: _sms,
    SceneKind.CHAT: _chat,
    SceneKind.CALL: _call,
}
_BACKGROUNDS = {SceneKind.SMS: SMS_BG, SceneKind.CHAT: CHAT_BG, SceneKind.CALL: CALL_TOP}


def _height(scene: Scene, lang: str, labels: SceneLabels, style: _Style) -> int:
    return ceil(_KINDS[scene.kind](_Surface(), scene, lang, labels, style))


def _style(scene: Scene, lang: str) -> tuple[_Style, int]:
    """The roomiest style whose picture fits :data:`MAX_HEIGHT`, and that height."""
    height = 0
    for style in STYLES:
        height = _height(scene, lang, MEASURE_LABELS, style)
        if height <= MAX_HEIGHT:
            return style, height
    raise SceneTooTallError(
        f"the picture would be {height} px tall with {MIN_TEXT_PX} px text; "
        f"at most {MAX_HEIGHT} px fit"
    )


@lru_cache(maxsize=1024)
def fits(scene: Scene, lang: str) -> bool:
    """Whether the picture fits :data:`MAX_HEIGHT` with the tightest style (the validator's
    check: one layout, not all of them)."""
    return _height(scene, lang, MEASURE_LABELS, STYLES[-1]) <= MAX_HEIGHT


def scene_height(scene: Scene, lang: str) -> int:
    """The picture's height in px; raises :class:`SceneTooTallError` if it cannot fit."""
    return _style(scene, lang)[1]


def body_size(scene: Scene, lang: str) -> int:
    """The px size of the bubbles' text in the picture (at least :data:`MIN_TEXT_PX`)."""
    return _style(scene, lang)[0].body


def render_scene_image(scene: Scene, lang: str, labels: SceneLabels) -> Image.Image:
    """The picture (RGB, :data:`WIDTH` wide, at most :data:`MAX_HEIGHT` tall)."""
    style, height = _style(scene, lang)
    image = Image.new("RGB", (WIDTH * SCALE, height * SCALE), _BACKGROUNDS[scene.kind])
    painter = _Painter(image)
    if scene.kind is SceneKind.CALL:
        painter.gradient(CALL_TOP, CALL_BOTTOM)
    _KINDS[scene.kind](painter, scene, lang, labels, style)
    return image.reduce(SCALE)  # a box filter: each pixel the mean of its SCALE x SCALE block


def render_scene_png(scene: Scene, lang: str, labels: SceneLabels) -> bytes:
    """The picture as PNG bytes, ready for ``sendPhoto``."""
    buffer = io.BytesIO()
    render_scene_image(scene, lang, labels).save(buffer, format="PNG")
    return buffer.getvalue()


def picture_key(scene: Scene, lang: str, labels: SceneLabels) -> str:
    """What identifies a picture: everything drawn, the language and the renderer's version.

    Two questions with the same scene share one picture (and one upload); any change of a
    word, a label or the drawing gives a new key.
    """
    drawn = {
        "v": RENDERER_VERSION,
        "lang": lang,
        "kind": scene.kind.value,
        "sender": scene.sender.get(lang),
        "time": scene.time,
        "messages": [(b.speaker.value, b.text.get(lang)) for b in scene.messages],
        "labels": asdict(labels),
    }
    data = json.dumps(drawn, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()
