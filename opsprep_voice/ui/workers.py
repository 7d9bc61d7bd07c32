"""Background work for the GUI: a task runs a function off the GUI thread and reports on the GUI thread.

``fn(progress, cancel)`` gets a progress callback ``(fraction, message)`` and a ``threading.Event``
that is set when the user cancels; the function should check it between steps. Progress and the outcome
are carried to the GUI thread by one relay and handed to the callbacks given to :meth:`Task.then`, which
delivers the outcome even when the task ended before its caller got to ask (exactly once).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, QThreadPool, Signal, Slot

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


class _Relay(QObject):
    """Carries every task's progress and outcome to the GUI thread, and calls its callbacks there.

    One for the app, living on the GUI thread; its signals are connected (queued) to its own slots. A
    task's callbacks are plain Python lists held by the task, never Qt connections: tasks are freed as soon
    as they end, and PySide can drop a queued call to a Python function connected to a signal of a QObject
    freed that soon (the stress in tests/ui/test_workers.py lost a few outcomes in every few thousand so).
    """

    outcome = Signal(object)  # (task, callbacks, args): call each callback with args, unless detached
    progress = Signal(object)  # (task, fraction, message)

    def __init__(self) -> None:
        super().__init__()
        self.outcome.connect(self._call, Qt.ConnectionType.QueuedConnection)
        self.progress.connect(self._progress, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _call(self, parcel: tuple[Task, list[Callable[..., None]], tuple[Any, ...]]) -> None:
        task, callbacks, args = parcel
        if task.detached:  # its runner closed after the outcome was sent: nobody it would call is left
            return
        first_error: Exception | None = None
        for callback in callbacks:  # one failing callback does not keep the outcome from the others
            try:
                callback(*args)
            except Exception as exc:
                first_error = first_error or exc
        if first_error is not None:
            raise first_error

    @Slot(object)
    def _progress(self, parcel: tuple[Task, float, str]) -> None:
        task, fraction, message = parcel
        if task.detached:
            return
        for callback in list(task._progress):
            callback(fraction, message)


_relay: _Relay | None = None
_relay_lock = threading.Lock()


def _gui_relay() -> _Relay:
    global _relay
    with _relay_lock:
        if _relay is None:
            relay = _Relay()
            app = QCoreApplication.instance()
            if app is not None and relay.thread() is not app.thread():
                relay.moveToThread(app.thread())
            _relay = relay
        return _relay


_KINDS = ("finished", "failed", "cancelled")


def _spent(_progress: Callable[[float, str], None], _cancel: threading.Event) -> None:
    """A task's function once it has run (or never will): what the real one captured is released."""


class Task:
    """One unit of background work, run by a :class:`TaskRunner`.

    Not a ``QRunnable``: the pool runs :meth:`run` through a runnable of its own that it deletes after
    the call. A ``QRunnable`` subclass handed to ``QThreadPool.start`` belongs to the pool's wrapper from
    then on (PySide), and with auto-delete off (which the outcome's late delivery needs) every task lived
    as long as the app, with its function, what that captured and its result (scripts/bench_soak.py).
    """

    def __init__(self, fn: TaskFn, name: str = "task") -> None:
        self.fn = fn
        self.name = name
        self.cancel_event = threading.Event()
        self.done = threading.Event()
        self._relay = _gui_relay()
        self._lock = threading.Lock()
        self._outcome: tuple[str, tuple[Any, ...]] | None = None
        self._callbacks: dict[str, list[Callable[..., None]]] = {kind: [] for kind in _KINDS}
        self._progress: list[Callable[[float, str], None]] = []
        self.detached = False

    def then(
        self,
        finished: Callable[[Any], None] | None = None,
        failed: Callable[[str], None] | None = None,
        cancelled: Callable[[], None] | None = None,
        progress: Callable[[float, str], None] | None = None,
    ) -> Task:
        """Call back on the GUI thread when the task ends, even if it already has (exactly once each)."""
        given = dict(zip(_KINDS, (finished, failed, cancelled), strict=True))
        with self._lock:
            if progress is not None:
                self._progress.append(progress)
            if self._outcome is None:
                for kind, callback in given.items():
                    if callback is not None:
                        self._callbacks[kind].append(callback)
                return self
            kind, args = self._outcome
        late = given[kind]
        if late is not None:
            self._relay.outcome.emit((self, [late], args))
        return self

    def _report(self, fraction: float, message: str) -> None:
        self._relay.progress.emit((self, fraction, message))

    def _end(self, kind: str, *args: Any) -> None:
        with self._lock:
            self._outcome = (kind, args)
            callbacks = self._callbacks[kind]
            self._callbacks = {k: [] for k in _KINDS}  # what they captured is not kept past the call
            self._relay.outcome.emit((self, callbacks, args))

    def cancel(self) -> None:
        self.cancel_event.set()

    def detach(self) -> None:
        """Cancel, and call back nobody from now on, not even with an outcome already on its way: the
        app that asked for it has shut down, and its callbacks would touch widgets Qt has deleted."""
        with self._lock:
            self.detached = True
            self._callbacks = {k: [] for k in _KINDS}
            self._progress = []
        self.cancel()

    @property
    def is_cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def run(self) -> None:
        from opsprep_voice.asr.base import TranscriptionCancelled

        if self.cancel_event.is_set():  # cancelled before a thread was free, or started on a closed runner
            self.fn = _spent
            self._end("cancelled")
            self.done.set()
            return
        lower_thread_priority()
        try:
            result = self.fn(self._report, self.cancel_event)
        except TranscriptionCancelled:
            self._end("cancelled")
        except Exception as exc:  # reported to the user through the failed callbacks
            if self.cancel_event.is_set():
                self._end("cancelled")
            else:
                log.exception("%s failed", self.name)
                self._end("failed", str(exc) or type(exc).__name__)
        else:
            if self.cancel_event.is_set():
                self._end("cancelled")
            else:
                self._end("finished", result)
        finally:
            # What the function captured goes now, not with the task: an outcome still queued for the GUI
            # thread when the app quits holds the task to the exit (a soxr stream is then reported leaked).
            self.fn = _spent
            self.done.set()


#: Threads of a runner's own pool: a live answer's finishing call, a model load and a short task (the plan,
#: an export, a warm-up) may all be under way at once; more would only share the same two cores.
POOL_THREADS = 4


class TaskRunner:
    """Starts tasks on a thread pool and keeps them alive until they end.

    By default on a pool of its own, not Qt's global one, where Qt Multimedia loads every review's
    recording: the app's tasks (a save, the plan) never queue behind a load that is slow to end."""

    def __init__(self, pool: QThreadPool | None = None) -> None:
        if pool is None:
            pool = QThreadPool()
            pool.setMaxThreadCount(max(POOL_THREADS, QThread.idealThreadCount()))
        self.pool = pool
        self._running: set[Task] = set()
        self._closed = False

    def start(self, fn: TaskFn, name: str = "task") -> Task:
        task = Task(fn, name)
        if self._closed:
            # After the app's shutdown a late signal may still ask for work (a question to speak): it ends
            # cancelled without running, instead of running on past the store and the log it would use.
            task.cancel()
        self._running.add(task)
        # Released once its outcome is delivered: the runner's callback comes first, but the parcel being
        # delivered holds the others.
        forget = partial(self._running.discard, task)
        task.then(lambda _result: forget(), lambda _message: forget(), forget)
        self.pool.start(task.run)
        return task

    def close(self) -> None:
        """Cancel every task and every one started from now on (see :meth:`start`); the tasks under way
        deliver no outcome from then on (:meth:`Task.detach`): the app is shutting down."""
        self._closed = True
        for task in list(self._running):
            task.detach()
        self._running.clear()

    def wait(self, timeout_ms: int = 30_000) -> bool:
        return self.pool.waitForDone(timeout_ms)
