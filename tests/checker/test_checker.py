"""The checker on messages a person would send: verdicts, quotes, links, bounds, privacy."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest

from bot.domain.checker import Checker, Risk, defang
from bot.domain.normalise import MAX_CHARS
from tests.checker.conftest import ROOT, shipped_ids


def ids(checker: Checker, text: str) -> list[str]:
    return [f.signal for f in checker.check(text).findings]


def test_fake_police_with_a_safe_account_is_high_risk_and_quoted_as_written(
    checker: Checker,
) -> None:
    verdict = checker.check("我是公安局的，你涉嫌洗錢，请把存款转到 安 全 帳 戶 配合调查。")
    assert verdict.risk is Risk.HIGH
    first = verdict.findings[0]
    assert (first.signal, first.quote) == ("safe-account", "安 全 帳 戶")
    assert first.kind.name.zh == "安全账户"
    assert (verdict.lesson, verdict.bank) == ("tf-l03", "telecom_fraud")
    assert not verdict.money_gone


def test_the_issue_example_is_flagged(checker: Checker) -> None:
    verdict = checker.check("我刚接到一个自称公安的电话，让我转钱，怎么办？")
    assert verdict.risk.flagged
    assert {k.id for k in verdict.kinds} >= {"police"}


def test_a_bank_alert_that_says_never_share_the_code_is_not_flagged(checker: Checker) -> None:
    for text in (
        "【某某银行】验证码：482913，您正在进行网上支付。验证码5分钟内有效，切勿告知他人。",
        "请勿泄露验证码，本行工作人员不会向您索要。",
        "Your code is 123456. Never share it with anyone.",
    ):
        assert checker.check(text).risk in (Risk.NONE, Risk.LOW), text


def test_asking_for_the_code_is_high_risk_even_when_spaced_out(checker: Checker) -> None:
    for text in (
        "刚才发到你手机上的验证码告诉我一下",
        "把验\u200b证\u200b码发给我，马上帮你解冻",
        "Please read the verification code back to me.",
    ):
        verdict = checker.check(text)
        assert verdict.risk is Risk.HIGH, text
        assert "code-request" in [f.signal for f in verdict.findings]


def test_negation_before_a_phrase_turns_it_into_advice(checker: Checker) -> None:
    assert "safe-account" not in ids(checker, "公检法机关不会让你把钱转入安全账户")
    assert "safe-account" in ids(checker, "马上把钱转入安全账户")


def test_a_counter_pattern_cancels_a_look_alike(checker: Checker) -> None:
    assert "prize-fee" in ids(checker, "恭喜您中奖了，领奖前请先缴纳手续费。")
    assert "prize-fee" not in ids(checker, "恭喜您中奖了，凭小票到服务台领取，无需支付任何费用。")


def test_money_already_gone_is_a_flag(checker: Checker) -> None:
    verdict = checker.check("我被骗了，钱已经转过去了，对方把我拉黑了")
    assert verdict.money_gone
    assert verdict.risk is Risk.HIGH
    assert verdict.lesson == "tf-l11"
    assert not checker.check("我刚把房租转给房东了").money_gone


def test_nothing_found_is_none(checker: Checker) -> None:
    for text in ("周末一起吃饭吗？", "😀😀😀", "", "https", "Hello, how are you?"):
        verdict = checker.check(text)
        assert (verdict.risk, verdict.findings) == (Risk.NONE, ()), text


def test_a_link_is_a_sign_and_is_quoted_defanged(checker: Checker) -> None:
    verdict = checker.check("您的ETC已失效，请登录 http://etc-renew.top/a?x=1 重新认证")
    assert verdict.risk is Risk.HIGH
    quotes = [f.safe_quote for f in verdict.findings]
    assert "登录 hxxp://etc-renew[.]top/a?x=1" in quotes
    assert all("http://" not in quote and ".top" not in quote for quote in quotes)


def test_defang() -> None:
    assert (
        defang("点 https://a.b.example.com/x.html 看")
        == "点 hxxps://a[.]b[.]example[.]com/x[.]html 看"
    )
    assert defang("www.evil.top") == "www[.]evil[.]top"
    assert defang("加 kf-8.vip 领取") == "加 kf-8[.]vip 领取"
    assert (
        defang("打 400-123-4567 或 96110，金额 3.5 万") == "打 400-123-4567 或 96110，金额 3.5 万"
    )
    assert defang("http://10.0.0.1/login") == "hxxp://10[.]0[.]0[.]1/login"


def test_json_has_exactly_the_documented_shape(checker: Checker) -> None:
    data = checker.check("请打开屏幕共享，我指导你操作退款").to_json()
    assert set(data) == {"risk", "signals"}
    assert data["risk"] in {"high", "medium", "low", "none"}
    assert data["signals"][0] == {
        "id": "screen-share",
        "kind": "screen_share",
        "match": "屏幕共享",
    }


def test_links_point_to_shipped_lessons_and_banks(checker: Checker) -> None:
    lessons, banks = shipped_ids()
    for signal in checker.signals:
        assert signal.lesson in lessons, signal.id
        assert signal.bank in banks, signal.id


def test_long_and_hostile_input_stays_bounded(checker: Checker) -> None:
    verdict = checker.check("安全账户" * 100_000)
    assert verdict.truncated
    assert verdict.risk is Risk.HIGH
    assert checker.check("a" * MAX_CHARS + "安全账户").findings == ()  # after the cut
    for text in ("(" * 4096, "\\" * 4096, "转" * 4096, "a-" * 2048, "\u200b" * 4096):
        checker.check(text)  # no exception, no backtracking blow-up


def test_checking_logs_nothing_at_any_level(
    checker: Checker, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "我的验证码是 815502，请转到安全账户"
    with caplog.at_level(logging.DEBUG):
        checker.check(secret)
    assert caplog.records == []


@pytest.mark.parametrize(
    "module",
    ["bot/domain/checker.py", "bot/domain/normalise.py", "bot/content/signals.py"],
)
def test_checker_modules_have_no_logging_or_printing(module: str) -> None:
    tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (
            node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")]
        )
    }
    assert "logging" not in imported
    calls = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert "print" not in calls
    assert Path(ROOT / module).exists()
