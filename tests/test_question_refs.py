"""A question reference on the command line: a number in ASCII digits or an id, never a crash.

"²" and "①" are digits to ``str.isdigit()`` but not to ``int()``; they used to raise ValueError out of
``score --question`` and ``history --question``, and out of the tokenizer when an answer held one.
"""

from __future__ import annotations

import io
import json
import sys

import pytest

from opsprep_voice.cli import main
from opsprep_voice.core.bank import load_bank, question_number
from opsprep_voice.core.text import tokenize

ODD_DIGITS = ("²", "①", "³4", "٣")  # superscript, circled, mixed, Arabic-Indic (a decimal digit, not ASCII)


@pytest.mark.parametrize("ref", ODD_DIGITS)
def test_odd_digits_are_not_question_numbers(ref: str) -> None:
    assert question_number(ref) is None
    with pytest.raises(KeyError, match="no question with id"):
        load_bank().find(ref)


def test_ascii_numbers_still_are() -> None:
    assert question_number(" 12 ") == 12
    assert load_bank().find("12").number == 12


@pytest.mark.parametrize("ref", ODD_DIGITS)
def test_score_question_odd_digits_is_a_clear_error(
    ref: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"we roll back first")))
    assert main(["score", "--text", "-", "--question", ref]) == 2
    err = capsys.readouterr().err
    assert f"no question with id {ref!r}" in err and "opsprep-voice questions" in err


@pytest.mark.parametrize("ref", ODD_DIGITS)
def test_history_question_odd_digits_lists_nothing(ref: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "--json", "--question", ref]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_an_answer_with_superscripts_is_tokenized() -> None:
    tokens = tokenize("latency fell by 10² ms, ① then p²")
    assert [t.norm for t in tokens][:3] == ["latency", "fell", "by"]
    assert all(0 <= t.start < t.end <= len("latency fell by 10² ms, ① then p²") for t in tokens)
