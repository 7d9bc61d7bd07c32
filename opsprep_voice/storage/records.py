"""The history's plain records and the values they are stored as: what the rest of the app reads.

:class:`AttemptRecord` (one spoken answer), :class:`SessionRecord` (one rehearsal, with its attempts) and
:class:`ProgressPoint` (one scored attempt on a chart) are plain dataclasses with no database handle, so
the UI, exports and the CLI can hold them after the repository call returns. Times are aware UTC
:class:`datetime` values; :func:`to_db_time` gives the fixed-width text they are stored as, so text order
is time order. :func:`recorder_token` marks which run of the app started a recording (read by
:mod:`opsprep_voice.storage.recovery`).
"""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from opsprep_voice.storage import db

Status = Literal["recording", "recorded", "scored", "failed", "interrupted", "cancelled"]
STATUSES: tuple[Status, ...] = ("recording", "recorded", "scored", "failed", "interrupted", "cancelled")
#: Statuses of an answer whose recording is complete but has no score: it can be (re)transcribed. A
#: ``cancelled`` take stays cancelled when transcribed: its review is kept, but it never counts (averages,
#: progress, best take), so a take the candidate dropped never drags their numbers down.
TRANSCRIBABLE: tuple[Status, ...] = ("recorded", "failed", "interrupted", "cancelled")


class NotFoundError(db.StorageError, KeyError):
    """No session or attempt with that id."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class QuestionLike(Protocol):
    """What an attempt needs from a bank question (``opsprep_voice.core.bank.Question`` fits)."""

    @property
    def id(self) -> str: ...
    @property
    def number(self) -> int: ...
    @property
    def category(self) -> str: ...
    @property
    def text(self) -> str: ...


@dataclass(slots=True)
class AttemptRecord:
    id: int
    session_id: int
    question_id: str
    question_number: int
    category: str
    started_at: datetime
    ended_at: datetime | None
    status: Status
    audio_path: Path | None
    transcript: dict[str, Any] | None
    report: dict[str, Any] | None
    coverage: float | None
    duration_s: float | None
    wpm: float | None
    fillers_per_min: float | None
    engine: str | None
    model: str | None
    error: str | None
    question_text: str = ""
    transcript_text: str = ""
    word_count: int | None = None
    #: ``"pid:run-id:start"`` of the process that started the recording (see :func:`recorder_token`).
    recorder: str | None = None
    #: A follow-up answer: the main attempt it follows, the checklist item probed and the question asked.
    follow_up_of: int | None = None
    probe_item_id: str | None = None
    probe_prompt: str | None = None
    #: A main answer: its coverage merged with its follow-ups' (None until a follow-up is scored).
    coverage_with_follow_ups: float | None = None
    #: Checklist items the candidate marked as covered in the review (ids; the scorer's credit is unchanged).
    marked_items: tuple[str, ...] = ()

    @property
    def is_follow_up(self) -> bool:
        return self.follow_up_of is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "session_id": self.session_id,
            "question_id": self.question_id,
            "question_number": self.question_number,
            "category": self.category,
            "question_text": self.question_text,
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "status": self.status,
            "coverage": self.coverage,
            "duration_s": self.duration_s,
            "wpm": self.wpm,
            "fillers_per_min": self.fillers_per_min,
            "word_count": self.word_count,
            "engine": self.engine,
            "model": self.model,
            "error": self.error,
            "transcript": self.transcript_text,
            "audio_path": str(self.audio_path) if self.audio_path else None,
            "follow_up_of": self.follow_up_of,
            "probe_item_id": self.probe_item_id,
            "probe_prompt": self.probe_prompt,
            "coverage_with_follow_ups": self.coverage_with_follow_ups,
            "marked_by_you": list(self.marked_items),
        }


@dataclass(slots=True)
class SessionRecord:
    id: int
    started_at: datetime
    ended_at: datetime | None
    mode: str
    title: str
    bank: str
    attempts: list[AttemptRecord] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ProgressPoint:
    """One scored attempt as a point on the progress charts."""

    attempt_id: int
    question_id: str
    started_at: datetime
    coverage: float | None
    wpm: float | None
    fillers_per_min: float | None
    duration_s: float | None
    coverage_with_follow_ups: float | None = None


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_db_time(value: datetime) -> str:
    """Aware (or local naive) datetime -> fixed-width UTC text, so text order is time order."""
    if value.tzinfo is None:
        value = value.astimezone()  # naive means local time
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_db_time(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


#: Distinguishes this run of the app from an earlier one that had the same process id (containers reuse pids).
RUN_ID = uuid.uuid4().hex[:12]


def recorder_token() -> str:
    """``pid:run-id:start``: the process, this run of the app, and the process's start time (see
    :func:`process_start`; left out where it is unknown). A pid alone can be reused by an unrelated
    process after the app died, which would keep a dead recording "recording" for ever."""
    start = process_start(os.getpid())
    return f"{os.getpid()}:{RUN_ID}" + (f":{start}" if start is not None else "")


def process_start(pid: int) -> str | None:
    """When process ``pid`` started, in clock ticks since boot (Linux ``/proc/PID/stat`` field 22); None if
    there is no such process or the system has no ``/proc``. Unique per pid at any moment: a reused pid
    gets a later start."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # Field 2 is the command name in parentheses and may contain spaces or ")": count from the last ")".
    fields = text[text.rfind(")") + 1 :].split()
    return fields[19] if len(fields) > 19 else None


def audio_file_name(attempt_id: int, suffix: str = ".wav") -> str:
    """``attempt-NNNNNN`` and ``suffix`` if it is a plain one (a dot and up to 5 ASCII letters or digits),
    else ``.wav``: the stored name never carries what someone else put in a file name ("x.wav;rm -rf", a
    suffix longer than the file system allows)."""
    clean = suffix.lower()
    if not _PLAIN_SUFFIX.fullmatch(clean):
        clean = ".wav"
    return f"attempt-{attempt_id:06d}{clean}"


_PLAIN_SUFFIX = re.compile(r"\.[a-z0-9]{1,5}")
