"""Every user-visible sentence comes from a Jinja2 template under ``content/templates/<lang>/``.

HTML parse mode with autoescape: a first name like ``<b>&amp;`` is shown literally.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from bot.domain.content import LANGUAGES


class Renderer:
    def __init__(
        self, templates_dir: Path, default_language: str = "zh", *, auto_reload: bool = False
    ) -> None:
        """``auto_reload`` re-reads changed templates (the local preview); off, they are cached."""
        self.default_language = default_language
        self._envs = {
            lang: jinja2.Environment(
                loader=jinja2.FileSystemLoader(templates_dir / lang),
                autoescape=True,
                undefined=jinja2.StrictUndefined,
                trim_blocks=True,
                lstrip_blocks=True,
                keep_trailing_newline=False,
                auto_reload=auto_reload,
            )
            for lang in LANGUAGES
        }
        for env in self._envs.values():
            env.globals["t"] = _localized
            env.filters["unlinked"] = unlinked

    def language(self, lang: str | None) -> str:
        return lang if lang in self._envs else self.default_language

    def label(self, lang: str | None, key: str, /, *args: Any) -> str:
        """A short text from ``labels.j2`` (buttons, toasts): a variable or a macro."""
        module = self._envs[self.language(lang)].get_template("labels.j2").module
        value = getattr(module, key)
        return str(value(*args) if callable(value) else value).strip()

    def __call__(self, lang: str | None, name: str, /, **context: Any) -> str:
        """Render ``<lang>/<name>.j2``; surrounding blank lines are trimmed."""
        lang = self.language(lang)
        template = self._envs[lang].get_template(f"{name}.j2")
        return template.render(lang=lang, **context).strip()


def _localized(value: Any, lang: str) -> str:
    """``{{ t(question.text, lang) }}``: a content Text in the reader's language."""
    getter = getattr(value, "get", None)
    if getter is None:
        return str(value)
    return str(getter(lang))


# A link or a bare domain in a scenario: a scam's fake address, shown but never clickable.
_LINKISH = re.compile(
    r"(?<![A-Za-z0-9.-])(?:https?://[^\s<\u3000-\u303f\uff00-\uffef]+"
    r"|(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,24}(?:/[^\s<\u3000-\u303f\uff00-\uffef]*)?)",
    re.ASCII,
)


def unlinked(value: Any) -> Markup:
    """``{{ scenario | unlinked }}``: the text, escaped, with its links and domains as code.

    Telegram turns ``jf-bank.cc`` or ``http://…`` in a message into a live link; a scam's
    address quoted in a lesson must stay words, so it is shown as code, which is never linked.
    """
    escaped = str(escape(str(value)))
    return Markup(_LINKISH.sub(lambda m: f"<code>{m.group(0)}</code>", escaped))  # noqa: S704 - escaped above
