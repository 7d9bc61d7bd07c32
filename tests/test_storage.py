"""The history store: saving, listing, filtering, best attempts, deleting, permissions, transactions."""

from __future__ import annotations

import math
import os
import sqlite3
import stat
from datetime import date, timedelta
from pathlib import Path

import pytest

from opsprep_voice.storage import migrations, repository
from opsprep_voice.storage.db import StorageError, default_db_path
from opsprep_voice.storage.records import NotFoundError
from opsprep_voice.storage.repository import HistoryRepository
from tests.support.history_data import QUESTIONS, add_follow_up, add_scored, at, make_report, make_transcript

Q1, Q2, Q3 = QUESTIONS


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_attempt_lifecycle_round_trips_report_and_columns(repo: HistoryRepository) -> None:
    session = repo.create_session("practice", "Mock interview", "bundled")
    attempt = repo.start_attempt(session.id, Q1)
    assert attempt.status == "recording"
    assert attempt.audio_path == repo.audio_dir / f"attempt-{attempt.id:06d}.wav"
    assert attempt.question_text == Q1.text

    # Committed before recording: a second connection (another process) already sees it.
    with sqlite3.connect(repo.path) as other:
        assert other.execute("SELECT status FROM attempts WHERE id = ?", (attempt.id,)).fetchone() == (
            "recording",
        )

    repo.mark_recorded(attempt.id, 93.5)
    assert repo.get_attempt(attempt.id).status == "recorded"
    report = make_report(
        Q1, "We tag every resource, 50% savings", coverage=0.75, wpm=151.2, fillers_per_min=2.4
    )
    saved = repo.save_score(attempt.id, report, make_transcript(report["transcript"], 93.5))
    assert saved.status == "scored"
    assert saved.report == report
    assert saved.transcript == make_transcript(report["transcript"], 93.5)
    assert (saved.coverage, saved.wpm, saved.fillers_per_min, saved.duration_s) == (0.75, 151.2, 2.4, 90.0)
    assert (saved.engine, saved.model, saved.word_count) == ("faster-whisper", "base.en", 6)
    assert saved.transcript_text == "We tag every resource, 50% savings"
    assert saved.ended_at is not None and saved.ended_at >= saved.started_at


def test_sessions_newest_first_with_attempts_in_answer_order(repo: HistoryRepository) -> None:
    old = repo.create_session("practice", "old", started_at=at(1))
    new = repo.create_session("mock", "new", started_at=at(5))
    add_scored(repo, old.id, Q1, "first", coverage=0.2, started_at=at(1, 10))
    add_scored(repo, new.id, Q2, "b", coverage=0.4, started_at=at(5, 11))
    add_scored(repo, new.id, Q1, "a", coverage=0.3, started_at=at(5, 10))
    repo.end_session(new.id)

    sessions = repo.list_sessions()
    assert [s.title for s in sessions] == ["new", "old"]
    assert [a.transcript_text for a in sessions[0].attempts] == ["a", "b"]
    assert sessions[0].ended_at is not None and sessions[1].ended_at is None
    assert [s.title for s in repo.list_sessions(limit=1)] == ["new"]

    only_q2 = repo.list_sessions(question_id=Q2.id)
    assert [s.id for s in only_q2] == [new.id]
    assert [a.question_id for a in only_q2[0].attempts] == [Q2.id]
    assert [s.id for s in repo.list_sessions(question_number=1)] == [new.id, old.id]


def test_list_attempts_filters(repo: HistoryRepository) -> None:
    s = repo.create_session("practice", started_at=at(1))
    a1 = add_scored(repo, s.id, Q1, "We used Reserved Instances", coverage=0.5, started_at=at(1))
    a2 = add_scored(repo, s.id, Q2, "the pager went off at 3am", coverage=0.6, started_at=at(10))
    a3 = add_scored(repo, s.id, Q1, "Spot instances saved 100% of nothing", coverage=0.7, started_at=at(20))
    failed = repo.start_attempt(s.id, Q3, started_at=at(25))
    repo.mark_failed(failed.id, "microphone unplugged")

    ids = lambda rows: [r.id for r in rows]  # noqa: E731
    assert ids(repo.list_attempts()) == [failed.id, a3.id, a2.id, a1.id]
    assert ids(repo.list_attempts(question_id=Q1.id)) == [a3.id, a1.id]
    assert ids(repo.list_attempts(category="incident-response")) == [a2.id]
    assert ids(repo.list_attempts(since=at(10), until=at(20))) == [a2.id]  # until is exclusive
    assert ids(repo.list_attempts(since=at(10).date() + timedelta(days=1))) == [failed.id, a3.id]
    assert ids(repo.list_attempts(until=at(10).date())) == [a2.id, a1.id]  # a date includes that day
    assert ids(repo.list_attempts(text="INSTANCES")) == [a3.id, a1.id]  # ignores case
    assert ids(repo.list_attempts(text="100%")) == [a3.id]  # % is literal, not a wildcard
    assert ids(repo.list_attempts(text="1_0")) == []  # _ is literal too
    assert ids(repo.list_attempts(question_id=Q1.id, text="reserved")) == [a1.id]
    assert ids(repo.list_attempts(limit=2)) == [failed.id, a3.id]
    assert ids(repo.list_attempts(status="failed")) == [failed.id]
    assert repo.get_attempt(failed.id).error == "microphone unplugged"
    assert isinstance(at(1).date(), date)


def test_best_attempt_per_question_prefers_newer_on_ties(repo: HistoryRepository) -> None:
    s = repo.create_session("practice")
    add_scored(repo, s.id, Q1, "x", coverage=0.5, started_at=at(1))
    best_old = add_scored(repo, s.id, Q1, "x", coverage=0.9, started_at=at(2))
    add_scored(repo, s.id, Q1, "x", coverage=0.3, started_at=at(4))
    tie_old = add_scored(repo, s.id, Q2, "x", coverage=0.6, started_at=at(1))
    tie_new = add_scored(repo, s.id, Q2, "x", coverage=0.6, started_at=at(3))
    unscored = repo.start_attempt(s.id, Q3)
    assert repo.best_attempt_ids() == {Q1.id: best_old.id, Q2.id: tie_new.id}
    assert tie_old.id != tie_new.id and unscored.id not in repo.best_attempt_ids().values()


def test_previous_scored_attempt_is_the_last_earlier_one_at_the_same_question(
    repo: HistoryRepository,
) -> None:
    s = repo.create_session("practice")
    first = add_scored(repo, s.id, Q1, "x", coverage=0.4, started_at=at(1))
    second = add_scored(repo, s.id, Q1, "x", coverage=0.5, started_at=at(3))
    same_time = add_scored(repo, s.id, Q1, "x", coverage=0.6, started_at=at(3))
    add_scored(repo, s.id, Q2, "x", coverage=0.9, started_at=at(4))  # another question
    failed = repo.start_attempt(s.id, Q1, started_at=at(5))
    repo.mark_failed(failed.id, "no audio")
    last = add_scored(repo, s.id, Q1, "x", coverage=0.7, started_at=at(6))

    def previous(attempt_id: int) -> int | None:
        found = repo.previous_scored_attempt(attempt_id)
        return found.id if found else None

    assert previous(first.id) is None
    assert previous(second.id) == first.id
    assert previous(same_time.id) == second.id  # a tie on time goes by id
    assert previous(last.id) == same_time.id  # the failed attempt is skipped
    assert previous(failed.id) == same_time.id
    found = repo.previous_scored_attempt(last.id)
    assert found is not None and found.report is None and found.coverage == 0.6  # light row
    with pytest.raises(NotFoundError):
        repo.previous_scored_attempt(9999)


def test_progress_points_oldest_first_scored_only(repo: HistoryRepository) -> None:
    s = repo.create_session("practice")
    late = add_scored(repo, s.id, Q1, "x", coverage=0.8, started_at=at(9), wpm=150.0)
    early = add_scored(repo, s.id, Q1, "x", coverage=0.4, started_at=at(2), wpm=120.0)
    other = add_scored(repo, s.id, Q2, "x", coverage=0.1, started_at=at(5))
    repo.start_attempt(s.id, Q1)
    points = repo.progress(Q1.id)
    assert [p.attempt_id for p in points] == [early.id, late.id]
    assert [(p.coverage, p.wpm, p.fillers_per_min, p.duration_s) for p in points] == [
        (0.4, 120.0, 1.5, 90.0),
        (0.8, 150.0, 1.5, 90.0),
    ]
    assert [p.attempt_id for p in repo.progress()] == [early.id, other.id, late.id]


def test_delete_attempt_and_session_remove_audio_files(repo: HistoryRepository) -> None:
    s = repo.create_session("practice")
    keep = repo.create_session("practice")
    a = add_scored(repo, s.id, Q1, "x", coverage=0.5)
    b = add_scored(repo, s.id, Q2, "x", coverage=0.5)
    c = add_scored(repo, s.id, Q3, "x", coverage=0.5, audio_seconds=None)  # no file on disk: fine
    other = add_scored(repo, keep.id, Q1, "x", coverage=0.5)
    assert a.audio_path and b.audio_path and other.audio_path
    assert a.audio_path.exists() and b.audio_path.exists()

    assert repo.delete_attempt(a.id) is True
    assert not a.audio_path.exists()
    assert repo.delete_attempt(a.id) is False
    with pytest.raises(NotFoundError):
        repo.get_attempt(a.id)

    assert repo.delete_session(s.id) is True
    assert not b.audio_path.exists()
    assert repo.list_attempts(session_id=s.id) == []
    assert [x.id for x in repo.list_sessions()] == [keep.id]
    assert other.audio_path.exists()
    assert repo.delete_session(s.id) is False
    assert c.id not in [x.id for x in repo.list_attempts()]


def test_failed_db_delete_keeps_rows_and_files(repo: HistoryRepository) -> None:
    s = repo.create_session("practice")
    a = add_scored(repo, s.id, Q1, "x", coverage=0.5)
    with sqlite3.connect(repo.path) as other:
        other.execute(
            "CREATE TRIGGER no_delete BEFORE DELETE ON sessions BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
    with pytest.raises(sqlite3.IntegrityError):
        repo.delete_session(s.id)
    # The attempts were deleted first inside the same transaction: the rollback brought them back.
    assert [x.id for x in repo.list_attempts(session_id=s.id)] == [a.id]
    assert a.audio_path is not None and a.audio_path.exists()


def test_files_and_folders_are_user_only(tmp_path: Path) -> None:
    if os.name != "posix":
        pytest.skip("POSIX permissions")
    old_umask = os.umask(0o022)
    try:
        r = HistoryRepository(tmp_path / "data" / "history.sqlite3")
        s = r.create_session("practice")
        a = r.start_attempt(s.id, Q1)
        r.mark_recorded(a.id, 1.0)  # a write: the -wal and -shm files exist
        for name in ("history.sqlite3", "history.sqlite3-wal", "history.sqlite3-shm"):
            assert _mode(tmp_path / "data" / name) == 0o600, name
        assert _mode(tmp_path / "data") == 0o700
        assert _mode(r.audio_dir) == 0o700
        r.close()
    finally:
        os.umask(old_umask)


def test_existing_modes_are_left_as_their_owner_set_them(tmp_path: Path) -> None:
    """The app creates private files but never chmods what is there: a user's 0o500 folder and 0o400
    database stay so (as root they are still writable, so the history opens; see test_storage_safety for
    a read-only one refused), and so does a looser mode someone chose."""
    if os.name != "posix":
        pytest.skip("POSIX permissions")
    folder = tmp_path / "data"
    HistoryRepository(folder / "history.sqlite3").close()
    (folder / "audio").chmod(0o755)
    (folder / "history.sqlite3").chmod(0o644)
    HistoryRepository(folder / "history.sqlite3").close()
    assert _mode(folder / "history.sqlite3") == 0o644
    assert _mode(folder / "audio") == 0o755
    if os.geteuid() == 0:
        (folder / "history.sqlite3").chmod(0o400)
        folder.chmod(0o500)
        try:
            HistoryRepository(folder / "history.sqlite3").close()
            assert _mode(folder / "history.sqlite3") == 0o400
            assert _mode(folder) == 0o500
        finally:
            folder.chmod(0o700)


def test_exception_inside_a_transaction_leaves_nothing(repo: HistoryRepository) -> None:
    with pytest.raises(RuntimeError), repo.transaction():
        s = repo.create_session("practice")
        a = repo.start_attempt(s.id, Q1)
        repo.save_score(a.id, make_report(Q1, "x", coverage=0.5), make_transcript("x", 1.0))
        raise RuntimeError("crash in the middle")
    assert repo.list_sessions() == []
    assert repo.list_attempts() == []


def test_start_attempt_failing_between_its_statements_leaves_no_row(
    repo: HistoryRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = repo.create_session("practice")

    def broken(attempt_id: int, suffix: str = ".wav") -> str:
        raise OSError("disk full")

    monkeypatch.setattr(repository, "audio_file_name", broken)
    with pytest.raises(OSError):
        repo.start_attempt(s.id, Q1)  # the row was inserted, then the second statement failed
    assert repo.list_attempts() == []


def test_rescoring_replaces_the_report_and_scored_is_not_downgraded(repo: HistoryRepository) -> None:
    s = repo.create_session("practice")
    a = add_scored(repo, s.id, Q1, "first", coverage=0.3)
    again = repo.save_score(a.id, make_report(Q1, "second", coverage=0.6), make_transcript("second", 90.0))
    assert (again.coverage, again.transcript_text) == (0.6, "second")
    with pytest.raises(StorageError, match="already scored"):
        repo.mark_recorded(a.id, 3.0)
    with pytest.raises(NotFoundError):
        repo.save_score(9999, {}, None)
    with pytest.raises(NotFoundError):
        repo.end_session(9999)


def test_non_finite_numbers_are_stored_as_null(repo: HistoryRepository) -> None:
    s = repo.create_session("practice")
    a = repo.start_attempt(s.id, Q1)
    report = make_report(Q1, "", coverage=0.0, wpm=math.nan, fillers_per_min=math.inf)
    saved = repo.save_score(a.id, report, make_transcript("", 0.0))
    assert saved.wpm is None and saved.fillers_per_min is None
    assert saved.report is not None and saved.report["wpm"] is None


def test_data_survives_reopening_and_is_visible_to_a_second_repository(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    first = HistoryRepository(path)
    second = HistoryRepository(path)
    s = first.create_session("practice")
    add_scored(first, s.id, Q1, "hello", coverage=0.5)
    assert [a.transcript_text for a in second.list_attempts()] == ["hello"]
    first.close()
    second.close()
    with HistoryRepository(path) as again:
        assert again.list_sessions()[0].attempts[0].coverage == 0.5


def test_newer_schema_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    HistoryRepository(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {migrations.CURRENT_VERSION + 1}")
    before = path.read_bytes()
    with pytest.raises(StorageError, match="newer OpsPrep Voice"):
        HistoryRepository(path)
    assert path.read_bytes() == before


def test_default_location_follows_opsprep_voice_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSPREP_VOICE_HOME", str(tmp_path))
    assert default_db_path() == tmp_path / "data" / "history.sqlite3"
    with HistoryRepository.open_default() as r:
        assert r.audio_dir == tmp_path / "data" / "audio"


def test_light_lists_leave_out_only_the_json(repo: HistoryRepository) -> None:
    s = repo.create_session("practice")
    full = add_scored(repo, s.id, Q1, "spot instances", coverage=0.5)
    (light,) = repo.list_attempts(with_json=False)
    assert (light.report, light.transcript) == (None, None)
    assert full.report is not None
    assert repo.list_sessions(with_json=False)[0].attempts == [light]
    light.report, light.transcript = full.report, full.transcript
    assert light == full


def test_follow_ups_of_many_mains_in_one_query(repo: HistoryRepository) -> None:
    s = repo.create_session("interview")
    first = add_scored(repo, s.id, Q1, "x", coverage=0.3, started_at=at(1))
    second = add_scored(repo, s.id, Q2, "x", coverage=0.2, started_at=at(2))
    lone = add_scored(repo, s.id, Q3, "x", coverage=0.9, started_at=at(3))
    a = add_follow_up(repo, first, Q1, "more", coverage=0.25, started_at=at(1, 13))
    b = add_follow_up(repo, first, Q1, "again", coverage=0.25, started_at=at(1, 14))
    c = add_follow_up(repo, second, Q2, "more", coverage=0.25, started_at=at(2, 13))

    found = repo.follow_ups_of([lone.id, second.id, first.id, first.id])
    assert {main: [f.id for f in follow] for main, follow in found.items()} == {
        first.id: [a.id, b.id],
        second.id: [c.id],
    }
    assert found[first.id][0].report is None  # light by default
    assert repo.follow_ups_of([first.id], with_json=True)[first.id][0].report is not None
    assert repo.follow_ups_of([]) == {}
    # Far more ids than SQLite takes as parameters of one statement.
    assert set(repo.follow_ups_of(range(1, 40_000))) == {first.id, second.id}


def test_main_answers_only_are_found_by_their_follow_ups_words(repo: HistoryRepository) -> None:
    s = repo.create_session("interview")
    main = add_scored(repo, s.id, Q1, "we tag every resource", coverage=0.3, started_at=at(1))
    other = add_scored(repo, s.id, Q1, "rightsizing first", coverage=0.3, started_at=at(2))
    follow = add_follow_up(repo, main, Q1, "then savings plans for the baseline", coverage=0.25)
    assert [a.id for a in repo.list_attempts(text="savings plans")] == [follow.id]
    assert [a.id for a in repo.list_attempts(text="savings plans", follow_ups=False)] == [main.id]
    assert [a.id for a in repo.list_attempts(text="rightsizing", follow_ups=False)] == [other.id]
    assert [a.id for a in repo.list_attempts(follow_ups=False)] == [other.id, main.id]
