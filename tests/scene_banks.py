"""Small banks with scene questions (an SMS, a call, a chat) and one plain question, for the
private quiz and group event tests of scene pictures."""

from __future__ import annotations

from pathlib import Path

OPTIONS = """\
    text:
      zh: 你该怎么做？
      en: What should you do?
    options:
      - zh: 挂断后自己拨打官方电话核实
        en: Hang up and call the official number yourself
        correct: true
      - zh: 按对方说的号码回拨确认
        en: Call back the number they give
        tempting: true
      - zh: 照对方说的去做
        en: Do as they say
    explanation:
      zh: 先用自己查到的号码核实，再行动。
      en: Check on a number you looked up yourself before you act.
    source:
      zh: 公安部刑侦局警方提示
      en: Ministry of Public Security, police advice
"""

SMS = """\
  - id: sc-sms
    scene:
      kind: sms
      sender:
        zh: "10690000"
      time: "09:41"
      messages:
        - text:
            zh: 【某某银行】您的积分即将清零，请登录 jf-bank.cc 兑换现金。
            en: "[Some Bank] Your points expire soon. Log in at jf-bank.cc to swap them for cash."
        - from: me
          text:
            zh: 怎么兑换？
            en: How do I swap them?
"""

CALL = """\
  - id: sc-call
    scene:
      kind: call
      sender:
        zh: 010-8XXX XXXX
      time: "10:26"
      messages:
        - text:
            zh: 这里是某市公安局，你名下的银行卡涉嫌洗钱，现在对你做电话笔录。
            en: This is the city police. A card in your name is linked to money laundering.
"""

CHAT = """\
  - id: sc-chat
    scene:
      kind: chat
      sender:
        zh: 王总
        en: Mr Wang
      messages:
        - text:
            zh: 我在开会，马上给这个账户转20万元定金。
            en: I'm in a meeting. Transfer a 200,000-yuan deposit to this account now.
"""

PLAIN = """\
  - id: sc-plain
    scenario:
      zh: 短信：“您的快递丢失，请加客服QQ办理理赔。”
      en: "SMS: “Your parcel is lost; add our agent on QQ for compensation.”"
"""

LONG = """\
  - id: sc-long
    scenario:
      zh: "{zh}"
      en: "{en}"
    scene:
      kind: chat
      sender:
        zh: 某某客服
        en: Support
      messages:
        - text:
            zh: 您的订单异常，请按我说的操作退款。
            en: There is a problem with your order; follow my steps for a refund.
"""

HEAD = """\
format: 1
bank:
  id: {bank}
  topic: telecom_fraud
  order: {order}
  title:
    zh: {title}
    en: Scenes {bank}
  description:
    zh: 测试
    en: Test
  questions_per_quiz: {count}
questions:
"""

LONG_EN = ("The agent explains, step by step, how the refund works and what to press. " * 14)[
    :990
].strip()
"""An English text version of about 1000 characters: with its heading, too long for a caption."""


def write_scene_banks(folder: Path) -> None:
    """``scenes``: an SMS, a call, a chat and a plain question; ``scene_only``: four scene
    questions; ``long_scene``: one scene whose English text version does not fit a photo's
    caption."""
    folder.mkdir(parents=True, exist_ok=True)
    questions = [SMS, CALL, CHAT, PLAIN]
    text = HEAD.format(bank="scenes", order=1, title="情景题库", count=4)
    text += "".join(q + OPTIONS for q in questions)
    (folder / "scenes.yaml").write_text(text, encoding="utf-8")
    only = HEAD.format(bank="scene_only", order=3, title="全是情景", count=4)
    only += "".join(
        q.replace("  - id: sc-", f"  - id: only{n}-") + OPTIONS
        for n, q in enumerate([SMS, CALL, CHAT, CHAT])
    )
    (folder / "scene_only.yaml").write_text(only, encoding="utf-8")
    long = HEAD.format(bank="long_scene", order=2, title="长情景", count=1)
    long += LONG.format(zh="客服一步步讲解退款怎么操作。" * 20, en=LONG_EN) + OPTIONS
    (folder / "long_scene.yaml").write_text(long, encoding="utf-8")
