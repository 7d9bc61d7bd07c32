"""``opsprep-voice`` (no sub-command) or ``opsprep-voice app``: start the desktop app."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("app", help="start the desktop app (the default)")
    parser.add_argument("--questions", metavar="FILE", default=None, help="use a custom question bank")
    parser.add_argument("--engine", default=None, help="speech engine for this run")
    parser.add_argument("--model", default=None, metavar="NAME_OR_DIR", help="model for this run")
    parser.set_defaults(func=run_app)


def load_app() -> Callable[..., int]:
    """The app's ``run``, imported once Qt Multimedia's start-up chatter is silenced: Qt probes for
    PipeWire ("Couldn't load pipewire-0.3 library") as soon as the app's modules import Qt Multimedia, so
    the rules must be in place before that import, not only before the QApplication."""
    from opsprep_voice.ui.qt_logging import quiet_multimedia_logs

    quiet_multimedia_logs(debug=logging.getLogger().isEnabledFor(logging.DEBUG))
    from opsprep_voice.ui.application import run

    return run


def run_app(args: argparse.Namespace) -> int:
    from opsprep_voice.cli import CliError
    from opsprep_voice.cli.display import display_problem

    problem = display_problem()
    if problem is not None:  # Qt would abort (exit 134) with a misleading hint
        raise CliError(problem)
    run = load_app()
    return run(
        questions=getattr(args, "questions", None),
        engine=getattr(args, "engine", None),
        model=getattr(args, "model", None),
    )
