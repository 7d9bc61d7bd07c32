"""Background work for the GUI: a task runs a function off the GUI thread and reports through signals.

``fn(progress, cancel)`` gets a progress callback ``(fraction, message)`` and a ``threading.Event``
that is set when the user cancels; the function should check it between steps. Signals are emitted
from the worker thread and delivered queued to receivers on the GUI thread.

Connect through :meth:`Task.then`, not to the signals directly: a task may end before its caller
gets to connect, and ``then`` delivers the outcome even then (exactly once).
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, QThreadPool, QTimer, Signal

log = logging.getLogger(__name__)

TaskFn = Callable[[Callable[[float, str], None], threading.Event], Any]

#: Background work (model loading, transcription) runs at a lower CPU priority than the GUI thread and
#: the audio pump: on a 2-core laptop Whisper's threads otherwise keep the GUI thread waiting for a core.
BACKGROUND_NICENESS = 10


def lower_thread_priority() -> None:
    """Lower the calling thread's CPU priority (Linux: per-thread nice; threads it starts inherit it).

    Does nothing where the platform has no per-thread priority; never raises.
    """
    setpriority = getattr(os, "setpriority", None)
    if setpriority is None:
        return
    try:
        tid = threading.get_native_id()
        if os.getpriority(os.PRIO_PROCESS, tid) < BACKGROUND_NICENESS:
            setpriority(os.PRIO_PROCESS, tid, BACKGROUND_NICENESS)
    except OSError:
        log.debug("could not lower the priority of thread %s", threading.current_thread().name)


class TaskSignals(QObject):
    progress = Signal(float, str)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()


class Task:
    """One unit of background work. Keep a reference to ``signals`` while it runs.

    Not a ``QRunnable``: the pool runs :meth:`run` through a runnable of its own that it deletes after
    the call. A ``QRunnable`` subclass handed to ``QThreadPool.start`` belongs to the pool's wrapper from
    then on (PySide), and with auto-delete off (which the outcome's late delivery needs) every task lived
    as long as the app, with its function, what that captured and its result (scripts/bench_soak.py).
    """

    def __init__(self, fn: TaskFn, name: str = "task") -> None:
        self.fn = fn
        self.name = name
        self.signals = TaskSignals()
        self.cancel_event = threading.Event()
        self.done = threading.Event()
        self._lock = threading.Lock()
        self._outcome: tuple[str, Any] | None = None

    def then(
        self,
        finished: Callable[[Any], None] | None = None,
        failed: Callable[[str], None] | None = None,
        cancelled: Callable[[], None] | None = None,
        progress: Callable[[float, str], None] | None = None,
    ) -> Task:
        """Call back on the GUI thread when the task ends, even if it already has."""
        with self._lock:
            if progress is not None:
                self.signals.progress.connect(progress)
            outcome = self._outcome
            if outcome is None:
                if finished is not None:
                    self.signals.finished.connect(finished)
                if failed is not None:
                    self.signals.failed.connect(failed)
                if cancelled is not None:
                    self.signals.cancelled.connect(cancelled)
                return self
        kind, value = outcome
        if kind == "finished" and finished is not None:
            QTimer.singleShot(0, lambda: finished(value))
        elif kind == "failed" and failed is not None:
            QTimer.singleShot(0, lambda: failed(value))
        elif kind == "cancelled" and cancelled is not None:
            QTimer.singleShot(0, cancelled)
        return self

    def _emit(self, kind: str, value: Any = None) -> None:
        with self._lock:
            self._outcome = (kind, value)
            if kind == "finished":
                self.signals.finished.emit(value)
            elif kind == "failed":
                self.signals.failed.emit(value)
            else:
                self.signals.cancelled.emit()

    def cancel(self) -> None:
        self.cancel_event.set()

    @property
    def is_cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def run(self) -> None:
        from opsprep_voice.asr.base import TranscriptionCancelled

        lower_thread_priority()
        try:
            result = self.fn(self.signals.progress.emit, self.cancel_event)
        except TranscriptionCancelled:
            self._emit("cancelled")
        except Exception as exc:  # reported to the user through the failed signal
            if self.cancel_event.is_set():
                self._emit("cancelled")
            else:
                log.exception("%s failed", self.name)
                self._emit("failed", str(exc) or type(exc).__name__)
        else:
            self._emit("cancelled" if self.cancel_event.is_set() else "finished", result)
        finally:
            self.done.set()


#: Threads of a runner's own pool: a live answer's finishing call, a model load and a short task (the plan,
#: an export, a warm-up) may all be under way at once; more would only share the same two cores.
POOL_THREADS = 4


class TaskRunner:
    """Starts tasks on a thread pool and keeps them alive until they end.

    By default on a pool of its own, not Qt's global one: Qt Multimedia loads every review's recording
    on the global pool, and on a busy 2-core machine its loaders held both of that pool's threads long
    enough for the app's tasks queued behind them (the plan, "Add to menu", a save) to wait for minutes."""

    def __init__(self, pool: QThreadPool | None = None) -> None:
        if pool is None:
            pool = QThreadPool()
            pool.setMaxThreadCount(max(POOL_THREADS, QThread.idealThreadCount()))
        self.pool = pool
        self._running: set[Task] = set()

    def start(self, fn: TaskFn, name: str = "task") -> Task:
        task = Task(fn, name)
        self._running.add(task)
        # ``forget`` is connected to the task's own signals: holding the task itself it would make a cycle
        # through Qt's connection, which Python's collector cannot see, and the task would never be freed.
        ref = weakref.ref(task)

        def forget(*_args: object) -> None:
            ended = ref()
            if ended is not None:
                # Released after the outcome's other receivers, whose deliveries are already queued.
                QTimer.singleShot(0, lambda: self._running.discard(ended))

        task.then(forget, forget, forget)
        self.pool.start(task.run)
        return task

    def cancel_all(self) -> None:
        for task in list(self._running):
            task.cancel()

    def wait(self, timeout_ms: int = 30_000) -> bool:
        return self.pool.waitForDone(timeout_ms)
