"""Properties of the command line: any arguments give a parsed command, usage (exit 2) or a one-line error;
never a traceback."""

from __future__ import annotations

import io
import sys

from hypothesis import given
from hypothesis import strategies as st

from opsprep_voice.cli import build_parser, main

PARSER = build_parser()
args_text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=12)
FLAGS = ["score", "history", "questions", "export", "--json", "--question", "-q", "--text", "-", "--limit",
         "--stream", "--save", "--format", "md", "-o", "--engine", "--model", "-v", "3"]  # fmt: skip


@given(st.lists(st.sampled_from(FLAGS) | args_text, max_size=6))
def test_any_arguments_parse_or_exit_with_usage(argv: list[str]) -> None:
    try:
        PARSER.parse_args(argv)
    except SystemExit as exc:
        assert exc.code in (0, 2)


def _run(argv: list[str], stdin: bytes = b"") -> tuple[int, str]:
    """``main(argv)`` with standard input and output of its own: (exit status, standard error)."""
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin))
    sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
    try:
        try:
            status = main(argv)
        except SystemExit as exc:  # argparse: a reference that looks like an option
            status = int(exc.code or 0)
        return status, sys.stderr.getvalue()
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved


@given(args_text)
def test_any_question_reference_to_score_text_is_a_score_or_one_line(ref: str) -> None:
    status, err = _run(["score", "--text", "-", "--question", ref, "--json"], b"we alert on the burn rate")
    assert status in (0, 2)
    if status == 2 and err.startswith("opsprep-voice: error:"):
        assert err.count("\n") == 1


@given(args_text)
def test_any_history_question_filter_lists_or_explains(ref: str) -> None:
    status, _err = _run(["history", "--json", "--question", ref])
    assert status in (0, 2)
