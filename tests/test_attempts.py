"""The practice service: score a transcript and save the attempt (rehearsal, recovered attempt, CLI)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from opsprep_voice.core.bank import load_bank
from opsprep_voice.core.follow_up_turn import FOLLOW_UP_TARGET_S
from opsprep_voice.core.scoring import REPORT_VERSION, ScoreReport, score_answer
from opsprep_voice.core.transcript import Transcript, Word
from opsprep_voice.practice.answer_files import (
    MissingAudioError,
    save_new_attempt,
    score_and_save_file,
    score_with_follow_up,
)
from opsprep_voice.practice.attempts import APP_CLOSED, DROPPED, Attempts, live_feedback
from opsprep_voice.storage.db import StorageError
from opsprep_voice.storage.repository import HistoryRepository
from tests.support.history_data import QUESTIONS, make_report, make_transcript, wav_bytes

QUESTION = load_bank().questions[0]
ANSWER = Transcript.from_text(QUESTION.example_answer, duration_s=60.0)
Q1, _Q2, Q3 = QUESTIONS


class Engine:
    engine, model = "fake-engine", "fake-model"


@pytest.fixture(scope="module")
def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _fail(*_args: Any, **_kwargs: Any) -> None:
    raise StorageError("disk full")


def test_a_rehearsal_attempt_is_reserved_recorded_scored_and_saved(repo: HistoryRepository) -> None:
    attempts = Attempts(repo)
    assert attempts.start_session("interview", "All questions", "bundled") is None
    path = attempts.reserve(QUESTION)
    attempt_id = attempts.attempt_for(path)
    assert attempt_id is not None and path.parent == repo.audio_dir
    assert repo.get_attempt(attempt_id).status == "recording"
    path.write_bytes(wav_bytes(1.0))
    attempts.recorded(path, 60.0)
    assert repo.get_attempt(attempt_id).status == "recorded"

    scored = attempts.score_and_save(path, QUESTION, ANSWER, Engine())  # type: ignore[arg-type]
    assert (scored.attempt_id, scored.save_error) == (attempt_id, None)
    assert scored.report.coverage == score_answer(QUESTION, ANSWER).coverage > 0.5
    assert (scored.report.engine, scored.report.model) == ("fake-engine", "fake-model")
    record = repo.get_attempt(attempt_id)
    assert record.status == "scored" and record.coverage == pytest.approx(scored.report.coverage, abs=1e-3)
    assert record.report is not None and record.report["report_version"] == REPORT_VERSION
    assert ScoreReport.from_dict(record.report).to_dict() == scored.report.to_dict()
    assert attempts.attempt_for(path) is None  # the attempt is done

    attempts.end_session()
    assert repo.get_session(record.session_id).ended_at is not None


def test_a_store_failure_is_reported_and_the_score_kept(
    repo: HistoryRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts = Attempts(repo)
    attempts.start_session("interview")
    path = attempts.reserve(QUESTION)
    attempt_id = attempts.attempt_for(path)
    monkeypatch.setattr(repo, "save_score", _fail)
    scored = attempts.score_and_save(path, QUESTION, ANSWER)
    assert scored.save_error == "disk full" and scored.attempt_id == attempt_id
    assert scored.report.coverage > 0.5 and scored.report.transcript == ANSWER.text
    monkeypatch.setattr(repo, "mark_failed", _fail)
    attempts.failed(path, "never raises")  # logged only
    monkeypatch.setattr(repo, "create_session", _fail)
    assert attempts.start_session("interview") == (
        "Answers will not be saved in History (disk full); they are deleted when you quit."
    )
    spare = attempts.reserve(QUESTION)  # no session: a temporary file, no attempt
    assert attempts.attempt_for(spare) is None and spare.name.startswith("opsprep-answer-")
    attempts.remove_temporary()  # at quit, as the message says
    assert not spare.exists()


def test_an_answer_the_open_history_refuses_is_kept_and_its_review_says_where(
    repo: HistoryRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    """History opened, then would not take the answer (a full disk, a file where audio/ should be): the
    candidate was not told beforehand, so the recording stays after quit and the review names it."""
    attempts = Attempts(repo)
    attempts.start_session("interview")
    monkeypatch.setattr(repo, "start_attempt", _fail)
    path = attempts.reserve(QUESTION)
    try:
        assert attempts.attempt_for(path) is None and path.name.startswith("opsprep-answer-")
        path.write_bytes(wav_bytes(1.0))
        attempts.recorded(path, 1.0)
        scored = attempts.score_and_save(path, QUESTION, ANSWER)
        assert scored.report.coverage > 0.5
        assert scored.save_error == f"disk full. The recording is kept at {path}"
        attempts.remove_temporary()  # quit
        assert path.exists()
    finally:
        path.unlink(missing_ok=True)


def test_without_a_history_answers_are_scored_only() -> None:
    attempts = Attempts(None)
    assert attempts.start_session("study") is None
    path = attempts.reserve(QUESTION)
    try:
        assert path.exists() and attempts.attempt_for(path) is None
        attempts.recorded(path, 1.0)
        scored = attempts.score_and_save(path, QUESTION, ANSWER)
        assert (scored.attempt_id, scored.save_error) == (None, None) and scored.report.coverage > 0.5
    finally:
        path.unlink()


def test_a_failed_transcription_marks_the_attempt(repo: HistoryRepository) -> None:
    attempts = Attempts(repo)
    attempts.start_session("interview")
    path = attempts.reserve(QUESTION)
    attempt_id = attempts.attempt_for(path)
    assert attempt_id is not None
    attempts.failed(path, "the microphone could not be opened")
    record = repo.get_attempt(attempt_id)
    assert (record.status, record.error) == ("failed", "the microphone could not be opened")


def _pretend_next_start(repo: HistoryRepository, dead_pid: int) -> list[int]:
    """What recovery at the next start reports: every attempt is from a process that has exited."""
    from opsprep_voice.audio.wavfile import repair_wav
    from opsprep_voice.storage.recovery import find_interrupted

    with sqlite3.connect(repo.path) as conn:
        conn.execute("UPDATE attempts SET recorder = ?", (f"{dead_pid}:earlier-run",))
    return [a.id for a in find_interrupted(repo, repair_wav)]


def test_dropped_and_unscored_takes_are_cancelled_and_nothing_is_recovered_after_a_clean_end(
    repo: HistoryRepository, dead_pid: int
) -> None:
    attempts = Attempts(repo)
    attempts.start_session("interview")
    # Esc while recording: the recording is finalised first, then the take is dropped.
    esc = attempts.reserve(QUESTION)
    esc_id = attempts.attempt_for(esc)
    esc.write_bytes(wav_bytes(2.0))
    attempts.recorded(esc, 2.0)
    attempts.cancelled(esc)
    # End while recording: the session closes before the recorder reports the file done.
    ended = attempts.reserve(QUESTION)
    # Recorded, never scored (transcription cancelled, or the app quit while transcribing).
    unscored = attempts.reserve(QUESTION)
    unscored.write_bytes(wav_bytes(1.0))
    attempts.recorded(unscored, 1.0)
    ids = {esc: esc_id, ended: attempts.attempt_for(ended), unscored: attempts.attempt_for(unscored)}
    assert None not in ids.values()

    assert repo.get_attempt(ids[esc] or -1).status == "cancelled"
    attempts.end_session(APP_CLOSED)
    assert repo.get_attempt(ids[unscored] or -1).status == "cancelled"
    # Until its file is finalised the ended take stays "recording": a crash now is still repaired.
    assert repo.get_attempt(ids[ended] or -1).status == "recording"
    ended.write_bytes(wav_bytes(3.0))
    attempts.recorded(ended, 3.0)

    records = {p: repo.get_attempt(i or -1) for p, i in ids.items()}
    assert [(r.status, r.duration_s, r.error) for r in records.values()] == [
        ("cancelled", 2.0, DROPPED),
        ("cancelled", 3.0, APP_CLOSED),
        ("cancelled", 1.0, APP_CLOSED),
    ]
    assert all(r.audio_path is not None and r.audio_path.exists() for r in records.values())
    assert _pretend_next_start(repo, dead_pid) == []


def test_a_cancelled_take_scored_later_stays_cancelled_and_never_counts(repo: HistoryRepository) -> None:
    attempts = Attempts(repo)
    attempts.start_session("interview")
    counted = attempts.reserve(QUESTION)
    attempts.recorded(counted, 60.0)
    weak = Transcript.from_text("We would check the logs.", duration_s=60.0)
    kept = attempts.score_and_save(counted, QUESTION, weak).attempt_id
    dropped = attempts.reserve(QUESTION)
    attempts.recorded(dropped, 60.0)
    dropped_id = attempts.attempt_for(dropped)
    attempts.cancelled(dropped)
    attempts.end_session()

    scored = attempts.rescore(dropped_id or -1, QUESTION, ANSWER)  # "Transcribe now" in History
    record = repo.get_attempt(dropped_id or -1)
    assert scored.save_error is None and scored.report.coverage > 0.5
    assert (record.status, record.error) == ("cancelled", DROPPED)
    assert record.report is not None and record.report["coverage"] == pytest.approx(scored.report.coverage)
    assert record.transcript_text == ANSWER.text  # still found by the History search
    assert (record.coverage, record.wpm, record.fillers_per_min) == (None, None, None)  # out of averages
    assert repo.best_attempt_ids() == {QUESTION.id: kept}
    assert [p.attempt_id for p in repo.progress()] == [kept]
    assert repo.previous_scored_attempt(dropped_id or -1) is not None
    assert [a.id for a in repo.list_attempts(status="cancelled")] == [dropped_id]


def test_rescore_saves_a_recovered_attempt(repo: HistoryRepository) -> None:
    session = repo.create_session("interview")
    attempt = repo.start_attempt(session.id, QUESTION)
    repo.mark_interrupted(attempt.id, 42.0)
    scored = Attempts(repo).rescore(attempt.id, QUESTION, ANSWER)
    assert scored.save_error is None and repo.get_attempt(attempt.id).status == "scored"
    missing = Attempts(repo).rescore(attempt.id + 100, QUESTION, ANSWER)
    assert missing.save_error and missing.report.coverage == scored.report.coverage


def test_old_format_reports_read_back(repo: HistoryRepository) -> None:
    """Reports saved by older versions: no ``report_version``, evidence without its span."""
    session = repo.create_session("practice")
    attempt = repo.start_attempt(session.id, Q1)
    old = make_report(Q1, "spot instances and tagging", coverage=0.5)
    repo.save_score(attempt.id, old, make_transcript("spot instances and tagging", 90.0))
    stored = repo.get_attempt(attempt.id).report
    assert stored is not None and "report_version" not in stored
    report = ScoreReport.from_dict(stored)
    assert (report.question_id, report.coverage, report.duration_s) == (Q1.id, 0.5, 90.0)
    assert [(i.hit, i.quote, i.evidence) for i in report.checklist[:3]] == [
        (True, "evidence 0", None),
        (True, "evidence 1", None),
        (False, "", None),
    ]
    assert report.filler_count == 2 and report.fillers_per_min == 1.5 and len(report.long_pauses) == 1


def test_save_new_attempt_copies_audio_into_a_one_attempt_session(
    repo: HistoryRepository, tmp_path: Path
) -> None:
    source = tmp_path / "answer.WAV"
    source.write_bytes(wav_bytes(0.5))
    report = make_report(Q3, "metrics logs and traces", coverage=0.66, duration_s=0.5)
    record = save_new_attempt(repo, Q3, report, make_transcript("metrics logs and traces", 0.5), source)
    session = repo.get_session(record.session_id)
    assert (session.mode, session.title, len(session.attempts)) == ("cli", "Q3 observability-stack", 1)
    assert session.ended_at is not None
    assert (record.status, record.coverage, record.duration_s) == ("scored", 0.66, 0.5)
    assert record.audio_path == repo.audio_dir / f"attempt-{record.id:06d}.wav"
    assert record.audio_path.read_bytes() == source.read_bytes()
    assert source.exists()  # the user's file is left where it was
    assert not list(record.audio_path.parent.glob("*.part"))


def test_save_new_attempt_failure_records_nothing(repo: HistoryRepository, tmp_path: Path) -> None:
    source = tmp_path / "answer.wav"
    source.write_bytes(wav_bytes(0.5))
    before_sessions = len(repo.list_sessions())
    before_files = sorted(repo.audio_dir.iterdir())
    bad_report = {"coverage": 0.5, "oops": object()}  # not JSON: fails after the audio was copied
    with pytest.raises(TypeError):
        save_new_attempt(repo, Q1, bad_report, None, source)
    assert len(repo.list_sessions()) == before_sessions
    assert sorted(repo.audio_dir.iterdir()) == before_files
    with pytest.raises(MissingAudioError, match="audio file not found"):
        save_new_attempt(repo, Q1, make_report(Q1, "x", coverage=0.1), None, tmp_path / "nope.wav")


def test_score_and_save_file_keeps_the_score_when_saving_fails(
    repo: HistoryRepository, tmp_path: Path
) -> None:
    source = tmp_path / "answer.wav"
    source.write_bytes(wav_bytes(0.5))
    scored = score_and_save_file(QUESTION, ANSWER, source, Engine(), repo=repo)  # type: ignore[arg-type]
    assert scored.save_error is None and scored.attempt_id is not None
    assert repo.get_attempt(scored.attempt_id).coverage == pytest.approx(scored.report.coverage, abs=1e-3)
    lost = score_and_save_file(QUESTION, ANSWER, tmp_path / "nope.wav", repo=repo)
    assert lost.attempt_id is None and lost.save_error is not None and "not found" in lost.save_error
    assert lost.report.coverage == scored.report.coverage
    assert len(repo.list_sessions()) == 1


def test_live_feedback_scores_the_words_so_far() -> None:
    assert live_feedback(QUESTION, []) is None
    words = [Word(w, i * 0.4, i * 0.4 + 0.3) for i, w in enumerate(QUESTION.example_answer.split()[:80])]
    live = live_feedback(QUESTION, words)
    assert live is not None and live.hits and live.text.startswith(words[0].text)
    assert live.duration_s == words[-1].end and live.wpm is not None


def test_a_follow_up_is_saved_linked_to_its_main_attempt_with_the_merged_coverage(
    repo: HistoryRepository,
) -> None:
    from opsprep_voice.core.followup import choose_probe

    question = load_bank().find("slis-slos-observability")
    attempts = Attempts(repo)
    attempts.start_session("interview")
    main_path = attempts.reserve(question)
    main_path.write_bytes(wav_bytes(1.0))
    attempts.recorded(main_path, 20.0)
    thin = Transcript.from_text("We set SLOs on availability and keep an error budget.", duration_s=20.0)
    main = attempts.score_and_save(main_path, question, thin)
    probe = choose_probe(question, main.report)
    assert probe is not None and main.attempt_id is not None

    follow_path = attempts.reserve(question, follow_up_of=main.attempt_id, probe=probe)
    follow_path.write_bytes(wav_bytes(1.0))
    attempts.recorded(follow_path, 15.0)
    item = next(i for i in question.checklist if i.id == probe.item_id)
    answer = Transcript.from_text(item.example or item.label, duration_s=15.0)
    scored = attempts.score_and_save_follow_up(
        follow_path, question, answer, main_report=main.report, main_attempt_id=main.attempt_id
    )

    assert scored.save_error is None and scored.attempt_id is not None
    assert scored.report.target_seconds == FOLLOW_UP_TARGET_S  # a follow-up is held to its own length
    assert probe.item_id in {i.id for i in scored.result.recovered}
    assert scored.result.coverage == pytest.approx(main.report.coverage)
    assert scored.result.coverage_with_follow_ups > scored.result.coverage
    follow = repo.get_attempt(scored.attempt_id)
    assert (follow.follow_up_of, follow.probe_item_id, follow.probe_prompt) == (
        main.attempt_id,
        probe.item_id,
        probe.prompt,
    )
    assert follow.report is not None and follow.report["target_seconds"] == FOLLOW_UP_TARGET_S
    record = repo.get_attempt(main.attempt_id)
    assert record.coverage_with_follow_ups == pytest.approx(scored.result.coverage_with_follow_ups, abs=1e-3)
    assert record.coverage == pytest.approx(main.report.coverage, abs=1e-3)  # the main score is unchanged

    # Deleting the main answer deletes its follow-up and both audio files.
    assert repo.delete_attempt(main.attempt_id)
    assert not main_path.exists() and not follow_path.exists()
    assert repo.list_attempts() == []


def test_a_follow_up_must_follow_a_main_answer_to_the_same_question(repo: HistoryRepository) -> None:
    session = repo.create_session("interview")
    main = repo.start_attempt(session.id, Q1)
    follow = repo.start_attempt(session.id, Q1, follow_up_of=main.id, probe_item_id="x", probe_prompt="Why?")
    with pytest.raises(StorageError, match="follow-up itself"):
        repo.start_attempt(session.id, Q1, follow_up_of=follow.id)
    with pytest.raises(StorageError, match="same question"):
        repo.start_attempt(session.id, Q3, follow_up_of=main.id)
    with pytest.raises(StorageError, match="no attempt 999"):
        repo.start_attempt(session.id, Q1, follow_up_of=999)
    assert [a.id for a in repo.list_attempts()] == [follow.id, main.id]


def test_a_failing_store_keeps_the_follow_up_score(repo: HistoryRepository, monkeypatch: Any) -> None:
    question = load_bank().find("slis-slos-observability")
    attempts = Attempts(repo)
    attempts.start_session("interview")
    main_path = attempts.reserve(question)
    main = attempts.score_and_save(main_path, question, Transcript.from_text("We have SLOs."))
    follow_path = attempts.reserve(question, follow_up_of=main.attempt_id)
    monkeypatch.setattr(repo, "set_coverage_with_follow_ups", _fail)
    scored = attempts.score_and_save_follow_up(
        follow_path,
        question,
        Transcript.from_text("We map the journeys users care about, like checkout."),
        main_report=main.report,
        main_attempt_id=main.attempt_id,
    )
    assert scored.save_error == "disk full"
    assert scored.report.question_id == question.id and scored.result.coverage == main.report.coverage


def test_stored_follow_ups_are_read_back_and_merged_like_the_rehearsal_merges_them(
    repo: HistoryRepository,
) -> None:
    from opsprep_voice.practice.follow_ups import load_follow_ups, merged_result

    question = load_bank().find("slis-slos-observability")
    attempts = Attempts(repo)
    attempts.start_session("interview")
    main_path = attempts.reserve(question)
    main = attempts.score_and_save(
        main_path, question, Transcript.from_text("We set SLOs with an error budget.")
    )
    assert main.attempt_id is not None
    assert load_follow_ups(repo, main.attempt_id) == []
    assert merged_result(question, main.report, []) is None

    answered = attempts.reserve(question, follow_up_of=main.attempt_id)
    scored = attempts.score_and_save_follow_up(
        answered,
        question,
        Transcript.from_text("I start from the critical user journeys, like checkout and login."),
        main_report=main.report,
        main_attempt_id=main.attempt_id,
    )
    failed = attempts.reserve(question, follow_up_of=main.attempt_id)
    attempts.failed(failed, "microphone unplugged")

    turns = load_follow_ups(repo, main.attempt_id)
    assert [(t.attempt_id, t.status, t.scored) for t in turns] == [
        (scored.attempt_id, "scored", True),
        (attempts.attempt_for(failed) or turns[1].attempt_id, "failed", False),
    ]
    assert turns[0].report is not None and turns[0].report.coverage == pytest.approx(
        scored.report.coverage, abs=1e-3
    )
    merged = merged_result(question, main.report, turns)
    assert merged is not None
    assert merged.coverage_with_follow_ups == pytest.approx(scored.result.coverage_with_follow_ups)
    assert {i.id for i in merged.recovered} == {i.id for i in scored.result.recovered} != set()


def test_each_follow_up_is_credited_with_the_items_it_recovered_first(repo: HistoryRepository) -> None:
    from opsprep_voice.practice.follow_ups import (
        load_follow_ups,
        question_finder,
        recovered_by_turn,
        recovered_labels,
        update_merged_coverage,
    )

    bank = load_bank()
    question = bank.find("slis-slos-observability")
    attempts = Attempts(repo)
    attempts.start_session("interview")
    main = attempts.score_and_save(
        attempts.reserve(question), question, Transcript.from_text("We set SLOs with an error budget.")
    )
    assert main.attempt_id is not None
    missed = [i for i in question.checklist if not next(r for r in main.report.checklist if r.id == i.id).hit]
    first, second = missed[0], missed[1]
    earlier: list[ScoreReport] = []
    says_first, says_second = (first.example or first.label), (second.example or second.label)
    for text in (says_first, f"{says_first} {says_second}"):
        scored = attempts.score_and_save_follow_up(
            attempts.reserve(question, follow_up_of=main.attempt_id),
            question,
            Transcript.from_text(text),
            main_report=main.report,
            main_attempt_id=main.attempt_id,
            earlier=earlier,
        )
        earlier.append(scored.report)

    turns = load_follow_ups(repo, main.attempt_id)
    by_turn = recovered_by_turn(question, main.report, turns)
    assert first.id in {i.id for i in by_turn[0]}
    assert first.id not in {i.id for i in by_turn[1]}  # credited to the follow-up that recovered it first
    assert second.id in {i.id for i in by_turn[1]}

    records = repo.list_attempts()  # with their JSON, as an export reads them
    labels = recovered_labels(records, question_finder(bank))
    pairs = zip(turns, by_turn, strict=True)
    assert labels == {t.attempt_id: tuple(i.label for i in items) for t, items in pairs}
    assert recovered_labels(records, question_finder(None)) == {}  # no bank: nothing claimed
    assert question_finder(bank)("no-such-question") is None

    stored = repo.get_attempt(main.attempt_id).coverage_with_follow_ups
    assert update_merged_coverage(repo, question, main.attempt_id) == pytest.approx(stored, abs=1e-3)
    for turn in turns:
        assert turn.attempt_id is not None
        repo.delete_attempt(turn.attempt_id)
    assert update_merged_coverage(repo, question, main.attempt_id) is None
    assert repo.get_attempt(main.attempt_id).coverage_with_follow_ups is None


def test_a_main_answer_and_its_follow_up_are_scored_and_saved_linked(
    repo: HistoryRepository, tmp_path: Path
) -> None:
    question = load_bank().find("slis-slos-observability")
    main_wav, follow_wav = tmp_path / "main.wav", tmp_path / "follow.wav"
    main_wav.write_bytes(wav_bytes(0.5))
    follow_wav.write_bytes(wav_bytes(0.3))
    thin = Transcript.from_text("We set SLOs on availability and keep an error budget.", duration_s=20.0)
    scored_once = score_with_follow_up(question, thin, thin)
    assert scored_once.probe is not None and scored_once.main.attempt_id is None
    item = next(i for i in question.checklist if i.id == scored_once.probe.item_id)
    follow = Transcript.from_text(item.example or item.label, duration_s=12.0)

    scored = score_with_follow_up(
        question, thin, follow, save=True, main_audio=main_wav, follow_up_audio=follow_wav, repo=repo
    )
    assert scored.main.save_error is None and scored.follow_up.save_error is None
    assert item.id in {i.id for i in scored.follow_up.result.recovered}
    assert scored.main.attempt_id is not None and scored.follow_up.attempt_id is not None
    main = repo.get_attempt(scored.main.attempt_id)
    saved = repo.get_attempt(scored.follow_up.attempt_id)
    assert (saved.follow_up_of, saved.probe_item_id, saved.probe_prompt) == (
        main.id,
        item.id,
        scored.probe.prompt,
    )
    assert saved.session_id == main.session_id and saved.duration_s == pytest.approx(12.0)
    assert main.coverage_with_follow_ups == pytest.approx(
        scored.follow_up.result.coverage_with_follow_ups, abs=1e-3
    )
    assert main.audio_path is not None and main.audio_path.read_bytes() == main_wav.read_bytes()
    assert saved.audio_path is not None and saved.audio_path.read_bytes() == follow_wav.read_bytes()

    # A follow-up recording that is gone: both scores kept, nothing stored, no copies left behind.
    before = {p.name for p in repo.audio_dir.iterdir()}
    lost = score_with_follow_up(
        question,
        thin,
        follow,
        save=True,
        main_audio=main_wav,
        follow_up_audio=tmp_path / "gone.wav",
        repo=repo,
    )
    assert lost.main.save_error is not None and "not found" in lost.main.save_error
    assert lost.follow_up.report.coverage == scored.follow_up.report.coverage
    assert {p.name for p in repo.audio_dir.iterdir()} == before
    assert len(repo.list_sessions()) == 1
