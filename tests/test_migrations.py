"""Schema migrations: a database made by the previous schema (v1) opens with the current code."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from opsprep_voice.storage import db, migrations
from opsprep_voice.storage.repository import HistoryRepository
from tests.support.history_data import QUESTIONS, make_report, make_transcript

Q1, Q2, _ = QUESTIONS


def _build_v1(path: Path) -> None:
    """A history database exactly as the v1 app wrote it: v1 DDL, user_version 1, JSON only."""
    conn = sqlite3.connect(path)
    conn.executescript(migrations.SCHEMA_V1)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO sessions (id, started_at, ended_at, mode, title, bank) VALUES "
        "(1, '2024-11-02T09:00:00.000000Z', '2024-11-02T09:30:00.000000Z', 'mock', 'November mock', "
        "'bundled'), "
        "(2, '2024-12-01T18:00:00.000000Z', NULL, 'practice', '', '')"
    )
    r1 = make_report(Q1, "We tagged everything and bought savings plans", coverage=0.75, wpm=142.5)
    r1["fillers"]["per_min"] = 3.25
    rows = [
        # scored: report and transcript JSON
        (
            10,
            1,
            Q1,
            "2024-11-02T09:01:00.000000Z",
            "scored",
            "audio/attempt-000010.wav",
            r1,
            make_transcript(r1["transcript"], 88.0),
            None,
        ),
        # scored, transcript JSON missing: text comes from the report
        (
            11,
            1,
            Q2,
            "2024-11-02T09:10:00.000000Z",
            "scored",
            "audio/attempt-000011.wav",
            make_report(Q2, "Paged at 3am", coverage=0.5, duration_s=61.0),
            None,
            None,
        ),
        # failed, no JSON at all
        (12, 2, Q1, "2024-12-01T18:01:00.000000Z", "failed", None, None, None, "microphone unplugged"),
        # still recording when v1 crashed
        (13, 2, Q2, "2024-12-01T18:05:00.000000Z", "recording", "audio/attempt-000013.wav", None, None, None),
    ]
    for aid, sid, q, started, status, audio, report, transcript, error in rows:
        conn.execute(
            "INSERT INTO attempts (id, session_id, question_id, question_number, category, question_text, "
            "started_at, status, audio_path, transcript_json, report_json, error) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (aid, sid, q.id, q.number, q.category, q.text, started, status, audio,
             json.dumps(transcript) if transcript else None, json.dumps(report) if report else None, error),
        )  # fmt: skip
    # A damaged report (never written by the app, but a disk fault can): must not block the migration.
    conn.execute("UPDATE attempts SET report_json = '{\"coverage\": 0.9' WHERE id = 12")
    conn.commit()
    conn.close()


def test_v1_database_is_migrated_with_data_kept_and_columns_back_filled(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    _build_v1(path)
    v1_bytes_rows = _dump(path)

    with HistoryRepository(path) as repo:
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations.CURRENT_VERSION == 5
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"attempts_question_started", "attempts_category_started", "attempts_started"} <= indexes
        conn.close()

        sessions = repo.list_sessions()
        assert [(s.id, s.title, s.mode) for s in sessions] == [
            (2, "", "practice"),
            (1, "November mock", "mock"),
        ]
        a10 = repo.get_attempt(10)
        assert a10.report is not None and a10.report["coverage"] == 0.75
        assert (a10.coverage, a10.wpm, a10.fillers_per_min, a10.duration_s) == (0.75, 142.5, 3.25, 90.0)
        assert (a10.engine, a10.model, a10.word_count) == ("faster-whisper", "base.en", 7)
        assert a10.transcript_text == "We tagged everything and bought savings plans"
        assert a10.audio_path == tmp_path / "audio" / "attempt-000010.wav"
        a11 = repo.get_attempt(11)
        assert (a11.transcript_text, a11.duration_s, a11.coverage) == ("Paged at 3am", 61.0, 0.5)
        a12 = repo.get_attempt(12)
        assert (a12.status, a12.error, a12.coverage, a12.report) == (
            "failed",
            "microphone unplugged",
            None,
            None,
        )
        assert repo.get_attempt(13).status == "recording"

        # What v2 adds works on the migrated data: filters, best attempts, the new status.
        assert [a.id for a in repo.list_attempts(text="savings plans")] == [10]
        assert repo.best_attempt_ids() == {Q1.id: 10, Q2.id: 11}
        repo.mark_interrupted(13, 4.0)
        assert repo.get_attempt(13).status == "interrupted"
        # New rows continue the old id sequence.
        assert repo.create_session("practice").id == 3

    # A backup of the v1 file was taken before migrating, and it is the untouched v1 database.
    backup = tmp_path / "history.sqlite3.pre-v2.bak"
    assert _dump(backup) == v1_bytes_rows
    with sqlite3.connect(backup) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1


def test_reopening_a_migrated_database_runs_nothing(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    _build_v1(path)
    HistoryRepository(path).close()
    conn = db.connect(path, migrate=False)
    assert migrations.pending(conn) == []
    assert migrations.migrate(conn) == []
    conn.close()


def test_a_failing_migration_leaves_the_v1_database_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "history.sqlite3"
    _build_v1(path)
    before = _dump(path)
    real_v2 = migrations.MIGRATIONS[1]

    def half_then_crash(conn: sqlite3.Connection) -> None:
        real_v2.apply(conn)  # the whole rebuild has run ...
        raise RuntimeError("power cut")  # ... and then it dies before the version bump

    broken = migrations.Migration(2, "broken", half_then_crash, rebuilds_tables=True)
    monkeypatch.setattr(migrations, "MIGRATIONS", (migrations.MIGRATIONS[0], broken))
    with pytest.raises(RuntimeError, match="power cut"):
        HistoryRepository(path)
    assert _dump(path) == before
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert "interrupted" not in _schema(path)["attempts"]

    monkeypatch.undo()
    with HistoryRepository(path) as repo:  # and the real migration still succeeds afterwards
        assert repo.get_attempt(10).coverage == 0.75


def _dump(path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        sessions = conn.execute("SELECT * FROM sessions ORDER BY id").fetchall()
        attempts = conn.execute(
            "SELECT id, session_id, question_id, question_number, category, question_text, started_at, "
            "ended_at, status, audio_path, transcript_json, report_json, error FROM attempts ORDER BY id"
        ).fetchall()
    return [*sessions, *attempts]


def _schema(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name"
        ).fetchall()
    # A renamed table keeps its original CREATE text apart from the name; compare the column definitions.
    renamed = ('"attempts"', "attempts_v2", "attempts_v3")
    out = {}
    for name, sql in rows:
        for old in renamed:
            sql = sql.replace(old, "attempts")
        out[name] = " ".join(sql.split())
    return out


# A history database written by the release before follow-ups (schema v2, commit c283b09): one interview
# session through ``practice.Attempts`` with the bundled bank, two scored answers (real reports), one failed
# and one left recording by a crash.
V2_RELEASE_DB = Path(__file__).parent / "data" / "history-v2-release.sqlite3"


def test_database_from_the_release_before_follow_ups_upgrades_in_place(tmp_path: Path) -> None:
    from opsprep_voice.core.bank import load_bank
    from opsprep_voice.core.scoring import ScoreReport

    path = tmp_path / "history.sqlite3"
    path.write_bytes(V2_RELEASE_DB.read_bytes())
    before = _dump(path)
    bank = load_bank()
    q3 = bank.find("slis-slos-observability")

    with HistoryRepository(path) as repo:
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations.CURRENT_VERSION
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        # Nothing the old release wrote changed, and the old rows are main answers without follow-ups.
        assert _dump(path) == before
        main = repo.get_attempt(1)
        assert (main.status, main.follow_up_of, main.coverage_with_follow_ups) == ("scored", None, None)
        assert main.report is not None
        assert ScoreReport.from_dict(main.report).question_id == q3.id
        assert repo.follow_ups(1) == []
        assert [a.id for a in repo.list_attempts(follow_ups=False)] == [4, 3, 2, 1]

        # A follow-up can be added to an old answer, and it stays out of the main-answer views.
        follow = repo.start_attempt(
            main.session_id, q3, follow_up_of=1, probe_item_id="user-journeys", probe_prompt="Which users?"
        )
        repo.mark_recorded(follow.id, 8.0)
        repo.save_score(follow.id, {**main.report, "coverage": 0.2}, None)
        repo.set_coverage_with_follow_ups(1, 0.6)
        assert [(a.id, a.probe_item_id, a.probe_prompt) for a in repo.follow_ups(1)] == [
            (follow.id, "user-journeys", "Which users?")
        ]
        assert follow.id not in [a.id for a in repo.list_attempts(follow_ups=False)]
        assert repo.best_attempt_ids()[q3.id] == 1
        assert [(p.attempt_id, p.coverage_with_follow_ups) for p in repo.progress(q3.id)] == [(1, 0.6)]

        # The old release's take left "recording" by its crash can still be recovered, and a take
        # can now be cancelled; a cancelled take scored later is kept out of the best take and progress.
        assert repo.get_attempt(4).status == "recording"
        repo.mark_cancelled(3, None, "You stopped this take before the end.")
        cancelled = repo.save_score(3, {**main.report, "coverage": 0.99}, None)
        assert (cancelled.status, cancelled.coverage, cancelled.error) == (
            "cancelled",
            None,
            "You stopped this take before the end.",
        )
        assert cancelled.report is not None and cancelled.report["coverage"] == 0.99
        assert repo.best_attempt_ids()[q3.id] == 1
        assert 3 not in [p.attempt_id for p in repo.progress()]
        # The follow-up link cascades in the rebuilt table.
        assert repo.delete_attempt(1)
        assert follow.id not in [a.id for a in repo.list_attempts()]
    backup = tmp_path / "history.sqlite3.pre-v3.bak"
    assert _dump(backup) == before
    with sqlite3.connect(backup) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2


def _release_copy(tmp_path: Path) -> Path:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(V2_RELEASE_DB.read_bytes())
    return path


def test_no_room_for_the_backup_refuses_before_writing_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backup that would fill the disk is not started: the history stays as it was and readable by the
    release that wrote it once space is freed, and the message is about space, not damage."""
    path = _release_copy(tmp_path)
    before = path.read_bytes()
    usage = db.shutil.disk_usage(tmp_path)
    monkeypatch.setattr(db.shutil, "disk_usage", lambda _p: usage._replace(free=path.stat().st_size))
    with pytest.raises(db.UnwritableError) as caught:
        HistoryRepository(path)
    message = str(caught.value)
    assert "free some space" in message and "not damaged" in message and "damaged (" not in message
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.sqlite3"]


def test_a_broken_old_backup_of_the_same_name_is_replaced_not_blamed_on_the_history(tmp_path: Path) -> None:
    path = _release_copy(tmp_path)  # v2: its backup is history.sqlite3.pre-v3.bak
    backup = tmp_path / "history.sqlite3.pre-v3.bak"
    backup.write_bytes(b"not a database" * 100)  # left by something else, e.g. an earlier failed copy
    with HistoryRepository(path) as repo:
        assert repo.list_attempts()  # migrated and readable
    with sqlite3.connect(backup) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2  # the copy taken before migrating
    assert not list(tmp_path.glob("*.partial*"))
