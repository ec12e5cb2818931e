"""How far a bank can be passed without knowing anything: no-knowledge guessing strategies.

Pure functions over domain questions. Each strategy picks an option from the look of the
options alone; its score is the expected share of questions it gets right. Ties are broken at
random, so a key tied with ``t - 1`` other options counts ``1/t`` for the strategy.

Statistics count **single-choice** questions: ``type: single``, except "genuine or scam?" items,
whose two fixed options are a judgement like true/false. Lengths are the Chinese text's, in
UTF-16 code units (as Telegram counts).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from bot.domain.content import Question, QuestionType
from bot.domain.limits import tg_len

RANK_LIMIT = Fraction(2, 5)
"""At most 40% of a bank's single-choice keys at any one length rank."""
TRUE_SHARE_RANGE = (Fraction(2, 5), Fraction(3, 5))
"""True/false keys are 对 in 40-60% of a bank's true/false questions."""
MIN_SAMPLE = 4
"""Bank-level rates are judged from this many questions of the kind up; fewer are noise."""

CAUTION_LIMIT_SCENARIO = Fraction(1, 2)
"""The caution-word guesser scores at most 50% on a bank's scenario questions..."""
CAUTION_LIMIT_SINGLE = Fraction(9, 20)
"""...and at most 45% over all its single-choice questions."""
ALWAYS_SCAM_LIMIT = Fraction(3, 5)
"""Answering 诈骗 to every genuine-or-scam item scores at most 60%."""

POSITIONS: tuple[str, ...] = ("longest", "second", "third", "shortest")
"""The length ranks judged: the first three from the top, and the last."""


def is_single_choice(question: Question) -> bool:
    return question.type is QuestionType.SINGLE and not question.asks_verdict


def is_scenario(question: Question) -> bool:
    return question.scenario is not None or question.scene is not None


def _key_places(question: Question) -> tuple[int, int, int]:
    """(options longer than the key, options as long as it including itself, options)."""
    lengths = [tg_len(option.text.zh) for option in question.options]
    key = next(i for i, option in enumerate(question.options) if option.correct)
    longer = sum(length > lengths[key] for length in lengths)
    return longer, lengths.count(lengths[key]), len(lengths)


def _places(count: int) -> tuple[tuple[str, int], ...]:
    return (("longest", 1), ("second", 2), ("third", 3), ("shortest", count))


def key_position_chances(question: Question) -> dict[str, Fraction]:
    """For a single-choice question: the chance its key is the longest, second, … shortest.

    Sorted longest first with ties in random order, the key takes each place from
    ``longer + 1`` to ``longer + tied`` with chance ``1/tied``.
    """
    longer, tied, count = _key_places(question)
    return {
        name: Fraction(1, tied) if longer < place <= longer + tied else Fraction(0)
        for name, place in _places(count)
    }


@dataclass(frozen=True, slots=True)
class Rate:
    """An expected score over ``total`` questions (``hits`` may be fractional: ties)."""

    hits: Fraction
    total: int

    @property
    def share(self) -> float:
        return float(self.hits / self.total) if self.total else 0.0

    def over(self, limit: Fraction) -> bool:
        return self.total >= MIN_SAMPLE and self.hits > limit * self.total

    def __str__(self) -> str:
        return f"{self.share:.0%}" if self.total else "–"


class _Tally:
    """A sum of fractions ``hits/denominator`` kept as integers per denominator (fast)."""

    def __init__(self) -> None:
        self.sums: dict[int, int] = {}

    def add(self, hits: int, denominator: int) -> None:
        if hits:
            self.sums[denominator] = self.sums.get(denominator, 0) + hits

    def value(self) -> Fraction:
        return sum((Fraction(n, d) for d, n in self.sums.items()), Fraction(0))


# --------------------------------------------------------------------------- caution guesser

# A guesser that knows nothing about fraud but has read many warnings: it likes options that
# sound careful and dislikes those that do what a scammer asks. The words come from how scams
# are written (the scammer's asks, the official advice's verbs), not from any bank's answers.
# It is naive on purpose: words that fit both sides ("立即" 报警 or 转账, "回拨" the official or
# the scammer's number, "安装" the anti-fraud app) are left out, so a tempting distractor that
# borrows caution words is counted as the trap it is meant to be.
CAUTION_WORDS: tuple[str, ...] = (
    # check and verify
    "核实",
    "核对",
    "核查",
    "查证",
    "查询",
    "确认",
    "验证",
    "咨询",
    "询问",
    "了解清楚",
    # official channels and people to ask
    "官方",
    "正规",
    "银行柜台",
    "柜台",
    "网点",
    "营业厅",
    "当面",
    "本人",
    "亲自",
    "自己拨打",
    "自行",
    "家人",
    "子女",
    "亲友",
    "商量",
    "监管",
    "持牌",
    "备案",
    # report and get help
    "报警",
    "110",
    "96110",
    "12381",
    "反诈",
    "举报",
    "挂失",
    "冻结",
    "止付",
    "保留证据",
    "证据",
    # refuse and stop
    "拒绝",
    "挂断",
    "不理",
    "拉黑",
    "删除",
    "停止",
    "暂停",
    "不要",
    "不轻信",
    "切勿",
    "谨慎",
    "警惕",
    "小心",
    "冷静",
    "理性",
    "风险",
    "保护",
    "不投",
    "不买",
    "不交",
    "不发",
    "不给",
    "不借",
    "不转",
    "不点",
    "不信",
    "别信",
    # name the danger
    "骗",
    "冒充",
    "假冒",
    "陷阱",
    "套路",
    "可疑",
    "警示",
    "非法",
    "违法",
    "犯罪",
)
RECKLESS_WORDS: tuple[str, ...] = (
    # move money
    "转账",
    "汇款",
    "转钱",
    "打款",
    "付款",
    "支付",
    "充值",
    "垫付",
    "缴纳",
    "交钱",
    "先交",
    "保证金",
    "解冻金",
    "手续费",
    "入金",
    "加仓",
    "投资",
    "投入",
    "借钱",
    "贷款",
    "网贷",
    "刷单",
    # hand over access
    "验证码",
    "密码",
    "共享屏幕",
    "屏幕共享",
    "点击链接",
    "点开链接",
    "链接",
    "下载",
    "扫码",
    "二维码",
    "提供",
    "告诉对方",
    "透露",
    "泄露",
    "发给",
    "出租",
    "出借",
    "出售",
    # obey and believe
    "配合",
    "按对方",
    "照做",
    "听从",
    "相信",
    "信任",
    "保密",
    "领取",
    "高收益",
    "高回报",
    "稳赚",
    "保本",
    "翻倍",
    "内部",
    "名额有限",
    # reassure and tempt
    "放心",
    "没事",
    "没关系",
    "没有风险",
    "不会有风险",
    "安全",
    "可靠",
    "兜底",
    "划算",
    "难得",
    "白拿",
    "赚",
    "试试",
    "少量",
    "照办",
    "按要求",
    "投",
    "买",
)
NEGATORS = "不别勿拒莫停禁防免"
"""A reckless word right after one of these ("不转账", "拒绝提供") reads as caution."""
_NEGATION_WINDOW = 3
_WORDS = re.compile(
    "|".join(
        re.escape(w) for w in sorted({*CAUTION_WORDS, *RECKLESS_WORDS}, key=len, reverse=True)
    )
)
_CAUTION = frozenset(CAUTION_WORDS)


def caution_score(text: str) -> int:
    """Caution words count up, reckless ones down; a negated reckless word counts up."""
    score = 0
    for match in _WORDS.finditer(text):
        word = match.group()
        if word in _CAUTION:
            score += 1
            continue
        before = text[max(0, match.start() - _NEGATION_WINDOW) : match.start()]
        score += 1 if any(n in before for n in NEGATORS) else -1
    return score


def _caution_pick(question: Question) -> tuple[int, int]:
    """(keys among the options the caution guesser likes best, how many it likes best)."""
    scores = [caution_score(option.text.zh) for option in question.options]
    best = max(scores)
    top = [i for i, score in enumerate(scores) if score == best]
    return sum(question.options[i].correct for i in top), len(top)


def caution_chance(question: Question) -> Fraction:
    """The chance the caution guesser (best score; ties at random) picks the key."""
    hits, top = _caution_pick(question)
    return Fraction(hits, top)


# --------------------------------------------------------------------------- per bank


@dataclass(frozen=True, slots=True)
class Subset:
    """What each no-knowledge strategy scores on one kind of question."""

    positions: dict[str, Rate]
    caution: Rate

    @property
    def total(self) -> int:
        return self.caution.total


_Look = tuple[tuple[int, int, int], tuple[int, int]]
"""What the strategies see of one question: its key's places and the caution guesser's pick."""


def _subset(looks: Sequence[_Look]) -> Subset:
    positions = {name: _Tally() for name in POSITIONS}
    caution = _Tally()
    for (longer, tied, count), (hits, top) in looks:
        for name, place in _places(count):
            if longer < place <= longer + tied:
                positions[name].add(1, tied)
        caution.add(hits, top)
    total = len(looks)
    return Subset(
        {name: Rate(tally.value(), total) for name, tally in positions.items()},
        Rate(caution.value(), total),
    )


@dataclass(frozen=True, slots=True)
class BankGuess:
    bank_id: str
    single: Subset  # all single-choice questions
    scenario: Subset  # the single-choice questions with a scenario or scene
    true_false: Rate  # share of true/false keys that are 对
    always_scam: Rate  # answering 诈骗 to every genuine-or-scam item


def guess_bank(bank_id: str, questions: Sequence[Question]) -> BankGuess:
    single = [q for q in questions if is_single_choice(q)]
    looks = [(_key_places(q), _caution_pick(q)) for q in single]
    pairs = [q for q in questions if q.asks_verdict]
    scam = sum(q.correct_indices == frozenset({1}) for q in pairs)
    return BankGuess(
        bank_id=bank_id,
        single=_subset(looks),
        scenario=_subset([look for q, look in zip(single, looks, strict=True) if is_scenario(q)]),
        true_false=true_share(questions),
        always_scam=Rate(Fraction(scam), len(pairs)),
    )


def true_share(questions: Iterable[Question]) -> Rate:
    """The share of true/false questions whose key is 对 (the first option)."""
    chosen = [q for q in questions if q.type is QuestionType.TRUE_FALSE]
    hits = sum(q.correct_indices == frozenset({0}) for q in chosen)
    return Rate(Fraction(hits), len(chosen))


def describe_position(name: str) -> str:
    return {
        "longest": "the longest option",
        "second": "the second-longest option",
        "third": "the third-longest option",
        "shortest": "the shortest option",
    }[name]


def bank_findings(bank_id: str, questions: Sequence[Question]) -> list[str]:
    """Bank-level content-quality warnings: key length ranks, true/false balance, guessing."""
    report = guess_bank(bank_id, questions)
    found: list[str] = []
    for name, rate in report.single.positions.items():
        if rate.over(RANK_LIMIT):
            found.append(
                f"bank '{bank_id}': the key is {describe_position(name)} in {rate} of "
                f"{rate.total} single-choice questions; keep each length rank at most "
                f"{float(RANK_LIMIT):.0%}"
            )
    true = report.true_false
    low, high = TRUE_SHARE_RANGE
    if true.total >= MIN_SAMPLE and not low * true.total <= true.hits <= high * true.total:
        found.append(
            f"bank '{bank_id}': 对 is the key of {true.hits} of {true.total} true/false "
            f"questions ({true}); keep it between {float(low):.0%} and {float(high):.0%}"
        )
    for subset, label, limit in (
        (report.scenario.caution, "scenario questions", CAUTION_LIMIT_SCENARIO),
        (report.single.caution, "single-choice questions", CAUTION_LIMIT_SINGLE),
    ):
        if subset.over(limit):
            found.append(
                f"bank '{bank_id}': picking the most cautious-sounding option scores {subset} "
                f"of {subset.total} {label}; at most {float(limit):.0%}: add tempting "
                "distractors that sound careful but are wrong"
            )
    scam = report.always_scam
    if scam.over(ALWAYS_SCAM_LIMIT):
        found.append(
            f"bank '{bank_id}': answering 诈骗 every time scores {scam} of {scam.total} "
            f"genuine-or-scam items; at most {float(ALWAYS_SCAM_LIMIT):.0%}: add genuine messages"
        )
    return found


# --------------------------------------------------------------------------- the report


def _cell(rate: Rate, limit: Fraction | None = None) -> str:
    text = str(rate)
    return text + ("!" if limit is not None and rate.over(limit) else "")


def format_report(reports: Sequence[BankGuess]) -> list[str]:
    """The table ``quizbot validate --guess`` prints; '!' marks a figure over its limit."""
    head = (
        f"{'bank':<26}{'questions':<20}{'longest':>8}{'second':>8}{'third':>8}"
        f"{'shortest':>9}{'caution':>9}"
    )
    lines = [
        "Guessability: the share a no-knowledge strategy gets right ('!': over the limit).",
        "Limits: longest, second, third, shortest <= 40%; caution <= 50% on scenario "
        "questions, <= 45% on all single-choice; true/false 对 40-60%; always 诈骗 <= 60%.",
        head,
    ]
    for report in reports:
        rows: list[tuple[str, Subset, Fraction]] = [
            (f"single-choice ({report.single.total})", report.single, CAUTION_LIMIT_SINGLE),
            (f"scenario ({report.scenario.total})", report.scenario, CAUTION_LIMIT_SCENARIO),
        ]
        for index, (label, subset, caution_limit) in enumerate(rows):
            rank_limit = RANK_LIMIT if subset is report.single else None
            cells = "".join(
                f"{_cell(subset.positions[name], rank_limit):>{8 if name != 'shortest' else 9}}"
                for name in POSITIONS
            )
            bank = report.bank_id if index == 0 else ""
            lines.append(f"{bank:<26}{label:<20}{cells}{_cell(subset.caution, caution_limit):>9}")
        true = report.true_false
        if true.total:
            low, high = TRUE_SHARE_RANGE
            off = true.total >= MIN_SAMPLE and not (
                low * true.total <= true.hits <= high * true.total
            )
            lines.append(
                f"{'':<26}{f'true/false ({true.total})':<20}对 is the key in {true}"
                + ("!" if off else "")
            )
        if report.always_scam.total:
            scam = report.always_scam
            lines.append(
                f"{'':<26}{f'genuine/scam ({scam.total})':<20}always 诈骗 scores "
                f"{_cell(scam, ALWAYS_SCAM_LIMIT)}"
            )
    return lines
