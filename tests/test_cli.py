"""The command line contract: `questions` and `score` in both output forms, exit status 2 on bad
input, ranking of strong/partial/weak spoken answers, and no network use while scoring."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from opsprep_voice.cli import main
from opsprep_voice.core.bank import load_bank
from tests.support.speech import synthesize

BANK = load_bank()
Q = BANK.find("3")  # SLIs/SLOs and observability

FOLLOW_UP = "I would start from the critical user journeys, like checkout and login, and measure those."
WEAK = (
    "I think monitoring is really important. I would work hard with the team and make sure everything "
    "is fine, and if something goes wrong we fix it quickly and talk about it afterwards."
)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "opsprep_voice", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def answers(speech_dir: Path) -> dict[str, Path]:
    sentences = [s.strip() for s in Q.example_answer.split(". ") if s.strip()]
    partial = ". ".join(sentences[:2]) + "."
    return {
        "strong": synthesize(Q.example_answer, speech_dir / "cli-strong.wav", voice="en-us"),
        "partial": synthesize(partial, speech_dir / "cli-partial.wav", voice="en-us"),
        "weak": synthesize(WEAK, speech_dir / "cli-weak.wav", voice="en-us"),
    }


def score_json(capsys: pytest.CaptureFixture[str], audio: Path, *extra: str) -> dict[str, Any]:
    assert main(["score", str(audio), "--question", Q.id, "--json", *extra]) == 0
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    return out


def test_questions_json_is_the_bank_verbatim() -> None:
    proc = run_cli("questions", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data == [q.model_dump(mode="json") for q in BANK]
    assert [q["number"] for q in data] == list(range(1, 25))
    assert {"id", "text", "guidance", "example_answer", "category", "target_seconds", "checklist"} <= set(
        data[0]
    )


def test_questions_readable_lists_every_question(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["questions"]) == 0
    out = capsys.readouterr().out
    for q in BANK:
        assert q.text in out and f"[{q.id}]" in out


def test_score_json_works_with_the_network_blocked(
    answers: dict[str, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("scoring tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")  # our code must not rely on the hub being switched off
    data = score_json(capsys, answers["strong"])
    for key in (
        "question_id",
        "question_number",
        "transcript",
        "words",
        "coverage",
        "checklist",
        "duration_s",
        "word_count",
        "wpm",
        "fillers",
        "long_pauses",
        "time_to_first_word_s",
        "figures_mentioned",
        "engine",
        "model",
    ):
        assert key in data, key
    assert data["question_id"] == Q.id and data["question_number"] == 3
    assert data["engine"] == "faster-whisper"
    assert "prometheus" in data["transcript"].lower()
    assert data["words"] and {"word", "start", "end"} <= set(data["words"][0])
    starts = [w["start"] for w in data["words"]]
    assert starts == sorted(starts) and data["words"][-1]["end"] <= data["duration_s"] + 0.05
    assert len(data["checklist"]) == len(Q.checklist)
    assert all({"label", "hit", "evidence"} <= set(item) for item in data["checklist"])
    assert data["coverage"] >= 0.75
    assert {"count", "per_min", "items"} <= set(data["fillers"])
    assert 100 < data["wpm"] < 220


def test_score_ranks_strong_above_partial_above_weak(
    answers: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    coverage = {name: score_json(capsys, path)["coverage"] for name, path in answers.items()}
    assert coverage["strong"] > coverage["partial"] > coverage["weak"], coverage
    assert coverage["weak"] <= 0.2


def test_score_readable_report_through_the_entry_point(answers: dict[str, Path]) -> None:
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "opsprep-voice"), "score", str(answers["partial"]), "-q", "3"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Coverage:" in proc.stdout and Q.text in proc.stdout
    assert "[x]" in proc.stdout and "[ ]" in proc.stdout  # partial: some items ticked, some missed


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("missing", "not found"),
        ("corrupt", "corrupt"),
        ("unsupported", "unsupported"),
        ("folder", "folder"),
        ("question", "no question"),
        ("bank", "questions[0]"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(tmp_path: Path, case: str, expected: str) -> None:
    audio = tmp_path / "answer.wav"
    args = ["score", str(audio), "--question", "3"]
    if case == "corrupt":
        audio.write_bytes(b"RIFF\x10\x00\x00\x00WAVEfmt garbage that is not audio" * 10)
    elif case == "unsupported":
        audio = tmp_path / "answer.txt"
        audio.write_text("this is a text file, not a recording\n" * 50)
        args[1] = str(audio)
    elif case == "folder":
        args[1] = str(tmp_path)
    elif case == "question":
        synthesize("hello", audio)
        args[3] = "no-such-question"
    elif case == "bank":
        synthesize("hello", audio)
        bad = tmp_path / "bank.json"
        data = json.loads(Path("questions.json").read_text())
        del data["questions"][0]["text"]
        bad.write_text(json.dumps(data))
        args += ["--questions", str(bad)]
    proc = run_cli(*args)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("opsprep-voice: error:")
    assert expected.lower() in lines[0].lower()


def test_score_with_openai_whisper_finds_the_checklist_items(
    answers: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip(
        "whisper", reason="the openai-whisper extra is installed by the README's test command"
    )
    data = score_json(capsys, answers["strong"], "--engine", "openai-whisper")
    assert data["engine"] == "openai-whisper"
    assert data["coverage"] >= 0.75, [(i["label"], i["hit"]) for i in data["checklist"]]
    assert "prometheus" in data["transcript"].lower()


def test_score_stream_prints_partials_then_the_same_report(
    answers: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["score", str(answers["partial"]), "--question", Q.id, "--json", "--stream"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)  # stdout stays one JSON object; partial lines go to stderr
    partial_lines = [line for line in captured.err.splitlines() if line.startswith("[")]
    assert partial_lines, captured.err
    assert data["question_id"] == Q.id and data["coverage"] > 0
    assert "availability" in data["transcript"].lower()


def test_score_save_stores_the_attempt_in_the_history(
    answers: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPSPREP_VOICE_HOME", str(tmp_path / "home"))
    data = score_json(capsys, answers["weak"], "--save")
    attempt_id = data["attempt_id"]
    assert main(["history", "--json"]) == 0
    sessions = json.loads(capsys.readouterr().out)
    attempts = [a for s in sessions for a in s["attempts"]]
    saved = next(a for a in attempts if a["id"] == attempt_id)
    assert saved["question_id"] == Q.id
    assert saved["coverage"] == pytest.approx(data["coverage"], abs=1e-3)
    assert saved["transcript"] == data["transcript"]
    assert Path(saved["audio_path"]).exists()


def test_questions_json_has_each_items_follow_up(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["questions", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    items = [item for q in data for item in q["checklist"]]
    assert items and all(item["follow_up"].endswith("?") for item in items)
    assert data[2]["checklist"][0]["follow_up"] == Q.checklist[0].follow_up


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("no-main", "--follow-up follow.wav: no main answer to follow up"),
        ("missing", "follow-up answer: audio file not found"),
        ("stream", "--stream replays one recording"),
        ("question", "no question"),
    ],
)
def test_follow_up_bad_input_exits_2_before_loading_a_model(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    case: str,
    expected: str,
) -> None:
    import opsprep_voice.asr.registry as registry

    def no_model(*_a: object, **_k: object) -> None:
        raise AssertionError("bad input must fail before the model is loaded")

    monkeypatch.setattr(registry, "create_transcriber", no_model)
    monkeypatch.chdir(tmp_path)
    main_wav = synthesize("hello", tmp_path / "main.wav")
    args = ["score", str(main_wav), "--follow-up", "follow.wav", "-q", "3"]
    if case == "no-main":
        args.remove(str(main_wav))
    elif case == "stream":
        synthesize("hello", tmp_path / "follow.wav")
        args.append("--stream")
    elif case == "question":
        synthesize("hello", tmp_path / "follow.wav")
        args[-1] = "no-such-question"
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("opsprep-voice: error:"), err
    assert expected.lower() in err[0].lower()


def test_score_with_a_spoken_follow_up_reports_and_saves_both(
    answers: dict[str, Path],
    speech_dir: Path,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPSPREP_VOICE_HOME", str(tmp_path / "home"))
    follow_wav = synthesize(FOLLOW_UP, speech_dir / "cli-follow-up.wav", voice="en-us")
    data = score_json(capsys, answers["weak"], "--follow-up", str(follow_wav), "--save")
    follow = data["follow_up"]
    recovered = {i["id"] for i in data["recovered"]}
    assert "user-journeys" in recovered, follow["transcript"]
    assert data["coverage"] <= 0.2 and data["coverage_with_follow_ups"] > data["coverage"]
    assert "checkout" in follow["transcript"].lower()
    assert follow["duration_s"] > 2 and 60 < follow["wpm"] < 260 and "per_min" in follow["fillers"]

    assert main(["history", "--json"]) == 0
    (session,) = json.loads(capsys.readouterr().out)
    (saved,) = session["attempts"]
    assert saved["id"] == data["attempt_id"]
    assert saved["coverage_with_follow_ups"] == pytest.approx(data["coverage_with_follow_ups"], abs=1e-3)
    (saved_follow,) = saved["follow_ups"]
    assert saved_follow["id"] == follow["attempt_id"] and saved_follow["follow_up_of"] == saved["id"]
    assert Path(saved_follow["audio_path"]).read_bytes() == follow_wav.read_bytes()
