"""Plain words for older people (issue 18): a Chinese message holds no English word or jargon.

Every zh template is read with Jinja's own parser, and only what it prints is kept: text, the
strings it outputs or sets (labels), never the names, tests and comparisons of its code. Command
names (``/start``), code spans (``<code>…</code>``) and HTML tags are allowed; any other Latin
word must be in ``tests/data/latin-allowed.yaml`` with a reason. The file's jargon
list names Chinese technical terms that must not appear at all. Problems are ``file:line: word``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pytest
import yaml
from jinja2 import nodes

ROOT = Path(__file__).resolve().parent.parent
ZH = ROOT / "content" / "templates" / "zh"
ALLOWED_FILE = ROOT / "tests" / "data" / "latin-allowed.yaml"

_ENV = jinja2.Environment(trim_blocks=True, lstrip_blocks=True, autoescape=True)
_HIDE = "\x00"  # stands for a value the template fills in
_NOT_OUTPUT = (nodes.Compare, nodes.Test, nodes.Getattr, nodes.Getitem, nodes.Call, nodes.Name)
_PRINTF = re.compile(r"%[-+ 0#]*\d*(?:\.\d+)?[a-zA-Z%]")
_FORMAT_FIELD = re.compile(r"\{[a-z_][a-z0-9_]*(?::[^}]*)?\}")
_MASKS = (
    re.compile(r"<code>.*?</code>", re.S),
    re.compile(r"<[^>]*>"),
    re.compile(r"&(?:[a-z]+|#\d+);"),
    re.compile(r"(?<![A-Za-z0-9_/])/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?"),  # a command name
)
_WORD = re.compile(r"[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*(?:[-_.'][A-Za-z0-9]+)*")


@dataclass(frozen=True)
class Piece:
    line: int
    text: str


def printed(node: nodes.Node, out: list[Piece], output: bool = False) -> None:
    """What ``node`` prints, in order; values filled in at render time become a placeholder."""
    if isinstance(node, nodes.TemplateData):
        out.append(Piece(node.lineno, node.data))
    elif isinstance(node, nodes.Const):
        if output:
            value = node.value if isinstance(node.value, str) else _HIDE
            value = _FORMAT_FIELD.sub(_HIDE, _PRINTF.sub(_HIDE, value))
            out.append(Piece(node.lineno, value))
    elif isinstance(node, _NOT_OUTPUT):
        if output:
            out.append(Piece(node.lineno, _HIDE))
    elif isinstance(node, nodes.Output):
        for shown in node.nodes:
            printed(shown, out, True)
    elif isinstance(node, nodes.Assign):
        printed(node.node, out, True)
    elif isinstance(node, nodes.Pair):
        printed(node.value, out, output)  # a key names an entry; its value is shown
    elif isinstance(node, nodes.If | nodes.For):
        for part in [*node.body, *getattr(node, "elif_", []), *node.else_]:
            printed(part, out)
    elif isinstance(node, nodes.CondExpr):
        printed(node.expr1, out, output)
        if node.expr2 is not None:
            printed(node.expr2, out, output)
    elif isinstance(node, nodes.Filter):
        if node.node is not None:
            printed(node.node, out, output)
    else:
        for inner in node.iter_child_nodes():
            printed(inner, out, output)


def load_allowed(path: Path = ALLOWED_FILE) -> tuple[dict[str, str], dict[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return dict(data.get("allowed") or {}), dict(data.get("jargon") or {})


def scan_source(
    source: str, name: str, allowed: dict[str, str], jargon: dict[str, str]
) -> list[str]:
    """``name:line: word`` for every Latin word or jargon term the template prints."""
    pieces: list[Piece] = []
    printed(_ENV.parse(source), pieces)
    text, lines = "", []
    for piece in pieces:
        for offset, char in enumerate(piece.text):
            text += char
            lines.append(piece.line + piece.text.count("\n", 0, offset))
    masked = text
    for pattern in _MASKS:
        masked = pattern.sub(lambda m: _HIDE * len(m.group(0)), masked)
    for phrase in sorted(allowed, key=len, reverse=True):
        masked = re.sub(
            rf"(?<![A-Za-z0-9]){re.escape(phrase)}(?![A-Za-z0-9])",
            lambda m: _HIDE * len(m.group(0)),
            masked,
        )
    found = [f"{name}:{lines[m.start()]}: {m.group(0)}" for m in _WORD.finditer(masked)]
    for term, instead in jargon.items():
        found += [
            f"{name}:{lines[m.start()]}: {term} (say: {instead})"
            for m in re.finditer(re.escape(term), masked)
        ]
    return found


def scan(folder: Path = ZH, allowed_file: Path = ALLOWED_FILE) -> list[str]:
    allowed, jargon = load_allowed(allowed_file)
    return [
        problem
        for path in sorted(folder.glob("*.j2"))
        for problem in scan_source(
            path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)), allowed, jargon
        )
    ]


def test_chinese_messages_hold_no_english_word_or_jargon() -> None:
    assert scan() == []


def test_every_allowed_word_has_a_reason_and_is_still_used() -> None:
    allowed, jargon = load_allowed()
    assert all(isinstance(r, str) and len(r) > 20 for r in allowed.values()), allowed
    assert all(isinstance(r, str) and r for r in jargon.values()), jargon
    everything = "\n".join(p.read_text(encoding="utf-8") for p in ZH.glob("*.j2"))
    assert [word for word in allowed if word not in everything] == []


def test_a_planted_word_is_found_with_its_file_and_line() -> None:
    source = (
        '{% set ok = "请点 /start 开始" %}\n'
        '{% if kind == "review" %}复习{% endif %}\n'  # code, not text
        "发送 <code>/timezone Asia/Shanghai</code> 可以\n"  # a code span
        "导出为 JSON 格式\n"
        '{% set bad = "设置时区" %}\n'
        '{{ "%02d"|format(n) }} 秒 · Telegram 限制\n'
    )
    found = scan_source(source, "zh/planted.j2", {"Telegram": "an app"}, {"时区": "所在地时间"})
    assert found == ["zh/planted.j2:4: JSON", "zh/planted.j2:5: 时区 (say: 所在地时间)"]


@pytest.mark.parametrize("lang", ["zh"])
def test_the_command_menu_describes_every_command_in_chinese(lang: str) -> None:
    """Commands must be Latin (Telegram's rule); their descriptions are plain Chinese."""
    from bot.handlers.menu import COMMANDS
    from bot.render import Renderer

    render = Renderer(ROOT / "content" / "templates")
    allowed, jargon = load_allowed()
    problems = [
        problem
        for c in COMMANDS
        for problem in scan_source(
            render.label(lang, f"cmd_{c.command}"), f"cmd_{c.command}", allowed, jargon
        )
    ]
    assert problems == []
