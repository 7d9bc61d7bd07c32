"""Hostile or broken question banks fail at load time with what, where and how to fix, never later.

Before: JSON nested thousands deep raised RecursionError out of the CLI and killed the app before its
window; a phrase of a million characters was accepted and scoring then hung; a UTF-8 byte-order mark was
refused with "Unexpected UTF-8 BOM (decode using utf-8-sig)".
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from opsprep_voice.cli import main
from opsprep_voice.core import bank as bank_module
from opsprep_voice.core import concepts
from opsprep_voice.core.bank import BUNDLED_BANK, BankError, load_bank
from opsprep_voice.core.concepts import SEARCH_STEPS, compile_rule, match_rule
from opsprep_voice.core.phrases import Index
from opsprep_voice.core.text import tokenize

BUNDLED: dict[str, Any] = json.loads(BUNDLED_BANK.read_text(encoding="utf-8"))


def _write(tmp_path: Path, data: Any, name: str = "bank.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def _refused(path: Path) -> str:
    with pytest.raises(BankError) as caught:
        load_bank(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")  # where: the file, then the place inside it
    return message


def _bank_with(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(BUNDLED)
    change(data)
    return data


def _item(data: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = data["questions"][3]["checklist"][1]
    return item


@pytest.mark.parametrize("depth", [bank_module.MAX_DEPTH + 1, 100_000])
def test_deep_nesting_is_refused_before_parsing(tmp_path: Path, depth: int) -> None:
    path = _write(tmp_path, '{"questions": ' + "[" * depth + "]" * depth + "}")
    message = _refused(path)
    assert "line 1 column" in message and f"nested more than {bank_module.MAX_DEPTH} deep" in message


def test_deep_nesting_on_the_command_line_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "[" * 100_000)
    assert main(["questions", "--questions", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nested more than" in err and "check the brackets" in err


def test_the_app_falls_back_to_the_bundled_bank(tmp_path: Path) -> None:
    from opsprep_voice.ui.application import _open_bank

    problems: list[str] = []
    bank = _open_bank(_write(tmp_path, "[" * 100_000), problems)
    assert len(bank) == len(BUNDLED["questions"])
    assert len(problems) == 1 and "nested more than" in problems[0]


def test_brackets_inside_strings_do_not_count(tmp_path: Path) -> None:
    data = _bank_with(lambda d: d.update(title='[[[[[[[[[[[[[[[[[[[[ {{{{{{{{{{{{{{{{{{{{ \\" [[['))
    assert load_bank(_write(tmp_path, data)).title.startswith("[[[[")


def test_a_million_character_phrase_is_refused_with_its_place(tmp_path: Path) -> None:
    data = _bank_with(lambda d: _item(d)["phrases"].append("x" * 1_000_000))
    message = _refused(_write(tmp_path, data))
    place = f"questions[3].checklist[1].phrases[{len(_item(BUNDLED)['phrases'])}]"
    assert place in message and "1000000 characters" in message
    assert f"at most {bank_module.MAX_PHRASE_CHARS}" in message and "shorten it" in message


@pytest.mark.parametrize(
    ("change", "place", "words"),
    [
        (lambda d: _item(d).update(label="l" * 301), "questions[3].checklist[1].label", "characters long"),
        (lambda d: _item(d)["concepts"].append("a|" * 800 + "b + c"), "concepts[", "characters long"),
        (
            lambda d: _item(d)["concepts"].append(" + ".join(f"term{i}" for i in range(9))),
            "concepts",
            "has 9 groups",
        ),
        (lambda d: _item(d).update(follow_up="Why " * 100 + "?"), "follow_up", "characters long"),
        (lambda d: _item(d).update(id="a" * 101), "checklist[1].id", "characters long"),
        (lambda d: d["questions"][3].update(guidance="g" * 20_001), "questions[3].guidance", "characters"),
        (
            lambda d: _item(d).update(phrases=[f"phrase {i}" for i in range(41)]),
            "checklist[1].phrases",
            "has 41 entries; at most 40",
        ),
        (
            lambda d: d["questions"][3]["checklist"].extend(
                dict(_item(d), id=f"extra-{i}") for i in range(16 - len(d["questions"][3]["checklist"]))
            ),
            "questions[3].checklist",
            "has 16 entries; at most 15",
        ),
        (lambda d: d.update(title="t" * 301), "title", "characters long"),
    ],
)
def test_every_length_limit_names_its_place(tmp_path: Path, change: Any, place: str, words: str) -> None:
    message = _refused(_write(tmp_path, _bank_with(change)))
    assert place in message and words in message


def test_too_many_questions(tmp_path: Path) -> None:
    one = BUNDLED["questions"][0]
    many = [dict(one, number=i, id=f"q-{i}") for i in range(1, bank_module.MAX_QUESTIONS + 2)]
    message = _refused(_write(tmp_path, {"questions": many}))
    assert (
        f"questions: has {bank_module.MAX_QUESTIONS + 1} entries; at most {bank_module.MAX_QUESTIONS}"
        in message
    )


def test_an_oversized_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as fh:
        fh.truncate(bank_module.MAX_BANK_BYTES + 1)  # sparse: no disk used, and never read
    message = _refused(path)
    assert "MB; a question bank is at most" in message and "right file" in message


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + BUNDLED_BANK.read_bytes())
    assert load_bank(path) == load_bank()


def test_a_number_of_thousands_of_digits_is_plain_words(tmp_path: Path) -> None:
    message = _refused(_write(tmp_path, '{\n  "title": ' + "7" * 5000 + "}"))
    assert message.endswith("line 2 column 12: a number has thousands of digits; fix it")
    assert "sys." not in message


def test_text_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes('{"title": "Café"}'.encode("latin-1"))
    message = _refused(path)
    assert "is not UTF-8 text; save the file as UTF-8 JSON" in message


def test_a_rules_span_search_is_bounded_on_an_answer_repeating_its_terms(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every word of the answer is a term of every group: the search for the tightest span used to grow
    by a factor of the span per group (7 groups: minutes). The budget keeps it to a few thousand steps,
    and what it returns is still a real match."""
    vocab = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
    answer = " ".join(vocab[(i * 7 + i // 8) % 8] for i in range(1000))
    rule = compile_rule(" + ".join("|".join(vocab) for _ in range(7)))
    steps: list[int] = []
    real_fill = concepts._fill

    def counting_fill(*args: Any) -> Any:
        budget = args[-1]
        before = budget[0]
        out = real_fill(*args)
        steps.append(before - budget[0])
        return out

    monkeypatch.setattr(concepts, "_fill", counting_fill)
    hit = match_rule(rule, Index(tokenize(answer), answer))
    assert sum(steps) <= SEARCH_STEPS
    assert hit is not None and len(hit.parts) == 7
    assert hit.hit.last - hit.hit.first < rule.span_limit
