"""The app's side of the history store: opening it at start (and what to tell the candidate when it
cannot take answers, or recovered some after a crash), and transcribing an answer recorded earlier
("Transcribe now" on a recovered or cancelled take) into it. Qt-free except through the window it
notifies; :mod:`opsprep_voice.ui.application` wires both.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from opsprep_voice.core.paths import AppPaths
from opsprep_voice.core.wording import plural
from opsprep_voice.storage.db import StorageError
from opsprep_voice.storage.repository import HistoryRepository

if TYPE_CHECKING:
    from opsprep_voice.ui.application import AppContext

log = logging.getLogger(__name__)


def open_history(paths: AppPaths, problems: list[str]) -> HistoryRepository | None:
    """The user's history, or None (with the reason in ``problems``) when it cannot be used."""
    try:
        repo = HistoryRepository(paths.data_dir() / "history.sqlite3")
    except StorageError as exc:  # the message says what, where and the fix; no traceback needed
        log.error("History store unavailable: %s", exc)
        problems.append(f"History is unavailable ({exc}); answers will not be kept after you quit.")
        return None
    except Exception as exc:
        log.exception("History store unavailable")
        problems.append(f"History is unavailable ({exc}); answers will not be kept after you quit.")
        return None
    if repo.audio_problem:
        problems.append(
            f"New answers cannot be saved in History: {repo.audio_problem.rstrip('.')}. Until then each new "
            "recording is kept in the temporary folder, and its review says where."
        )
    try:
        from opsprep_voice.audio.wavfile import repair_wav
        from opsprep_voice.storage.recovery import find_interrupted

        # Announce only what this start recovered (one recovered earlier is still listed in History).
        earlier = {a.id for a in repo.list_attempts(status="interrupted", with_json=False)}
        recovered = find_interrupted(repo, repair_wav)
        usable = [a for a in recovered if a.status == "interrupted" and a.id not in earlier]
        if usable:
            problems.append(
                f"{plural(len(usable), 'answer')} recorded before the app stopped unexpectedly "
                f"{'was' if len(usable) == 1 else 'were'} recovered; "
                "open History to transcribe them."
            )
    except Exception:
        log.exception("Recovery of interrupted recordings failed")
    return repo


def transcribe_attempt(ctx: AppContext, attempt_id: int) -> None:
    """Transcribe an attempt recorded earlier (recovered after a crash, or cancelled) and store its score;
    the History screen then shows its review."""
    history = ctx.history
    if history is None:
        return
    attempt = history.get_attempt(attempt_id)
    path = history.resolve_audio(attempt.audio_path)
    try:
        question = ctx.bank.find(attempt.question_id)
    except KeyError:
        ctx.window.notify(f"Question {attempt.question_id} is not in the current bank.", 10_000)
        return
    if path is None or not path.exists():
        ctx.window.notify("The recording of this attempt is missing.")
        return
    if attempt_id in ctx.transcribing:
        ctx.window.notify("This answer is being transcribed already…")
        return
    task = ctx.transcription.transcribe_file(path, question)
    ctx.transcribing.add(attempt_id)
    cancelled = attempt.status == "cancelled"
    ctx.window.notify(
        "Transcribing the cancelled take…" if cancelled else "Transcribing the recovered answer…"
    )

    def done(transcript: Any) -> None:
        ctx.transcribing.discard(attempt_id)
        scored = ctx.attempts.rescore(attempt_id, question, transcript, ctx.transcription.transcriber)
        if scored.save_error is not None:
            ctx.window.notify(f"Transcribed, but the score could not be saved: {scored.save_error}", 10_000)
            return
        uncounted = "Transcribed. A cancelled take is not counted in your averages or progress."
        ctx.window.notify(uncounted if cancelled else "Transcribed and scored.")
        if ctx.window.history_screen is not None:
            ctx.window.history_screen.refresh(select_attempt_id=attempt_id)

    def failed(message: str) -> None:
        ctx.transcribing.discard(attempt_id)
        ctx.window.notify(f"Transcription failed: {message}")

    task.then(done, failed)
