"""Safe YAML reading that keeps every value's line and column.

PyYAML's composer (libyaml when available) builds a node tree with marks; we turn it into plain
data ourselves so we can refuse anchors, aliases and duplicate keys, and later point any
validation error at the exact line of the offending key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_constructor = yaml.constructor.SafeConstructor()


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
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        parts = [p for p in (exc.context, exc.problem) if p]
        message = ", ".join(parts) if parts else "invalid YAML"
        raise YamlError(_mark(mark), f"YAML syntax error: {message}") from None
    except yaml.YAMLError as exc:
        raise YamlError(Mark(1, 1), f"YAML syntax error: {exc}") from None


def to_data(node: yaml.Node) -> Any:
    """Plain Python data from a node tree; duplicate keys are an error."""
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = to_data(key_node)
            if not isinstance(key, str):
                raise YamlError(_mark(key_node.start_mark), f"keys must be text, not {key!r}")
            if key in result:
                raise YamlError(_mark(key_node.start_mark), f"duplicate key '{key}'")
            result[key] = to_data(value_node)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [to_data(item) for item in node.value]
    return _constructor.construct_object(node, deep=True)


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
