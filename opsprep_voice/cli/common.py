"""Helpers shared by sub-commands: loading the bank and resolving a question reference."""

from __future__ import annotations

import argparse
from pathlib import Path

from opsprep_voice.cli import CliError
from opsprep_voice.core.bank import BankError, Question, QuestionBank, load_bank


def add_questions_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--questions",
        metavar="FILE",
        type=Path,
        default=None,
        help="use this question bank (JSON, see schema/questions.schema.json) instead of the bundled one",
    )


def bank_from_args(args: argparse.Namespace) -> QuestionBank:
    try:
        return load_bank(args.questions)
    except BankError as exc:
        raise CliError(f"invalid question bank {exc}") from None


def find_question(bank: QuestionBank, ref: str) -> Question:
    try:
        return bank.find(ref)
    except KeyError as exc:
        raise CliError(str(exc.args[0])) from None
