"""The candidate's own marks ("I made this point"): kept apart from the scorer's credit, stored by migration
v5 in their own table, read back with the report, in the exports and (as "not weak") in the plan."""

from __future__ import annotations

import csv
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from opsprep_voice.core.bank import load_bank
from opsprep_voice.core.plan import PlanAttempt, build_plan, rate
from opsprep_voice.core.scoring import ScoreReport, score_answer
from opsprep_voice.core.transcript import Transcript
from opsprep_voice.practice.attempts import Attempts
from opsprep_voice.practice.marks import NO_HISTORY, save_mark
from opsprep_voice.storage import db, migrations
from opsprep_voice.storage.export import CSV_FIELDS, csv_text, export_markdown
from opsprep_voice.storage.repository import HistoryRepository
from opsprep_voice.storage.rows import score_values
from tests.support.history_data import QUESTIONS, add_scored, at, make_report, make_transcript

Q1, Q2, _ = QUESTIONS


# --------------------------------------------------------------------------- the report


def test_marks_count_only_on_missed_items_and_never_change_the_scorers_numbers() -> None:
    report = ScoreReport.from_dict(make_report(Q1, "tagging", coverage=0.5, hits=2))
    marked = report.with_marks(["item-3", "item-0", "unknown", "item-3"])
    assert marked.marked_by_you == ("item-3",)  # item-0 was credited by the scorer: nothing to correct
    assert marked.coverage == report.coverage == 0.5
    assert [i.hit for i in marked.checklist] == [i.hit for i in report.checklist]
    assert marked.coverage_with_marks == pytest.approx(0.75)
    assert report.coverage_with_marks == 0.5
    assert ScoreReport.from_dict(marked.to_dict()).marked_by_you == ("item-3",)


def test_a_report_without_marks_writes_no_marks_key() -> None:
    """The scorer's JSON (what the CLI prints) is unchanged by the feature."""
    question = next(iter(load_bank()))
    data = score_answer(question, Transcript.from_text("We tag every resource.")).to_dict()
    assert "marked_by_you" not in data


@pytest.mark.parametrize("stored", [None, "item-3", 7, [None, 3], {"item-3": True}])
def test_unreadable_stored_marks_read_as_none(stored: object) -> None:
    data = make_report(Q1, "x", coverage=0.5) | {"marked_by_you": stored}
    assert ScoreReport.from_dict(data).marked_by_you == ()


# --------------------------------------------------------------------------- migration v5


def _history_at_v4(path: Path) -> int:
    """A history as the previous release left it (schema v4) with one scored answer; its attempt id."""
    conn = db.connect(path, migrate=False)
    migrations.migrate(conn, target=4)
    conn.execute(
        "INSERT INTO sessions (id, started_at, mode) VALUES (1, '2025-01-02T09:00:00.000000Z', 'mock')"
    )
    report = make_report(Q1, "We tagged everything", coverage=0.5)
    values = score_values(report, make_transcript("We tagged everything", 90.0))
    conn.execute(
        "INSERT INTO attempts (id, session_id, question_id, question_number, category, started_at, status, "
        "report_json, transcript_json, transcript_text, coverage, missed_items) "
        "VALUES (5, 1, ?, ?, ?, '2025-01-02T09:01:00.000000Z', 'scored', ?, ?, ?, ?, ?)",
        (Q1.id, Q1.number, Q1.category, values[0], values[1], values[2], values[3], values[-1]),
    )
    assert migrations.schema_version(conn) == 4
    conn.close()
    return 5


def test_v4_history_upgrades_to_v5_with_its_answers_and_no_marks(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    attempt_id = _history_at_v4(path)
    with HistoryRepository(path) as repo:
        record = repo.get_attempt(attempt_id)
        assert record.coverage == 0.5 and record.marked_items == ()
        assert ScoreReport.from_dict(record.report).marked_by_you == ()
        assert repo.set_item_mark(attempt_id, "item-2", True) == ("item-2",)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations.CURRENT_VERSION == 5
        assert conn.execute("SELECT attempt_id, item_id FROM item_marks").fetchall() == [(5, "item-2")]
    assert list(tmp_path.glob("history.sqlite3.pre-v*.bak"))  # the v4 file kept before migrating


def test_a_failing_v5_leaves_the_history_at_v4(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "history.sqlite3"
    _history_at_v4(path)
    real = migrations.MIGRATIONS[4]

    def create_then_crash(conn: sqlite3.Connection) -> None:
        real.apply(conn)
        raise RuntimeError("power cut")

    monkeypatch.setattr(
        migrations,
        "MIGRATIONS",
        (*migrations.MIGRATIONS[:4], migrations.Migration(5, "broken", create_then_crash)),
    )
    with pytest.raises(RuntimeError, match="power cut"):
        HistoryRepository(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 4
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "item_marks" not in tables
    monkeypatch.undo()
    with HistoryRepository(path) as repo:
        assert repo.get_attempt(5).marked_items == ()


def test_an_older_history_opened_without_migrating_reads_as_without_marks(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    _history_at_v4(path)
    conn = db.connect(path, migrate=False)
    row = conn.execute("SELECT (SELECT count(*) FROM item_marks) AS marks").fetchone()
    assert row["marks"] == 0
    assert migrations.schema_version(conn) == 4
    conn.close()


# --------------------------------------------------------------------------- the repository


def test_marks_round_trip_through_the_repository_and_the_report_reader(repo: HistoryRepository) -> None:
    session = repo.create_session("mock")
    attempt = add_scored(repo, session.id, Q1, "We tagged everything", coverage=0.5, hits=2)
    assert repo.set_item_mark(attempt.id, "item-3", True) == ("item-3",)
    assert repo.set_item_mark(attempt.id, "item-2", True) == ("item-2", "item-3")
    assert repo.set_item_mark(attempt.id, "item-2", True) == ("item-2", "item-3")  # twice is once

    record = repo.get_attempt(attempt.id)
    assert record.marked_items == ("item-2", "item-3")
    read = ScoreReport.from_dict(record.report)
    assert read.marked_by_you == ("item-2", "item-3")  # checklist order
    assert read.coverage == record.coverage == 0.5  # the scorer's number is untouched
    assert read.coverage_with_marks == 1.0
    [listed] = repo.list_attempts(with_json=False)
    assert listed.marked_items == ("item-2", "item-3") and listed.report is None

    assert repo.set_item_mark(attempt.id, "item-3", False) == ("item-2",)
    assert ScoreReport.from_dict(repo.get_attempt(attempt.id).report).marked_by_you == ("item-2",)


def test_a_rescore_keeps_the_marks_apart_and_a_deleted_answer_takes_them_along(
    repo: HistoryRepository,
) -> None:
    session = repo.create_session("mock")
    attempt = add_scored(repo, session.id, Q1, "We tagged everything", coverage=0.5, hits=2)
    repo.set_item_mark(attempt.id, "item-3", True)
    stored = repo.get_attempt(attempt.id).report
    assert stored is not None and stored["marked_by_you"] == ["item-3"]
    repo.save_score(attempt.id, stored, make_transcript("We tagged everything", 90.0))  # handed back as read
    with sqlite3.connect(repo.path) as conn:
        [(report_json,)] = conn.execute("SELECT report_json FROM attempts WHERE id = ?", (attempt.id,))
    assert "marked_by_you" not in report_json  # the table is their only record
    assert repo.get_attempt(attempt.id).marked_items == ("item-3",)

    assert repo.delete_attempt(attempt.id)
    with sqlite3.connect(repo.path) as conn:
        assert conn.execute("SELECT count(*) FROM item_marks").fetchone()[0] == 0


def test_saving_a_mark_reports_a_failure_instead_of_raising(repo: HistoryRepository) -> None:
    session = repo.create_session("mock")
    attempt = add_scored(repo, session.id, Q1, "We tagged everything", coverage=0.5)
    assert save_mark(repo, attempt.id, "item-3", True) is None
    assert save_mark(None, attempt.id, "item-3", True) == NO_HISTORY
    assert Attempts(None).set_mark(attempt.id, "item-3", True) == NO_HISTORY
    problem = save_mark(repo, 999, "item-3", True)
    assert problem is not None and "could not be saved" in problem and "no attempt 999" in problem
    assert Attempts(repo).set_mark(attempt.id, "item-3", False) is None
    assert repo.get_attempt(attempt.id).marked_items == ()


# --------------------------------------------------------------------------- exports


def test_csv_adds_the_marks_after_the_existing_columns(repo: HistoryRepository) -> None:
    session = repo.create_session("mock", started_at=at(3, 9))
    marked = add_scored(repo, session.id, Q1, "We tagged everything", coverage=0.5, started_at=at(3, 9))
    plain = add_scored(repo, session.id, Q2, "Paged at 3am", coverage=0.5, started_at=at(3, 10))
    repo.set_item_mark(marked.id, "item-3", True)
    repo.set_item_mark(marked.id, "item-2", True)

    assert CSV_FIELDS[-2:] == ("marked_by_you", "coverage_with_your_marks")
    assert CSV_FIELDS[:-2][-3:] == ("audio_file", "error", "transcript")  # the old columns, in their order
    rows = {
        int(r["attempt_id"]): r
        for r in csv.DictReader(csv_text(repo.get_session(session.id).attempts).splitlines())
    }
    assert rows[marked.id]["marked_by_you"] == "item-2;item-3"
    assert float(rows[marked.id]["coverage_with_your_marks"]) == 1.0
    assert rows[marked.id]["coverage"] == "0.5"
    assert rows[plain.id]["marked_by_you"] == "" and rows[plain.id]["coverage_with_your_marks"] == ""


def test_markdown_lists_the_marks_apart_from_the_scorers_ticks(repo: HistoryRepository) -> None:
    session = repo.create_session("mock", started_at=at(3, 9))
    attempt = add_scored(repo, session.id, Q1, "We tagged everything", coverage=0.5, started_at=at(3, 9))
    repo.set_item_mark(attempt.id, "item-3", True)
    text = export_markdown(repo.get_session(session.id))
    assert f"- [ ] Idea 3 for {Q1.id} — ✓ marked covered by you" in text
    assert f"- [ ] Idea 2 for {Q1.id} — e.g." in text  # a missed item without a mark stays missed
    assert "Coverage: **50 %** (with your marks: **75 %**)" in text


# --------------------------------------------------------------------------- the plan


def test_a_marked_item_is_no_weak_point_and_the_rating_ignores_marks() -> None:
    question = next(iter(load_bank()))
    core = [i.id for i in question.checklist if i.weight >= 1.0][:2]
    now = datetime(2026, 3, 10, 12, tzinfo=UTC)
    answers = [
        PlanAttempt(question.id, now - timedelta(days=d), 0.6, missed=tuple(core), marked=(core[0],))
        for d in (3, 2)
    ]
    [plan] = [q for q in build_plan([question], answers, now=now, tz=UTC).questions]
    assert [p.item_id for p in plan.weak_points] == [core[1]]
    unmarked = PlanAttempt(question.id, now, 0.6, missed=tuple(core))
    assert rate(answers[0]) == rate(unmarked)


def test_the_plan_reads_the_marks_from_history(repo: HistoryRepository) -> None:
    session = repo.create_session("mock")
    attempt = add_scored(repo, session.id, Q1, "We tagged everything", coverage=0.5, hits=2)
    repo.set_item_mark(attempt.id, "item-3", True)
    [planned] = repo.plan_attempts()
    assert planned.missed == ("item-2", "item-3") and planned.marked == ("item-3",)
