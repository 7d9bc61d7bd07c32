"""A temp history for the history-screen tests and screenshots: real bank questions, answers scored by the
real scorer from partial example answers with synthetic word timings, small WAVs, one interrupted answer.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from opsprep_voice.core.bank import Question, QuestionBank
from opsprep_voice.core.followup import choose_probe
from opsprep_voice.core.scoring import ScoreReport, score_answer
from opsprep_voice.core.transcript import Transcript, Word
from opsprep_voice.practice.follow_ups import update_merged_coverage
from opsprep_voice.storage.records import AttemptRecord
from opsprep_voice.storage.repository import HistoryRepository

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def write_wav(path: Path, seconds: float, rate: int = 8_000) -> Path:
    t = np.arange(int(seconds * rate)) / rate
    samples = (np.sin(2 * np.pi * 220 * t) * 2000).astype(np.int16)
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return path


def spoken(text: str, lead_in: float = 1.2, pace: float = 1.0) -> Transcript:
    words: list[Word] = []
    t = lead_in
    for token in text.split():
        length = (0.11 + 0.05 * len(token)) * pace
        words.append(Word(token, round(t, 3), round(t + length, 3)))
        t += length + (0.3 if token.endswith(".") else 0.07) * pace
    return Transcript.from_words(words, round(t + 1.0, 3))


def partial_answer(question: Question, keep: float, filler: str = "") -> str:
    """The first ``keep`` fraction of the example answer's sentences, with an optional filler."""
    sentences = [s.strip() for s in question.example_answer.replace("?", ".").split(". ") if s.strip()]
    n = max(1, round(len(sentences) * keep))
    text = ". ".join(sentences[:n]).rstrip(".") + "."
    return f"So, {filler} {text}" if filler else text


@dataclass
class History:
    repo: HistoryRepository
    bank: QuestionBank
    sessions: list[int] = field(default_factory=list)
    attempts: list[AttemptRecord] = field(default_factory=list)
    interrupted: AttemptRecord | None = None

    def by_question(self, question_id: str) -> list[AttemptRecord]:
        return [a for a in self.attempts if a.question_id == question_id]


def add_answer(
    history: History, session_id: int, question: Question, keep: float, when: datetime, filler: str = "um"
) -> AttemptRecord:
    repo = history.repo
    attempt = repo.start_attempt(session_id, question, started_at=when)
    transcript = spoken(partial_answer(question, keep, filler), pace=1.0 + (1 - keep) * 0.4)
    if attempt.audio_path is not None:
        write_wav(attempt.audio_path, min(transcript.duration_s, 3.0))
    repo.mark_recorded(
        attempt.id, transcript.duration_s, ended_at=when + timedelta(seconds=transcript.duration_s)
    )
    report = score_answer(question, transcript).to_dict()
    record = repo.save_score(attempt.id, report, transcript.to_dict())
    history.attempts.append(record)
    return record


def build_history(repo: HistoryRepository, bank: QuestionBank) -> History:
    """4 sessions on 4 days: Q1 three times (improving), Q2 twice, Q3 once (fifth day), one interrupted Q4."""
    h = History(repo, bank)
    q1, q2, q3, q4 = (bank.find(n) for n in (1, 2, 3, 4))
    plan = [
        (0, [(q1, 0.34), (q2, 0.4)]),
        (1, [(q1, 0.67)]),
        (3, [(q2, 1.0), (q1, 1.0)]),
        (7, [(q3, 0.75)]),
    ]
    for day, answers in plan:
        when = START + timedelta(days=day)
        session = repo.create_session("interview", title=f"Rehearsal day {day + 1}", started_at=when)
        h.sessions.append(session.id)
        for i, (question, keep) in enumerate(answers):
            add_answer(
                h,
                session.id,
                question,
                keep,
                when + timedelta(minutes=5 * i),
                filler="um" if keep < 1 else "",
            )
    # An answer cut short by a crash: audio kept, never transcribed.
    when = START + timedelta(days=7, minutes=20)
    attempt = repo.start_attempt(h.sessions[-1], q4, started_at=when)
    assert attempt.audio_path is not None
    write_wav(attempt.audio_path, 2.0)
    repo.mark_interrupted(attempt.id, 2.0)
    h.interrupted = repo.get_attempt(attempt.id)
    return h


def add_follow_up(history: History, main: AttemptRecord, question: Question) -> AttemptRecord:
    """The follow-up the app would ask after ``main``, answered with the probed item's example wording."""
    assert main.report is not None
    probe = choose_probe(question, ScoreReport.from_dict(main.report))
    assert probe is not None, "the main answer must be thin enough to probe"
    item = next(i for i in question.checklist if i.id == probe.item_id)
    repo = history.repo
    when = main.started_at + timedelta(minutes=2)
    attempt = repo.start_attempt(
        main.session_id,
        question,
        started_at=when,
        follow_up_of=main.id,
        probe_item_id=probe.item_id,
        probe_prompt=probe.prompt,
    )
    transcript = spoken(f"Sure. {item.example or item.label}. orchid-marker")
    assert attempt.audio_path is not None
    write_wav(attempt.audio_path, 1.0)
    repo.mark_recorded(attempt.id, transcript.duration_s)
    record = repo.save_score(attempt.id, score_answer(question, transcript).to_dict(), transcript.to_dict())
    update_merged_coverage(repo, question, main.id)
    return record
