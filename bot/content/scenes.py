"""Checks for a question's ``scene``: its shape, and that the picture font can draw it all.

The picture is drawn with the bundled Noto Sans CJK font (``bot.charts``); a character the font
lacks (an emoji, a rare symbol, a zero-width space) would come out as an empty box, so the
validator refuses it with its position instead.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator

from bot.content.rules import Finding
from bot.content.schema import SceneModel, TextModel
from bot.domain.content import Bubble, Scene, SceneKind, Speaker, Text, scene_text
from bot.domain.limits import SCENARIO, tg_len

MAX_MESSAGES = 8
MESSAGE_CHARS = 300
SENDER_CHARS = 40
PICTURE_HEIGHT = 2160
"""Twice the picture's width (``bot.scene_pictures.MAX_HEIGHT``; a test keeps them equal)."""
ALLOWED_CONTROLS = frozenset("\n")
"""Line breaks inside a bubble are drawn as new lines; other control characters are refused."""

GlyphTest = Callable[[str], bool]


def _font_has_glyph() -> GlyphTest:
    from bot.charts import has_glyph  # Pillow and the font: only when a scene is checked

    return has_glyph


def _picture_fits(scene: Scene, lang: str) -> bool:
    from bot.scene_pictures import fits  # Pillow and the font: only when a scene is checked

    return fits(scene, lang)


def _texts(scene: SceneModel) -> Iterator[tuple[tuple[int | str, ...], str, TextModel]]:
    yield ("scene", "sender"), "scene sender", scene.sender
    for index, bubble in enumerate(scene.messages):
        yield ("scene", "messages", index, "text"), f"scene message {index + 1}", bubble.text


def _undrawable(text: str, has_glyph: GlyphTest) -> list[str]:
    bad: dict[str, None] = {}
    for char in text:
        if char in ALLOWED_CONTROLS or char == " ":
            continue
        if not has_glyph(char):
            bad.setdefault(char, None)
    return list(bad)


def _show(chars: list[str]) -> str:
    """Visible characters quoted with their code; invisible ones (marks, spaces) by code only."""
    shown = ", ".join(
        f"'{c}' (U+{ord(c):04X})" if unicodedata.category(c)[0] in "LNPS" else f"U+{ord(c):04X}"
        for c in chars[:5]
    )
    return shown + (f" and {len(chars) - 5} more" if len(chars) > 5 else "")


def check(
    scene: SceneModel, name: str, *, has_scenario: bool, has_glyph: GlyphTest | None = None
) -> list[Finding]:
    """Shape and drawing problems of a scene (text limits are the loader's ``_check_text``)."""
    found: list[Finding] = []
    count = len(scene.messages)
    if not 1 <= count <= MAX_MESSAGES:
        found.append(
            Finding(
                ("scene", "messages"),
                "error",
                f"{name}: a scene has 1 to {MAX_MESSAGES} messages, not {count}",
                key=True,
            )
        )
    glyph = has_glyph or _font_has_glyph()
    for loc, label, text in _texts(scene):
        for lang, value in (("zh", text.zh), ("en", text.en)):
            if not value:
                continue
            bad = _undrawable(value, glyph)
            if bad:
                found.append(
                    Finding(
                        (*loc, lang),
                        "error",
                        f"{name}: {label} ({lang}) has {_show(bad)}, which the picture font "
                        "cannot draw: write it in words or plain characters",
                    )
                )
    if not has_scenario and count and not found:
        domain = to_domain(scene)
        for lang in ("zh", "en"):
            length = tg_len(scene_text(domain, lang))
            if length > SCENARIO:
                found.append(
                    Finding(
                        ("scene",),
                        "error",
                        f"{name}: the scene's text version ({lang}) is {length} characters; "
                        f"the limit is {SCENARIO}: shorten the messages or write a shorter "
                        "'scenario'",
                        key=True,
                    )
                )
    if 1 <= count <= MAX_MESSAGES and not found:
        found.extend(_too_tall(to_domain(scene), name))
    return found


def _too_tall(scene: Scene, name: str) -> list[Finding]:
    """The picture must fit twice its width with text no smaller than the renderer's floor."""
    for lang in ("zh", "en"):
        if not _picture_fits(scene, lang):
            message = (
                f"{name}: the scene is too long to draw as one picture ({lang}): even with "
                f"the smallest text it would be taller than {PICTURE_HEIGHT} px; shorten the "
                "messages or use fewer line breaks"
            )
            return [Finding(("scene",), "error", message, key=True)]
    return []


def _text(model: TextModel) -> Text:
    en = model.en.strip() if model.en else None
    return Text(zh=model.zh.strip(), en=en or None)


def to_domain(scene: SceneModel) -> Scene:
    return Scene(
        kind=SceneKind(scene.kind),
        sender=_text(scene.sender),
        # A bubble keeps its inner line breaks: one message may hold several lines.
        messages=tuple(Bubble(Speaker(b.speaker), _text(b.text)) for b in scene.messages),
        time=scene.time,
    )
