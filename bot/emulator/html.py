"""Telegram's HTML parse mode, ported from tdlib's ``parse_html`` (td/telegram/MessageEntity.cpp).

The port walks UTF-8 bytes like tdlib does, so error messages carry the same byte offsets and
wording Telegram sends, and entity offsets/lengths are counted in UTF-16 code units. Quirks kept on
purpose because real Telegram has them: unknown ``&name;`` and a lone ``&`` stay literal text, the
``;`` after an entity is optional, end tags may be written as ``</>``, empty entities are dropped,
an ``<a>`` with an unusable href silently becomes plain text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Entity", "HtmlParseError", "parse_html", "plain_len", "utf16_len"]

_SUPPORTED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "tg-time",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_URL_SCHEMES = ("http://", "https://", "tg://", "ton://", "ftp://")
_SPACES = b" \t\r\n\v\0"


class HtmlParseError(ValueError):
    """Malformed HTML, worded like Telegram so tests can compare with what the bot would see.

    ``detail`` is tdlib's text, ``description`` what the Bot API returns, and ``str(error)`` what
    python-telegram-bot shows in ``BadRequest.message`` (it capitalizes the description).
    """

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(f"can't parse entities: {detail}".capitalize())

    @property
    def description(self) -> str:
        """The Bot API ``description`` field for this error."""
        return f"Bad Request: can't parse entities: {self.detail}"


@dataclass(frozen=True, slots=True)
class Entity:
    """One MessageEntity; offsets and lengths are UTF-16 code units, as in the Bot API."""

    type: str
    offset: int
    length: int
    url: str | None = None
    language: str | None = None
    user_id: int | None = None
    custom_emoji_id: str | None = None
    unix_time: int | None = None
    date_time_format: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Bot API JSON; a text_mention only carries ``{"id": ...}`` until a caller fills it."""
        data: dict[str, Any] = {"type": self.type, "offset": self.offset, "length": self.length}
        if self.url is not None:
            data["url"] = self.url
        if self.language is not None:
            data["language"] = self.language
        if self.user_id is not None:
            data["user"] = {"id": self.user_id}
        if self.custom_emoji_id is not None:
            data["custom_emoji_id"] = self.custom_emoji_id
        if self.unix_time is not None:
            data["unix_time"] = self.unix_time
        if self.date_time_format is not None:
            data["date_time_format"] = self.date_time_format
        return data


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def plain_len(text: str, parse_mode: str | None) -> int:
    """Length of ``text`` after entity parsing, i.e. what Telegram compares with 4096/1024."""
    if not parse_mode:
        return utf16_len(text)
    if parse_mode.lower() == "html":
        return utf16_len(parse_html(text)[0])
    raise ValueError(f"parse mode {parse_mode!r} is not emulated; use HTML")


@dataclass(slots=True)
class _Open:
    tag: str
    argument: str
    offset: int
    begin: int  # byte position in the output, for <a> without href
    extra: str = ""


class _Parser:
    """A byte-level port of ``do_parse_html``; ``at()`` returns 0 past the end like a C string."""

    def __init__(self, text: bytes) -> None:
        self.text = text
        self.out = bytearray()
        self.entities: list[Entity] = []
        self.utf16 = 0

    def at(self, i: int) -> int:
        return self.text[i] if i < len(self.text) else 0

    def decode_entity(self, pos: int) -> tuple[int, int]:
        """Returns (code point, position after it) or (0, pos) when ``&`` is literal text."""
        end = pos + 1
        res = 0
        if self.at(end) == ord("#"):
            end += 1
            if self.at(end) == ord("x"):
                end += 1
                while chr(self.at(end)) in "0123456789abcdefABCDEF" and self.at(end):
                    res = res * 16 + int(chr(self.at(end)), 16)
                    end += 1
                    if res >= 0x10FFFF:
                        return 0, pos
            else:
                while ord("0") <= self.at(end) <= ord("9"):
                    res = res * 10 + self.at(end) - ord("0")
                    end += 1
                    if res >= 0x10FFFF:
                        return 0, pos
            if res == 0 or res >= 0x10FFFF or end - pos >= 10:
                return 0, pos
        else:
            while chr(self.at(end)).isascii() and chr(self.at(end)).isalpha():
                end += 1
            name = self.text[pos + 1 : end]
            named = {b"lt": "<", b"gt": ">", b"amp": "&", b"quot": '"'}.get(bytes(name))
            if named is None:
                return 0, pos
            res = ord(named)
        if self.at(end) == ord(";"):
            end += 1
        return res, end

    def append_code_point(self, cp: int) -> None:
        self.out += chr(cp).encode("utf-8", "surrogatepass")
        self.utf16 += 2 if cp > 0xFFFF else 1

    def parse(self) -> tuple[str, list[Entity]]:
        stack: list[_Open] = []
        text = self.text
        i = 0
        while i < len(text):
            c = text[i]
            if c == ord("&"):
                cp, after = self.decode_entity(i)
                if cp:
                    self.append_code_point(cp)
                    i = after
                    continue
            if c != ord("<"):
                if c & 0xC0 != 0x80:  # first byte of a UTF-8 sequence
                    self.utf16 += 2 if c >= 0xF0 else 1
                self.out.append(c)
                i += 1
                continue
            begin = i
            i += 1
            if self.at(i) != ord("/"):
                i = self.start_tag(begin, i, stack)
            else:
                i = self.end_tag(begin, i, stack)
        if stack:
            raise HtmlParseError(
                f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"'
            )
        for n, entity in enumerate(self.entities):
            if entity.type == "code" and entity.language:
                self.entities[n] = Entity("code", entity.offset, entity.length)
        self.entities.sort(key=lambda e: (e.offset, -e.length))
        try:
            plain = self.out.decode("utf-8")
        except UnicodeDecodeError:
            raise HtmlParseError(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            ) from None
        return plain, self.entities

    def start_tag(self, begin: int, i: int, stack: list[_Open]) -> int:
        text_at = self.at
        while text_at(i) not in _SPACES and text_at(i) != ord(">"):
            i += 1
        if text_at(i) == 0:
            raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
        tag = self.text[begin + 1 : i].decode("utf-8", "replace").lower()
        if tag not in _SUPPORTED_TAGS:
            raise HtmlParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')
        argument = ""
        extra = ""
        while text_at(i) != ord(">"):
            while text_at(i) != 0 and text_at(i) in _SPACES:
                i += 1
            if text_at(i) == ord(">"):
                break
            attr_begin = i
            while text_at(i) not in _SPACES and text_at(i) not in (ord("="), ord(">")):
                i += 1
            attr = self.text[attr_begin:i].decode("utf-8", "replace")
            if not attr:
                raise HtmlParseError(
                    f'Empty attribute name in the tag "{tag}" at byte offset {begin}'
                )
            while text_at(i) != 0 and text_at(i) in _SPACES:
                i += 1
            if text_at(i) != ord("="):
                if tag == "blockquote" and attr == "expandable":
                    argument = "1"
                    if text_at(i) == 0:
                        raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
                    continue
                raise HtmlParseError(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag}" at byte offset {begin}'
                )
            i += 1
            while text_at(i) != 0 and text_at(i) in _SPACES:
                i += 1
            if text_at(i) == 0:
                raise HtmlParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
            value, i = self.attribute_value(i)
            if text_at(i) == 0:
                raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
            if tag == "a" and attr == "href":
                argument = value
            elif tag == "code" and attr == "class" and value.startswith("language-"):
                argument = value[len("language-") :]
            elif tag == "span" and attr == "class" and value.startswith("tg-"):
                argument = value[len("tg-") :]
            elif (tag == "tg-emoji" and attr == "emoji-id") or (
                tag == "tg-time" and attr == "unix"
            ):
                argument = value
            elif tag == "tg-time" and attr == "format":
                extra = value
        if tag == "span" and argument != "spoiler":
            raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
        stack.append(_Open(tag, argument, self.utf16, len(self.out), extra))
        return i + 1

    def attribute_value(self, i: int) -> tuple[str, int]:
        """A quoted string (entities decoded) or a lower-cased name token."""
        quote = self.at(i)
        if quote not in (ord("'"), ord('"')):
            start = i
            while chr(self.at(i)).isascii() and (
                chr(self.at(i)).isalnum() or self.at(i) in (ord("."), ord("-"))
            ):
                i += 1
            if self.at(i) not in _SPACES and self.at(i) != ord(">"):
                raise HtmlParseError(f"Unexpected end of name token at byte offset {start}")
            return self.text[start:i].decode("utf-8", "replace").lower(), i
        i += 1
        value = bytearray()
        while self.at(i) != quote and self.at(i) != 0:
            if self.at(i) == ord("&"):
                cp, after = self.decode_entity(i)
                if cp:
                    value += chr(cp).encode("utf-8", "surrogatepass")
                    i = after
                    continue
            value.append(self.text[i])
            i += 1
        if self.at(i) == quote:
            i += 1
        return value.decode("utf-8", "replace"), i

    def end_tag(self, begin: int, i: int, stack: list[_Open]) -> int:
        if not stack:
            raise HtmlParseError(f"Unexpected end tag at byte offset {begin}")
        while self.at(i) not in _SPACES and self.at(i) != ord(">"):
            i += 1
        end_name = self.text[begin + 2 : i].decode("utf-8", "replace").lower()
        while self.at(i) != 0 and self.at(i) in _SPACES:
            i += 1
        if self.at(i) != ord(">"):
            raise HtmlParseError(f"Unclosed end tag at byte offset {begin}")
        opened = stack.pop()
        if end_name and end_name != opened.tag:
            raise HtmlParseError(
                f'Unmatched end tag at byte offset {begin}, expected "</{opened.tag}>", '
                f'found "</{end_name}>"'
            )
        if self.utf16 > opened.offset:
            self.close_entity(opened, self.utf16 - opened.offset)
        return i + 1

    def close_entity(self, opened: _Open, length: int) -> None:
        offset, tag, arg = opened.offset, opened.tag, opened.argument
        entities = self.entities
        same_span = bool(entities) and (entities[-1].offset, entities[-1].length) == (
            offset,
            length,
        )
        if tag in _SIMPLE_TAGS:
            entities.append(Entity(_SIMPLE_TAGS[tag], offset, length))
        elif tag == "blockquote":
            kind = "expandable_blockquote" if arg else "blockquote"
            entities.append(Entity(kind, offset, length))
        elif tag == "tg-emoji":
            if not arg.isdigit() or int(arg) == 0 or int(arg) >= 2**63:
                raise HtmlParseError("Invalid custom emoji identifier specified")
            entities.append(Entity("custom_emoji", offset, length, custom_emoji_id=arg))
        elif tag == "tg-time":
            if not arg.isdigit() or int(arg) >= 2**31:
                raise HtmlParseError("Invalid Unix time specified")
            entities.append(
                Entity(
                    "date_time",
                    offset,
                    length,
                    unix_time=int(arg),
                    date_time_format=opened.extra or None,
                )
            )
        elif tag == "a":
            url = arg or self.out[opened.begin :].decode("utf-8", "replace")
            user_id = _link_user_id(url)
            if user_id is not None:
                entities.append(Entity("text_mention", offset, length, user_id=user_id))
            elif (checked := _check_url(url)) is not None:
                entities.append(Entity("text_link", offset, length, url=checked))
        elif tag == "pre":
            if same_span and entities[-1].type == "code" and entities[-1].language:
                entities[-1] = Entity("pre", offset, length, language=entities[-1].language)
            else:
                entities.append(Entity("pre", offset, length))
        elif tag == "code":
            if same_span and entities[-1].type == "pre" and arg:
                entities[-1] = Entity("pre", offset, length, language=arg)
            else:
                entities.append(Entity("code", offset, length, language=arg or None))


def _link_user_id(url: str) -> int | None:
    """``tg://user?id=123`` is a text mention of user 123, as in tdlib's get_link_user_id."""
    prefix = "tg://user?id="
    if url.lower().startswith(prefix):
        rest = url[len(prefix) :]
        if rest.isdigit() and 0 < int(rest) < 2**53:
            return int(rest)
    return None


def _check_url(url: str) -> str | None:
    """A simplified tdlib check_url: known schemes pass, bare hosts get ``http://``."""
    url = url.strip()
    if not url or any(ch.isspace() for ch in url):
        return None
    lowered = url.lower()
    if lowered.startswith(_URL_SCHEMES):
        return url if len(url) > lowered.index("://") + 3 else None
    if "://" in url:
        return None
    host = url.split("/", 1)[0]
    if "." not in host or host.startswith(".") or host.endswith("."):
        return None
    return "http://" + url


def parse_html(text: str) -> tuple[str, list[Entity]]:
    """Plain text and entities for an HTML-formatted message, or :class:`HtmlParseError`."""
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:
        raise HtmlParseError("Text must be encoded in UTF-8") from None
    return _Parser(raw).parse()
