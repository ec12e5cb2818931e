"""Content: load and validate 10,000 generated questions; time and peak memory.

Run: python -m bench.content_load
"""

from __future__ import annotations

import tempfile
import time
import tracemalloc
from pathlib import Path

from bench.common import Row, print_table
from bot.content.loader import load_content

QUESTIONS = 10_000
PER_FILE = 500  # 20 files, each well under the 1 MiB cap


# Four option sets in turn, so the generated banks are clean under the content-quality rules
# too (a tempting distractor each, keys at varied length ranks, caution words on both sides):
# the benchmark measures valid content, the common case.
OPTION_SETS = (
    (("点击链接按提示操作", "拨打银行卡背面的电话", "按短信里的官方链接登录核实身份"), 1, 2),
    (("回复短信询问详情", "按短信里的客服电话回拨核实", "打开自己手机里的银行APP查看"), 2, 1),
    (("在银行APP里查看账户", "点开链接看看是不是官网", "先按提示解除限制再说"), 0, 1),
    (("到银行网点当面问", "按短信提示回拨官方客服核实再操作", "把验证码发给客服核实"), 0, 1),
)


def options(n: int) -> str:
    texts, key, tempting = OPTION_SETS[n % len(OPTION_SETS)]
    lines = []
    for index, text in enumerate(texts):
        lines.append(f"      - zh: {text}\n        en: Option {index + 1}\n")
        if index == key:
            lines.append("        correct: true\n")
        if index == tempting:
            lines.append("        tempting: true\n")
    return "".join(lines)


def question(n: int) -> str:
    return f"""\
  - id: gen-{n:05d}
    type: single
    difficulty: {1 + n % 3}
    tags: [生成, 测试]
    scenario:
      zh: "短信：“【某银行】您的账户存在风险，请点击链接 {n} 解除限制。”"
      en: "SMS: “[A bank] Your account is at risk; tap link {n} to lift the limit.”"
    text:
      zh: 第{n}题：收到这样的短信，你该怎么做？
      en: Question {n}. You get this text message. What do you do?
    options:
{options(n)}    explanation:
      zh: 未知链接不点击；核实请用官方渠道。
      en: Don't tap unknown links; check through official channels.
    source:
      zh: 中国妇女报反诈提示（“三不一多”）
      en: China Women's News, anti-fraud tips
"""


def write_banks(folder: Path) -> None:
    for index in range(QUESTIONS // PER_FILE):
        header = f"""\
format: 1
bank:
  id: gen{index:02d}
  topic: generated
  title:
    zh: 生成题库 {index}
    en: Generated bank {index}
  description:
    zh: 基准测试用
    en: For benchmarks
questions:
"""
        body = "".join(question(index * PER_FILE + n) for n in range(PER_FILE))
        (folder / f"gen{index:02d}.yaml").write_text(header + body, encoding="utf-8")


def measure() -> list[Row]:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        write_banks(folder)
        size = sum(p.stat().st_size for p in folder.iterdir())
        load_content([folder])  # warm the imports
        start = time.perf_counter()
        result = load_content([folder])
        elapsed = time.perf_counter() - start
        tracemalloc.start()
        load_content([folder])
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert result.problems == [], result.problems[:3]
    assert len(result.catalog.questions) == QUESTIONS
    return [
        Row(
            "content",
            f"load + validate {QUESTIONS:,} questions ({size / 2**20:.1f} MiB)",
            f"{elapsed:.2f} s",
            "< 2 s",
        ),
        Row("content", "peak Python memory while loading", f"{peak / 2**20:.0f} MiB"),
    ]


def main() -> None:
    print_table(measure())


if __name__ == "__main__":
    main()
