"""Write small banks in YAML for validator tests, and find the line of any text in them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

HEADER = """\
format: 1
bank:
  id: demo
  topic: telecom_fraud
  title:
    zh: 演示
    en: Demo
  description:
    zh: 演示题库
    en: A demo bank
{extra}questions:
"""


@dataclass
class Opt:
    zh: str
    en: str | None = "Option"
    correct: bool = False
    tempting: bool = False

    def yaml(self) -> str:
        lines = [f"      - zh: {self.zh}"]
        if self.en is not None:
            lines.append(f'        en: "{self.en}"')
        if self.correct:
            lines.append("        correct: true")
        if self.tempting:
            lines.append("        tempting: true")
        return "\n".join(lines) + "\n"


@dataclass
class Q:
    id: str
    options: list[Opt]
    type: str = "single"
    scenario: str | None = None
    text: str = "你该怎么做？"
    extra: str = ""  # more keys, already indented by 4
    extra_end: str = ""  # keys after 'source', indented by 4
    tags: list[str] = field(default_factory=list)

    def yaml(self) -> str:
        out = [f"  - id: {self.id}", f"    type: {self.type}"]
        text = "\n".join(out) + "\n" + self.extra
        if self.scenario is not None:
            text += f"    scenario:\n      zh: {self.scenario}\n      en: A scene\n"
        text += f"    text:\n      zh: {self.text}\n      en: What now?\n    options:\n"
        text += "".join(option.yaml() for option in self.options)
        text += (
            "    explanation:\n      zh: 解释。\n      en: Why.\n"
            "    source:\n      zh: 来源\n      en: Source\n"
        )
        return text + self.extra_end


def bank_text(*questions: Q, extra: str = "") -> str:
    return HEADER.format(extra=extra) + "".join(q.yaml() for q in questions)


def write_bank(folder: Path, *questions: Q, name: str = "demo.yaml", extra: str = "") -> Path:
    path = folder / name
    path.write_text(bank_text(*questions, extra=extra), encoding="utf-8")
    return path


def line_of(path: Path, needle: str, start: str | None = None) -> int:
    """1-based line of the first line containing ``needle`` (after the line with ``start``)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    begin = 0
    if start is not None:
        begin = next(i for i, line in enumerate(lines) if start in line)
    return next(i for i, line in enumerate(lines) if i >= begin and needle in line) + 1


def col_of(path: Path, line: int, needle: str) -> int:
    return path.read_text(encoding="utf-8").splitlines()[line - 1].index(needle) + 1


def good_scenario(qid: str) -> Q:
    """A scenario question that passes every rule: a tempting distractor and a concrete key."""
    return Q(
        qid,
        [
            Opt("按短信里的链接登录核实", tempting=True),
            Opt("挂断后自己拨打110核实", correct=True),
            Opt("先转一小部分表示配合"),
        ],
        scenario="短信：“您的账户异常，请点击链接处理。”",
    )
