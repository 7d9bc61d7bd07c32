"""The review widgets' view of a report.

A report reaches the widgets as a :class:`~opsprep_voice.core.scoring.ScoreReport` or as a stored
``ScoreReport.to_dict()`` of any version; :func:`as_report` reads the latter through the one tolerant reader,
:meth:`ScoreReport.from_dict`. :func:`timed_words` adds what only the transcript view needs: each word's
character span in the transcript text.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from opsprep_voice.core.scoring import ScoreReport

log = logging.getLogger(__name__)

Report: TypeAlias = "ScoreReport | Mapping[str, Any]"


def as_report(report: Report) -> ScoreReport:
    """``report`` itself, or a stored dict read back (never raises)."""
    # Imported here: the scorer is not needed before the window shows (application._warm_up imports it).
    from opsprep_voice.core.scoring import ScoreReport

    return report if isinstance(report, ScoreReport) else ScoreReport.from_dict(report)


@dataclass(frozen=True, slots=True)
class TimedWord:
    text: str
    start: float
    end: float
    char_start: int
    char_end: int


def timed_words(report: ScoreReport) -> list[TimedWord]:
    """The report's words with their character spans in its transcript text.

    The text is normally the words joined by single spaces; if it is not (hand-edited data), each word is
    searched for in order and words that cannot be found are skipped.
    """
    body = report.transcript
    out: list[TimedWord] = []
    pos = 0
    for word in report.words:
        found = body.find(word.text, pos)
        if found < 0:
            log.debug("word %r not found in transcript text after %d", word.text, pos)
            continue
        out.append(TimedWord(word.text, word.start, word.end, found, found + len(word.text)))
        pos = found + len(word.text)
    return out
