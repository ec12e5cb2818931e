"""Citizens' quizzes in private chat: menu, questions, answers, results, review."""

from __future__ import annotations

import string
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from bot.context import Services, services
from bot.domain.content import Bank, QuestionType
from bot.domain.limits import MESSAGE_TEXT, tg_len
from bot.domain.quiz import progress_bar
from bot.domain.session import QuizSession
from bot.handlers.common import (
    Button,
    data,
    from_person,
    is_not_modified,
    keyboard,
    parse_ints,
    person,
    toast,
)
from bot.handlers.menu import COMMANDS, OWNER_COMMANDS
from bot.services.quiz import Answered, Presentation, QuizService, Refusal

LETTERS = string.ascii_uppercase
PRIVATE = filters.ChatType.PRIVATE
PERSONAL_COMMANDS = (
    "start",
    "quiz",
    "stats",
    "leaderboard",
    "settings",
    "language",
    "mydata",
    "forget",
)


def quiz_service(svc: Services) -> QuizService:
    return QuizService(svc.repo, svc.content, svc.settings.timezone, svc.rng_factory)


def sorted_banks(svc: Services) -> list[Bank]:
    return sorted(svc.content.catalog.banks.values(), key=lambda b: (b.order, b.id))


def topics_keyboard(svc: Services, lang: str) -> list[list[Button]]:
    return [[(bank.title.get(lang), data("b", bank.id))] for bank in sorted_banks(svc)]


# --- commands -----------------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    who = await from_person(update, context)
    if who is None:
        return
    message, tg_user, svc, lang = who.message, who.tg_user, who.svc, who.lang
    payload = context.args[0] if context.args else None
    if payload and payload in svc.content.catalog.banks:
        await begin(message, svc, tg_user.id, lang, payload)
        return
    await message.reply_text(
        svc.render(
            lang,
            "welcome",
            name=tg_user.first_name,
            unknown_payload=bool(payload),
            banks=len(svc.content.catalog.banks),
        ),
        reply_markup=keyboard(
            [
                *topics_keyboard(svc, lang),
                [
                    (svc.render.label(lang, "lesson_btn_now"), data("lm", "now")),
                    (svc.render.label(lang, "lesson_btn_subscribe"), data("lm", "sub")),
                ],
            ]
        ),
    )


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Lists the commands of this kind of chat, from the same list as the command menu."""
    message, tg_user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or tg_user is None or chat is None:
        return
    svc = services(context)
    private = chat.type == ChatType.PRIVATE
    lang = (await person(svc, tg_user)).language if private else svc.settings.default_language
    scope = "private" if private else "group"
    commands = [
        (c.command, svc.render.label(lang, f"cmd_{c.command}"))
        for c in COMMANDS
        if scope in c.scopes
    ]
    await message.reply_text(
        svc.render(
            lang,
            "help",
            private=private,
            commands=commands,
            owner=svc.is_owner(tg_user.id),
            owner_commands=[
                (command, svc.render.label(lang, f"cmd_{command}")) for command in OWNER_COMMANDS
            ],
        )
    )


async def quiz_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    who = await from_person(update, context)
    if who is None:
        return
    message, svc, lang = who.message, who.svc, who.lang
    open_session = await svc.repo.quizzes.open_session(who.user.user_id)
    if open_session is not None:
        await offer_resume(message, svc, lang, open_session, None)
        return
    await message.reply_text(
        svc.render(lang, "topics", banks=len(svc.content.catalog.banks)),
        reply_markup=keyboard(topics_keyboard(svc, lang)),
    )


async def private_only(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Personal commands sent in a group: point to the private chat instead of answering."""
    message = update.effective_message
    if message is None:
        return
    svc = services(context)
    lang = svc.settings.default_language
    link = f"https://t.me/{context.bot.username}?start=group"
    await message.reply_text(
        svc.render(lang, "private_only"),
        reply_markup=keyboard([[(svc.render.label(lang, "open_private"), f"url:{link}")]]),
    )


# --- starting and resuming ----------------------------------------------------------------


async def begin(message: Message, svc: Services, user_id: int, lang: str, bank_id: str) -> None:
    """Start ``bank_id``, unless a quiz is open: then ask whether to continue or restart."""
    open_session = await svc.repo.quizzes.open_session(user_id)
    if open_session is not None:
        await offer_resume(message, svc, lang, open_session, bank_id)
        return
    await start_new(message, svc, user_id, lang, bank_id)


async def start_new(
    message: Message, svc: Services, user_id: int, lang: str, bank_id: str
) -> None:
    session = await quiz_service(svc).start(user_id, bank_id, svc.clock())
    if session is None:
        await message.reply_text(svc.render(lang, "bank_unavailable"))
        return
    await send_question(message, svc, lang, session)


async def offer_resume(
    message: Message, svc: Services, lang: str, session: QuizSession, bank_id: str | None
) -> None:
    bank = svc.content.catalog.banks.get(session.bank_id)
    await message.reply_text(
        svc.render(
            lang,
            "resume",
            bank=bank.title.get(lang) if bank else session.bank_id,
            number=session.position + 1,
            total=session.total,
        ),
        reply_markup=keyboard(
            [
                [(svc.render.label(lang, "continue"), data("c", session.id))],
                [(svc.render.label(lang, "restart"), data("rs", bank_id or session.bank_id))],
            ]
        ),
    )


async def send_question(message: Message, svc: Services, lang: str, session: QuizSession) -> None:
    shown = await quiz_service(svc).present(session, svc.clock())
    if shown is None:
        refreshed = await svc.repo.quizzes.get_session(session.id)
        await send_result(message, svc, lang, refreshed or session)
        return
    sent = await message.reply_text(
        question_text(svc, lang, shown), reply_markup=question_keyboard(svc, lang, shown)
    )
    await svc.repo.quizzes.set_session_message(session.id, sent.message_id)


def option_rows(shown: Presentation, lang: str) -> list[dict[str, Any]]:
    return [
        {
            "letter": LETTERS[position],
            "text": shown.question.options[bank_index].text.get(lang),
            "selected": position in shown.session.selected,
        }
        for position, bank_index in enumerate(shown.order)
    ]


def question_text(svc: Services, lang: str, shown: Presentation) -> str:
    session, question = shown.session, shown.question
    return svc.render(
        lang,
        "question",
        bank=shown.bank.title.get(lang) if shown.bank else session.bank_id,
        number=session.position + 1,
        total=session.total,
        bar=progress_bar(session.position, session.total),
        scenario=question.scenario.get(lang) if question.scenario else None,
        text=question.text.get(lang),
        options=option_rows(shown, lang),
        multiple=question.type is QuestionType.MULTIPLE,
        true_false=question.type is QuestionType.TRUE_FALSE,
        skipped=shown.skipped,
    )


def question_keyboard(svc: Services, lang: str, shown: Presentation) -> Any:
    session = shown.session
    count = len(shown.order)
    width = 4 if count in (4, 8) else 3 if count > 4 else count
    if shown.question.type is QuestionType.MULTIPLE:
        buttons = [
            (
                ("☑️ " if i in session.selected else "") + LETTERS[i],
                data("t", session.id, session.position, i),
            )
            for i in range(count)
        ]
        rows = [buttons[i : i + width] for i in range(0, count, width)]
        rows.append([(svc.render.label(lang, "submit"), data("s", session.id, session.position))])
        return keyboard(rows)
    buttons = [(LETTERS[i], data("a", session.id, session.position, i)) for i in range(count)]
    return keyboard([buttons[i : i + width] for i in range(0, count, width)])


async def send_result(message: Message, svc: Services, lang: str, session: QuizSession) -> None:
    service = quiz_service(svc)
    result = await service.result(session, svc.clock())
    bank = svc.content.catalog.banks.get(session.bank_id)
    minutes, seconds = divmod(int(result.elapsed.total_seconds()), 60)
    rows: list[list[Button]] = []
    if result.correct < result.answered:
        rows.append([(svc.render.label(lang, "review_mistakes"), data("m", session.id))])
        rows.append([(svc.render.label(lang, "retry_missed"), data("x", session.id))])
    rows.append([(svc.render.label(lang, "more_quizzes"), data("menu"))])
    username = message.get_bot().username
    link = f"https://t.me/{username}?start={session.bank_id}"
    share = f"https://t.me/share/url?url={link}"
    rows.append([(svc.render.label(lang, "share"), f"url:{share}")])
    await message.reply_text(
        svc.render(
            lang,
            "result",
            bank=bank.title.get(lang) if bank else session.bank_id,
            answered=result.answered,
            correct=result.correct,
            total=session.total,
            accuracy=round(result.accuracy * 100),
            points=result.points,
            minutes=minutes,
            seconds=seconds,
            grade=result.grade_key,
            retry=session.kind.value == "retry",
        ),
        reply_markup=keyboard(rows),
    )


# --- buttons ------------------------------------------------------------------------------


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every quiz button. Anything that does not check out gets a toast and changes nothing."""
    query, tg_user = update.callback_query, update.effective_user
    if query is None or tg_user is None or query.data is None:
        return
    svc = services(context)
    user = await person(svc, tg_user)
    lang = user.language
    kind, *parts = query.data.split(":")
    message = query.message if isinstance(query.message, Message) else None
    if message is None:
        await toast(update, svc.render.label(lang, "toast_stale"))
        return
    service = quiz_service(svc)
    now = svc.clock()
    if kind == "b" and len(parts) == 1:
        await query.answer()
        if parts[0] not in svc.content.catalog.banks:
            await message.reply_text(svc.render(lang, "bank_unavailable"))
            return
        await begin(message, svc, tg_user.id, lang, parts[0])
        return
    if kind == "menu" and not parts:
        await query.answer()
        await message.reply_text(
            svc.render(lang, "topics", banks=len(svc.content.catalog.banks)),
            reply_markup=keyboard(topics_keyboard(svc, lang)),
        )
        return
    if kind == "rs" and len(parts) == 1:
        await query.answer()
        bank_id = parts[0] if parts[0] in svc.content.catalog.banks else None
        if bank_id is None:
            await message.reply_text(svc.render(lang, "bank_unavailable"))
            return
        await start_new(message, svc, tg_user.id, lang, bank_id)
        return
    if kind in {"c", "n", "r", "m", "x"}:
        ids = parse_ints(parts, 1)
        owned = await service.owned_session(tg_user.id, ids[0]) if ids else Refusal.INVALID
        if (
            kind == "n"
            and isinstance(owned, QuizSession)
            and owned.message_id != message.message_id
        ):
            owned = Refusal.STALE  # a second press: the next question is already on screen
        if isinstance(owned, Refusal):
            await toast(update, svc.render.label(lang, f"toast_{owned.value}"))
            return
        await query.answer()
        if kind in {"c", "n"}:  # continue an open quiz / the next question
            if owned.is_open:
                await send_question(message, svc, lang, owned)
            elif owned.is_finished:
                await send_result(message, svc, lang, owned)
            else:
                await message.reply_text(svc.render(lang, "session_closed"))
        elif kind == "r":
            await send_result(message, svc, lang, owned)
        elif kind == "m":
            mistakes = await service.mistakes(owned)
            blocks = [svc.render(lang, "mistakes_header", count=len(mistakes))]
            blocks += [
                svc.render(lang, "mistake", **item) for item in mistakes_view(mistakes, lang)
            ]
            buttons = [[(svc.render.label(lang, "retry_missed"), data("x", owned.id))]]
            await send_blocks(message, blocks, keyboard(buttons if mistakes else []))
        else:
            retry = await service.retry_missed(owned, now)
            if retry is None:
                await message.reply_text(svc.render(lang, "nothing_to_retry"))
            else:
                await send_question(message, svc, lang, retry)
        return
    if kind == "t":
        ids = parse_ints(parts, 3)
        toggled = (
            await service.toggle(tg_user.id, ids[0], ids[1], ids[2], now)
            if ids
            else Refusal.INVALID
        )
        if isinstance(toggled, Refusal):
            await toast(update, svc.render.label(lang, f"toast_{toggled.value}"))
            return
        await query.answer()
        await edit(
            message, question_text(svc, lang, toggled), question_keyboard(svc, lang, toggled)
        )
        return
    if kind in {"a", "s"}:
        ids = parse_ints(parts, 3 if kind == "a" else 2)
        if ids is None:
            outcome: Answered | Refusal = Refusal.INVALID
        else:
            choice = frozenset({ids[2]}) if kind == "a" else None
            outcome = await service.answer(user, ids[0], ids[1], choice, now)
        if (
            outcome is Refusal.ALREADY_ANSWERED
            and ids is not None
            and still_asks(message, ids[0], ids[1])
        ):
            # Stored, but the message never showed it (e.g. Telegram timed out on the edit):
            # show the recorded answer now instead of only saying "already answered".
            recorded = await service.recorded(tg_user.id, ids[0], ids[1])
            outcome = recorded if recorded is not None else outcome
        if isinstance(outcome, Refusal):
            await toast(update, svc.render.label(lang, f"toast_{outcome.value}"))
            return
        await toast(
            update, svc.render.label(lang, "toast_correct" if outcome.correct else "toast_wrong")
        )
        await edit(
            message, answered_text(svc, lang, outcome), answered_keyboard(svc, lang, outcome)
        )
        return
    await toast(update, svc.render.label(lang, "toast_invalid"))


def still_asks(message: Message, session_id: int, position: int) -> bool:
    """Whether the message still shows the answer buttons of that question."""
    markup = message.reply_markup
    prefixes = (f"a:{session_id}:{position}:", f"s:{session_id}:{position}")
    return markup is not None and any(
        isinstance(button.callback_data, str) and button.callback_data.startswith(prefixes)
        for row in markup.inline_keyboard
        for button in row
    )


def answered_text(svc: Services, lang: str, done: Answered) -> str:
    question = done.question
    options = [
        {
            "letter": LETTERS[position],
            "text": question.options[bank_index].text.get(lang),
            "chosen": position in done.chosen_display,
            "correct": question.options[bank_index].correct,
        }
        for position, bank_index in enumerate(done.order)
    ]
    return svc.render(
        lang,
        "answered",
        bank=done.bank.title.get(lang) if done.bank else done.session.bank_id,
        number=done.position + 1,
        total=done.session.total,
        bar=progress_bar(done.position + 1, done.session.total),
        scenario=question.scenario.get(lang) if question.scenario else None,
        text=question.text.get(lang),
        options=options,
        correct=done.correct,
        points=done.points,
        explanation=question.explanation.get(lang),
        detail=question.detail.get(lang) if question.detail else None,
        source=question.source.get(lang),
    )


def answered_keyboard(svc: Services, lang: str, done: Answered) -> Any:
    if done.session.is_finished:
        return keyboard([[(svc.render.label(lang, "see_result"), data("r", done.session.id))]])
    return keyboard([[(svc.render.label(lang, "next"), data("n", done.session.id))]])


def mistakes_view(mistakes: list[Any], lang: str) -> list[dict[str, Any]]:
    return [
        {
            "text": m.question.text.get(lang),
            "chosen": [
                m.question.options[i].text.get(lang)
                for i in sorted(m.answer.chosen)
                if i < len(m.question.options)
            ],
            "correct": [o.text.get(lang) for o in m.question.options if o.correct],
            "explanation": m.question.explanation.get(lang),
            "source": m.question.source.get(lang),
        }
        for m in mistakes
    ]


async def send_blocks(message: Message, blocks: list[str], markup: Any) -> None:
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


async def edit(message: Message, text: str, markup: Any) -> None:
    try:
        await message.edit_text(text, reply_markup=markup)
    except BadRequest as exc:
        if not is_not_modified(exc):
            raise


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("start", start, filters=PRIVATE))
    app.add_handler(CommandHandler("help", help_command))
    app.add_handler(CommandHandler("quiz", quiz_command, filters=PRIVATE))
    app.add_handler(CommandHandler(PERSONAL_COMMANDS, private_only, filters=~PRIVATE))
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^(b|menu|rs|c|r|m|x|n|t|a|s)(:|$)"))
