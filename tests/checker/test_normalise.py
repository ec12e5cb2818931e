"""Normalisation: folded for matching, mapped back to the words as the person wrote them."""

from __future__ import annotations

import opencc
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.normalise import MAX_CHARS, Normaliser

T2S = Normaliser(opencc.OpenCC("t2s").convert)
PLAIN = Normaliser()  # no traditional -> simplified: the fold alone

SEPARATORS = [
    " ",
    "  ",
    "-",
    "*",
    "·",
    "|",
    "/",
    "\u200b",
    "\u200d",
    "\u3000",
    "_",
    "~",
    "💰",
    "\t",
]


def quote(normaliser: Normaliser, text: str, phrase: str) -> str:
    """The original words that the compact phrase was made from."""
    normalised = normaliser.normalise(text)
    at = normalised.compact.find(phrase)
    assert at != -1, (normalised.compact, phrase)
    start, end = normalised.span_in_text(at, at + len(phrase))
    return normalised.original[start:end]


def test_full_width_letters_and_digits_become_plain_lower_case() -> None:
    assert T2S.normalise("ＶＩＰ投资群，日收益５％").compact == "vip投资群\n日收益5"


def test_traditional_characters_become_simplified_and_variants_merge() -> None:
    normalised = T2S.normalise("請將資金轉入安全帳戶")
    assert normalised.compact == "请将资金转入安全账户"
    assert quote(T2S, "請將資金轉入安全帳戶", "安全账户") == "安全帳戶"


def test_spaces_symbols_and_invisible_characters_between_characters_are_ignored() -> None:
    for text in (
        "安 全 账 户",
        "安-全-账-户",
        "安*全*账*户",
        "安\u200b全\u200b账\u200b户",
        "安　全　账　户",
    ):
        assert T2S.normalise(text).compact == "安全账户", text
        assert quote(T2S, f"请转入{text}。", "安全账户") == text


def test_clause_breaks_stay_and_english_words_stay_words() -> None:
    normalised = T2S.normalise("Don't share it!  Call 110.\n不要转账，谢谢")
    assert normalised.compact == "don t share it\ncall 110\n不要转账\n谢谢"


def test_numbers_keep_their_digits_together() -> None:
    assert T2S.normalise("¥5,000 和 3.5 万").compact == "5000和35万"


def test_the_folded_text_has_the_original_length_and_keeps_punctuation() -> None:
    text = "請點擊 https://Example.COM/a?b=1 領取"
    folded = T2S.normalise(text).text
    assert len(folded) == len(text)
    assert "https://example.com/a?b=1" in folded
    assert folded.startswith("请点击")


def test_messages_are_cut_at_telegrams_limit() -> None:
    normalised = T2S.normalise("安" * (MAX_CHARS + 10))
    assert normalised.truncated
    assert len(normalised.original) == MAX_CHARS
    assert not T2S.normalise("安" * MAX_CHARS).truncated


def test_a_phrase_is_folded_like_a_message() -> None:
    assert T2S.phrase("安全帳戶") == "安全账户"
    assert T2S.phrase("Safe Account") == "safe account"
    assert T2S.phrase("¿？") == ""


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_every_compact_character_maps_back_into_the_original(text: str) -> None:
    normalised = T2S.normalise(text)
    assert len(normalised.text) == len(normalised.original)
    for index, char in enumerate(normalised.compact):
        origin = normalised.text_index(index)
        assert 0 <= origin < len(normalised.original)
        if char not in " \n":
            assert normalised.text[origin] == char


@given(
    st.sampled_from(["安全账户", "验证码", "屏幕共享", "刷单返利", "征信修复"]),
    st.lists(st.sampled_from(SEPARATORS), min_size=3, max_size=3),
    st.text(alphabet="你好请的了。，！", max_size=10),
    st.text(alphabet="你好请的了。，！", max_size=10),
)
@settings(max_examples=300, deadline=None)
def test_separators_inside_a_phrase_never_hide_it(
    phrase: str, separators: list[str], before: str, after: str
) -> None:
    spaced = phrase[0] + "".join(s + c for s, c in zip(separators, phrase[1:], strict=False))
    spaced += phrase[len(separators) + 1 :]
    text = before + spaced + after
    assert phrase in T2S.normalise(text).compact
    assert quote(T2S, text, phrase).replace(" ", "").startswith(phrase[0])


@given(st.text(max_size=200))
@settings(max_examples=200, deadline=None)
def test_folding_is_idempotent(text: str) -> None:
    once = T2S.normalise(text).compact
    assert T2S.normalise(once).compact == once
