"""``opsprep-voice questions``: list the question bank."""

from __future__ import annotations

import argparse
import json
from typing import Any

from opsprep_voice.cli.common import add_questions_option, bank_from_args


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("questions", help="list the interview questions")
    parser.add_argument("--json", action="store_true", help="print the questions as a JSON array")
    add_questions_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    bank = bank_from_args(args)
    if args.json:
        print(json.dumps([q.model_dump(mode="json") for q in bank], indent=2, ensure_ascii=False))
        return 0
    for q in bank:
        print(
            f"{q.number:>2}. [{q.id}] ({q.category}, ~{q.target_seconds} s, "
            f"{len(q.checklist)} checklist items)"
        )
        print(f"    {q.text}")
    return 0
