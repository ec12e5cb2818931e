"""The shape of the code, kept by tests: layers, short handlers, one place for callback data.

Each rule reads the source with ``ast``; each has a test that a planted violation is caught.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot.actions import REGISTRY
from bot.storage.db import migrations

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot"
HANDLER_LINES = 40
STORAGE_LINES = 400


def imported_modules(source: str) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def forbidden_imports(root: Path, prefix: str) -> list[str]:
    return [
        f"{path.name}:{line}: imports {module}"
        for path in sorted(root.rglob("*.py"))
        for line, module in imported_modules(path.read_text(encoding="utf-8"))
        if module == prefix or module.startswith(prefix + ".")
    ]


def long_functions(source: str, limit: int) -> list[str]:
    return [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > limit
    ]


def test_handlers_never_touch_storage() -> None:
    assert forbidden_imports(BOT / "handlers", "bot.storage") == []


def test_services_never_import_telegram() -> None:
    assert forbidden_imports(BOT / "services", "telegram") == []


def test_a_planted_storage_import_in_a_handler_is_caught(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("from bot.storage.repository import Repository\n")
    (tmp_path / "ok.py").write_text("from bot.storage_like import x\nimport bot.services\n")
    assert len(forbidden_imports(tmp_path, "bot.storage")) == 1


def test_no_handler_function_is_longer_than_40_lines() -> None:
    found = {
        str(path.relative_to(ROOT)): long_functions(path.read_text(encoding="utf-8"), 40)
        for path in sorted((BOT / "handlers").glob("*.py"))
    }
    assert {path: names for path, names in found.items() if names} == {}


def test_a_long_function_is_caught() -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(40))
    assert long_functions(f"def f():\n{body}\n", HANDLER_LINES) == ["f (41 lines)"]
    assert long_functions(f"def f():\n{body[: body.rfind(chr(10))]}\n", HANDLER_LINES) == []


def test_no_storage_module_is_longer_than_400_lines() -> None:
    sizes = {
        path.name: len(path.read_text(encoding="utf-8").splitlines())
        for path in (BOT / "storage").glob("*.py")
    }
    assert {name: n for name, n in sizes.items() if n > STORAGE_LINES} == {}


def test_sql_stays_in_storage() -> None:
    """No SQL statement text outside bot/storage (the bulk seeder is storage too)."""
    statement = re.compile(r"[\"'](SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM) ", re.I)
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted(BOT.rglob("*.py"))
        if "storage" not in path.parts and statement.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_no_handler_splits_callback_data() -> None:
    """Callback data is decoded in one place (bot/actions.py), never split by hand."""
    pattern = re.compile(r"(callback_data|query\.data|\.data)\s*\.split\(|split\(\s*[\"']:[\"']")
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((BOT / "handlers").glob("*.py"))
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_migrations_are_numbered_and_contiguous() -> None:
    found = migrations()
    assert [m.version for m in found] == list(range(1, len(found) + 1))
    files = sorted(p.name for p in (BOT / "storage" / "migrations").glob("*.sql"))
    assert len(files) == len(found)  # no file that the loader's name pattern skips
    assert all(re.fullmatch(r"\d{4}_[a-z0-9_]+\.sql", name) for name in files)


def test_every_action_has_exactly_one_handler() -> None:
    from bot.handlers import (  # noqa: F401 - routes
        campaigns,
        checker,
        dispatch,
        events,
        feedback,
        groups,
        home,
        lessons,
        profile,
        quiz,
    )

    routes = dispatch.routes()
    assert set(routes) == set(REGISTRY.values())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_refusal_has_a_toast(lang: str) -> None:
    """A press refused for any reason gets a toast in the person's language."""
    from bot.render import Renderer
    from bot.services.quiz import Refusal

    render = Renderer(ROOT / "content" / "templates")
    for reason in Refusal:
        assert render.label(lang, f"toast_{reason.value}")
        assert render.label(lang, f"lesson_toast_{reason.value}")
    for key in ("toast_invalid", "toast_forget_not_yours", "event_toast_stale"):
        assert render.label(lang, key)
