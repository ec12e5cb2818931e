"""Safe YAML reading that keeps every value's line and column.

Content files are read as YAML 1.2 with the core schema: only ``true``/``false`` (also ``True``,
``TRUE``, ``False``, ``FALSE``) are booleans, ``null``/``~``/nothing is empty, numbers are
``12``, ``-3``, ``0o17``, ``0x1F``, ``1.5``, ``1e3``, ``.inf``, ``.nan``; everything else,
``yes``, ``on``, ``1:30``, ``2021-05-25`` included, is text.

Two readers produce the same data:

- ``load_fast`` parses with yaml-rs (Rust, YAML 1.2) and is used only for the happy path: it
  returns ``None`` whenever the text uses a feature where the readers could differ, or when
  yaml-rs raises for any reason; the caller then takes the reference path.
- ``compose`` + ``to_data`` is the reference: PyYAML's composer (libyaml when available) with a
  YAML 1.2 core-schema resolver builds a node tree with marks; we turn it into plain data
  ourselves so we can refuse anchors, aliases and duplicate keys, and point any problem at the
  exact line of the offending key.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

try:  # pragma: no cover - exercised only where the wheel is missing
    import yaml_rs
except ImportError:  # pragma: no cover
    yaml_rs = None  # type: ignore[assignment]

STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"

# YAML 1.2.2, 10.3.2 "Tag Resolution" (core schema). \Z, not $: $ also matches before a "\n".
_NULL_RE = re.compile(r"(?:null|Null|NULL|~|)\Z")
_BOOL_RE = re.compile(r"(?:true|True|TRUE|false|False|FALSE)\Z")
_INT_RE = re.compile(r"(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)\Z")
_FLOAT_RE = re.compile(
    r"(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\Z"
)


class CoreResolver(BaseResolver):
    """YAML 1.2 core schema instead of PyYAML's YAML 1.1 rules (yes/on/1:30/dates)."""


CoreResolver.add_implicit_resolver(_BOOL, _BOOL_RE, list("tTfF"))
CoreResolver.add_implicit_resolver(_INT, _INT_RE, list("-+0123456789"))
CoreResolver.add_implicit_resolver(_FLOAT, _FLOAT_RE, list("-+.0123456789"))
CoreResolver.add_implicit_resolver(_NULL, _NULL_RE, ["~", "n", "N", ""])


class CoreConstructor(SafeConstructor):
    """Core-schema values; an explicit ``!!int`` etc. must also be written the core way."""

    def _core_scalar(self, node: yaml.ScalarNode, pattern: re.Pattern[str], kind: str) -> str:
        value = str(self.construct_scalar(node))
        if not pattern.match(value):
            raise ConstructorError(None, None, f"'{value}' is not a valid {kind}", node.start_mark)
        return value

    def construct_core_int(self, node: yaml.ScalarNode) -> int:
        value = self._core_scalar(node, _INT_RE, "whole number")
        if value.startswith(("0o", "0x")):
            return int(value[2:], 8 if value[1] == "o" else 16)
        return int(value, 10)

    def construct_core_float(self, node: yaml.ScalarNode) -> float:
        value = self._core_scalar(node, _FLOAT_RE, "number").lower()
        if value.endswith(".inf"):
            return -math.inf if value.startswith("-") else math.inf
        if value == ".nan":
            return math.nan
        return float(value)

    def construct_core_bool(self, node: yaml.ScalarNode) -> bool:
        return self._core_scalar(node, _BOOL_RE, "true/false").lower() == "true"

    def construct_core_null(self, node: yaml.ScalarNode) -> None:
        self._core_scalar(node, _NULL_RE, "null")


_scalar_constructors: dict[str, Any] = {
    _INT: CoreConstructor.construct_core_int,
    _FLOAT: CoreConstructor.construct_core_float,
    _BOOL: CoreConstructor.construct_core_bool,
    _NULL: CoreConstructor.construct_core_null,
}
for _tag, _construct in _scalar_constructors.items():
    CoreConstructor.add_constructor(_tag, _construct)

_CParser: Any
try:  # libyaml: about 10x faster than pure Python (yaml.CParser is not exported)
    import yaml._yaml as _libyaml

    _CParser = _libyaml.CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _CParser = None

if _CParser is not None:

    class _Loader(_CParser, CoreConstructor, CoreResolver):
        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            CoreConstructor.__init__(self)
            CoreResolver.__init__(self)

else:  # pragma: no cover - PyYAML built without libyaml

    class _Loader(Reader, Scanner, Parser, Composer, CoreConstructor, CoreResolver):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)
            CoreConstructor.__init__(self)
            CoreResolver.__init__(self)


_constructor = CoreConstructor()


@dataclass(frozen=True, slots=True)
class Mark:
    line: int  # 1-based
    col: int  # 1-based


class YamlError(Exception):
    def __init__(self, mark: Mark, message: str) -> None:
        super().__init__(message)
        self.mark = mark
        self.message = message


def _mark(mark: Any) -> Mark:
    if mark is None:
        return Mark(1, 1)
    return Mark(mark.line + 1, mark.column + 1)


# --- fast path ---------------------------------------------------------------------------------

# Where yaml-rs and the reference could read the same text differently, the fast path steps
# aside. The checks over-match on purpose (a false alarm only costs speed) and search for
# literals first, which is ~10x faster than one combined pattern over 10 MB.
_NODE_PROPERTY = re.compile(r"[&*!]")
# Numbers yaml-rs reads but the core schema reads as text: 1_000, 1e_3, _1, 0b101, 0X1F, 0O17,
# -0x1, and the other spellings of .inf and .nan (.Nan, .iNF).
_NUMBER_HINTS = (
    re.compile("_"),
    re.compile("0[bBOX]|[-+]0[ox]"),
    re.compile(r"\.(?!inf|Inf|INF|nan|NaN|NAN)[iInN][nNaA][fFnN]"),
)
_NUMBER_CHARS = frozenset("0123456789._eE+-")
# Characters the readers treat differently: tabs (libyaml refuses them inside plain text),
# characters YAML forbids (control codes; only libyaml refuses them), line breaks in YAML 1.1 but
# not in 1.2 (NEL, LS, PS), and a byte order mark inside the text.
_ODD_CHAR = re.compile(
    "[^\n\r\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
# In a flow collection ([a, b] or {a: b}) YAML 1.1 and 1.2 split text at '?' and ':' differently.
_FLOW_ODDITY = re.compile(r"\?|[\[{,] *[:|>]|: *(?:[\]},]|$)")


def _starts_node(text: str, index: int) -> bool:
    """Whether ``text[index]`` could begin a YAML node (after a space, line start, [ { , :)."""
    if index == 0:
        return True
    before = text[index - 1]
    return before.isspace() or before in "[{,:"


def _starts_flow(text: str, index: int) -> bool:
    """Whether the bracket at ``index`` opens a flow collection, not text such as 'No. [2022]'.

    A collection is a node of its own: only blanks after a line start or an indicator.
    """
    while index > 0 and text[index - 1] in " \t":
        index -= 1
    return index == 0 or text[index - 1] in "\n\r[{,:-?"


def needs_reference(text: str) -> bool:
    """Whether ``text`` uses a feature that yaml-rs and the reference could read differently."""
    if text.startswith("%") or "\n%" in text:  # directives (%YAML, %TAG)
        return True
    if _ODD_CHAR.search(text):
        return True
    for bracket, closing in (("[", "]"), ("{", "}")):
        index = text.find(bracket)
        while index != -1:
            if _starts_flow(text, index):
                end = text.find("\n", index)
                line = text[index : end if end != -1 else len(text)]
                # A flow collection over several lines, or with '?' or a leading ':'.
                if line.count(bracket) != line.count(closing) or _FLOW_ODDITY.search(line):
                    return True
            index = text.find(bracket, index + 1)
    # An anchor (&), alias (*) or tag (!) can only start a node. The reference refuses anchors
    # and aliases with a position; yaml-rs reads unknown tags and !!binary as text.
    if ("&" in text or "*" in text or "!" in text) and any(
        _starts_node(text, m.start()) for m in _NODE_PROPERTY.finditer(text)
    ):
        return True
    for pattern in _NUMBER_HINTS:
        for match in pattern.finditer(text):
            start = match.start()
            while start > 0 and text[start - 1] in _NUMBER_CHARS:
                start -= 1
            if _starts_node(text, start):
                return True
    return False


def load_fast(text: str) -> Any | None:
    """Plain data from ``text`` through yaml-rs, or None: then use the reference path.

    None also stands for an empty document; the reference path reports that with its position
    like any other problem.
    """
    if yaml_rs is None or needs_reference(text):
        return None
    try:
        data = yaml_rs.loads(
            text,
            parse_datetime=False,
            duplicate_key_policy=yaml_rs.DuplicateKeyPolicy.Error,
            # Belt and braces: the pattern above already keeps aliases away.
            alias_limits=yaml_rs.AliasLimits(
                max_total_replayed_events=0,
                max_replay_stack_depth=1,
                max_alias_expansions_per_anchor=0,
            ),
        )
    except Exception:  # any failure: the reference path explains it with a position
        return None
    # Content files are one mapping; anything else (several documents, a list) is a problem
    # the reference path explains.
    return data if isinstance(data, dict) else None


# --- reference path ----------------------------------------------------------------------------


def _check_no_anchors(text: str) -> None:
    """Refuse anchors and aliases: they allow 'billion laughs' bombs and hide what a key means."""
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            raise YamlError(
                _mark(event.start_mark),
                f"YAML aliases are not allowed (*{event.anchor}): write the value out in full",
            )
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise YamlError(
                _mark(event.start_mark),
                f"YAML anchors are not allowed (&{anchor}): write the value out in full",
            )


def _yaml_error(exc: yaml.YAMLError, prefix: str) -> YamlError:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        parts = [p for p in (exc.context, exc.problem) if p]
        message = ", ".join(parts) if parts else "invalid YAML"
        return YamlError(_mark(mark), f"{prefix}: {message}")
    return YamlError(Mark(1, 1), f"{prefix}: {exc}")


def compose(text: str) -> yaml.Node | None:
    """Parse one YAML document into a node tree, or raise YamlError with its position."""
    try:
        if "&" in text or "*" in text:
            _check_no_anchors(text)
        loader = _Loader(text)
        try:
            return loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, "YAML syntax error") from None


def to_data(node: yaml.Node) -> Any:
    """Plain Python data from a node tree; duplicate keys are an error."""
    kind = type(node)
    if kind is yaml.ScalarNode:
        if node.tag == STR:
            return node.value
        construct = _scalar_constructors.get(node.tag)
        try:
            if construct is not None:
                return construct(_constructor, node)
            try:  # other explicit tags (!!binary, !!timestamp, unknown ones)
                return _constructor.construct_object(node, deep=True)
            finally:
                _constructor.constructed_objects.clear()  # or it keeps every node alive
        except yaml.YAMLError as exc:
            raise _yaml_error(exc, "YAML error") from None
        except ValueError as exc:
            raise YamlError(_mark(node.start_mark), f"YAML error: {exc}") from None
    if kind is yaml.MappingNode:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = to_data(key_node)
            if not isinstance(key, str):
                raise YamlError(_mark(key_node.start_mark), f"keys must be text, not {key!r}")
            if key in result:
                raise YamlError(_mark(key_node.start_mark), f"duplicate key '{key}'")
            result[key] = to_data(value_node)
        return result
    return [to_data(item) for item in node.value]


def load_reference(text: str) -> tuple[yaml.Node | None, Any]:
    """The node tree and its data, through PyYAML only; raises YamlError with a position."""
    node = compose(text)
    return node, (to_data(node) if node is not None else None)


def locate(node: yaml.Node | None, loc: Sequence[int | str], *, key: bool = False) -> Mark:
    """The position of the value at ``loc`` (or of its key), or of its nearest existing parent."""
    current = node
    found_key: yaml.Node | None = None
    for part in loc:
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                if getattr(key_node, "value", None) == part:
                    found_key, current = key_node, value_node
                    break
            else:
                break
        elif isinstance(current, yaml.SequenceNode) and isinstance(part, int):
            if 0 <= part < len(current.value):
                found_key, current = None, current.value[part]
            else:
                break
        else:
            break
    else:
        if key and found_key is not None:
            return _mark(found_key.start_mark)
    if current is None:
        return Mark(1, 1)
    return _mark(current.start_mark)
