"""Transcripts stored before Whisper's word pieces were joined as written ("99 .9 %", "point -in -time") are
rewritten once by migration v4, scores kept, what quotes the text moved with it; clean ones are untouched."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from opsprep_voice.core.bank import load_bank
from opsprep_voice.core.legacy_joins import continues, repair_report, repair_transcript
from opsprep_voice.core.scoring import ScoreReport, score_answer
from opsprep_voice.core.transcript import Transcript, Word
from opsprep_voice.storage import migrations
from opsprep_voice.storage.repository import HistoryRepository

QUESTION = load_bank().find("slis-slos-observability")
# Whisper's pieces as the old code stored them: stripped, no "joined" mark.
OLD_TEXT = (
    "So, um, I start from the user journeys and set an SLO of 99 .9 % over 30 days, with "
    "point -in -time dashboards, and it 's a short -outage budget of 1 ,000 requests. We alert on burn "
    "rate, like, in Prometheus and Grafana."
)
PIECES = OLD_TEXT.split(" ")
JOINED_TEXT = (
    "So, um, I start from the user journeys and set an SLO of 99.9 % over 30 days, with point-in-time "
    "dashboards, and it's a short-outage budget of 1,000 requests. We alert on burn rate, like, in "
    "Prometheus and Grafana."
)


def _words(joined: bool) -> list[Word]:
    words, t = [], 0.5
    for piece in PIECES:
        glued = joined and piece[0] in ".-',"
        words.append(Word(piece, t, t + 0.3, 0.9, glued))
        t += 0.4
    return words


def old_transcript() -> Transcript:
    """What the old code stored: every piece a word of its own, written with a space before it."""
    transcript = Transcript.from_words(_words(joined=False), 40.0)
    assert transcript.text == OLD_TEXT
    return transcript


@pytest.mark.parametrize(
    ("previous", "piece", "joined"),
    [
        ("99", ".9", True),
        ("1", ",000", True),
        ("point", "-in", True),
        ("-in", "-time", True),
        ("it", "'s", True),
        ("don", "'t", True),
        ("99.9", "%", False),  # the app writes "99.9 %" too
        ("costs", "$1,200", False),
        ("and", "-", False),  # a dash between words
        ("word", ".", False),
        ("so", "'cause", False),
        ("the", ".9", False),  # a decimal part only after a digit
    ],
)
def test_which_stored_pieces_continue_the_word_before(previous: str, piece: str, joined: bool) -> None:
    assert continues(previous, piece) is joined


def test_a_report_is_repaired_with_its_scores_kept_and_its_quotes_moved() -> None:
    old = score_answer(QUESTION, old_transcript()).to_dict()
    new = repair_report(old)
    assert new is not None
    assert new["transcript"] == JOINED_TEXT
    # The scores are the ones the candidate was given.
    assert new["coverage"] == old["coverage"]
    assert [i["hit"] for i in new["checklist"]] == [i["hit"] for i in old["checklist"]]
    assert (new["wpm"], new["word_count"], new["duration_s"]) == (
        old["wpm"],
        old["word_count"],
        old["duration_s"],
    )
    # Every quote is the text between its offsets, in the joined text.
    quoted = [i["evidence"] for i in new["checklist"] if i["evidence"] and i["evidence"]["text"]]
    assert quoted
    for evidence in quoted:
        assert JOINED_TEXT[evidence["char_start"] : evidence["char_end"]] == evidence["text"]
        assert f'"{evidence["text"]}"' in evidence["why"] or evidence["match"] == "concept"
    for filler in new["fillers"]["items"]:
        assert JOINED_TEXT[filler["char_start"] : filler["char_end"]].lower() == filler["text"].lower()
    # Figures read as said, as today's scorer finds them in the joined words.
    assert [f["text"] for f in old["figures_mentioned"]] == ["99", "9 %", "30 days", "1", "000 requests"]
    figures = [f["text"] for f in new["figures_mentioned"]]
    assert figures == ["99.9 %", "30 days", "1,000 requests"]
    today = score_answer(QUESTION, Transcript.from_words(_words(joined=True), 40.0)).to_dict()
    assert new["figures_mentioned"] == today["figures_mentioned"]
    assert ScoreReport.from_dict(new).transcript == JOINED_TEXT
    assert "99 .9" in old["transcript"]  # the input was not changed in place


def test_a_transcript_is_repaired_and_clean_or_foreign_text_is_left_alone() -> None:
    stored = old_transcript().to_dict()
    new = repair_transcript(stored)
    assert new is not None and Transcript.from_dict(new).text == JOINED_TEXT
    assert repair_transcript(new) is None  # once is enough
    assert repair_transcript(Transcript.from_words(_words(joined=True), 40.0).to_dict()) is None
    edited = {**stored, "text": OLD_TEXT.replace("So,", "Well,")}  # not what the old join wrote
    assert repair_transcript(edited) is None
    assert repair_report(score_answer(QUESTION, Transcript.from_text(OLD_TEXT)).to_dict()) is None  # no words


def test_migration_v4_rewrites_old_transcripts_once_with_a_backup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "history.sqlite3"
    transcript = old_transcript()
    report = score_answer(QUESTION, transcript).to_dict()
    with monkeypatch.context() as as_released:  # the schema the previous release wrote (v3)
        as_released.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:3])
        as_released.setattr(migrations, "CURRENT_VERSION", 3)
        with HistoryRepository(path) as repo:
            session = repo.create_session("interview")
            old = repo.start_attempt(session.id, QUESTION)
            repo.mark_recorded(old.id, transcript.duration_s)
            repo.save_score(old.id, report, transcript.to_dict())
            clean = repo.start_attempt(session.id, QUESTION)
            fine = Transcript.from_words(_words(joined=True), 40.0)
            repo.mark_recorded(clean.id, fine.duration_s)
            repo.save_score(clean.id, score_answer(QUESTION, fine).to_dict(), fine.to_dict())
            clean_before = repo.get_attempt(clean.id)
            assert repo.list_attempts(text="99.9") == [repo.get_attempt(clean.id)]

    with HistoryRepository(path) as repo:
        repaired = repo.get_attempt(old.id)
        assert repaired.transcript_text == JOINED_TEXT
        assert repaired.report is not None and repaired.report["transcript"] == JOINED_TEXT
        assert repaired.coverage == pytest.approx(report["coverage"])
        assert repaired.transcript is not None
        assert Transcript.from_dict(repaired.transcript).text == JOINED_TEXT
        assert {a.id for a in repo.list_attempts(text="point-in-time")} == {old.id, clean.id}
        assert repo.get_attempt(clean.id) == clean_before  # a transcript written today is left as it was
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations.CURRENT_VERSION
    backup = tmp_path / "history.sqlite3.pre-v4.bak"
    with sqlite3.connect(backup) as conn:
        stored = conn.execute(
            "SELECT transcript_text, report_json FROM attempts WHERE id = ?", (old.id,)
        ).fetchone()
    assert stored[0] == OLD_TEXT and json.loads(stored[1]) == report  # the old rows are kept beside it


def test_pieces_the_current_code_kept_apart_stay_apart() -> None:
    """Whisper writes a flag or a negative figure with a space before it (" -v", " -5"): the current code
    keeps it a word of its own, and the repair must not glue it to the word before."""
    pieces = [
        " I",
        " ran",
        " grep",
        " -v",
        " and",
        " tail",
        " -f,",
        " it",
        "'s",
        " down",
        " to",
        " -5",
        " now.",
    ]
    words = [Word.from_asr(p, 0.5 + i * 0.4, 0.8 + i * 0.4, 0.9) for i, p in enumerate(pieces)]
    current = Transcript.from_words(words, 10.0)
    assert current.text == "I ran grep -v and tail -f, it's down to -5 now."
    assert repair_transcript(current.to_dict()) is None
    assert repair_report(score_answer(QUESTION, current).to_dict()) is None


@pytest.mark.parametrize(
    "odd",
    [
        {"checklist": 7},
        {"checklist": [7, "x", {"evidence": 3}]},
        {"fillers": {"items": 5}},
        {"fillers": [1, 2]},
    ],
)
def test_an_odd_report_shape_is_repaired_without_failing(odd: dict[str, object]) -> None:
    report = {**score_answer(QUESTION, old_transcript()).to_dict(), **odd}
    repaired = repair_report(report)
    assert repaired is not None and repaired["transcript"] == JOINED_TEXT
    assert {k: repaired[k] for k in odd} == odd  # what it cannot read it leaves as it was


def test_migration_v4_leaves_a_row_it_cannot_read_and_repairs_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "history.sqlite3"
    transcript = old_transcript()
    report = score_answer(QUESTION, transcript).to_dict()
    with monkeypatch.context() as as_released:
        as_released.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:3])
        as_released.setattr(migrations, "CURRENT_VERSION", 3)
        with HistoryRepository(path) as repo:
            session = repo.create_session("interview")
            ids = []
            for _ in range(3):
                attempt = repo.start_attempt(session.id, QUESTION)
                repo.mark_recorded(attempt.id, transcript.duration_s)
                repo.save_score(attempt.id, report, transcript.to_dict())
                ids.append(attempt.id)
    nested = "[" * 100_000 + "]" * 100_000  # valid JSON that json.loads cannot read (RecursionError)
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE attempts SET report_json = ?, transcript_json = ? WHERE id = ?", (nested, nested, ids[1])
        )
    monkeypatch.setattr(migrations, "_REPAIR_BATCH", 2)  # the rows come in more than one batch
    with HistoryRepository(path) as repo:
        assert [repo.get_attempt(i).transcript_text for i in (ids[0], ids[2])] == [JOINED_TEXT] * 2
        assert repo.get_attempt(ids[1]).transcript_text == OLD_TEXT
