"""Test data for the history store: questions, report dicts shaped like ``ScoreReport.to_dict()``, WAVs."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from opsprep_voice.storage.records import AttemptRecord
from opsprep_voice.storage.repository import HistoryRepository


@dataclass(frozen=True)
class Q:
    id: str
    number: int
    category: str
    text: str


QUESTIONS = [
    Q("cost-reduction", 1, "cost", "How have you reduced cloud costs without hurting reliability?"),
    Q("incident-story", 2, "incident-response", "Tell me about a major incident you led."),
    Q("observability-stack", 3, "observability", "What does good observability look like to you?"),
]


def make_transcript(text: str, duration_s: float) -> dict[str, Any]:
    return {"text": text, "words": [], "duration_s": duration_s, "language": "en"}


def make_report(
    question: Q,
    text: str,
    *,
    coverage: float,
    duration_s: float = 90.0,
    wpm: float | None = 140.0,
    fillers_per_min: float = 1.5,
    hits: int = 2,
    hit_items: tuple[int, ...] | None = None,
) -> dict[str, Any]:
    """``hits``: the first n items are hit; ``hit_items`` names them instead (a follow-up's items)."""
    hit = set(range(hits)) if hit_items is None else set(hit_items)
    checklist = [
        {
            "id": f"item-{i}",
            "label": f"Idea {i} for {question.id}",
            "hit": i in hit,
            "weight": 1.0,
            "evidence": {"text": f"evidence {i}", "phrase": f"phrase {i}", "match": "exact"}
            if i in hit
            else None,
            "example": f"Example wording {i}",
        }
        for i in range(4)
    ]
    return {
        "question_id": question.id,
        "question_number": question.number,
        "transcript": text,
        "words": [],
        "coverage": coverage,
        "checklist": checklist,
        "duration_s": duration_s,
        "target_seconds": 120,
        "word_count": len(text.split()),
        "wpm": wpm,
        "wpm_band": "comfortable",
        "fillers": {"count": 2, "per_min": fillers_per_min, "items": []},
        "long_pauses": [{"start": 10.0, "end": 14.5}],
        "time_to_first_word_s": 1.2,
        "figures_mentioned": [],
        "star": None,
        "engine": "faster-whisper",
        "model": "base.en",
    }


def wav_bytes(seconds: float, *, rate: int = 16_000, sizes_zero: bool = False) -> bytes:
    """16-bit mono PCM WAV; ``sizes_zero`` leaves RIFF and data sizes 0, as a writer killed before closing."""
    data = b"\x01\x02" * int(seconds * rate)
    riff, data_size = (0, 0) if sizes_zero else (36 + len(data), len(data))
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        riff,
        b"WAVE",
        b"fmt ",
        16,
        1,
        1,
        rate,
        rate * 2,
        2,
        16,
        b"data",
        data_size,
    )
    return header + data


def add_scored(
    repo: HistoryRepository,
    session_id: int,
    question: Q,
    text: str,
    *,
    coverage: float,
    started_at: datetime | None = None,
    audio_seconds: float | None = 0.1,
    **report: Any,
) -> AttemptRecord:
    attempt = repo.start_attempt(session_id, question, started_at=started_at)
    if audio_seconds is not None and attempt.audio_path is not None:
        attempt.audio_path.write_bytes(wav_bytes(audio_seconds))
    repo.mark_recorded(attempt.id, report.get("duration_s", 90.0))
    return repo.save_score(
        attempt.id,
        make_report(question, text, coverage=coverage, **report),
        make_transcript(text, report.get("duration_s", 90.0)),
    )


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2025, 3, day, hour, 0, tzinfo=UTC)


def add_follow_up(
    repo: HistoryRepository,
    main: AttemptRecord,
    question: Q,
    text: str,
    *,
    coverage: float,
    hit_items: tuple[int, ...] = (2,),
    probe_item_id: str = "item-2",
    started_at: datetime | None = None,
    merged: float | None = None,
    **report: Any,
) -> AttemptRecord:
    """A scored follow-up of ``main`` (its report hits ``hit_items``); ``merged`` is stored on the main
    attempt as its coverage with follow-ups."""
    attempt = repo.start_attempt(
        main.session_id,
        question,
        started_at=started_at,
        follow_up_of=main.id,
        probe_item_id=probe_item_id,
        probe_prompt=f"Could you say more about {probe_item_id}?",
    )
    if attempt.audio_path is not None:
        attempt.audio_path.write_bytes(wav_bytes(0.1))
    duration = report.pop("duration_s", 20.0)
    repo.mark_recorded(attempt.id, duration)
    saved = repo.save_score(
        attempt.id,
        make_report(question, text, coverage=coverage, duration_s=duration, hit_items=hit_items, **report),
        make_transcript(text, duration),
    )
    if merged is not None:
        repo.set_coverage_with_follow_ups(main.id, merged)
    return saved
