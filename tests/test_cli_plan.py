"""``opsprep-voice plan``: the due questions with reasons, as text and as stable JSON."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from opsprep_voice.cli import main
from opsprep_voice.core.bank import load_bank
from opsprep_voice.core.settings import SettingsStore
from opsprep_voice.core.transcript import Transcript
from opsprep_voice.practice.attempts import Attempts
from opsprep_voice.storage.repository import HistoryRepository

BANK = load_bank()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("OPSPREP_VOICE_HOME", str(home))
    return home


def _answer(number: int, text: str) -> None:
    question = BANK.find(number)
    with HistoryRepository.open_default() as repo:
        attempts = Attempts(repo)
        attempts.start_session("interview")
        attempts.score_and_save(
            attempts.reserve(question), question, Transcript.from_text(text, duration_s=60)
        )


def test_a_fresh_history_plans_the_first_new_questions(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan"]) == 0
    out = capsys.readouterr().out
    assert "3 questions due today:" in out
    assert "Q1  initial-cloud-infrastructure: new: not rehearsed yet; due today" in out
    assert "introduced tomorrow" in out


def test_plan_json_has_the_documented_shape_and_every_question_once(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _answer(9, "We take nightly snapshots.")
    assert main(["plan", "--json", "--new-per-day", "2"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["plan_version"] == 1 and plan["new_per_day"] == 2
    assert plan["today"] == datetime.now().astimezone().date().isoformat()
    numbers = [q["number"] for q in plan["questions"]]
    assert sorted(numbers) == list(range(1, len(BANK.questions) + 1))
    q9 = next(q for q in plan["questions"] if q["number"] == 9)
    assert q9["reps"] == 1 and q9["status"] in ("due", "later") and q9["weak_points"]
    assert set(q9) == {
        "number", "question_id", "text", "due", "status", "reason", "reps", "last_coverage",
        "best_coverage", "last_rehearsed", "stability_days", "retrievability", "weak_points",
    }  # fmt: skip
    assert plan["due_today"] == sum(1 for q in plan["questions"] if q["due"] <= plan["today"])


def test_the_interview_date_comes_from_the_settings_or_the_option(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    today = datetime.now().astimezone().date()
    SettingsStore(home / "config" / "settings.json").update(interview_date=today + timedelta(days=4))
    assert main(["plan", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["interview_date"] == (today + timedelta(days=4)).isoformat()
    assert max(q["due"] for q in plan["questions"]) <= (today + timedelta(days=3)).isoformat()
    assert main(["plan", "--json", "--interview", (today + timedelta(days=30)).isoformat()]) == 0
    assert json.loads(capsys.readouterr().out)["interview_date"] == (today + timedelta(days=30)).isoformat()


def test_plan_as_of_another_day(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    later = date.today() + timedelta(days=3)
    assert main(["plan", "--json", "--date", later.isoformat()]) == 0
    assert json.loads(capsys.readouterr().out)["today"] == later.isoformat()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "tomorrow"], "'tomorrow' is not a date; write it as YYYY-MM-DD"),
        (["--interview", "2026-13-01"], "not a date"),
    ],
)
def test_bad_dates_exit_2_with_one_clear_line(
    home: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["plan", *args])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_new_per_day_below_one_is_refused(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--new-per-day", "0"]) == 2
    assert capsys.readouterr().err.strip() == "opsprep-voice: error: --new-per-day must be at least 1, not 0"
