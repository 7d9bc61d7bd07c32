"""The ``opsprep-voice`` command line.

Without a sub-command it starts the desktop app. Each sub-command lives in its own module with a
``register(subparsers)`` function that adds its parser and sets ``func`` to a handler returning the exit
status. Errors meant for the user are raised as :class:`CliError` and printed as one line on stderr
with exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from opsprep_voice import __version__
from opsprep_voice.logging_setup import configure_logging

#: Sub-command modules, each with ``register(subparsers)``; the first also starts the app by default.
SUBCOMMANDS = ("app_cmd", "questions_cmd", "score_cmd", "history_cmd", "plan_cmd", "desktop_cmd")


class CliError(Exception):
    """A problem with the user's input: printed as one line on stderr, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    commands = [importlib.import_module(f"opsprep_voice.cli.{name}") for name in SUBCOMMANDS]

    parser = argparse.ArgumentParser(
        prog="opsprep-voice",
        description="Rehearse a Senior Operations Engineer interview out loud, offline.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in commands:
        module.register(subparsers)
    parser.set_defaults(func=commands[0].run_app)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.verbose)
    try:
        return int(args.func(args))
    except CliError as exc:
        print(f"opsprep-voice: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("opsprep-voice: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        logging.getLogger(__name__).debug("broken pipe on stdout")
        return 0
