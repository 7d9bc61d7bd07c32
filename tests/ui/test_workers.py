"""Tasks deliver what they report to the GUI thread: every outcome exactly once, to each callback given to
``then``, also when the task ended before ``then`` was called, and progress in order."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication

from opsprep_voice.ui.workers import Task, TaskRunner

WAIT_MS = 120_000  # a bound against a lost outcome on a shared machine, not a speed target


def test_every_outcome_of_many_short_tasks_reaches_its_own_callbacks_exactly_once(qtbot: Any) -> None:
    """Each task's callbacks are fresh closures, freed with the task as the next ones are made: when they
    were Qt connections to a signal of a per-task QObject, a few in every few thousand were never called
    (the app's warm-up, "Add to menu" and the plan then waited forever)."""
    runner = TaskRunner()
    delivered: Counter[tuple[int, str]] = Counter()
    expected: dict[int, str] = {}

    def launch(i: int) -> None:
        kind = ("finished", "failed", "cancelled")[i % 3]
        expected[i] = kind

        def work(_progress: Any, cancel: threading.Event) -> int:
            if kind == "failed":
                raise ValueError(f"task {i} fails")
            if kind == "cancelled":
                cancel.set()
            return i

        def finished(value: int) -> None:
            assert value == i
            delivered[i, "finished"] += 1

        def failed(message: str) -> None:
            assert message == f"task {i} fails"
            delivered[i, "failed"] += 1

        def cancelled() -> None:
            delivered[i, "cancelled"] += 1

        runner.start(work, f"task {i}").then(finished, failed, cancelled)

    for batch in range(500):
        for i in range(batch * 6, batch * 6 + 6):
            launch(i)
        qtbot.waitUntil(lambda: len(delivered) == len(expected), timeout=WAIT_MS)
    assert delivered == Counter({(i, kind): 1 for i, kind in expected.items()})
    assert runner.wait(WAIT_MS)
    qtbot.waitUntil(lambda: not runner._running, timeout=WAIT_MS)  # each is let go once delivered


def test_a_task_that_ended_before_then_still_reports_once_on_the_gui_thread(qtbot: Any) -> None:
    runner = TaskRunner()
    gui = QApplication.instance().thread()  # type: ignore[union-attr]
    seen: list[tuple[str, object, bool]] = []
    task = runner.start(lambda _p, _c: "result", "quick")
    assert task.done.wait(WAIT_MS / 1000)
    task.then(lambda value: seen.append(("first", value, QThread.currentThread() is gui)))
    task.then(lambda value: seen.append(("second", value, QThread.currentThread() is gui)))
    task.then(failed=lambda message: seen.append(("failed", message, False)))  # not what happened
    # Deliveries keep their order, so one asked for last comes after any wrong or second one.
    task.then(lambda value: seen.append(("last", value, True)))
    qtbot.waitUntil(lambda: bool(seen) and seen[-1][0] == "last", timeout=WAIT_MS)
    assert seen == [("first", "result", True), ("second", "result", True), ("last", "result", True)]


def test_progress_arrives_in_order_before_the_outcome(qtbot: Any) -> None:
    runner = TaskRunner()
    events: list[object] = []

    def work(progress: Any, _cancel: threading.Event) -> str:
        for step in range(5):
            progress(step / 5, f"step {step}")
        return "done"

    runner.start(work, "steps").then(
        events.append, progress=lambda fraction, message: events.append((fraction, message))
    )
    qtbot.waitUntil(lambda: "done" in events, timeout=WAIT_MS)
    assert events == [(step / 5, f"step {step}") for step in range(5)] + ["done"]


def test_a_callback_that_raises_does_not_keep_the_outcome_from_the_others(qtbot: Any) -> None:
    runner = TaskRunner()
    later: list[object] = []

    def broken(_value: object) -> None:
        raise RuntimeError("a broken receiver")

    with qtbot.captureExceptions() as exceptions:
        runner.start(lambda _p, _c: 7, "seven").then(broken).then(later.append)
        qtbot.waitUntil(lambda: bool(later), timeout=WAIT_MS)
    assert later == [7]
    assert [str(e[1]) for e in exceptions] == ["a broken receiver"]  # still reported, not swallowed


@pytest.mark.parametrize("when", ["before", "after"])
def test_cancelling_reports_cancelled_not_the_result(qtbot: Any, when: str) -> None:
    runner = TaskRunner()
    gate = threading.Event()
    outcomes: list[str] = []

    def work(_progress: Any, cancel: threading.Event) -> str:
        gate.wait(WAIT_MS / 1000)
        return "a result nobody wants"

    task: Task = runner.start(work, "cancellable")
    if when == "before":
        task.cancel()
    task.then(lambda _v: outcomes.append("finished"), None, lambda: outcomes.append("cancelled"))
    if when == "after":
        task.cancel()
    gate.set()
    qtbot.waitUntil(lambda: bool(outcomes), timeout=WAIT_MS)
    assert outcomes == ["cancelled"]


def test_a_closed_runner_ends_new_tasks_cancelled_without_running_them(qtbot: Any) -> None:
    """After the app's shutdown a late signal may still start work; it must not run past the shutdown."""
    runner = TaskRunner()
    ran = threading.Event()
    first: Task = runner.start(lambda _p, cancel: cancel.wait(WAIT_MS / 1000), "running at close")
    runner.close()
    outcomes: list[str] = []
    late = runner.start(lambda _p, _c: ran.set(), "asked for after close")
    late.then(lambda _v: outcomes.append("finished"), None, lambda: outcomes.append("cancelled"))
    qtbot.waitUntil(lambda: bool(outcomes), timeout=WAIT_MS)
    assert outcomes == ["cancelled"] and not ran.is_set()
    assert first.is_cancelled and runner.wait(WAIT_MS)


def test_closing_the_runner_calls_back_nobody_even_with_an_outcome_on_its_way(qtbot: Any) -> None:
    """The app's shutdown closes the runner, then Qt deletes the widgets; an outcome of a task that was
    running (here one already sent to the GUI thread and not yet delivered) must not reach them: it raised
    "Internal C++ object already deleted" in whatever ran the event loop next."""
    runner = TaskRunner()
    called: list[str] = []
    sent = threading.Event()

    def work(_progress: Any, cancel: threading.Event) -> str:
        return "done"

    task = runner.start(work, "ends before close")
    task.then(lambda _v: called.append("finished"), None, lambda: called.append("cancelled"))
    assert task.done.wait(WAIT_MS / 1000)  # its outcome is queued for the GUI thread, not delivered yet
    running = runner.start(lambda _p, cancel: (sent.set(), cancel.wait(WAIT_MS / 1000)), "running at close")
    running.then(lambda _v: called.append("running"), None, lambda: called.append("running cancelled"))
    assert sent.wait(WAIT_MS / 1000)
    runner.close()
    assert runner.wait(WAIT_MS) and running.is_cancelled
    # a marker behind both outcomes in the GUI thread's queue: once it is delivered, so were they
    marker = TaskRunner().start(lambda _p, _c: None, "marker")
    seen: list[bool] = []
    marker.then(lambda _v: seen.append(True))
    qtbot.waitUntil(lambda: bool(seen), timeout=WAIT_MS)
    assert called == []
