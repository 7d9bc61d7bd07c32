"""Build questions.json and schema/questions.schema.json from the seed text and the curated fields.

The verbatim question text, guidance and example answer come from the seed
(scripts/seed/senior-operations-engineer-interview.txt); everything else (id, category, behavioural,
target_seconds, checklist) is curated by hand in questions.json and kept, matched by question number.

    .venv/bin/python scripts/build_bank.py           # rewrite both files
    .venv/bin/python scripts/build_bank.py --check   # exit 1 if either file is out of date
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a plain script from a checkout
    sys.path.insert(0, str(REPO_ROOT))

from opsprep_voice.core.bank import BankError, bank_json_schema  # noqa: E402
from opsprep_voice.core.seed import SeedError, dump_json, load_seed, merge_seed, render_bank  # noqa: E402

log = logging.getLogger("build_bank")

DEFAULT_SEED = REPO_ROOT / "scripts" / "seed" / "senior-operations-engineer-interview.txt"
DEFAULT_BANK = REPO_ROOT / "questions.json"
DEFAULT_SCHEMA = REPO_ROOT / "schema" / "questions.schema.json"


def build(seed_path: Path, bank_path: Path) -> tuple[str, str]:
    """The wanted text of the bank and of its schema."""
    seed = load_seed(seed_path)
    try:
        curated = json.loads(bank_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BankError(bank_path, ["file not found; the curated fields live there"]) from None
    except json.JSONDecodeError as exc:
        problem = f"line {exc.lineno} column {exc.colno}: invalid JSON ({exc.msg})"
        raise BankError(bank_path, [problem]) from None
    bank = merge_seed(seed, curated, bank_path)
    return render_bank(bank), dump_json(bank_json_schema())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=Path, default=DEFAULT_SEED, help="seed text file")
    parser.add_argument("--bank", type=Path, default=DEFAULT_BANK, help="questions.json to merge and write")
    parser.add_argument("--schema", type=Path, default=DEFAULT_SCHEMA, help="JSON schema file to write")
    parser.add_argument("--check", action="store_true", help="only check the files are up to date")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    try:
        wanted = dict(zip((args.bank, args.schema), build(args.seed, args.bank), strict=True))
    except (SeedError, BankError) as exc:
        log.error("error: %s", exc)
        return 2

    stale: list[Path] = []
    for path, text in wanted.items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            log.info("wrote %s", path)
    if args.check:
        if stale:
            names = ", ".join(str(p) for p in stale)
            log.error(
                "out of date: %s (differs from the seed text, the curated fields or the bank models); "
                "run: .venv/bin/python scripts/build_bank.py",
                names,
            )
            return 1
        log.info("up to date: %s", ", ".join(str(p) for p in wanted))
    elif not stale:
        log.info("nothing to do: both files are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
