"""History screen speed over a 10,000-answer database (``scripts/bench_history.py``'s generator).

:func:`history_child` and :func:`history_profile` run in child processes (``bench_gui.py --child ...``).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from benchlib.common import make_home
from benchlib.record import profile_top


def history_db(workdir: Path, attempts: int, models: Path) -> tuple[Path, float | None]:
    """A home whose history holds ``attempts`` answers over the real bank (built once, then reused)."""
    import bench_history

    from opsprep_voice.core.bank import load_bank

    home = make_home(workdir / f"home-history-{attempts}", models)
    db = home / "data" / "history.sqlite3"
    if db.exists():
        return home, None
    bank = load_bank()
    real = [bench_history.BenchQuestion(q.id, q.number, q.category, q.text) for q in bank]
    partial = db.with_name("building.sqlite3")
    for p in partial.parent.glob("building.sqlite3*"):
        p.unlink()
    t0 = time.perf_counter()
    bench_history.fill(partial, attempts, len(real), questions=real)  # the generator, over the bank
    os.replace(partial, db)
    return home, time.perf_counter() - t0


def history_child(db: Path) -> dict[str, Any]:
    """The history child: build, refresh and filter a HistoryScreen over ``db``, timed."""
    from datetime import date

    from PySide6.QtWidgets import QApplication

    from opsprep_voice.core.bank import load_bank
    from opsprep_voice.storage.repository import HistoryRepository
    from opsprep_voice.ui.history.history_screen import HistoryScreen

    app = QApplication.instance() or QApplication(sys.argv)
    bank = load_bank()
    repo = HistoryRepository(db)
    t0 = time.perf_counter()
    screen = HistoryScreen(repo, bank)
    construct_s = time.perf_counter() - t0
    rows_all = screen.model.rowCount()
    screen.resize(1280, 800)
    t0 = time.perf_counter()
    screen.show()
    app.processEvents()
    first_paint_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    screen.refresh()
    refresh_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    app.processEvents()
    refresh_paint_s = time.perf_counter() - t0

    q7 = bank.find("7").id
    cases: list[tuple[str, dict[str, Any]]] = [
        ("question", {"question_id": q7}),
        ("category", {"category": "cost"}),
        ("date (one month)", {"since": date(2024, 6, 1), "until": date(2024, 6, 30)}),
        ("text, common word", {"text": "postmortem"}),
        ("text, rare phrase", {"text": "canary postmortem"}),
        (
            "question + month + text",
            {"question_id": q7, "since": date(2024, 6, 1), "until": date(2024, 6, 30), "text": "spot"},
        ),
        ("clear filters (all)", {}),
    ]
    filters = []
    for name, kwargs in cases:
        model_s, paint_s = [], []
        for _ in range(3):
            screen.set_filters(question_id=q7 if name.startswith("clear") else None)  # start elsewhere
            app.processEvents()
            t0 = time.perf_counter()
            screen.set_filters(**kwargs)
            model_s.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            app.processEvents()
            paint_s.append(time.perf_counter() - t0)
        filters.append(
            {
                "filter": name,
                "answers": len(screen.visible_attempt_ids()),
                "model_s": statistics.median(model_s),
                "model_worst_s": max(model_s),
                "paint_s": statistics.median(paint_s),
            }
        )
    repo.close()
    return {
        "construct_s": construct_s,
        "first_paint_s": first_paint_s,
        "refresh_s": refresh_s,
        "refresh_paint_s": refresh_paint_s,
        "top_rows": rows_all,
        "filters": filters,
    }


def history_profile(db: Path) -> list[str]:
    """The history-profile child: cProfile of build + paint + a text filter."""
    import cProfile

    from PySide6.QtWidgets import QApplication

    from opsprep_voice.core.bank import load_bank
    from opsprep_voice.storage.repository import HistoryRepository
    from opsprep_voice.ui.history.history_screen import HistoryScreen

    app = QApplication.instance() or QApplication(sys.argv)
    repo = HistoryRepository(db)
    bank = load_bank()
    profiler = cProfile.Profile()
    profiler.enable()
    screen = HistoryScreen(repo, bank)
    screen.show()
    app.processEvents()
    screen.set_filters(text="postmortem")
    app.processEvents()
    profiler.disable()
    repo.close()
    return profile_top(profiler)
