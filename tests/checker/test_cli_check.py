"""`quizbot check` and `quizbot schema --signals`, run as an editor runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.test_cli import ROOT, quizbot


def test_check_prints_the_verdict_in_plain_words() -> None:
    run = quizbot("check", "我是公安局的，你涉嫌洗钱，把钱转到安 全 账 户", cwd=ROOT)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "risk 风险: 高风险 high risk (score 13)"
    assert '- safe-account +6 [safe_account: 安全账户 / "Safe account"] “安 全 账 户”' in lines
    assert "    links: lesson tf-l03, bank telecom_fraud" in lines
    assert lines[-1] == "money already gone 钱已转出: no 否"


def test_check_json_has_exactly_the_documented_shape() -> None:
    run = quizbot("check", "--json", "请把手机收到的验证码发给我", cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {
        "risk": "high",
        "signals": [{"id": "code-request", "kind": "code_request", "match": "验证码"}],
    }


def test_check_reads_standard_input_with_a_dash() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bot.cli", "check", "--json", "-"],
        cwd=ROOT,
        input="周末一起吃饭吗？\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {"risk": "none", "signals": []}


def test_check_with_broken_signals_names_the_problem_and_exits_1(tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "signals").mkdir(parents=True)
    (content / "lessons").mkdir()
    (content / "signals" / "bad.yaml").write_text(
        "format: 1\nsignals:\n  - id: x\n    kind: nope\n", encoding="utf-8"
    )
    run = quizbot(
        "check", "hello", cwd=tmp_path, env={"CONTENT_DIR": str(content), "QUIZZES_DIR": "q"}
    )
    assert run.returncode == 1
    assert run.stdout == ""
    assert f"{content / 'signals' / 'bad.yaml'}:3:5: error: missing key 'weight'" in run.stderr


def test_check_starts_without_importing_telegram() -> None:
    code = (
        "import sys; from bot.cli import main; main(['check', '--json', 'hi']); "
        "print(any(m == 'telegram' or m.startswith('telegram.') for m in sys.modules))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert run.stdout.splitlines()[-1] == "False", run.stderr


def test_committed_signal_schema_is_current() -> None:
    run = quizbot("schema", "--signals", cwd=ROOT)
    assert run.returncode == 0
    assert (ROOT / "schema" / "signal.schema.json").read_text(encoding="utf-8") == run.stdout, (
        "schema/signal.schema.json is stale: "
        "run `quizbot schema --signals > schema/signal.schema.json`"
    )
    schema = json.loads(run.stdout)
    assert schema["title"] == "Checker signals file (format 1)"
    assert set(schema["properties"]) == {"format", "kinds", "negation", "signals"}
