"""Rules for one question beyond the file format: fixed options, verdicts, tempting distractors.

Each rule returns findings located relative to the question, so the loader can name the line.
Errors make a question unusable (a shape the bot cannot show correctly); quality findings are
warnings, errors under ``quizbot validate --strict``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from bot.content.schema import OptionModel, QuestionModel
from bot.domain.content import TRUE_FALSE_OPTIONS, VERDICT_OPTIONS, Text

Level = Literal["error", "quality"]

MIN_KEY_CHARS = 6
"""A scenario question's key names a concrete action: at least this many characters."""

# A key made only of these (after punctuation is stripped) is a bare refusal, not an action.
# Refusing is right in most scams; the question is what to do instead (whom to call, what to
# check), and that is what a key must say.
REFUSAL_WORDS: tuple[str, ...] = (
    "拒绝",
    "不予理睬",
    "不予理会",
    "不理睬",
    "不理会",
    "不要理",
    "不理",
    "别理",
    "不用管",
    "不管",
    "无视",
    "忽略",
    "不投资",
    "不投",
    "不相信",
    "不要信",
    "别信",
    "不信",
    "不上当",
    "不转账",
    "不汇款",
    "不转",
    "不给",
    "不提供",
    "不透露",
    "不泄露",
    "不告诉",
    "不交钱",
    "不交",
    "不付款",
    "不付钱",
    "不付",
    "不缴费",
    "不缴",
    "不发送",
    "不发",
    "不借",
    "不买",
    "不下载",
    "不扫码",
    "不扫",
    "不登录",
    "不填写",
    "不填",
    "不去",
    "不听",
    "不回复",
    "不回",
    "不点击",
    "不点",
    "不参与",
    "不参加",
    "不同意",
    "不答应",
    "不接",
    "挂断",
    "挂掉",
    "拉黑",
    "删除",
    "诈骗",
    "骗局",
    "骗子",
)
# Words that add nothing to a refusal ("直接拒绝", "这是诈骗", "挂断电话").
FILLER_WORDS: tuple[str, ...] = (
    "直接",
    "坚决",
    "果断",
    "立即",
    "立刻",
    "马上",
    "当场",
    "一律",
    "统统",
    "全部",
    "一定",
    "肯定",
    "并且",
    "然后",
    "这是",
    "属于",
    "对方",
    "电话",
    "短信",
    "消息",
    "链接",
    "要求",
    "请求",
    "他们",
    "都",
    "并",
    "就",
    "先",
    "这",
    "是",
    "的",
    "了",
    "他",
    "她",
    "它",
    "和",
)
_BARE_REFUSAL = re.compile(
    "(?:"
    + "|".join(
        re.escape(w) for w in sorted((*REFUSAL_WORDS, *FILLER_WORDS), key=len, reverse=True)
    )
    + ")*"
)

# Spellings that show an editor meant the "genuine or scam?" pair (checked after NFKC and
# without spaces), so a near miss gets the exact wording instead of being taken for a
# "what do you do?" item.
_VERDICT_LIKE_ZH = frozenset({"真的(正规)", "真的", "正规", "真的正规", "真", "假", "诈骗"})
_VERDICT_LIKE_EN = frozenset({"genuine", "scam", "real", "fake"})


@dataclass(frozen=True, slots=True)
class Finding:
    loc: tuple[int | str, ...]  # relative to the question
    level: Level
    message: str
    key: bool = False  # point at the key rather than the value


_NOT_WORD = re.compile(r"[\W_]+")


def bare(text: str) -> str:
    """``text`` without punctuation, symbols and spaces (letters and digits of any script stay)."""
    return _NOT_WORD.sub("", text)


def is_bare_refusal(text: str) -> bool:
    """Whether ``text`` is only refusal and filler words (拒绝, 这是诈骗, 直接挂断电话)."""
    return _BARE_REFUSAL.fullmatch(bare(text)) is not None


def _same(options: list[OptionModel], expected: tuple[Text, ...]) -> bool:
    if [o.zh.strip() for o in options] != [t.zh for t in expected]:
        return False
    return all(
        o.en is None or o.en.strip() == t.en for o, t in zip(options, expected, strict=True)
    )


def _spelled(texts: Iterable[Text]) -> str:
    items = list(texts)
    zh = " then ".join(t.zh for t in items)
    en = ", ".join(t.en or "" for t in items)
    return f"{zh} (en {en})"


def _looks_like_verdict(option: OptionModel) -> bool:
    zh = "".join(unicodedata.normalize("NFKC", option.zh).split())
    en = (option.en or "").strip().lower()
    return zh in _VERDICT_LIKE_ZH or en in _VERDICT_LIKE_EN


def check(q: QuestionModel) -> list[Finding]:
    """Every finding for one question that passed the format checks (answer counts etc.)."""
    name = f"question '{q.id}'"
    found: list[Finding] = []
    options = ("options",)
    for index, option in enumerate(q.options):
        if option.tempting and option.correct:
            found.append(
                Finding(
                    ("options", index),
                    "error",
                    f"{name}: option {index + 1} is marked both correct and tempting; "
                    "a tempting option is a wrong one",
                )
            )
        elif option.tempting and q.type == "true_false":
            found.append(
                Finding(
                    ("options", index, "tempting"),
                    "error",
                    f"{name} is true_false: its options cannot be tempting",
                    key=True,
                )
            )
    if q.type == "true_false" and not _same(q.options, TRUE_FALSE_OPTIONS):
        found.append(
            Finding(
                options,
                "error",
                f"{name} is true_false: its options must read {_spelled(TRUE_FALSE_OPTIONS)}",
                key=True,
            )
        )
    pair = False
    if q.verdict is not None:
        found.extend(_check_verdict(q, name))
        pair = any(_looks_like_verdict(o) for o in q.options)
    if any(f.level == "error" for f in found):
        return found
    scenario = q.scenario is not None or q.scene is not None
    tempting = any(o.tempting for o in q.options)
    if (
        not pair
        and q.type in ("single", "multiple")
        and not tempting
        and (scenario or q.type == "multiple")
    ):
        kind = "a scenario question" if scenario else "a multiple-answer question"
        found.append(
            Finding(
                options,
                "quality",
                f"{name} is {kind} without a tempting option: mark a wrong option that "
                "sounds careful with 'tempting: true'",
                key=True,
            )
        )
    if not pair and scenario and q.type == "single":
        [key] = [i for i, o in enumerate(q.options) if o.correct]
        text = q.options[key].zh.strip()
        if is_bare_refusal(text):
            found.append(
                Finding(
                    ("options", key),
                    "quality",
                    f"{name}: the key '{text}' is a bare refusal; make it the concrete action "
                    "to take (what to check, whom to call)",
                )
            )
        elif len(bare(text)) < MIN_KEY_CHARS:
            found.append(
                Finding(
                    ("options", key),
                    "quality",
                    f"{name}: the key '{text}' is too short to name a concrete action "
                    f"(at least {MIN_KEY_CHARS} characters)",
                )
            )
    return found


def _check_verdict(q: QuestionModel, name: str) -> list[Finding]:
    found: list[Finding] = []
    where = ("verdict",)
    if q.scenario is None and q.scene is None:
        found.append(
            Finding(where, "error", f"{name} has a verdict but no scene or scenario to judge")
        )
    if q.type != "single":
        found.append(
            Finding(
                where,
                "error",
                f"{name} has a verdict, so it is single-choice: 'type: single' asking "
                "genuine or scam, or what to do",
            )
        )
        return found
    if not any(_looks_like_verdict(o) for o in q.options):
        return found  # "what do you do?": the scenario rules apply
    if not _same(q.options, VERDICT_OPTIONS):
        found.append(
            Finding(
                ("options",),
                "error",
                f"{name} asks genuine or scam: its options must read {_spelled(VERDICT_OPTIONS)}",
                key=True,
            )
        )
        return found
    expected = 0 if q.verdict == "genuine" else 1
    if not q.options[expected].correct:
        chosen = VERDICT_OPTIONS[1 - expected].zh
        found.append(
            Finding(
                where,
                "error",
                f"{name} has 'verdict: {q.verdict}' but its key is {chosen}",
            )
        )
    return found
