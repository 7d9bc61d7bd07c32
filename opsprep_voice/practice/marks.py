"""The candidate's own marks ("I made this point"): saving a mark on a checklist item the scorer missed.

A mark is the candidate's word, kept apart from the scorer's credit: the stored report and its coverage are
never changed (:meth:`~opsprep_voice.storage.repository.HistoryRepository.set_item_mark` writes a table of
its own). Like every other write of a review's answer it runs on the caller's thread (the GUI thread:
one small statement), and a failure is returned as a sentence, never raised, so the mark the candidate
made stays on screen and the app says it was not kept.
"""

from __future__ import annotations

import logging

from opsprep_voice.storage.repository import HistoryRepository

log = logging.getLogger(__name__)

NO_HISTORY = "History is unavailable, so your mark is shown here but not kept."


def save_mark(
    history: HistoryRepository | None, attempt_id: int | None, item_id: str, covered: bool
) -> str | None:
    """Store (``covered``) or take back the candidate's mark on ``item_id`` of the attempt. None when saved;
    else what to tell the candidate."""
    if history is None or attempt_id is None:
        return NO_HISTORY
    try:
        history.set_item_mark(attempt_id, item_id, covered)
    except Exception as exc:
        log.exception("Could not save the mark on %s of attempt %s", item_id, attempt_id)
        what = "mark" if covered else "taking back of the mark"
        return f"Your {what} could not be saved in History: {exc or type(exc).__name__}"
    return None
