"""Citizens' quizzes in private chat: menu, questions, answers, results, review.

Each command and each button is one short handler: decode (done by ``dispatch``), one call to
``QuizService``, render, send. What a message looks like is built by the ``*_view`` functions.
"""

from __future__ import annotations

import string
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.actions import (
    Answer,
    ChooseBank,
    Continue,
    LessonMenu,
    Mistakes,
    Next,
    Open,
    Replace,
    Result,
    RetryMissed,
    SceneText,
    ShowBanks,
    ShowSos,
    Submit,
    Toggle,
    decode,
)
from bot.context import Services, services
from bot.domain.campaigns import session_campaign
from bot.domain.content import Bank, Question, QuestionType
from bot.domain.insight import AnswerRef
from bot.domain.insight import Origin as AnswerOrigin
from bot.domain.limits import CAPTION, MESSAGE_TEXT, shorten, tg_len
from bot.domain.quiz import progress_bar
from bot.domain.session import QuizSession, SessionKind
from bot.handlers.campaign_views import closed_view
from bot.handlers.common import (
    Button,
    Link,
    View,
    edit,
    edit_markup,
    from_person,
    keyboard,
    private_only,
    reply,
)
from bot.handlers.dispatch import Press, on, refusal_key
from bot.handlers.feedback import report_button
from bot.handlers.menu import COMMANDS, OWNER_COMMANDS, home_view
from bot.handlers.pictures import scenario_text, send_scene, visible_len
from bot.services.quiz import (
    Answered,
    MistakesView,
    Presentation,
    Refusal,
    ResultView,
    ResumeOffer,
    Shown,
    TimeUp,
)

LETTERS = string.ascii_uppercase
PRIVATE = filters.ChatType.PRIVATE
PERSONAL_COMMANDS = (
    "start",
    "menu",
    "quiz",
    "stats",
    "leaderboard",
    "settings",
    "mydata",
    "forget",
)
Markup = InlineKeyboardMarkup | None


# --- views: what each message says and which buttons it has --------------------------------


def bank_rows(svc: Services, lang: str) -> list[list[Button]]:
    return [
        [(bank.title.get(lang), ChooseBank(bank.id))] for bank in svc.content.catalog.ordered_banks
    ]


def menu_view(svc: Services, lang: str) -> View:
    banks = len(svc.content.catalog.banks)
    return View(svc.render(lang, "topics", banks=banks), keyboard(bank_rows(svc, lang)))


def quiz_title(svc: Services, lang: str, bank: Bank | None, session: QuizSession) -> str:
    """A bank's title; a campaign attempt shows its campaign's."""
    if bank is not None:
        return bank.title.get(lang)
    campaign_id = session_campaign(session.bank_id)
    campaign = svc.content.catalog.campaigns.get(campaign_id) if campaign_id else None
    return campaign.title.get(lang) if campaign else session.bank_id


def seconds_left(svc: Services, session: QuizSession) -> int | None:
    """A timed attempt's remaining seconds, shown with each question; None when untimed."""
    if session.deadline is None:
        return None
    return max(int((session.deadline - svc.clock()).total_seconds()), 0)


def option_rows(shown: Presentation | Answered, lang: str) -> list[dict[str, Any]]:
    question = shown.question
    ticked = shown.selected if isinstance(shown, Presentation) else shown.chosen_display
    return [
        {
            "letter": LETTERS[position],
            "text": question.options[bank_index].text.get(lang),
            "selected": position in ticked,
            "chosen": position in ticked,
            "correct": question.options[bank_index].correct,
        }
        for position, bank_index in enumerate(shown.order)
    ]


def question_view(svc: Services, lang: str, shown: Presentation) -> View:
    session, question = shown.session, shown.question
    text = svc.render(
        lang,
        "question",
        bank=quiz_title(svc, lang, shown.bank, session),
        number=session.position + 1,
        total=session.total,
        bar=progress_bar(session.position, session.total),
        seconds_left=seconds_left(svc, session),
        scenario=inline_scenario(question, lang),
        picture=question.scene is not None,
        text=question.text.get(lang),
        options=option_rows(shown, lang),
        multiple=question.type is QuestionType.MULTIPLE,
        true_false=question.type is QuestionType.TRUE_FALSE,
        skipped=shown.skipped,
    )
    return View(text, question_keyboard(svc, lang, shown))


def inline_scenario(question: Question, lang: str) -> str | None:
    """The scenario inside the question's message; a scene's is in its picture's caption."""
    if question.scene is not None or question.scenario is None:
        return None
    return question.scenario.get(lang)


def scene_caption(svc: Services, lang: str, shown: Presentation) -> tuple[str, Markup]:
    """The picture's caption: the scenario as text, for people who cannot read the picture;
    when it does not fit Telegram's 1024 characters, a button that sends it instead."""
    session = shown.session
    context = {"number": session.position + 1, "total": session.total}
    caption = svc.render(
        lang, "scene_caption", text=scenario_text(shown.question, lang), **context
    )
    if visible_len(caption) <= CAPTION:
        return caption, None
    label = svc.render.label(lang, "scene_show_text")
    button = SceneText(session.id, session.position)
    return svc.render(lang, "scene_caption", text=None, **context), keyboard([[(label, button)]])


def question_keyboard(svc: Services, lang: str, shown: Presentation) -> Markup:
    session, count = shown.session, len(shown.order)
    width = 4 if count in (4, 8) else 3 if count > 4 else count
    if shown.question.type is not QuestionType.MULTIPLE:
        buttons: list[Button] = [
            (LETTERS[i], Answer(session.id, session.position, i)) for i in range(count)
        ]
        return keyboard([buttons[i : i + width] for i in range(0, count, width)])
    mask = sum(1 << i for i in shown.selected)
    buttons = [
        (
            ("☑️ " if i in shown.selected else "") + LETTERS[i],
            Toggle(session.id, session.position, mask ^ (1 << i)),
        )
        for i in range(count)
    ]
    rows = [buttons[i : i + width] for i in range(0, count, width)]
    rows.append([(svc.render.label(lang, "submit"), Submit(session.id, session.position, mask))])
    return keyboard(rows)


def answered_view(svc: Services, lang: str, done: Answered) -> View:
    """The question with its verdict, explanation, detail and source — within one message:
    a question at every content limit drops its long detail, then shortens its scenario."""
    question = done.question
    context: dict[str, Any] = {
        "bank": quiz_title(svc, lang, done.bank, done.session),
        "number": done.position + 1,
        "total": done.session.total,
        "bar": progress_bar(done.position + 1, done.session.total),
        "scenario": inline_scenario(question, lang),
        "picture": question.scene is not None,
        "text": question.text.get(lang),
        "options": option_rows(done, lang),
        "correct": done.correct,
        "points": done.points,
        "explanation": question.explanation.get(lang),
        "detail": question.detail.get(lang) if question.detail else None,
        "source": question.source.get(lang),
    }
    text = svc.render(lang, "answered", **context)
    if tg_len(text) > MESSAGE_TEXT:
        text = svc.render(lang, "answered", **{**context, "detail": None})
    if tg_len(text) > MESSAGE_TEXT and context["scenario"]:
        context.update(detail=None, scenario=shorten(context["scenario"], 300))
        text = svc.render(lang, "answered", **context)
    return View(text, keyboard(answered_rows(svc, lang, done)))


def answered_rows(svc: Services, lang: str, done: Answered) -> list[list[Button]]:
    """Next (or the result), then 纠错. A campaign attempt's last answer has no "next": its
    result follows in a message of its own."""
    session = done.session
    report = report_button(
        svc.render, lang, AnswerRef(AnswerOrigin.QUIZ, session.id, done.position)
    )
    if session.is_finished and session.kind is SessionKind.CAMPAIGN:
        return [[report]]
    label, target = (
        ("see_result", Result(session.id)) if session.is_finished else ("next", Next(session.id))
    )
    return [[(svc.render.label(lang, label), target)], [report]]


def result_view(svc: Services, lang: str, username: str, shown: ResultView) -> View:
    session, result = shown.session, shown.result
    minutes, seconds = divmod(int(result.elapsed.total_seconds()), 60)
    label = svc.render.label
    rows: list[list[Button]] = []
    if result.correct < result.answered:
        rows.append([(label(lang, "review_mistakes"), Mistakes(session.id))])
        rows.append([(label(lang, "retry_missed"), RetryMissed(session.id))])
    rows.append([(label(lang, "more_quizzes"), ShowBanks())])
    link = f"https://t.me/{username}?start={session.bank_id}"
    rows.append([(label(lang, "share"), Link(f"https://t.me/share/url?url={link}"))])
    text = svc.render(
        lang,
        "result",
        bank=quiz_title(svc, lang, shown.bank, session),
        answered=result.answered,
        correct=result.correct,
        total=session.total,
        accuracy=round(result.accuracy * 100),
        points=result.points,
        minutes=minutes,
        seconds=seconds,
        grade=result.grade_key,
        retry=session.kind.value == "retry",
    )
    return View(text, keyboard(rows))


def resume_view(svc: Services, lang: str, offer: ResumeOffer) -> View:
    session = offer.session
    bank = quiz_title(svc, lang, offer.bank, session)
    wanted = offer.wanted or offer.bank
    label = svc.render.label
    rows: list[list[Button]] = [[(label(lang, "continue"), Continue(session.id))]]
    if wanted is not None:
        key = "replace" if wanted.id != session.bank_id else "restart"
        rows.append([(label(lang, key), Replace(session.id, wanted.id))])
    text = svc.render(
        lang,
        "resume",
        bank=bank,
        wanted=wanted.title.get(lang) if wanted else None,
        answered=session.position,
        number=session.position + 1,
        total=session.total,
    )
    return View(text, keyboard(rows))


def mistakes_blocks(svc: Services, lang: str, view: MistakesView) -> list[str]:
    blocks = [svc.render(lang, "mistakes_header", count=len(view.mistakes))]
    for m in view.mistakes:
        question = m.question
        blocks.append(
            svc.render(
                lang,
                "mistake",
                text=question.text.get(lang),
                scenario=scenario_text(question, lang),
                chosen=[
                    question.options[i].text.get(lang)
                    for i in sorted(m.answer.chosen)
                    if i < len(question.options)
                ],
                correct=[o.text.get(lang) for o in question.options if o.correct],
                explanation=question.explanation.get(lang),
                source=question.source.get(lang),
            )
        )
    return blocks


# --- sending --------------------------------------------------------------------------------


async def send_shown(message: Message, svc: Services, lang: str, shown: Shown) -> None:
    """A question (remembered as the one message whose buttons count) or the result."""
    if isinstance(shown, ResultView):
        await reply(message, result_view(svc, lang, message.get_bot().username, shown))
        return
    if shown.picture:
        await send_picture(message, svc, lang, shown)
    sent = await reply(message, question_view(svc, lang, shown))
    await svc.quiz.shown(shown.session.id, sent.message_id, svc.clock())


async def send_picture(message: Message, svc: Services, lang: str, shown: Presentation) -> None:
    """A scene question's picture, right before its question message (which stays the one
    that is edited and answered)."""
    session, scene = shown.session, shown.question.scene
    assert scene is not None
    caption, markup = scene_caption(svc, lang, shown)
    photo = await send_scene(
        message.get_bot(), message.chat_id, svc, scene, lang, caption=caption, markup=markup
    )
    await svc.quiz.pictured(session.id, session.position, photo.message_id)


async def send_blocks(message: Message, blocks: list[str], markup: Markup) -> None:
    """Send blocks packed into as few messages as Telegram's 4096-character limit allows."""
    chunks: list[str] = []
    for block in blocks:
        if chunks and tg_len(chunks[-1]) + 2 + tg_len(block) <= MESSAGE_TEXT:
            chunks[-1] += "\n\n" + block
        else:
            chunks.append(block)
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        await message.reply_text(chunk, reply_markup=markup if last else None)


async def show_outcome(
    press: Press, outcome: Shown | ResumeOffer | Refusal | None, lang: str
) -> None:
    """Send what a press led to, or say why it changed nothing."""
    message = press.message
    if isinstance(outcome, Refusal) or message is None:
        await press.refuse(refusal_key("toast_", outcome))
        return
    await press.answer()
    await reply_outcome(message, press.svc, lang, outcome)


# --- commands -------------------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    who = await from_person(update, context)
    if who is None:
        return
    svc, lang = who.svc, who.lang
    payload = context.args[0] if context.args else None
    if payload and payload in svc.content.catalog.banks:
        outcome = await svc.quiz.choose(who.user, payload, svc.clock())
        await reply_outcome(who.message, svc, lang, outcome)
        return
    text = svc.render(
        lang,
        "welcome",
        name=who.tg_user.first_name[:64],
        unknown_payload=bool(payload),
        banks=len(svc.content.catalog.banks),
    )
    lessons: list[Button] = [
        (svc.render.label(lang, "lesson_btn_now"), LessonMenu("now")),
        (svc.render.label(lang, "lesson_btn_subscribe"), LessonMenu("sub")),
    ]
    sos: list[Button] = [(svc.render.label(lang, "checker_btn_sos"), ShowSos())]
    more: list[Button] = [(svc.render.label(lang, "menu_open"), Open("menu"))]
    rows: list[list[Button]] = [*bank_rows(svc, lang), lessons, sos, more]
    await who.message.reply_text(text, reply_markup=keyboard(rows))


async def reply_outcome(
    message: Message, svc: Services, lang: str, outcome: Shown | ResumeOffer | None
) -> None:
    if outcome is None:
        await message.reply_text(svc.render(lang, "bank_unavailable"))
    elif isinstance(outcome, ResumeOffer):
        await reply(message, resume_view(svc, lang, outcome))
    else:
        await send_shown(message, svc, lang, outcome)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Lists the commands of this kind of chat, from the same list as the command menu."""
    message, tg_user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or tg_user is None or chat is None:
        return
    svc = services(context)
    private = chat.type == ChatType.PRIVATE
    lang = await svc.people.language_of(tg_user.id, tg_user.language_code)
    label = svc.render.label
    scope = "private" if private else "group"
    commands = [
        (c.command, label(lang, f"cmd_{c.command}")) for c in COMMANDS if scope in c.scopes
    ]
    owner_commands = [(c, label(lang, f"cmd_{c}")) for c in OWNER_COMMANDS]
    owner = svc.is_owner(tg_user.id)
    await message.reply_text(
        svc.render(
            lang, "help", private=private, commands=commands, owner=owner,
            owner_commands=owner_commands,
        ),
        reply_markup=home_view(svc, lang).markup if private else None,
    )  # fmt: skip


async def quiz_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    who = await from_person(update, context)
    if who is None:
        return
    offer = await who.svc.quiz.open_quiz(who.user)
    if offer is not None:
        await reply(who.message, resume_view(who.svc, who.lang, offer))
        return
    await reply(who.message, menu_view(who.svc, who.lang))


# --- buttons --------------------------------------------------------------------------------


@on(ChooseBank)
async def choose_bank(press: Press, action: ChooseBank) -> None:
    svc = press.svc
    user = await svc.people.known(press.tg_user.id)
    if user is None or not press.origin.own_private_chat:
        await press.refuse("toast_start" if user is None else "toast_not_yours")
        return
    outcome = await svc.quiz.choose(user, action.bank, svc.clock())
    await show_outcome(press, outcome, user.language)


@on(ShowBanks)
async def show_banks(press: Press, action: ShowBanks) -> None:
    if press.message is None or not press.origin.own_private_chat:
        await press.refuse("toast_not_yours")
        return
    await press.answer()
    await reply(press.message, menu_view(press.svc, await press.language()))


@on(Replace)
async def replace_quiz(press: Press, action: Replace) -> None:
    svc = press.svc
    outcome = await svc.quiz.replace(press.origin, action.session, action.bank, svc.clock())
    await show_outcome(press, outcome, await press.language())


@on(Continue)
async def continue_quiz(press: Press, action: Continue) -> None:
    outcome = await press.svc.quiz.go_on(press.origin, action.session, press.svc.clock())
    await show_outcome(press, outcome, await press.language())


@on(Next)
async def next_question(press: Press, action: Next) -> None:
    outcome = await press.svc.quiz.next(press.origin, action.session, press.svc.clock())
    await show_outcome(press, outcome, await press.language())


@on(Result)
async def show_result(press: Press, action: Result) -> None:
    outcome = await press.svc.quiz.result(press.origin, action.session, press.svc.clock())
    await show_outcome(press, outcome, await press.language())


@on(RetryMissed)
async def retry_missed(press: Press, action: RetryMissed) -> None:
    svc = press.svc
    outcome = await svc.quiz.retry_missed(press.origin, action.session, svc.clock())
    lang = await press.language()
    if outcome is None and press.message is not None:
        await press.answer()
        await press.message.reply_text(svc.render(lang, "nothing_to_retry"))
        return
    await show_outcome(press, outcome, lang)


@on(Mistakes)
async def show_mistakes(press: Press, action: Mistakes) -> None:
    svc = press.svc
    view = await svc.quiz.mistakes(press.origin, action.session)
    if isinstance(view, Refusal) or press.message is None:
        await press.refuse(refusal_key("toast_", view))
        return
    if press.repeated():
        await press.refuse("toast_sent_below")
        return
    await press.answer()
    lang = await press.language()
    retry = [[(svc.render.label(lang, "retry_missed"), RetryMissed(view.session.id))]]
    markup = keyboard(retry if view.mistakes else [])
    await send_blocks(press.message, mistakes_blocks(svc, lang, view), markup)


@on(SceneText)
async def show_scene_text(press: Press, action: SceneText) -> None:
    svc = press.svc
    question = await svc.quiz.scenario_of(press.origin, action.session, action.position)
    if isinstance(question, Refusal) or press.message is None:
        await press.refuse(refusal_key("toast_", question))
        return
    if press.repeated():
        await press.refuse("toast_sent_below")
        return
    await press.answer()
    lang = await press.language()
    text = scenario_text(question, lang)
    number = action.position + 1
    await press.message.reply_text(svc.render(lang, "scene_text", number=number, text=text))


@on(Toggle)
async def toggle_option(press: Press, action: Toggle) -> None:
    svc = press.svc
    shown = await svc.quiz.toggle(
        press.origin, action.session, action.position, action.selected, svc.clock()
    )
    if isinstance(shown, Refusal) or press.message is None:
        await press.refuse(refusal_key("toast_", shown))
        return
    await press.answer()
    await edit(press.message, question_view(svc, await press.language(), shown))


@on(Answer)
async def answer_option(press: Press, action: Answer) -> None:
    choice = frozenset({action.option})
    await record(press, action.session, action.position, choice, submitted=False)


@on(Submit)
async def submit_options(press: Press, action: Submit) -> None:
    choice = frozenset(i for i in range(12) if action.selected & (1 << i))
    await record(press, action.session, action.position, choice, submitted=True)


async def record(
    press: Press, session_id: int, position: int, choice: frozenset[int], *, submitted: bool
) -> None:
    """The answer path: one read, one write, then the verdict toast and the edited message."""
    svc = press.svc
    outcome = await svc.quiz.answer(
        press.origin, session_id, position, choice, svc.clock(), submitted=submitted
    )
    if isinstance(outcome, TimeUp):
        await time_up(press, outcome)
        return
    if isinstance(outcome, Refusal) or press.message is None:
        await press.refuse(refusal_key("toast_", outcome))
        return
    if outcome.replay and not asks(press.message, session_id, position):
        await press.toast(outcome.language, "toast_already_answered")  # a double tap
        return
    lang = outcome.language
    await press.toast(lang, "toast_correct" if outcome.correct else "toast_wrong")
    await edit(press.message, answered_view(svc, lang, outcome))
    if outcome.closed is not None:  # the attempt's last answer: its result
        await reply(press.message, closed_view(svc, lang, outcome.closed))


async def time_up(press: Press, outcome: TimeUp) -> None:
    """An answer after a campaign attempt's deadline: it does not count; the attempt's
    result replaces the question's buttons (unless the job has shown it already)."""
    await press.refuse("toast_time_up")
    if outcome.closed is None or press.message is None:
        return
    await edit_markup(press.message, None)
    await reply(press.message, closed_view(press.svc, await press.language(), outcome.closed))


def asks(message: Message, session_id: int, position: int) -> bool:
    """Whether the message still shows the answer buttons of that question: an answer was
    stored but the edit showing it never arrived (Telegram timed out)."""
    markup = message.reply_markup
    buttons = [b for row in markup.inline_keyboard for b in row] if markup else []
    for button in buttons:
        action = decode(button.callback_data if isinstance(button.callback_data, str) else None)
        if isinstance(action, Answer | Toggle | Submit) and (
            action.session,
            action.position,
        ) == (session_id, position):
            return True
    return False


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("start", start, filters=PRIVATE))
    app.add_handler(CommandHandler("help", help_command))
    app.add_handler(CommandHandler("quiz", quiz_command, filters=PRIVATE))
    app.add_handler(CommandHandler(PERSONAL_COMMANDS, private_only, filters=~PRIVATE))
