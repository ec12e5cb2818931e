"""A scam's address quoted in a scenario is shown as code, so Telegram never makes it a link."""

from __future__ import annotations

import pytest

from bot.emulator.html import parse_html
from bot.render import Renderer, unlinked
from tests.harness import ROOT


@pytest.mark.parametrize(
    ("text", "coded"),
    [
        ("点击jf-bank.cc登录", ["jf-bank.cc"]),
        ("访问 http://x.example/pay?a=1&b=2 。", ["http://x.example/pay?a=1&b=2"]),
        ("官网 www.abc.com/path，好", ["www.abc.com/path"]),
        ("电话 010-8888-8888，版本 v1.2", []),
    ],
)
def test_links_and_domains_become_code_and_the_rest_stays(text: str, coded: list[str]) -> None:
    plain, entities = parse_html(str(unlinked(text)))
    assert plain == text
    shown = [plain[e.offset : e.offset + e.length] for e in entities if e.type == "code"]
    assert shown == coded


def test_the_scenario_of_a_question_is_escaped_then_unlinked() -> None:
    render = Renderer(ROOT / "content" / "templates")
    text = render(
        "zh",
        "mistake",
        text="这是什么？",
        scenario="<b>假</b> 登录 jf-bank.cc 领取",
        chosen=["A"],
        correct=["B"],
        explanation="解",
        source="源",
    )
    assert "&lt;b&gt;假&lt;/b&gt; 登录 <code>jf-bank.cc</code> 领取" in text
