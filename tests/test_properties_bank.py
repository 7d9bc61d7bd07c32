"""Properties of the bank loader: whatever a file holds, loading gives a bank or a BankError, nothing else."""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from opsprep_voice.core.bank import (
    BUNDLED_BANK,
    BankError,
    QuestionBank,
    load_bank,
    parse_bank,
    question_number,
)

BUNDLED: dict[str, Any] = json.loads(BUNDLED_BANK.read_text(encoding="utf-8"))
SMALL = {**BUNDLED, "questions": BUNDLED["questions"][:2]}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=30,
)


def _load_bytes(raw: bytes) -> QuestionBank | BankError:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bank.json"
        path.write_bytes(raw)
        try:
            return load_bank(path)
        except BankError as exc:
            assert str(exc).startswith(f"{path}: ") and "\n" not in str(exc)
            return exc


@given(st.binary(max_size=2000))
def test_any_bytes_load_or_give_a_bank_error(raw: bytes) -> None:
    _load_bytes(raw)


@given(json_values)
def test_any_json_value_loads_or_gives_a_bank_error(value: object) -> None:
    _load_bytes(json.dumps(value).encode())


@given(st.integers(0, 1), st.sampled_from(["[", "{", '"a": [', "[{"]), st.integers(1, 3000))
def test_nesting_of_any_depth_is_a_bank_error_not_a_crash(bom: int, opener: str, depth: int) -> None:
    closer = {"[": "]", "{": "}", '"a": [': "]", "[{": "}]"}[opener]
    text = "[" + opener * depth + closer * depth + "]"
    _load_bytes(b"\xef\xbb\xbf" * bom + text.encode())


def _mutate(path: list[str | int], value: object) -> dict[str, Any]:
    data = copy.deepcopy(SMALL)
    node: Any = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


PLACES: list[list[str | int]] = [
    ["title"],
    ["questions", 0, "text"],
    ["questions", 1, "id"],
    ["questions", 0, "target_seconds"],
    ["questions", 0, "checklist", 0, "label"],
    ["questions", 0, "checklist", 0, "phrases", 0],
    ["questions", 1, "checklist", 0, "follow_up"],
    ["questions", 1, "checklist", 1, "weight"],
]


@given(st.sampled_from(PLACES), json_values | st.text(max_size=300))
def test_any_value_in_any_field_parses_or_names_its_place(path: list[str | int], value: object) -> None:
    try:
        parse_bank(_mutate(path, value))
    except BankError as exc:
        assert exc.problems and all(":" in p for p in exc.problems)


@given(st.text(max_size=12))
def test_question_number_is_ascii_digits_or_none(ref: str) -> None:
    number = question_number(ref)
    if number is None:
        assert not (ref.strip().isascii() and ref.strip().isdigit())
    else:
        assert str(number) == ref.strip().lstrip("0") or (number == 0 and set(ref.strip()) == {"0"})
