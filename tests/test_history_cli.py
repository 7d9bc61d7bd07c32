"""``opsprep-voice history`` / ``export`` end to end."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest

from opsprep_voice.cli import main
from opsprep_voice.storage.repository import HistoryRepository
from tests.support.history_data import QUESTIONS, add_follow_up, add_scored, at

Q1, Q2, Q3 = QUESTIONS
REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh OPSPREP_VOICE_HOME holding a history with two sessions."""
    home = tmp_path / "home"
    monkeypatch.setenv("OPSPREP_VOICE_HOME", str(home))
    with HistoryRepository.open_default() as repo:
        old = repo.create_session("practice", "first week", started_at=at(1))
        add_scored(repo, old.id, Q1, "spot instances and tagging", coverage=0.5, started_at=at(1), wpm=120.0)
        repo.end_session(old.id, ended_at=at(1, 13))
        new = repo.create_session("mock", "second week", started_at=at(8))
        add_scored(
            repo, new.id, Q2, "I led the incident bridge", coverage=0.8, started_at=at(8), duration_s=75.0
        )
        add_scored(repo, new.id, Q1, "savings plans", coverage=0.9, started_at=at(8, 13))
    return home


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OPSPREP_VOICE_HOME": str(home), "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": ""}
    return subprocess.run(
        [sys.executable, "-m", "opsprep_voice", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=120,
        check=False,
    )


def test_history_json_via_subprocess(home: Path) -> None:
    result = _run(home, "history", "--json")
    assert result.returncode == 0, result.stderr
    sessions = json.loads(result.stdout)
    assert [(s["id"], s["mode"]) for s in sessions] == [(2, "mock"), (1, "practice")]
    assert sessions[1]["ended_at"] == "2025-03-01T13:00:00+00:00"
    assert sessions[0]["ended_at"] is None
    first = sessions[0]["attempts"][0]
    assert {k: first[k] for k in ("question_id", "question_number", "coverage", "duration_s", "status")} == {
        "question_id": Q2.id,
        "question_number": 2,
        "coverage": 0.8,
        "duration_s": 75.0,
        "status": "scored",
    }
    assert first["transcript"] == "I led the incident bridge"
    assert first["wpm"] == 140.0
    assert Path(first["audio_path"]).is_file()
    assert Path(first["audio_path"]).parent == home / "data" / "audio"


def test_history_filters_and_table(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "--json", "--question", Q2.id]) == 0
    only = json.loads(capsys.readouterr().out)
    assert [[a["question_id"] for a in s["attempts"]] for s in only] == [[Q2.id]]
    assert main(["history", "--json", "--question", "1", "--limit", "1"]) == 0
    limited = json.loads(capsys.readouterr().out)
    assert [(s["id"], [a["transcript"] for a in s["attempts"]]) for s in limited] == [(2, ["savings plans"])]

    assert main(["history"]) == 0
    table = capsys.readouterr().out
    assert table.index("Session 2") < table.index("Session 1")
    assert "second week" in table and "incident-story" in table and "80 %" in table and "1:15" in table


def test_history_of_an_empty_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPSPREP_VOICE_HOME", str(tmp_path / "empty"))
    assert main(["history", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["history"]) == 0
    assert "No rehearsals saved yet." in capsys.readouterr().out


def test_export_markdown_csv_and_pdf_via_cli(home: Path, tmp_path: Path) -> None:
    md = tmp_path / "week2.md"
    result = _run(home, "export", "2", "--format", "md", "-o", str(md), "--with-audio")
    assert result.returncode == 0, result.stderr
    assert "Exported session 2 (2 answers)" in result.stdout
    text = md.read_text(encoding="utf-8")
    assert "# second week" in text and "I led the incident bridge" in text
    assert len(list((tmp_path / "week2-audio").iterdir())) == 2

    result = _run(home, "export", "1", "-o", str(tmp_path / "week1.csv"))  # format from the suffix
    assert result.returncode == 0, result.stderr
    with (tmp_path / "week1.csv").open(newline="", encoding="utf-8") as fh:
        assert [r["transcript"] for r in csv.DictReader(fh)] == ["spot instances and tagging"]

    pdf = tmp_path / "week2.pdf"
    result = _run(home, "export", "2", "--format", "pdf", "-o", str(pdf))
    assert result.returncode == 0, result.stderr
    text = " ".join(" ".join(p.extract_text() or "" for p in pypdf.PdfReader(pdf).pages).split())
    assert Q2.text in text and "I led the incident bridge" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "99", "--format", "md", "-o", "{tmp}/x.md"], "no session 99"),
        (["export", "abc", "--format", "md", "-o", "{tmp}/x.md"], "SESSION_ID must be a number"),
        (["export", "1", "-o", "{tmp}/x.txt"], "cannot tell the format"),
        (["export", "1", "--format", "md", "-o", "{tmp}/exists.md"], "already exists"),
        (["history", "--limit", "0"], "--limit must be 1 or more"),
    ],
)
def test_errors_exit_2_with_one_line(home: Path, tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "exists.md").write_text("keep me", encoding="utf-8")
    result = _run(home, *[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("opsprep-voice: error: ") and message in lines[0]
    assert (tmp_path / "exists.md").read_text(encoding="utf-8") == "keep me"


def test_force_replaces_an_existing_export(home: Path, tmp_path: Path) -> None:
    target = tmp_path / "exists.md"
    target.write_text("old", encoding="utf-8")
    assert main(["export", "1", "--format", "md", "-o", str(target), "--force"]) == 0
    assert target.read_text(encoding="utf-8").startswith("# first week")


def test_history_shows_follow_ups_under_their_main_answer(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with HistoryRepository.open_default() as repo:
        session = repo.create_session("interview", "with a follow-up", started_at=at(9))
        main_answer = add_scored(repo, session.id, Q3, "metrics and logs", coverage=0.5, started_at=at(9))
        follow = add_follow_up(
            repo, main_answer, Q3, "burn rate alerts", coverage=0.25, started_at=at(9, 13), merged=0.75
        )
    assert main(["history", "--json", "--limit", "1"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    (answer,) = listed["attempts"]  # the follow-up is not an answer of its own
    assert (answer["id"], answer["coverage"], answer["coverage_with_follow_ups"]) == (
        main_answer.id,
        0.5,
        0.75,
    )
    (nested,) = answer["follow_ups"]
    assert (nested["id"], nested["follow_up_of"], nested["probe_item_id"]) == (
        follow.id,
        main_answer.id,
        "item-2",
    )
    assert nested["probe_prompt"] == "Could you say more about item-2?"
    assert nested["transcript"] == "burn rate alerts" and nested["coverage"] == 0.25

    assert main(["history", "--limit", "1"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert "(1 answer, 1 follow-up)" in table[0]
    assert f"#{main_answer.id}" in table[1] and "50 % → 75 %" in table[1]
    assert f"↳ #{follow.id}" in table[2] and "item-2" in table[2] and "25 %" in table[2]
    assert table[3].strip() == "asked: Could you say more about item-2?"
