"""`opsprep-voice score --text`: a written answer scored by the same scorer, with clear errors."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from opsprep_voice.cli import main
from opsprep_voice.cli.score_cmd import TEXT_ABSENT
from opsprep_voice.core.bank import load_bank
from opsprep_voice.core.scoring import score_answer
from opsprep_voice.core.transcript import Transcript

ANSWER = (
    "I begin by mapping a few journeys our customers care about most. Every week we review the error "
    "budget and decide whether reliability work jumps ahead of features. Prometheus stores the metrics, "
    "and we page on the burn rate, not on CPU."
)


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["score", *args, "--question", "3", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_text_is_scored_like_a_transcript_of_the_same_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "answer.txt"
    path.write_text(ANSWER, encoding="utf-8")
    data = run_json(capsys, "--text", str(path))
    expected = score_answer(load_bank().find(3), Transcript.from_text(ANSWER))
    assert data["source"] == "text"
    assert data["coverage"] == round(expected.coverage, 3)
    hits = {c["id"]: c["evidence"] for c in data["checklist"] if c["hit"]}
    assert set(hits) == {i.id for i in expected.hits}
    assert hits["user-journeys"]["match"] == "concept"
    assert hits["user-journeys"]["why"].startswith("Said in other words")
    assert hits["metrics-dashboards"]["text"].startswith("Prometheus")  # the named tool, not "metrics"
    assert data["word_count"] == len(ANSWER.split())


def test_text_report_leaves_out_and_names_the_fields_only_a_recording_has(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "answer.txt"
    path.write_text("Um, we use Prometheus. " + ANSWER, encoding="utf-8")
    data = run_json(capsys, "--text", str(path))
    assert data["absent"] == list(TEXT_ABSENT)
    for name in ("words", "duration_s", "wpm", "wpm_band", "long_pauses", "time_to_first_word_s"):
        assert name not in data
    assert "per_min" not in data["fillers"] and data["fillers"]["count"] == 1
    assert data["question_id"] == "slis-slos-observability" and "figures_mentioned" in data


def test_text_from_standard_input_and_the_readable_report(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(ANSWER.encode("utf-8"))))
    assert main(["score", "--text", "-", "-q", "3"]) == 0
    out = capsys.readouterr().out
    assert 'Said in other words: "journeys our customers" (journeys + customers).' in out
    assert f"Length: {len(ANSWER.split())} words, about 0:" in out
    assert "Pace:" not in out


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        (None, ["--text", "missing.txt"], "missing.txt: file not found; check the path"),
        ("dir", ["--text", "{dir}"], "is a folder; pass a text file"),
        (
            "wav",
            ["--text", "{wav}"],
            "is not UTF-8 text; --text takes a written answer (pass a recording as AUDIO)",
        ),
        ("empty", ["--text", "{empty}"], "has no words to score"),
        ("huge", ["--text", "{huge}"], "an answer is at most 100,000"),
        ("text", ["{text}", "--text", "{text}"], "give either a recording"),
        ("text", ["--text", "{text}", "--stream"], "--stream works on a recording"),
        ("text", ["--text", "{text}", "--save"], "--save works on a recording"),
        ("text", ["--text", "{text}", "--engine", "openai-whisper"], "--engine works on a recording"),
        (None, [], "nothing to score: give a recorded answer (AUDIO) or a written one (--text FILE)"),
    ],
)
def test_bad_text_input_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], setup: str | None, args: list[str], message: str
) -> None:
    files = {
        "dir": tmp_path,
        "wav": tmp_path / "a.wav",
        "empty": tmp_path / "empty.txt",
        "huge": tmp_path / "huge.txt",
        "text": tmp_path / "answer.txt",
    }
    files["wav"].write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\xbb\xff\xfe")
    files["empty"].write_text("  \n ... \n", encoding="utf-8")
    files["huge"].write_text("word " * 30_000, encoding="utf-8")
    files["text"].write_text(ANSWER, encoding="utf-8")
    argv = ["score", *(a.format(**{k: str(v) for k, v in files.items()}) for a in args), "-q", "3"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err


FOLLOW_UP = "I would start from the critical user journeys, like checkout and login."
THIN = "We set SLOs of 99.9 percent on availability and keep an error budget."


def test_a_written_follow_up_recovers_items_and_keeps_the_main_coverage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main_path, follow_path = tmp_path / "main.txt", tmp_path / "follow.txt"
    main_path.write_text(THIN, encoding="utf-8")
    follow_path.write_text(FOLLOW_UP, encoding="utf-8")
    alone = run_json(capsys, "--text", str(main_path))
    data = run_json(capsys, "--text", str(main_path), "--follow-up-text", str(follow_path))
    assert data["coverage"] == pytest.approx(alone["coverage"], abs=1e-3)  # the main answer's own
    assert "user-journeys" in {i["id"] for i in data["recovered"]}
    assert data["coverage_with_follow_ups"] > data["coverage"]
    assert {i["id"] for i in data["still_missed"]}.isdisjoint({i["id"] for i in data["recovered"]})
    follow = data["follow_up"]
    assert follow["source"] == "text" and follow["absent"] == list(TEXT_ABSENT)
    assert follow["transcript"].startswith("I would start") and follow["word_count"] == len(FOLLOW_UP.split())
    assert follow["probe"]["prompt"].endswith("?") and follow["probe"]["item_id"]

    assert main(["score", "--text", str(main_path), "--follow-up-text", str(follow_path), "-q", "3"]) == 0
    out = capsys.readouterr().out
    assert "[+] Start from critical user journeys  (recovered after the follow-up)" in out
    assert "(covered in the main answer)" in out and "  (missed)" in out
    assert f"{data['coverage_with_follow_ups']:.0%} with the follow-up (" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--follow-up-text", "MISSING"], "missing.txt: file not found"),
        (["--follow-up", "answer.wav"], "--follow-up answer.wav: takes a recording"),
        (["--follow-up-text", "-"], "cannot both read standard input"),
    ],
)
def test_follow_up_text_errors_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    main_path = tmp_path / "main.txt"
    main_path.write_text(THIN, encoding="utf-8")
    source = "-" if "-" in extra else str(main_path)
    args = [str(tmp_path / "missing.txt") if a == "MISSING" else a for a in extra]
    assert main(["score", "--text", source, *args, "-q", "3"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err


def test_follow_up_text_needs_a_written_main_answer(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", "main.wav", "--follow-up-text", "f.txt", "-q", "3"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--follow-up-text f.txt: goes with a written main answer (--text FILE)" in err[0]
