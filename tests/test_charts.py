"""The results picture: a valid PNG of the right size, Chinese without tofu, edge cases."""

from __future__ import annotations

import io
import math
import unicodedata
from dataclasses import dataclass, replace
from typing import Any

import pytest
from PIL import Image, ImageDraw, ImageFont

from bot import charts
from bot.charts import (
    ChartLabels,
    CjkFontMissingError,
    ResultsPicture,
    cjk_font,
    drawable,
    find_cjk_font,
    fit,
    has_glyph,
    picture_size,
    render_results_png,
)

TELEGRAM_PHOTO_BYTES = 10 * 1024 * 1024
TELEGRAM_PHOTO_SIDES = 10_000  # width + height

ZH = ChartLabels(
    leaderboard_heading="排行榜 · 前 10 名",
    accuracy_heading="每题正确率",
    points_unit="分",
    no_answers="暂无作答",
    hardest="最难",
)
EN = ChartLabels(
    leaderboard_heading="Leaderboard · top 10",
    accuracy_heading="Accuracy per question",
    points_unit="pts",
    no_answers="No answers",
    hardest="Hardest",
)
NAMES = [
    "王小明",
    "李华 Lily",
    "张伟",
    "陈静",
    "欧阳娜娜",
    "赵敏",
    "Zhou Jielun 周",
    "孙悟空",
    "老年人防骗志愿者",
    "吴",
]


def sample(**changes: Any) -> ResultsPicture:
    picture = ResultsPicture(
        title="3·15 反诈知识竞赛 · 结果",
        subtitle="电信网络诈骗 · 10 题 · 23 人参加",
        leaderboard=[
            (rank, name, 10_000 - 900 * rank) for rank, name in enumerate(NAMES, start=1)
        ],
        question_labels=[f"第{i}题" for i in range(1, 11)],
        question_accuracy=[0.91, 0.74, 0.35, 0.87, 0.65, 1.0, 0.52, 0.78, 0.22, 0.69],
        labels=ZH,
    )
    return replace(picture, **changes)


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    assert image.format == "PNG"
    return image


# ------------------------------------------------------------- an independent glyph check
# Written here, apart from bot.charts.has_glyph, so the test does not grade its own homework:
# a code point the font does not map renders as glyph 0 (.notdef, the tofu box).

NOTDEF = chr(0x10FFFD)  # private use, plane 16: no font maps it


def _bitmap(char: str) -> tuple[tuple[int, int], bytes]:
    mask = cjk_font(48).getmask(char)
    return mask.size, bytes(mask)


def font_lacks(char: str) -> bool:
    return _bitmap(char) == _bitmap(NOTDEF)


def test_notdef_is_a_visible_box_so_the_glyph_check_can_fail() -> None:
    size, pixels = _bitmap(NOTDEF)
    assert size[0] > 10
    assert size[1] > 10
    assert any(pixels)


@pytest.mark.parametrize(
    "char",
    [
        "🦊",  # emoji: Noto Sans CJK has none
        "\U00020000",  # 𠀀, a real CJK Extension B ideograph outside the font
        "ก",  # Thai
        NOTDEF,
    ],
)
def test_glyph_check_detects_characters_the_font_lacks(char: str) -> None:
    assert font_lacks(char)
    assert not has_glyph(char)


@pytest.mark.parametrize("char", ["中", "诈", "骗", "题", "…", "·", "%", "A", "9", "é"])
def test_glyph_check_accepts_characters_the_font_has(char: str) -> None:
    assert not font_lacks(char)
    assert has_glyph(char)


@dataclass
class DrawnText:
    text: str
    size: int
    bbox: tuple[float, float, float, float]


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[DrawnText]:
    """Records every string Pillow is asked to draw, with its font size and bounding box."""
    calls: list[DrawnText] = []
    original = ImageDraw.ImageDraw.text

    def spy(self: ImageDraw.ImageDraw, xy: Any, text: Any, *args: Any, **kwargs: Any) -> None:
        font = kwargs["font"]
        assert isinstance(font, ImageFont.FreeTypeFont)
        bbox = self.textbbox(xy, text, font=font, anchor=kwargs.get("anchor"))
        calls.append(DrawnText(str(text), int(font.size), bbox))
        original(self, xy, text, *args, **kwargs)

    monkeypatch.setattr(ImageDraw.ImageDraw, "text", spy)
    return calls


# --------------------------------------------------------------------------- font


def test_font_comes_from_the_installed_package_and_is_the_simplified_chinese_face() -> None:
    path = find_cjk_font()
    assert path.is_file()
    assert "noto_cjk_sans_otc" in path.parts
    assert cjk_font(24).getname() == ("Noto Sans CJK SC", "Regular")


@pytest.mark.parametrize("char", ["骨", "直", "角", "门"])
def test_simplified_chinese_face_has_mainland_glyph_forms(char: str) -> None:
    japanese = ImageFont.truetype(find_cjk_font(), 48, index=0)
    assert japanese.getname()[0] == "Noto Sans CJK JP"
    assert bytes(japanese.getmask(char)) != bytes(cjk_font(48).getmask(char))


def test_missing_font_package_is_named_in_the_error() -> None:
    with pytest.raises(CjkFontMissingError, match="no-such-font-package"):
        find_cjk_font(module="no_such_font_package")


def test_missing_font_file_is_named_in_the_error() -> None:
    with pytest.raises(CjkFontMissingError, match=r"Nope\.ttc.*noto-cjk-sans-otc"):
        find_cjk_font(filename="Nope.ttc")


# --------------------------------------------------------------------------- the picture


def test_png_decodes_with_expected_size_and_fits_telegram() -> None:
    picture = sample()
    png = render_results_png(picture)
    image = decode(png)
    assert image.size == picture_size(picture)
    assert image.width == 1280
    assert 850 <= image.height <= 1100
    assert image.mode == "RGB"
    assert len(png) < TELEGRAM_PHOTO_BYTES
    assert image.width + image.height <= TELEGRAM_PHOTO_SIDES


def test_every_drawn_character_has_a_real_glyph(drawn: list[DrawnText]) -> None:
    picture = sample(leaderboard=[(1, "张伟🦊", 900), (2, "𠀀小红", 800), (3, "👨‍👩‍👧", 700)])
    render_results_png(picture)
    texts = [call.text for call in drawn]
    assert picture.title in texts
    assert "张伟" in texts
    assert "小红" in texts
    missing = {char for text in texts for char in text if font_lacks(char)}
    assert missing == set()


def test_every_chinese_character_of_the_input_is_drawn(drawn: list[DrawnText]) -> None:
    picture = sample()
    render_results_png(picture)
    drawn_chars = {char for call in drawn for char in call.text}
    inputs = [
        picture.title,
        picture.subtitle,
        *(name for _, name, _ in picture.leaderboard),
        *picture.question_labels,
        ZH.leaderboard_heading,
        ZH.accuracy_heading,
        ZH.points_unit,
        ZH.hardest,
    ]
    chinese = {c for text in inputs for c in text if unicodedata.name(c).startswith("CJK")}
    assert len(chinese) > 40
    assert chinese <= drawn_chars


def test_text_is_at_least_20_px_and_inside_the_picture(drawn: list[DrawnText]) -> None:
    long_name = "刘" + "洋" * 60 + "🦊" * 5
    picture = sample(
        title="3·15 反诈知识竞赛 · " + "很长的标题" * 30,
        leaderboard=[(1, long_name, 123_456_789), *sample().leaderboard[1:]],
    )
    width, height = decode(render_results_png(picture)).size
    assert drawn
    for call in drawn:
        assert call.size >= 20, call
        x0, y0, x1, y1 = call.bbox
        assert 0 <= x0 <= x1 <= width, call
        assert 0 <= y0 <= y1 <= height, call
    assert any(call.text.startswith("刘洋") and call.text.endswith("…") for call in drawn)
    assert any(call.text.startswith("3·15") and call.text.endswith("…") for call in drawn)


def test_hardest_question_is_highlighted(drawn: list[DrawnText]) -> None:
    image = decode(render_results_png(sample()))
    assert "最难 第9题 22%" in [call.text for call in drawn]
    red = Image.new("RGB", (1, 1), charts.HARDEST).getpixel((0, 0))
    colours = image.getcolors(maxcolors=1 << 20)
    assert colours is not None
    assert sum(count for count, colour in colours if colour == red) > 500


def test_hardest_tie_goes_to_the_first_like_the_event_summary(drawn: list[DrawnText]) -> None:
    render_results_png(sample(question_accuracy=[0.5, 0.2, 0.9, 0.2, *([0.8] * 6)]))
    assert "最难 第2题 20%" in [call.text for call in drawn]


# --------------------------------------------------------------------------- names


def test_unsupported_characters_are_dropped_not_drawn_as_tofu() -> None:
    assert drawable("张伟🦊") == "张伟"
    assert drawable("𠀀小明") == "小明"
    assert drawable("Ann ❤️ 李") == "Ann 李"
    with_emoji = sample(leaderboard=[(1, "张伟🦊", 900), (2, "李华\U00020000", 800)])
    plain = sample(leaderboard=[(1, "张伟", 900), (2, "李华", 800)])
    assert render_results_png(with_emoji) == render_results_png(plain)


def test_name_made_only_of_unsupported_characters_shows_a_placeholder(
    drawn: list[DrawnText],
) -> None:
    render_results_png(sample(leaderboard=[(1, "🦊🦊", 900)]))
    assert charts.UNNAMED in [call.text for call in drawn]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("王\n小明", "王 小明"),
        ("  李\t华  ", "李 华"),
        ("a\u200db", "ab"),  # zero-width joiner
        ("\u202e反诈", "反诈"),  # right-to-left override
        ("👨‍👩‍👧", ""),
        ("", ""),
        ("ｅ", "ｅ"),  # full-width Latin is in the font
    ],
)
def test_drawable_keeps_names_on_one_line_and_drops_format_characters(
    raw: str, expected: str
) -> None:
    assert drawable(raw) == expected


def test_fit_truncates_with_an_ellipsis() -> None:
    font = cjk_font(24)
    assert fit("王小明", font, 300) == "王小明"
    cut = fit("洋" * 100, font, 300)
    assert cut.endswith("…")
    assert font.getlength(cut) <= 300
    assert font.getlength(cut + "洋") > 300 - font.getlength("洋")


# --------------------------------------------------------------------------- edge cases


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"leaderboard": []}, id="empty-leaderboard"),
        pytest.param(
            {"question_labels": ["第1题"], "question_accuracy": [0.5]}, id="one-question"
        ),
        pytest.param(
            {
                "question_labels": [f"第{i}题" for i in range(1, 51)],
                "question_accuracy": [(i % 11) / 10 if i % 7 else None for i in range(50)],
            },
            id="50-questions",
        ),
        pytest.param({"question_accuracy": [None] * 10}, id="all-accuracy-none"),
        pytest.param({"question_labels": [], "question_accuracy": []}, id="no-questions"),
        pytest.param(
            {"leaderboard": [(1, f"玩家{i}", 0) for i in range(10)]}, id="everyone-zero-points"
        ),
        pytest.param(
            {"leaderboard": [(i, f"玩家{i}", 1000 - i) for i in range(1, 101)]}, id="100-players"
        ),
        pytest.param({"leaderboard": [(123, "排名很靠后", 5)]}, id="wide-rank"),
        pytest.param({"title": "", "subtitle": ""}, id="empty-title"),
        pytest.param({"labels": EN, "question_labels": [f"Q{i}" for i in range(1, 11)]}, id="en"),
    ],
)
def test_edge_cases_render_a_valid_picture(
    changes: dict[str, Any], drawn: list[DrawnText]
) -> None:
    picture = sample(**changes)
    png = render_results_png(picture)
    image = decode(png)
    assert image.size == picture_size(picture)
    assert len(png) < TELEGRAM_PHOTO_BYTES
    assert image.width + image.height <= TELEGRAM_PHOTO_SIDES
    for call in drawn:
        assert call.size >= 20
        x0, y0, x1, y1 = call.bbox
        assert 0 <= x0 <= x1 <= image.width, call
        assert 0 <= y0 <= y1 <= image.height, call


def test_only_the_top_ten_are_drawn(drawn: list[DrawnText]) -> None:
    picture = sample(leaderboard=[(i, f"玩家{i}号", 1000 - i) for i in range(1, 21)])
    render_results_png(picture)
    texts = [call.text for call in drawn]
    assert "玩家10号" in texts
    assert "玩家11号" not in texts
    assert picture_size(picture) == picture_size(sample())


def test_empty_leaderboard_and_all_none_say_no_answers(drawn: list[DrawnText]) -> None:
    render_results_png(sample(leaderboard=[], question_accuracy=[None] * 10))
    assert [call.text for call in drawn].count("暂无作答") == 2
    assert not any(call.text.endswith("%") for call in drawn)


def test_question_labels_thin_out_for_50_questions(drawn: list[DrawnText]) -> None:
    labels = [f"第{i}题" for i in range(1, 51)]
    render_results_png(
        sample(question_labels=labels, question_accuracy=[0.5 + i / 100 for i in range(50)])
    )
    shown = [call.text for call in drawn if call.text in labels]
    assert "第1题" in shown
    assert 5 <= len(shown) < 50
    # The hardest (first, 50%) still gets its percentage, the others do not fit.
    assert "50%" in [call.text for call in drawn]
    assert "99%" not in [call.text for call in drawn]


def test_ten_questions_show_every_label_and_percentage(drawn: list[DrawnText]) -> None:
    picture = sample()
    render_results_png(picture)
    texts = [call.text for call in drawn]
    assert all(label in texts for label in picture.question_labels)
    for value in picture.question_accuracy:
        assert value is not None
        assert f"{round(value * 100)}%" in texts


def test_unanswered_question_is_distinct_from_zero(drawn: list[DrawnText]) -> None:
    render_results_png(sample(question_accuracy=[0.0, None, *([0.5] * 8)]))
    texts = [call.text for call in drawn]
    assert "0%" in texts
    assert "–" in texts


@pytest.mark.parametrize(
    ("accuracy", "match"),
    [
        ([0.5] * 9, "9 accuracies"),
        ([1.5, *([0.5] * 9)], "within 0..1"),
        ([math.nan, *([0.5] * 9)], "within 0..1"),
        ([-0.1, *([0.5] * 9)], "within 0..1"),
    ],
)
def test_invalid_accuracy_is_rejected(accuracy: list[float | None], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        sample(question_accuracy=accuracy)
