"""Writing a bank as YAML that reads back the same with both of the loader's YAML readers.

Block style everywhere, keys in the schema's order, Chinese as is, line breaks as literal
blocks, no anchors; text that YAML 1.1 *or* 1.2 would read as a number, boolean or null
(``110``, ``true``, ``yes``, ``1e3``, ``0o17``) is quoted.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import yaml

from bot.content.schema import BankFileModel
from bot.content.yamlnodes import STR, CoreResolver

_core = CoreResolver()


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # the loader refuses anchors and aliases

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # "  - id:" under "questions:", as editors write


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style: str | None = None
    if "\n" in value:
        style = "|"
    elif _core.resolve(yaml.ScalarNode, value, (True, False)) != STR:
        style = '"'
    return dumper.represent_scalar(STR, value, style=style)


def _represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.SequenceNode:
    """Short word lists on one line (``tags: [冒充客服, 退款]``), as editors write them."""
    flat = all(isinstance(v, str | int) and not isinstance(v, bool) for v in value)
    short = flat and sum(len(str(v)) for v in value) <= 60
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=short)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(list, _represent_list)


def plain(value: Any) -> Any:
    """Model data as YAML writes it: dates as ``YYYY-MM-DD`` text, the rest as it is.

    ``model_dump(mode="json")`` would do this, but pydantic warns when it serializes a date
    field built with a PlainValidator (the schema's review dates), so dates are done here.
    """
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def dump_value(value: Any) -> str:
    """One value as compact YAML (a spreadsheet cell of a structured property)."""
    text = yaml.dump(
        value, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=True,
        width=10_000,
    )  # fmt: skip
    return text.strip().removesuffix("...").strip()


def bank_data(model: BankFileModel) -> dict[str, Any]:
    """The file's data without defaults an editor would not write (``correct: false``, ``[]``).

    ``type`` and ``difficulty`` stay, as in every shipped bank.
    """
    data = plain(model.model_dump(exclude_none=True, exclude_defaults=True, by_alias=True))
    data = {"format": model.format, **data}
    for index, question in enumerate(model.questions):
        written = data.setdefault("questions", [])[index]
        ordered = {"id": question.id, "type": question.type, "difficulty": question.difficulty}
        ordered.update({k: v for k, v in written.items() if k not in ordered})
        data["questions"][index] = ordered
    data.setdefault("questions", [])
    return data


def bank_text(model: BankFileModel, header: str = "") -> str:
    """The YAML file for ``model``; ``header`` becomes comment lines at the top."""
    comments = "".join(f"# {line}\n".replace("# \n", "#\n") for line in header.splitlines())
    body = yaml.dump(
        bank_data(model), Dumper=_Dumper, allow_unicode=True, sort_keys=False,
        default_flow_style=False, width=10_000, indent=2,
    )  # fmt: skip
    return comments + body
