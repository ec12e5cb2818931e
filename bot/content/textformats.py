"""Plain-text question formats: the Chinese exam format (问卷星, 考试星 and most exam tools) and
Moodle's Aiken format. Both become question data for a YAML bank.

Chinese::

    一、单选题                      (optional section headings set the type)
    1. 接到“公检法”电话要求转账到安全账户，你应该？[单选题]
    A. 配合转账          (also A、 A． A) A：, or several options on one line)
    B. 挂断电话，拨打110核实
    答案：B              (正确答案： 【答案】 also; 多选 AB; 判断 对/错/正确/错误/√/×)
    解析：公安机关不会……   (optional, may continue on the next lines)
    来源：……              (optional)
    难度：易 / 中 / 难 or 1-3  (optional)

Aiken::

    What should you do?
    A. Transfer the money
    B. Hang up and call 110
    ANSWER: B

A question starts at a numbered line, or at the first text line after an answer (or a blank
line that ends an explanation). A file with no Chinese character fills the English texts and
leaves Chinese empty, for the validator to list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.content.columns import CellError, parse_letters

_NUMBER = re.compile(r"^(?:第\s*)?\d+\s*(?:题\s*)?[.、．:：)）]\s*|^[（(]\d+[)）]\s*")
_SECTION = re.compile(r"^[一二三四五六七八九十]+\s*[、.．]\s*(\S{0,8}题)\s*(?:[（(].*[)）])?$")
_OPTION = re.compile(r"^([A-La-lＡ-Ｌ])\s*[.、．:：)）]\s*(.*)$")
_INLINE = re.compile(r"\s+(?=[B-Lb-l]\s*[.、．)）]\s*\S)")
_ANSWER = re.compile(
    r"^(?:(?:正确|参考)?答案\s*[:：]|【答案】\s*[:：]?|ANSWER\s*:)\s*(.*)$", re.IGNORECASE
)
_EXPLAIN = re.compile(r"^(?:答案解析|解析|【解析】|试题解析)\s*[:：]?\s*(.*)$")
_SOURCE = re.compile(r"^(?:来源|出处|依据)\s*[:：]\s*(.*)$")
_LEVEL = re.compile(r"^难度\s*[:：]\s*(.*)$")
_MARKER = re.compile(r"\s*[\[【（(](单选题?|多选题?|判断题?)[\]】）)]\s*\*?\s*$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_TRUE = {"对", "正确", "√", "✓", "T", "TRUE", "是"}
_FALSE = {"错", "错误", "×", "✗", "F", "FALSE", "否"}
_LEVELS = {"易": 1, "简单": 1, "1": 1, "中": 2, "中等": 2, "2": 2, "难": 3, "困难": 3, "3": 3}
_TYPES = {"判断": "true_false", "多": "multiple", "单": "single"}  # first match wins


@dataclass
class _Draft:
    line: int
    text: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    answer: str | None = None
    answer_line: int = 0
    explanation: list[str] = field(default_factory=list)
    source: str | None = None
    difficulty: int | None = None
    kind: str | None = None
    state: str = "text"  # text | options | answered | explanation


@dataclass
class Parsed:
    questions: list[dict[str, Any]]
    lines: list[int]  # the line each question starts on
    problems: list[str]
    lang: str  # "zh", or "en" for a file without Chinese


def parse_text(text: str, display: str) -> Parsed:
    lang = "zh" if _CJK.search(text) else "en"
    result = Parsed([], [], [], lang)
    draft: _Draft | None = None
    section: str | None = None

    def finish() -> None:
        nonlocal draft
        if draft is not None and (draft.text or draft.options):
            question = _question(draft, lang, display, result.problems)
            if question is not None:
                result.questions.append(question)
                result.lines.append(draft.line)
        draft = None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().replace("\u3000", " ")
        if not line:
            if draft is not None and draft.state == "explanation":
                draft.state = "answered"
            continue
        if (heading := _SECTION.match(line)) and not _OPTION.match(line):
            finish()
            section = next((v for k, v in _TYPES.items() if k in heading.group(1)), section)
            continue
        if draft is not None and (m := _EXPLAIN.match(line)):
            draft.explanation.append(m.group(1).strip())
            draft.state = "explanation"
            continue
        if draft is not None and (m := _ANSWER.match(line)):
            draft.answer, draft.answer_line, draft.state = m.group(1).strip(), number, "answered"
            continue
        if draft is not None and (m := _SOURCE.match(line)):
            draft.source = m.group(1).strip()
            continue
        if draft is not None and (m := _LEVEL.match(line)):
            draft.difficulty = _LEVELS.get(m.group(1).strip())
            continue
        option = _OPTION.match(line)
        if option and draft is not None and draft.state in ("text", "options"):
            for part in _INLINE.split(line):
                matched = _OPTION.match(part.strip())
                if matched:
                    draft.options.append(matched.group(2).strip())
            draft.state = "options"
            continue
        if option and (draft is None or draft.state != "explanation"):
            result.problems.append(f"{display}:{number}: an option with no question above it")
            continue
        numbered = _NUMBER.match(line)
        if draft is not None and draft.state == "explanation" and not numbered:
            draft.explanation.append(line)
            continue
        if draft is not None and draft.state == "options" and not numbered:
            draft.options[-1] += " " + line  # an option that goes on over two lines
            continue
        if draft is None or numbered or draft.state in ("answered", "explanation"):
            finish()
            draft = _Draft(number, kind=section)
            line = _NUMBER.sub("", line, count=1) if numbered else line
        marker = _MARKER.search(line)
        if marker:
            draft.kind = next(v for k, v in _TYPES.items() if k in marker.group(1))
            line = line[: marker.start()]
        draft.text.append(line.strip())
    finish()
    return result


def _question(
    draft: _Draft, lang: str, display: str, problems: list[str]
) -> dict[str, Any] | None:
    where = f"{display}:{draft.line}"
    options = list(draft.options)
    answer = (draft.answer or "").strip().rstrip("。.")
    kind = draft.kind
    if draft.answer is None:
        problems.append(f"{where}: no 答案 / ANSWER line for this question")
        return None
    truth = answer.upper() in _TRUE or answer.upper() in _FALSE
    if not options and truth:
        options, kind = ["对", "错"], "true_false"
        keys = frozenset({0 if answer.upper() in _TRUE else 1})
    else:
        if len(options) < 2:
            problems.append(f"{where}: the question needs at least two options (A. … B. …)")
            return None
        mapped = _truth_letter(answer, options)
        try:
            keys = mapped if mapped is not None else parse_letters(answer, len(options))
        except CellError as exc:
            problems.append(f"{display}:{draft.answer_line}: 答案 '{answer}': {exc}")
            return None
        if not keys:
            problems.append(f"{display}:{draft.answer_line}: the answer line names no option")
            return None
    if kind is None:
        kind = "multiple" if len(keys) > 1 else "single"
        if {o.strip() for o in options} in ({"对", "错"}, {"正确", "错误"}):
            kind = "true_false"
    built = []
    for index, option in enumerate(options):
        text = {"对": "对", "正确": "对", "错": "错", "错误": "错"}.get(option, option)
        entry = _text(text, lang)
        if kind == "true_false" and lang == "zh" and text in ("对", "错"):
            entry["en"] = "True" if text == "对" else "False"
        if index in keys:
            entry["correct"] = True
        built.append(entry)
    question: dict[str, Any] = {
        "type": kind,
        "text": _text(" ".join(draft.text).strip(), lang),
        "options": built,
        "explanation": _text("\n".join(p for p in draft.explanation if p).strip(), lang),
        "source": _text(draft.source or "", lang),
    }
    if draft.difficulty is not None:
        question["difficulty"] = draft.difficulty
    return question


def _truth_letter(answer: str, options: list[str]) -> frozenset[int] | None:
    """``答案：对`` for options ``A. 对 B. 错``: the option that says it."""
    wanted = answer.upper()
    for index, option in enumerate(options):
        said = option.strip().upper()
        if (wanted in _TRUE and said in _TRUE) or (wanted in _FALSE and said in _FALSE):
            return frozenset({index})
    return None


def _text(value: str, lang: str) -> dict[str, Any]:
    return {"zh": value} if lang == "zh" else {"zh": "", "en": value}
