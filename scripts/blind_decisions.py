"""The matcher's decisions on each paraphrase round before that round was read: real mistakes on new writers.

Every round of ``scripts/bench_data/paraphrases`` was added to the repository before anyone curating the
checklists read it. Scoring round ``r`` with the code and checklists of the commit that added it gives the
decisions the matcher made on writers it had never seen (``bench_paraphrase.py --held-out-round r`` on that
commit prints the same recall and false hits). Later rounds are tuning data for today's rules, so today's
decisions on them are fitted (99 % recall, under 1 % false hits) and hold almost no mistakes to learn from;
these hold a few hundred (``scripts/bench_embedding_knn.py --decisions blind`` learns a veto from them).

Each commit is checked out into a temporary git worktree and scored there, with this checkout's virtual
environment, by a child process that imports only that commit's code (its bank format and rule syntax).
Writes ``scripts/bench_data/paraphrases/blind_decisions.json``: per round, the commit and per answer and
item ``[hit, match kind, char start]`` (kind and start are null for a miss; the start is a character offset
into the transcript text the matcher saw, ``Transcript.from_text(answer).text``).

    .venv/bin/python scripts/blind_decisions.py                 # every round
    .venv/bin/python scripts/blind_decisions.py --rounds 9,10   # only these (others kept)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "scripts" / "bench_data" / "paraphrases"
OUT = DATA / "blind_decisions.json"

# Run inside the old worktree: only its own package is on the path (PYTHONPATH), so the old bank loads
# with the old rule syntax. Prints the decisions as JSON on stdout.
_CHILD = r"""
import json, sys
from pathlib import Path
from opsprep_voice.core.bank import load_bank
from opsprep_voice.core.scoring import score_answer
from opsprep_voice.core.transcript import Transcript
bank = load_bank()
out = {}
for path in sorted(Path(sys.argv[1]).glob("q*.json")):
    data = json.loads(path.read_text(encoding="utf-8"))
    question = bank.find(int(data["question"]))
    for answer in data["answers"]:
        report = score_answer(question, Transcript.from_text(answer["text"]))
        out[answer["id"]] = {
            item.id: [bool(item.hit), item.evidence.match if item.hit else None,
                      item.evidence.char_start if item.hit else None]
            for item in report.checklist
        }
json.dump(out, sys.stdout)
"""


def round_folder(number: int) -> Path:
    return DATA if number == 1 else DATA / f"round{number}"


def rounds_present() -> list[int]:
    found = [1] if (DATA / "answers").is_dir() else []
    for folder in DATA.glob("round*"):
        if folder.name[5:].isdigit() and (folder / "answers").is_dir():
            found.append(int(folder.name[5:]))
    return sorted(found)


def adding_commit(number: int) -> str:
    """The commit that added the round's answers (the oldest one that touched its first file)."""
    first = sorted((round_folder(number) / "answers").glob("q*.json"))[0].relative_to(ROOT)
    log = subprocess.run(
        ["git", "log", "--diff-filter=A", "--format=%h", "--", str(first)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    if not log:
        raise SystemExit(f"{first}: not committed; commit the round before scoring it blind")
    return log[-1]


def decisions_at(commit: str, answers: Path) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="blind-") as tmp:
        tree = Path(tmp) / "tree"
        subprocess.run(["git", "worktree", "add", "-q", "--detach", str(tree), commit], cwd=ROOT, check=True)
        try:
            done = subprocess.run(
                [sys.executable, "-c", _CHILD, str(answers)],
                cwd=tmp,
                env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
                capture_output=True,
                text=True,
            )
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=True)
    if done.returncode != 0:
        raise SystemExit(f"scoring at {commit} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=lambda v: [int(n) for n in v.split(",")], help="e.g. 9,10")
    args = parser.parse_args(argv)
    stored = json.loads(OUT.read_text(encoding="utf-8")) if OUT.exists() else {"rounds": {}}
    for number in args.rounds or rounds_present():
        commit = adding_commit(number)
        decisions = decisions_at(commit, round_folder(number) / "answers")
        stored["rounds"][str(number)] = {"commit": commit, "decisions": decisions}
        print(f"round {number}: {len(decisions)} answers scored at {commit}", file=sys.stderr)
    stored["rounds"] = dict(sorted(stored["rounds"].items(), key=lambda kv: int(kv[0])))
    OUT.write_text(json.dumps(stored, separators=(",", ":")) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
