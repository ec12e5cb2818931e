"""Load and check question banks and lessons.

Every problem names its file, line and column. ``load_content`` never raises for bad content:
it returns the problems, and a catalog built from what was valid. Callers refuse the catalog when
there is any error (``LoadResult.ok``).
"""

from __future__ import annotations

import difflib
import gc
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.content import guess, rules, scenes
from bot.content.campaigns import PendingCampaign, load_campaign, resolve_campaigns
from bot.content.problems import Checked, Problem, Severity
from bot.content.schema import (
    FORMAT_VERSION,
    BankFileModel,
    LessonFileModel,
    LessonModel,
    OptionModel,
    QuestionModel,
    TextModel,
)
from bot.content.yamlnodes import Mark, YamlError, compose, load_fast, load_reference, locate
from bot.domain import limits
from bot.domain.content import (
    DEFAULT_REVIEW_EVERY_DAYS,
    Bank,
    Catalog,
    Lesson,
    Option,
    Question,
    QuestionType,
    Text,
    Verdict,
    is_expired,
    is_overdue,
    review_due,
    scene_text_both,
)

MAX_FILE_BYTES = 1024 * 1024
ModelT = TypeVar("ModelT", bound=BaseModel)
YAML_SUFFIXES = (".yaml", ".yml")


class At(NamedTuple):
    """Where a problem is, resolved to a line only when it is reported (most never are)."""

    loc: tuple[int | str, ...]
    key: bool = False


Where = Mark | At


@dataclass
class LoadResult(Checked):
    catalog: Catalog
    problems: list[Problem]
    files: int
    checked_banks: tuple[str, ...] = ()
    """Ids of the banks in the files checked (not in context files), in menu order."""


@dataclass
class _File:
    path: Path
    display: str
    report: bool  # False for files loaded only to resolve references
    text: str = ""
    _node: yaml.Node | None = None
    _composed: bool = False

    @property
    def node(self) -> yaml.Node | None:
        """PyYAML's node tree, built only when a problem in this file needs a position."""
        if not self._composed:
            self._composed = True
            try:
                self._node = compose(self.text)
            except YamlError:  # the fast reader took what PyYAML refuses: point at the top
                self._node = None
        return self._node

    @node.setter
    def node(self, node: yaml.Node | None) -> None:
        self._node, self._composed = node, True

    def mark(self, where: Where) -> Mark:
        if isinstance(where, Mark):
            return where
        return locate(self.node, where.loc, key=where.key)

    def line_of(self, where: Where) -> str:
        return f"{self.display}:{self.mark(where).line}"


@dataclass
class _State:
    today: date | None = None  # None: no freshness checks and nothing expires
    strict: bool = False  # quality warnings become errors
    problems: list[Problem] = field(default_factory=list)
    banks: dict[str, tuple[Bank, _File, Where]] = field(default_factory=dict)
    questions: dict[str, tuple[Question, _File, Where]] = field(default_factory=dict)
    lessons: dict[str, tuple[Lesson, _File, Where]] = field(default_factory=dict)
    lesson_checks: list[tuple[Lesson, _File, Where]] = field(default_factory=list)
    draws: list[tuple[Bank, _File, Where]] = field(default_factory=list)
    lesson_topics: list[tuple[Lesson, _File, Where]] = field(default_factory=list)
    campaigns: list[PendingCampaign] = field(default_factory=list)  # bot.content.campaigns
    groups: dict[str, list[tuple[Question, _File, Where]]] = field(default_factory=dict)
    digest: Any = field(default_factory=hashlib.sha256)
    failed: bool = False  # a file had an error: what it defines may be missing

    def add(self, file: _File, where: Where, severity: Severity, message: str) -> None:
        if file.report:
            mark = file.mark(where)
            self.problems.append(Problem(file.display, mark.line, mark.col, severity, message))

    def error(self, file: _File, where: Where, message: str) -> None:
        self.failed = True  # content-quality errors (--strict) do not count: nothing is missing
        self.add(file, where, Severity.ERROR, message)

    def warning(self, file: _File, where: Where, message: str) -> None:
        self.add(file, where, Severity.WARNING, message)

    def quality(self, file: _File, where: Where, message: str) -> None:
        """A content-quality or freshness finding: a warning, an error under ``--strict``."""
        self.add(file, where, Severity.ERROR if self.strict else Severity.WARNING, message)


def find_files(paths: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    """Expand folders into their YAML files (sorted); a missing path is a problem."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(p for p in path.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file())
            )
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(str(path), 1, 1, Severity.ERROR, "no such file or folder"))
    return files, problems


def load_content(
    paths: Sequence[Path],
    *,
    context: Sequence[Path] = (),
    today: date | None = None,
    strict: bool = False,
) -> LoadResult:
    """Load every YAML file under ``paths``; ``context`` files only resolve references.

    Context lets an editor validate one new file and still see clashes with, and references
    to, the content already in the configured folders.

    ``today`` (the local date in the bot's time zone; the caller reads the clock) turns on the
    freshness checks and leaves out of the catalog what has expired by then; without it nothing
    expires. ``strict`` makes content-quality and freshness warnings errors.
    """
    state = _State(today=today, strict=strict)
    files, state.problems = find_files(paths)
    state.failed = bool(state.problems)  # a path that is missing: its content is missing too
    seen = {p.resolve() for p in files}
    context_files = [p for p in find_files(context)[0] if p.resolve() not in seen]
    # Loading creates about 100 containers per question, nearly all of which live on in the
    # catalog: the cyclic collector would walk them again and again to find no garbage (a
    # third of the time for 10,000 questions). It runs once, when loading is over.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for path, report in [(p, True) for p in files] + [(p, False) for p in context_files]:
            _load_file(state, path, report)
    finally:
        if collecting:
            gc.enable()
    _check_references(state)
    campaigns = resolve_campaigns(state)
    _check_expiry(state)
    catalog = Catalog(
        banks={bank_id: bank for bank_id, (bank, _, _) in state.banks.items()},
        lessons=tuple(
            sorted((lesson for lesson, _, _ in state.lessons.values()), key=_lesson_key)
        ),
        questions={qid: q for qid, (q, _, _) in state.questions.items()},
        version=state.digest.hexdigest()[:12],
        campaigns=campaigns,
    )
    if today is not None:
        catalog = catalog.served_on(today)
    checked = sorted(
        (bank for bank, file, _ in state.banks.values() if file.report),
        key=lambda bank: (bank.order, bank.id),
    )
    return LoadResult(
        catalog, sorted(state.problems), len(files), tuple(bank.id for bank in checked)
    )


def _lesson_key(lesson: Lesson) -> tuple[str, int, str]:
    return (lesson.topic, lesson.order, lesson.id)


def _read(state: _State, file: _File) -> str | None:
    try:
        size = file.path.stat().st_size
        if size > MAX_FILE_BYTES:
            state.error(
                file,
                Mark(1, 1),
                f"file is {size:,} bytes; the limit is 1 MiB",
            )
            return None
        raw = file.path.read_bytes()
    except OSError as exc:
        state.error(file, Mark(1, 1), f"cannot read the file: {exc.strerror or exc}")
        return None
    state.digest.update(file.display.encode() + b"\0" + raw)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        state.error(
            file, Mark(line, col), "the file is not UTF-8 text: save it with UTF-8 encoding"
        )
        return None


def _load_file(state: _State, path: Path, report: bool) -> None:
    file = _File(path, str(path), report)
    text = _read(state, file)
    if text is None:
        return
    file.text = text
    # Happy path: yaml-rs reads the file and the models accept it. Any doubt (a feature the two
    # readers could read differently, a syntax error, a wrong type, a newer format) and the
    # file is read again by PyYAML, whose problems and positions are the reference.
    parsed = _parse_quietly(load_fast(text))
    if isinstance(parsed, BankFileModel):
        _add_bank(state, file, parsed)
        return
    if isinstance(parsed, LessonFileModel):
        _add_lessons(state, file, parsed)
        return
    try:
        file.node, data = load_reference(text)
    except YamlError as exc:
        state.error(file, exc.mark, exc.message)
        return
    if data is None:
        state.error(file, Mark(1, 1), "the file is empty")
        return
    if not isinstance(data, dict):
        state.error(file, Mark(1, 1), "expected a mapping with 'bank:' or 'lessons:' at the top")
        return
    version = data.get("format")
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        state.error(
            file,
            At(("format",)),
            f"format {version} is newer than this bot understands ({FORMAT_VERSION}): "
            "update the bot",
        )
        return
    if "bank" in data:
        _load_bank(state, file, data)
    elif "lessons" in data:
        _load_lessons(state, file, data)
    elif "campaign" in data:
        load_campaign(state, file, data)
    else:
        state.error(
            file,
            Mark(1, 1),
            "not a bank file (needs 'bank:' and 'questions:') "
            "nor a lesson file (needs 'lessons:')",
        )


def _parse_quietly(data: Any) -> BankFileModel | LessonFileModel | None:
    """The file's model when ``data`` is a valid bank or lesson file, else None (no problems)."""
    if not isinstance(data, dict):
        return None
    model: type[BankFileModel | LessonFileModel]
    if "bank" in data:
        model = BankFileModel
    elif "lessons" in data:
        model = LessonFileModel
    else:
        return None
    try:
        return model.model_validate(data)
    except ValidationError:
        return None


# --- structural validation (pydantic) --------------------------------------------------------


def _describe(model: type[BaseModel], error: Any) -> str:
    """A plain sentence for one pydantic error."""
    loc = [p for p in error["loc"] if isinstance(p, str)]
    name = loc[-1] if loc else "value"
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return f"missing key '{name}'"
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, error["loc"][:-1])
        hint = difflib.get_close_matches(name, allowed, n=1)
        suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
        return f"unknown key '{name}'{suggestion}; allowed: {', '.join(allowed)}"
    if kind in {"string_type", "int_type", "bool_type", "list_type", "model_type", "dict_type"}:
        wanted = {
            "string_type": "text",
            "int_type": "a whole number",
            "bool_type": "true or false",
            "list_type": "a list",
            "model_type": "a mapping",
            "dict_type": "a mapping",
        }[kind]
        quote = ""
        if kind == "string_type" and isinstance(value, bool | int | float):
            quote = f" (YAML read it as {_type_name(value)}; put the text in quotes)"
        return f"'{name}' must be {wanted}, not {_type_name(value)}{quote}"
    if kind == "value_error":
        return f"'{name}' {ctx.get('error', error['msg'])}"
    if kind == "literal_error":
        expected = ctx.get("expected", "one of the allowed values")
        return f"'{name}' must be {expected}, not {value!r}"
    if kind == "string_pattern_mismatch" and name == "time":
        return f"'time' must be a clock time written HH:MM such as 09:41, not {value!r}"
    if kind == "string_pattern_mismatch":
        return (
            f"'{name}' {value!r} is not a valid id: use lower-case letters, digits, "
            "'_' or '-', at most 40 characters"
        )
    if kind in {"greater_than_equal", "less_than_equal"}:
        bound = ctx.get("ge", ctx.get("le"))
        relation = "at least" if kind == "greater_than_equal" else "at most"
        return f"'{name}' must be {relation} {bound}, not {value!r}"
    return f"'{name}': {error['msg']}"


def _type_name(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    return {
        "str": "text",
        "int": "a number",
        "float": "a number",
        "list": "a list",
        "dict": "a mapping",
    }.get(type(value).__name__, type(value).__name__)


def _allowed_keys(model: type[BaseModel], loc: Sequence[int | str]) -> list[str]:
    """Field names of the model found at ``loc`` inside ``model``."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        info = current.model_fields.get(part)
        if info is None:
            return []
        current = _inner_model(info.annotation)
        if current is None:
            return []
    return [info.alias or field for field, info in current.model_fields.items()]


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _validate(
    state: _State, file: _File, model: type[ModelT], data: dict[str, Any]
) -> ModelT | None:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        _report(state, file, model, exc)
        return None


def _report(state: _State, file: _File, model: type[BaseModel], exc: ValidationError) -> None:
    for error in exc.errors():
        where = At(tuple(error["loc"]), error["type"] == "extra_forbidden")
        state.error(file, where, _describe(model, error))


# --- banks ------------------------------------------------------------------------------------


def _load_bank(state: _State, file: _File, data: dict[str, Any]) -> None:
    try:
        parsed = BankFileModel.model_validate(data)
    except ValidationError as exc:
        _report(state, file, BankFileModel, exc)
        # Still check the questions that are well-formed, so one slip does not hide the rest;
        # those pydantic already named are not validated again.
        broken = {
            e["loc"][1]
            for e in exc.errors()
            if e["loc"][:1] == ("questions",) and len(e["loc"]) > 1
        }
        items = data.get("questions")
        if isinstance(items, list):
            for index, item in enumerate(items):
                if index in broken:
                    continue
                try:
                    well_formed = QuestionModel.model_validate(item)
                except ValidationError:
                    continue
                _check_question(state, file, well_formed, ["questions", index])
        return
    _add_bank(state, file, parsed)


def _add_bank(state: _State, file: _File, parsed: BankFileModel) -> None:
    info = parsed.bank
    bank_mark = At(("bank", "id"))
    if file.path.stem != info.id:
        state.warning(
            file, bank_mark, f"bank id '{info.id}' differs from the file name '{file.path.name}'"
        )
    _check_text(state, file, info.title, ["bank", "title"], "title", limit=64)
    _check_text(state, file, info.description, ["bank", "description"], "description", limit=500)
    questions: list[Question] = []
    for index, model in enumerate(parsed.questions):
        loc: list[int | str] = ["questions", index]
        if not _check_question(state, file, model, loc):
            continue
        question = _question(model, info.id, info.topic)
        where = At((*loc, "id"))
        previous = state.questions.get(question.id)
        if previous is not None:
            first = previous[1].line_of(previous[2])
            state.error(
                file, where, f"duplicate question id '{question.id}' (first defined at {first})"
            )
            continue
        state.questions[question.id] = (question, file, where)
        questions.append(question)
        if question.group is not None:
            state.groups.setdefault(question.group, []).append(
                (question, file, At((*loc, "group")))
            )
        _check_freshness(
            state,
            file,
            loc,
            f"question '{question.id}'",
            (question.reviewed, question.expires),
            info.review_every_days,
        )
    bank = Bank(
        id=info.id,
        topic=info.topic,
        title=_text(info.title),
        description=_text(info.description),
        questions_per_quiz=info.questions_per_quiz,
        questions=tuple(questions),
        draw_from=tuple(info.draw_from),
        order=info.order,
        review_every_days=info.review_every_days,
    )
    previous_bank = state.banks.get(info.id)
    if previous_bank is not None:
        first = previous_bank[1].line_of(previous_bank[2])
        state.error(file, bank_mark, f"duplicate bank id '{info.id}' (first defined at {first})")
        return
    state.banks[info.id] = (bank, file, bank_mark)
    for message in guess.bank_findings(info.id, questions):
        state.quality(file, bank_mark, message)
    if not parsed.questions and not info.draw_from:
        state.error(file, bank_mark, "the bank has no questions and draws from no other bank")
    if info.draw_from:
        state.draws.append((bank, file, At(("bank", "draw_from"))))


def _check_question(state: _State, file: _File, q: QuestionModel, loc: list[int | str]) -> bool:
    """Rules pydantic cannot express. Returns False when the question is unusable."""
    before = len(state.problems)
    where = f"question '{q.id}'"
    options_mark = At((*loc, "options"), key=True)
    count = len(q.options)
    if not limits.POLL_OPTIONS_MIN <= count <= limits.POLL_OPTIONS_MAX:
        state.error(
            file,
            options_mark,
            f"{where} has {count} option{'s' if count != 1 else ''}; "
            f"Telegram allows {limits.POLL_OPTIONS_MIN} to {limits.POLL_OPTIONS_MAX}",
        )
    correct = sum(option.correct for option in q.options)
    if q.type in ("single", "true_false") and correct != 1:
        state.error(
            file,
            options_mark,
            f"{where} is {q.type} and needs exactly one option with 'correct: true' "
            f"(found {correct})",
        )
    if q.type == "true_false" and count != 2:
        state.error(file, options_mark, f"{where} is true_false and needs exactly two options")
    if q.type == "multiple" and correct == 0:
        state.error(file, options_mark, f"{where} is multiple and has no correct option")
    _check_text(state, file, q.text, [*loc, "text"], "text", limit=limits.POLL_QUESTION)
    _check_text(
        state,
        file,
        q.explanation,
        [*loc, "explanation"],
        "explanation",
        limit=limits.POLL_EXPLANATION,
        line_feeds=limits.POLL_EXPLANATION_LINE_FEEDS,
    )
    _check_text(state, file, q.source, [*loc, "source"], "source", limit=300)
    if q.scenario is not None:
        _check_text(state, file, q.scenario, [*loc, "scenario"], "scenario", limit=limits.SCENARIO)
    if q.scene is not None:
        _check_scene_texts(state, file, q, loc)
    if q.detail is not None:
        _check_text(state, file, q.detail, [*loc, "detail"], "detail", limit=1500)
    seen: dict[str, int] = {}
    for index, option in enumerate(q.options):
        _check_text(
            state,
            file,
            option,
            [*loc, "options", index],
            f"option {index + 1}",
            limit=limits.POLL_OPTION,
        )
        if option.zh.strip() in seen:
            state.error(
                file,
                At((*loc, "options", index)),
                f"{where}: option {index + 1} repeats option {seen[option.zh.strip()] + 1}",
            )
        seen.setdefault(option.zh.strip(), index)
    if _has_error(state, before):
        return False
    findings: list[rules.Finding] = []
    if q.scene is not None:
        findings += scenes.check(q.scene, where, has_scenario=q.scenario is not None)
    findings += rules.check(q)  # the rules assume a well-formed question
    for finding in findings:
        at = At((*loc, *finding.loc), finding.key)
        if finding.level == "error":
            state.error(file, at, finding.message)
        else:  # never makes the question unusable, even as an error under --strict
            state.quality(file, at, finding.message)
    return not any(finding.level == "error" for finding in findings)


def _check_scene_texts(state: _State, file: _File, q: QuestionModel, loc: list[int | str]) -> None:
    assert q.scene is not None
    sender = q.scene.sender
    base = [*loc, "scene", "sender"]
    if not sender.zh.strip():
        state.error(file, At((*base, "zh")), "scene sender: the Chinese text is empty")
    for lang, value in (("zh", sender.zh.strip()), ("en", (sender.en or "").strip())):
        if limits.tg_len(value) > scenes.SENDER_CHARS:
            state.error(
                file,
                At((*base, lang)),
                f"scene sender ({lang}) is {limits.tg_len(value)} characters; "
                f"the limit is {scenes.SENDER_CHARS}",
            )
    if not (sender.en or "").strip() and not sender.zh.isascii():
        # A number needs no translation; a name such as 王总 does.
        state.warning(file, At(tuple(base), key=True), "scene sender: no English translation")
    for index, bubble in enumerate(q.scene.messages):
        _check_text(
            state,
            file,
            bubble.text,
            [*loc, "scene", "messages", index, "text"],
            f"scene message {index + 1}",
            limit=scenes.MESSAGE_CHARS,
        )


def _has_error(state: _State, since: int) -> bool:
    return any(p.severity is Severity.ERROR for p in state.problems[since:])


def _check_text(
    state: _State,
    file: _File,
    text: TextModel | OptionModel,
    loc: list[int | str],
    name: str,
    *,
    limit: int,
    line_feeds: int | None = None,
) -> None:
    # Runs for every text of every question: positions are built only for a problem, and the
    # UTF-16 count only when the text could exceed the limit (a character is 1 or 2 units).
    zh = text.zh.strip()
    if not zh:
        state.error(file, At((*loc, "zh")), f"{name}: the Chinese text is empty")
    en = text.en.strip() if text.en is not None else ""
    if not en:
        state.warning(file, At(tuple(loc), key=True), f"{name}: no English translation")
    for lang, value in (("zh", zh), ("en", en)):
        if not value:
            continue
        if 2 * len(value) > limit:
            length = limits.tg_len(value)
            if length > limit:
                state.error(
                    file,
                    At((*loc, lang)),
                    f"{name} ({lang}) is {length} characters; the limit is {limit}",
                )
        if line_feeds is not None:
            breaks = value.count("\n")
            if breaks > line_feeds:
                state.error(
                    file,
                    At((*loc, lang)),
                    f"{name} ({lang}) has {breaks} line breaks; a quiz poll allows {line_feeds}",
                )


def _text(model: TextModel | OptionModel) -> Text:
    en = model.en.strip() if model.en else None
    return Text(zh=model.zh.strip(), en=en or None)


def _question(model: QuestionModel, bank_id: str, topic: str) -> Question:
    scene = scenes.to_domain(model.scene) if model.scene else None
    if model.scenario:
        scenario: Text | None = _text(model.scenario)
    else:  # the text version every layer shows where the picture cannot be
        scenario = scene_text_both(scene) if scene else None
    return Question(
        id=model.id,
        bank_id=bank_id,
        topic=topic,
        type=QuestionType(model.type),
        text=_text(model.text),
        options=tuple(Option(_text(o), o.correct, o.tempting) for o in model.options),
        explanation=_text(model.explanation),
        source=_text(model.source),
        difficulty=model.difficulty,
        tags=tuple(model.tags),
        scenario=scenario,
        detail=_text(model.detail) if model.detail else None,
        reviewed=model.reviewed,
        expires=model.expires,
        group=model.group,
        verdict=Verdict(model.verdict) if model.verdict else None,
        scene=scene,
    )


# --- lessons ----------------------------------------------------------------------------------


def _load_lessons(state: _State, file: _File, data: dict[str, Any]) -> None:
    parsed = _validate(state, file, LessonFileModel, data)
    if parsed is not None:
        _add_lessons(state, file, parsed)


def _add_lessons(state: _State, file: _File, parsed: LessonFileModel) -> None:
    if not parsed.lessons:
        state.warning(file, At(("lessons",)), "the file has no lessons")
    for index, model in enumerate(parsed.lessons):
        loc: list[int | str] = ["lessons", index]
        mark = At((*loc, "id"))
        _check_lesson(state, file, model, loc)
        lesson = Lesson(
            id=model.id,
            topic=model.topic,
            order=model.order,
            title=_text(model.title),
            body=_text(model.body),
            takeaways=tuple(_text(t) for t in model.takeaways),
            action=_text(model.action),
            source=_text(model.source),
            check=model.check,
            reviewed=model.reviewed,
            expires=model.expires,
        )
        previous = state.lessons.get(lesson.id)
        if previous is not None:
            first = previous[1].line_of(previous[2])
            state.error(
                file, mark, f"duplicate lesson id '{lesson.id}' (first defined at {first})"
            )
            continue
        state.lessons[lesson.id] = (lesson, file, mark)
        _check_freshness(
            state,
            file,
            loc,
            f"lesson '{lesson.id}'",
            (lesson.reviewed, lesson.expires),
            DEFAULT_REVIEW_EVERY_DAYS,
        )
        state.lesson_topics.append((lesson, file, At((*loc, "topic"))))
        if lesson.check is not None:
            state.lesson_checks.append((lesson, file, At((*loc, "check"))))


def _check_lesson(state: _State, file: _File, model: LessonModel, loc: list[int | str]) -> None:
    _check_text(state, file, model.title, [*loc, "title"], "title", limit=100)
    _check_text(state, file, model.body, [*loc, "body"], "body", limit=limits.LESSON_BODY)
    body_zh = limits.tg_len(model.body.zh.strip())
    if body_zh > limits.LESSON_BODY_ONE_SCREEN_ZH:
        state.warning(
            file,
            At((*loc, "body", "zh")),
            f"body (zh) is {body_zh} characters: more than one screen "
            f"(aim for at most {limits.LESSON_BODY_ONE_SCREEN_ZH})",
        )
    for index, takeaway in enumerate(model.takeaways):
        _check_text(
            state, file, takeaway, [*loc, "takeaways", index], f"takeaway {index + 1}", limit=200
        )
    _check_text(state, file, model.action, [*loc, "action"], "action", limit=300)
    _check_text(state, file, model.source, [*loc, "source"], "source", limit=300)


# --- references across files ------------------------------------------------------------------


def _check_references(state: _State) -> None:
    """Checks across files. After a file failed, a missing bank, question or topic may just be
    in that file: those follow-on problems are not reported (one cause, one message)."""
    if state.failed:
        return
    for group, members in state.groups.items():
        if len(members) == 1:
            question, file, mark = members[0]
            state.quality(
                file,
                mark,
                f"group '{group}' has only question '{question.id}': a group joins questions "
                "that test the same fact (check the spelling)",
            )
    for bank, file, mark in state.draws:
        for source in bank.draw_from:
            if source == bank.id:
                state.error(file, mark, f"bank '{bank.id}' cannot draw from itself")
            elif source not in state.banks:
                state.error(file, mark, f"draw_from names an unknown bank '{source}'")
            elif state.banks[source][0].draw_from:
                state.error(
                    file, mark, f"'{source}' draws from other banks itself; nest only one level"
                )
    topics = {bank.topic for bank, _, _ in state.banks.values()}
    for lesson, file, mark in state.lesson_topics:
        if topics and lesson.topic not in topics:
            state.error(
                file,
                mark,
                f"lesson '{lesson.id}' has topic '{lesson.topic}', which no bank has "
                f"(known: {', '.join(sorted(topics))})",
            )
    for lesson, file, mark in state.lesson_checks:
        if lesson.check not in state.questions:
            hint = difflib.get_close_matches(lesson.check or "", list(state.questions), n=1)
            suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
            state.error(
                file,
                mark,
                f"lesson '{lesson.id}' checks with question '{lesson.check}', "
                f"which does not exist{suggestion}",
            )


# --- freshness --------------------------------------------------------------------------------


def _check_freshness(
    state: _State,
    file: _File,
    loc: list[int | str],
    name: str,
    dates: tuple[date | None, date | None],
    every_days: int,
) -> None:
    """Missing, overdue or future ``reviewed`` dates; an ``expires`` date that has passed."""
    today = state.today
    if today is None:
        return
    reviewed, expires = dates
    if reviewed is None:
        state.quality(
            file,
            At((*loc, "id")),
            f"{name} has no 'reviewed' date: add 'reviewed: YYYY-MM-DD' once it has been "
            "checked against its source",
        )
    elif reviewed > today:
        state.quality(
            file,
            At((*loc, "reviewed")),
            f"{name}: reviewed {reviewed.isoformat()} is after today ({today.isoformat()})",
        )
    elif is_overdue(reviewed, every_days, today):
        state.quality(
            file,
            At((*loc, "reviewed")),
            f"{name} is overdue for review: reviewed {reviewed.isoformat()}, due by "
            f"{review_due(reviewed, every_days).isoformat()} (every {every_days} days)",
        )
    if is_expired(expires, today):
        assert expires is not None
        state.warning(
            file,
            At((*loc, "expires")),
            f"{name} expired on {expires.isoformat()} and is not served",
        )


def _check_expiry(state: _State) -> None:
    """What expiry does to the rest: lessons lose their check, banks may run short."""
    today = state.today
    if today is None:
        return
    for lesson, file, mark in state.lesson_checks:
        entry = state.questions.get(lesson.check or "")
        if entry is None or is_expired(lesson.expires, today):
            continue
        question = entry[0]
        if is_expired(question.expires, today):
            assert question.expires is not None
            state.warning(
                file,
                mark,
                f"lesson '{lesson.id}': its check question '{question.id}' expired on "
                f"{question.expires.isoformat()}, so the lesson is sent without a check",
            )
    for bank, file, mark in state.banks.values():
        pool = list(bank.questions)
        for source in bank.draw_from:
            if source in state.banks and source != bank.id:
                pool.extend(state.banks[source][0].questions)
        expired = sum(is_expired(q.expires, today) for q in pool)
        served = len(pool) - expired
        if expired and served < bank.questions_per_quiz:
            state.quality(
                file,
                mark,
                f"bank '{bank.id}' has {served} question{'s' if served != 1 else ''} left to "
                f"serve after {expired} expired; one quiz needs {bank.questions_per_quiz}",
            )
