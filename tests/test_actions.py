"""Callback data: every action fits Telegram's 64 bytes, and forged data decodes to nothing."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.actions import (
    CALLBACK_DATA_BYTES,
    MAX_ID,
    REGISTRY,
    Action,
    Answer,
    ChooseBank,
    Forget,
    Max,
    OneOf,
    Slug,
    Toggle,
    decode,
)

PROPERTIES = settings(
    max_examples=400, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def largest(cls: type[Action]) -> Action:
    """The action with the biggest value each field may carry."""
    values: dict[str, object] = {}
    for spec in cls._fields:
        if spec.kind is bool:
            values[spec.name] = True
        elif spec.kind is int:
            values[spec.name] = spec.limit.value if isinstance(spec.limit, Max) else MAX_ID
        elif isinstance(spec.limit, OneOf):
            values[spec.name] = max(spec.limit.values, key=len)
        else:
            slug = spec.limit if isinstance(spec.limit, Slug) else Slug()
            values[spec.name] = "z" * slug.max_length
    return cls(**values)


@pytest.mark.parametrize("cls", [REGISTRY[prefix] for prefix in sorted(REGISTRY)])
def test_every_action_with_its_largest_values_fits_and_comes_back(cls: type[Action]) -> None:
    action = largest(cls)
    data = action.encode()
    assert len(data.encode()) <= CALLBACK_DATA_BYTES, data
    assert data.isascii()
    assert decode(data) == action
    assert dataclasses.is_dataclass(action)
    if cls._fields:
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(action, cls._fields[0].name, 1)


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "zz:1",  # an unknown prefix
        "a",  # fields missing
        "a:1:0",
        "a:1:0:0:0",  # a field too many
        "a:x:0:0",
        "a:-1:0:0",
        "a:01:0:0",  # leading zero: not how the bot writes numbers
        "a:１:0:0",  # full-width digit
        "a:²:0:0",  # superscript digit
        "a:٣:0:0",  # Arabic-Indic digit
        "a:1:0:12",  # option beyond Telegram's 12
        "a:1:100:0",  # position beyond a quiz
        f"a:{MAX_ID + 1}:0:0",  # beyond any id
        "a:1 :0:0",
        "t:1:0:4096",  # a mask with a 13th option
        "b:../../etc",  # not a slug
        "b:" + "z" * 41,
        "lang:fr",
        "fg:2:42",  # bool is 1 or 0
        "fg:yes:42",  # the old format
        "menu:1",
        "x" * 65,
    ],
)
def test_forged_data_decodes_to_nothing(data: str | None) -> None:
    assert decode(data) is None


@PROPERTIES
@given(st.text(max_size=80))
def test_any_text_decodes_to_nothing_or_to_its_own_encoding(data: str) -> None:
    """Whatever a client sends: either nothing, or exactly what the bot would have sent."""
    action = decode(data)
    assert action is None or action.encode() == data


@PROPERTIES
@given(
    st.sampled_from(sorted(REGISTRY)),
    st.lists(
        st.one_of(
            st.integers(-5, 2**64), st.text(max_size=50), st.sampled_from(["0", "1", "zh", "sub"])
        ),
        max_size=5,
    ),
)
def test_known_prefixes_with_random_fields(prefix: str, fields: list[object]) -> None:
    data = ":".join([prefix, *(str(f) for f in fields)])
    action = decode(data)
    assert action is None or action.encode() == data


def test_actions_encode_short_codes_not_text() -> None:
    assert Answer(12, 3, 1).encode() == "a:12:3:1"
    assert Toggle(5, 0, 0b101).encode() == "t:5:0:5"
    assert Forget(True, 42).encode() == "fg:1:42"
    assert ChooseBank("telecom_fraud").encode() == "b:telecom_fraud"


def test_an_action_that_cannot_be_encoded_is_a_bug_not_bad_data() -> None:
    with pytest.raises(ValueError, match="cannot be encoded"):
        Answer(1, 2, 12).encode()
    with pytest.raises(ValueError, match="cannot be encoded"):
        ChooseBank("题库").encode()
