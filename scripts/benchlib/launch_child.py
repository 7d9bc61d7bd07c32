"""The launch benchmark's child program: start the app through the real entry point and report when its
main window is first exposed and painted.

Run as ``python scripts/benchlib/launch_child.py`` (by path, so nothing but the app is imported before it
starts); :func:`benchlib.launch.launch_once` spawns it and reads the ``BENCH_RESULT`` line it prints.

The app is started by ``opsprep_voice.cli.main(["app"])``, which builds it inside ``ui.application.run``.
To see the window and the transcription service, ``ui.application.build_app`` is wrapped before that call:
the wrapper installs an event filter on the QApplication, then calls the real ``build_app``.
"""

import time

T_FIRST = time.time()  # the first statement after the interpreter started
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

#: Spare references to None (``BENCH_NONE_GUARD``; see ``benchlib.common.NONE_GUARD``).
GUARD = [None] * int(os.environ.get("BENCH_NONE_GUARD", "0"))
marks = {"first_statement": T_FIRST}

from PySide6.QtCore import QEvent, QObject  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

import opsprep_voice.ui.application as appmod  # noqa: E402

RESULT_PREFIX = "BENCH_RESULT "
real_build = appmod.build_app
state: dict = {}  # "ctx", "watch", and what was seen at the first Expose


class Watch(QObject):
    """At the main window's first Expose: note the time and the model's state; at its next Paint: report
    and exit at once (no teardown)."""

    def eventFilter(self, obj, event):
        ctx = state.get("ctx")
        if ctx is not None:
            kind = event.type()
            handle = ctx.window.windowHandle()
            if kind == QEvent.Type.Expose and obj is handle and "expose" not in marks:
                marks["expose"] = time.time()
                t = ctx.transcription
                state["model_state_at_expose"] = t.state
                state["model_loaded_at_expose"] = t.transcriber is not None
                state["ctranslate2_imported_at_expose"] = "ctranslate2" in sys.modules
            elif kind == QEvent.Type.Paint and obj is ctx.window and "expose" in marks:
                marks["paint"] = time.time()
                out = {"marks": marks, **{k: v for k, v in state.items() if k not in ("ctx", "watch")}}
                print(RESULT_PREFIX + json.dumps(out), flush=True)
                os._exit(0)
        return False


def build_app(**kwargs):
    """``ui.application.build_app`` with the :class:`Watch` filter installed first."""
    marks["build_app_start"] = time.time()
    app = QApplication.instance()
    state["watch"] = Watch()
    app.installEventFilter(state["watch"])
    ctx = real_build(**kwargs)
    state["ctx"] = ctx
    marks["build_app_end"] = time.time()
    return ctx


if __name__ == "__main__":
    appmod.build_app = build_app
    marks["imports_done"] = time.time()
    from opsprep_voice.cli import main

    sys.exit(main(["app"]))
