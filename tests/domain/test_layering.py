"""The domain stays pure: no Telegram, database, templates, network, or clock.

The checker resolves import aliases, so ``from datetime import datetime as dt; dt.now()`` and
``import time as t; t.time()`` are caught, and so is a bare reference such as
``clock = date.today`` (a clock smuggled in as a default argument).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "bot" / "domain"

FORBIDDEN_MODULES = frozenset({"telegram", "aiosqlite", "jinja2", "httpx", "sqlite3"})
FORBIDDEN_CLOCK = frozenset(
    {
        "datetime.datetime.now",
        "datetime.datetime.utcnow",
        "datetime.datetime.today",
        "datetime.date.today",
        "time.time",
        "time.time_ns",
        "time.monotonic",
        "time.monotonic_ns",
        "time.perf_counter",
        "time.perf_counter_ns",
    }
)
# Matched on the written text too, for names that were not imported in the usual way.
FORBIDDEN_CLOCK_TEXT = frozenset({"datetime.now", "datetime.utcnow", "date.today", "time.time"})
FORBIDDEN_BUILTINS = frozenset({"open", "input", "__import__"})


def _dotted(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def find_violations(source: str, filename: str = "<string>") -> list[str]:
    """Every forbidden import or clock use in ``source``, as ``file:line: message``."""
    tree = ast.parse(source, filename=filename)
    aliases: dict[str, str] = {}
    found: list[str] = []

    def report(node: ast.AST, message: str) -> None:
        found.append(f"{filename}:{getattr(node, 'lineno', 0)}: {message}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in FORBIDDEN_MODULES:
                    report(node, f"forbidden import {alias.name}")
                local = alias.asname or alias.name.split(".")[0]
                aliases[local] = alias.name if alias.asname else local
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] in FORBIDDEN_MODULES:
                report(node, f"forbidden import from {node.module}")
            for alias in node.names:
                qualified = f"{node.module}.{alias.name}"
                aliases[alias.asname or alias.name] = qualified
                if qualified in FORBIDDEN_CLOCK:
                    report(node, f"clock import {qualified}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            written = _dotted(node)
            if written is None:
                continue
            head, _, rest = written.partition(".")
            resolved = f"{aliases.get(head, head)}.{rest}"
            if resolved in FORBIDDEN_CLOCK or written in FORBIDDEN_CLOCK_TEXT:
                report(node, f"clock use {written}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in FORBIDDEN_BUILTINS
            and node.func.id not in aliases
        ):
            report(node, f"I/O builtin {node.func.id}()")
    return found


def check_tree(root: Path) -> list[str]:
    found: list[str] = []
    for path in sorted(root.rglob("*.py")):
        found += find_violations(path.read_text(encoding="utf-8"), str(path))
    return found


def test_domain_layer_is_pure() -> None:
    files = sorted(DOMAIN.rglob("*.py"))
    names = {p.name for p in files}
    assert {"quiz.py", "events.py", "schedule.py", "content.py"} <= names
    assert check_tree(DOMAIN) == []


def test_clean_source_passes() -> None:
    source = """
from datetime import date, datetime, timedelta
import random
from bot.domain.content import Question

def due(today: date, now: datetime) -> date:
    return today + timedelta(days=1)

class Clock:
    def now(self) -> int:
        return 0

Clock().now()
"""
    assert find_violations(source) == []


@pytest.mark.parametrize(
    "source",
    [
        "import telegram",
        "import telegram.ext",
        "from telegram import Update",
        "from telegram.ext import Application",
        "import aiosqlite",
        "import jinja2 as j",
        "from jinja2 import Environment",
        "import httpx",
        "import sqlite3",
        "from sqlite3 import connect",
        "def f():\n    import telegram\n",
    ],
)
def test_forbidden_imports_detected(source: str) -> None:
    assert len(find_violations(source)) == 1


@pytest.mark.parametrize(
    "source",
    [
        "from datetime import datetime\nx = datetime.now()",
        "from datetime import datetime\nx = datetime.utcnow()",
        "import datetime\nx = datetime.datetime.now()",
        "import datetime as dt\nx = dt.datetime.now(dt.UTC)",
        "from datetime import datetime as D\nx = D.now()",
        "from datetime import date\nx = date.today()",
        "import datetime\nx = datetime.date.today()",
        "import time\nx = time.time()",
        "import time as t\nx = t.monotonic()",
        "from datetime import date\ndef f(clock=date.today):\n    return clock()",
        "x = open('quizzes/a.yaml')",
    ],
)
def test_clock_and_io_detected(source: str) -> None:
    assert find_violations(source)


def test_from_time_import_time_detected_at_import() -> None:
    found = find_violations("from time import time\nx = time()", "bot/domain/bad.py")
    assert found == ["bot/domain/bad.py:1: clock import time.time"]


def test_violation_names_file_and_line() -> None:
    source = "from datetime import date\n\n\ndef f() -> date:\n    return date.today()\n"
    assert find_violations(source, "bot/domain/x.py") == [
        "bot/domain/x.py:5: clock use date.today"
    ]


def test_planted_violation_in_a_tree_fails(tmp_path: Path) -> None:
    package = tmp_path / "domain"
    package.mkdir()
    (package / "ok.py").write_text("from datetime import date\n", encoding="utf-8")
    (package / "sub").mkdir()
    (package / "sub" / "bad.py").write_text(
        "import telegram\nfrom datetime import datetime\nNOW = datetime.now()\n", encoding="utf-8"
    )
    found = check_tree(package)
    assert len(found) == 2
    assert all("bad.py" in line for line in found)
    assert any(":1: forbidden import telegram" in line for line in found)
    assert any(":3: clock use datetime.now" in line for line in found)
