"""Scene pictures: every shipped scene drawn at 1080 px, text ≥ 32 px, at most 2160 px tall,
no tofu; links underlined; long threads tighten, and what cannot fit is refused by the validator.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw, ImageFont

from bot import scene_pictures
from bot.charts import cjk_font
from bot.content.loader import load_content
from bot.content.scenes import PICTURE_HEIGHT
from bot.domain.content import Bubble, Question, Scene, SceneKind, Speaker, Text
from bot.render import Renderer
from bot.scene_pictures import (
    MAX_HEIGHT,
    MIN_TEXT_PX,
    SCALE,
    WIDTH,
    SceneLabels,
    SceneTooTallError,
    picture_key,
    render_scene_png,
    scene_height,
    wrap,
)
from tests.content.bankgen import good_scenario, write_bank
from tests.harness import ROOT

TELEGRAM_PHOTO_BYTES = 10 * 1024 * 1024


def labels(lang: str) -> SceneLabels:
    """The labels as the bot renders them from the shipped templates."""
    render = Renderer(ROOT / "content" / "templates")
    keys = ("sms", "today", "chat_input", "incoming_call", "captions", "decline", "accept")
    return SceneLabels(**{key: render.label(lang, f"scene_{key}") for key in keys})


def shipped() -> list[Question]:
    result = load_content([ROOT / "quizzes"])
    assert result.ok
    return [q for q in result.catalog.questions.values() if q.scene is not None]


SHIPPED = shipped()


@dataclass
class Drawn:
    text: str
    size: float  # logical px
    bbox: tuple[float, float, float, float]  # logical px


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[Drawn]:
    """Every string Pillow is asked to draw, with its size and box in the final picture."""
    calls: list[Drawn] = []
    original = ImageDraw.ImageDraw.text

    def spy(self: ImageDraw.ImageDraw, xy: Any, text: Any, *args: Any, **kwargs: Any) -> None:
        font = kwargs["font"]
        assert isinstance(font, ImageFont.FreeTypeFont)
        box = self.textbbox(xy, text, font=font, anchor=kwargs.get("anchor"))
        calls.append(Drawn(str(text), font.size / SCALE, tuple(v / SCALE for v in box)))  # type: ignore[arg-type]
        original(self, xy, text, *args, **kwargs)

    monkeypatch.setattr(ImageDraw.ImageDraw, "text", spy)
    return calls


# An independent glyph check (as in test_charts): a character the font lacks renders as the
# glyph of a private-use code point no font maps.
NOTDEF = chr(0x10FFFD)


def _bitmap(char: str) -> tuple[tuple[int, int], bytes]:
    mask = cjk_font(48).getmask(char)
    return mask.size, bytes(mask)


def font_lacks(char: str) -> bool:
    return _bitmap(char) == _bitmap(NOTDEF)


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    assert image.format == "PNG"
    return image


def test_the_shipped_banks_have_enough_scenes_of_each_kind() -> None:
    kinds = {kind: sum(q.scene.kind is kind for q in SHIPPED if q.scene) for kind in SceneKind}
    assert len(SHIPPED) >= 30
    assert min(kinds.values()) >= 5, kinds


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_shipped_scene_draws_within_the_three_sizes_without_tofu(
    lang: str, drawn: list[Drawn]
) -> None:
    """1080 px wide, at most twice as tall, every string at least 32 px, inside the picture,
    and every character a real glyph; every Chinese character of the scene is drawn."""
    words = labels(lang)
    for question in SHIPPED:
        assert question.scene is not None
        drawn.clear()
        png = render_scene_png(question.scene, lang, words)
        image = decode(png)
        assert image.width == WIDTH, question.id
        assert image.height <= MAX_HEIGHT, question.id
        assert image.height == scene_height(question.scene, lang)
        assert len(png) < TELEGRAM_PHOTO_BYTES
        assert drawn, question.id
        for call in drawn:
            assert call.size >= MIN_TEXT_PX, (question.id, call)
            x0, y0, x1, y1 = call.bbox
            assert -1 <= x0 <= x1 <= WIDTH + 1, (question.id, call)
            assert -1 <= y0 <= y1 <= image.height + 1, (question.id, call)
        texts = "".join(call.text for call in drawn)
        assert {c for c in texts if font_lacks(c)} == set(), question.id
        scene = question.scene
        written = scene.sender.get(lang) + "".join(b.text.get(lang) for b in scene.messages)
        chinese = {c for c in written if unicodedata.name(c, "").startswith("CJK UNIFIED")}
        assert chinese <= set(texts), (question.id, chinese - set(texts))


def test_bubbles_them_left_me_right_and_links_underlined(drawn: list[Drawn]) -> None:
    scene = Scene(
        SceneKind.SMS,
        Text("10690000"),
        (
            Bubble(Speaker.THEM, Text("【某某银行】积分即将清零，请登录 jf-bank.cc 兑换。")),
            Bubble(Speaker.ME, Text("怎么兑换？")),
        ),
        "09:41",
    )
    image = decode(render_scene_png(scene, "zh", labels("zh"))).convert("RGB")
    them = next(c for c in drawn if c.text.startswith("【某某银行】"))
    me = next(c for c in drawn if c.text == "怎么兑换？")
    link = next(c for c in drawn if c.text == "jf-bank.cc")
    assert them.bbox[0] < WIDTH / 4
    assert me.bbox[2] > WIDTH * 3 / 4
    assert {"10690000", "09:41", "今天 09:41", "短信"} <= {c.text for c in drawn}
    # The link is drawn with a line under it, as text (a picture has no buttons anyway).
    background = image.getpixel((round(link.bbox[0]) - 20, round(link.bbox[1]) - 6))
    assert underlined(image, link.bbox, background)
    plain = next(c for c in drawn if c.text.startswith("【"))
    assert not underlined(image, plain.bbox, background)


def underlined(image: Image.Image, bbox: tuple[float, float, float, float], bg: Any) -> bool:
    """A row under the text's middle where (almost) every pixel across the text is ink."""
    x0, y0, x1, y1 = (round(v) for v in bbox)
    for y in range((y0 + y1) // 2, y1 + 14):
        inked = sum(image.getpixel((x, y)) != bg for x in range(x0 + 2, x1 - 2))
        if inked >= 0.9 * (x1 - x0 - 4):
            return True
    return False


def test_a_call_shows_the_number_what_they_say_and_both_buttons(drawn: list[Drawn]) -> None:
    scene = Scene(
        SceneKind.CALL,
        Text("010-8XXX XXXX"),
        (Bubble(Speaker.THEM, Text("这里是公安局，你涉嫌洗钱。", "This is the police.")),),
        "10:26",
    )
    render_scene_png(scene, "en", labels("en"))
    texts = [c.text for c in drawn]
    assert "010-8XXX XXXX" in texts
    assert "This is the police." in texts
    assert {"Incoming call", "Live captions", "Decline", "Accept"} <= set(texts)
    number = next(c for c in drawn if c.text == "010-8XXX XXXX")
    assert number.size >= 46
    assert not any("公安" in text for text in texts)  # the person's language only


def test_a_long_thread_tightens_spacing_then_text_but_never_below_32_px() -> None:
    def thread(chars: int, count: int = 8) -> Scene:
        messages = tuple(
            Bubble(Speaker.ME if i % 2 else Speaker.THEM, Text("测" * chars)) for i in range(count)
        )
        return Scene(SceneKind.CHAT, Text("某某"), messages, "09:00")

    short, long = thread(10, 2), thread(110)
    assert scene_pictures.body_size(short, "zh") == scene_pictures.STYLES[0].body
    assert scene_pictures.body_size(long, "zh") == MIN_TEXT_PX
    assert scene_height(long, "zh") <= MAX_HEIGHT
    with pytest.raises(SceneTooTallError, match="2160"):
        scene_height(thread(300), "zh")


@pytest.mark.parametrize("kind", list(SceneKind))
@pytest.mark.parametrize("count", [1, 2, 8])
def test_a_scene_at_the_validators_text_limit_fits(kind: SceneKind, count: int) -> None:
    """The text version's 1000 characters, all Chinese (the densest), in 1 to 8 messages,
    from the longest sender: the picture still fits with text of at least 32 px."""
    sender = "某" * 40
    head = len(f"短信 · {sender} · 09:00") + count  # line breaks
    per = (1000 - head - 6 * count) // count
    messages = tuple(
        Bubble(Speaker.ME if i % 2 else Speaker.THEM, Text("测" * per)) for i in range(count)
    )
    scene = Scene(kind, Text(sender), messages, "09:00")
    assert scene_height(scene, "zh") <= MAX_HEIGHT


def test_wrapping_keeps_english_words_and_punctuation_with_their_neighbours() -> None:
    font = cjk_font(40)
    lines = wrap("请登录 m-bank-cn.top 完成更新，逾期作废。Please update now.", font, 400)
    joined = ["".join(text for text, _ in line) for line in lines]
    assert all(font.getlength(line) <= 400 for line in joined)
    assert not any(line.startswith(("，", "。")) for line in joined)
    assert any("m-bank-cn.top" in line for line in joined)  # an address is not broken
    links = [text for line in lines for text, link in line if link]
    assert links == ["m-bank-cn.top"]
    assert wrap("第一行\n第二行", font, 400)[1] == (("第二行", False),)


def test_characters_the_font_lacks_are_dropped_not_drawn(drawn: list[Drawn]) -> None:
    scene = Scene(SceneKind.CHAT, Text("王总🦊"), (Bubble(Speaker.THEM, Text("转账\u200b👍")),))
    render_scene_png(scene, "zh", labels("zh"))
    assert {c for call in drawn for c in call.text if font_lacks(c)} == set()
    assert "转账" in [call.text for call in drawn]


def test_the_key_changes_with_anything_drawn_and_nothing_else() -> None:
    scene = SHIPPED[0].scene
    assert scene is not None
    zh = labels("zh")
    key = picture_key(scene, "zh", zh)
    assert key == picture_key(replace(scene), "zh", zh)
    assert len({
        key,
        picture_key(scene, "en", labels("en")),
        picture_key(replace(scene, time="23:59"), "zh", zh),
        picture_key(scene, "zh", replace(zh, accept="接")),
    }) == 4  # fmt: skip
    only_zh = replace(scene, sender=Text(scene.sender.zh))
    assert picture_key(only_zh, "zh", zh) == picture_key(
        replace(only_zh, sender=Text(scene.sender.zh, "ignored in zh")), "zh", zh
    )


def test_the_validator_refuses_a_scene_too_long_to_draw(tmp_path: Path) -> None:
    """Own scenario text (so the text-version limit does not apply), eight messages of many
    short lines: within every text limit, but no picture could hold it."""
    lines = "\\n".join(["好"] * 60)
    scene = (
        "    scene:\n      kind: chat\n      sender:\n        zh: 王总\n        en: Mr Wang\n"
        "      messages:\n"
        + "".join(f'        - text:\n            zh: "{lines}"\n' for _ in range(8))
    )
    question = good_scenario("q1")
    question.extra = scene
    path = write_bank(tmp_path, question)
    problems = [str(p) for p in load_content([path]).problems]
    assert any(
        "the scene is too long to draw as one picture (zh)" in p and f"{PICTURE_HEIGHT} px" in p
        for p in problems
    ), problems
    assert PICTURE_HEIGHT == MAX_HEIGHT
