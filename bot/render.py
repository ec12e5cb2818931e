"""Every user-visible sentence comes from a Jinja2 template under ``content/templates/<lang>/``.

HTML parse mode with autoescape: a first name like ``<b>&amp;`` is shown literally.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

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
