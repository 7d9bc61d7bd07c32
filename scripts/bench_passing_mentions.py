"""Can a filter tell a tool named in passing from a point made, without reading meaning?

Most of the matcher's false hits on fresh answers are a tool or practice named in a list ("I'd look at things
like reserved instances, spot, autoscaling"). This measures two filters that would drop such credits, on
rounds 3 and 4 of the paraphrase benchmark (answers the checklists' rules were not written from), and prints
what each would remove: false hits (good) against correct credits (bad).

- ``rule``: drop a credit whose evidence is one exact word, found in no other sentence of the answer, in a
  sentence that credits two other items, lists three short items, or says "things like" and the like.
  Counted over rounds 1-4.
- ``regression``: a logistic regression on item-independent features of the evidence, trained on one round
  and applied to the other (round 3 -> 4 and 4 -> 3), at several thresholds.

    .venv/bin/python scripts/bench_passing_mentions.py

Results and the decision (not adopted) are in docs/BENCHMARKS.md, "Round 5".
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a plain script: the checkout's opsprep_voice
    sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_paraphrase import Answer, load_answers  # noqa: E402

from opsprep_voice.core.bank import Question, load_bank  # noqa: E402
from opsprep_voice.core.matching import match_checklist  # noqa: E402
from opsprep_voice.core.transcript import Transcript  # noqa: E402

_SENTENCE = re.compile(r"[^.!?]+[.!?]*")
_HEDGE = re.compile(
    r"\b(things like|stuff like|tools like|something like|kind of|sort of|some kind|maybe|and so on|etc|"
    r"that kind of|all that|i think|important|good practice|best practice|principles|approach|in general|"
    r"basically|honestly)\b",
    re.IGNORECASE,
)
_LISTING = re.compile(
    r"\b(things like|stuff like|tools like|something like|that kind of stuff|and so on|etc|kind of stuff|"
    r"some kind of|all that)\b",
    re.IGNORECASE,
)
_FIGURE = re.compile(
    r"\d|\b(two|three|four|five|six|seven|eight|nine|ten|twenty|fifty|hundred|thousand|percent)\b"
)
FEATURES = (
    "concept",
    "one_word",
    "single_support",
    "support",
    "others",
    "short_segments",
    "hedge",
    "figure",
    "length",
)


def _credits(question: Question, text: str) -> set[str]:
    return {m.id for m in match_checklist(question, Transcript.from_text(text)) if m.evidence is not None}


def features(question: Question, text: str) -> dict[str, tuple[dict[str, float], str]]:
    """Per credited item: its features and the sentence its evidence is in."""
    transcript = Transcript.from_text(text)
    text = transcript.text
    sentences = [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.group().strip()]
    credited = [_credits(question, text[s:e]) for s, e in sentences]
    out = {}
    for match in match_checklist(question, transcript):
        evidence = match.evidence
        if evidence is None:
            continue
        k = next((i for i, (s, e) in enumerate(sentences) if s <= evidence.char_start < e), 0)
        sentence = text[slice(*sentences[k])]
        support = sum(1 for c in credited if match.id in c)
        segments = [x.strip() for x in re.split(r",|\band\b|\bor\b", sentence)]
        values = {
            "concept": float(evidence.match == "concept"),
            "one_word": float(len(evidence.text.split()) == 1),
            "single_support": float(support <= 1),
            "support": float(min(support, 4)),
            "others": float(min(len(credited[k] - {match.id}), 4)),
            "short_segments": float(min(sum(1 for x in segments if 0 < len(x.split()) <= 3), 5)),
            "hedge": float(bool(_HEDGE.search(sentence))),
            "figure": float(bool(_FIGURE.search(sentence))),
            "length": min(len(sentence.split()), 50) / 10,
        }
        out[match.id] = (values, sentence)
    return out


def _round(answer: Answer) -> str:
    return answer.id.split("-")[0] if re.match(r"r\d-", answer.id) else "r1"


def _fit(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 4000) -> tuple[np.ndarray, ...]:
    """Plain L2-regularised logistic regression by gradient descent (nine features, ~400 rows)."""
    mu, sd = x.mean(0), x.std(0) + 1e-9
    z = np.hstack([(x - mu) / sd, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-z @ w))
        w -= (z.T @ (p - y) + l2 * np.r_[w[:-1], 0]) / len(y)
    return mu, sd, w


def _probability(model: tuple[np.ndarray, ...], x: np.ndarray) -> np.ndarray:
    mu, sd, w = model
    z = np.hstack([(x - mu) / sd, np.ones((len(x), 1))])
    return 1 / (1 + np.exp(-z @ w))


def main() -> int:
    bank = load_bank(REPO_ROOT / "questions.json")
    answers = load_answers(bank, held_out_round=4)  # rounds 1-4; round 5 stays unread
    rows: list[tuple[str, bool, dict[str, float], str]] = []
    for answer in answers:
        for item, (values, sentence) in features(bank.find(answer.question), answer.text).items():
            rows.append((_round(answer), answer.labels[item], values, sentence))

    removed: Counter[tuple[str, bool]] = Counter()
    for rnd, covered, f, sentence in rows:
        bare = f["one_word"] and f["support"] <= 1 and not f["concept"]
        if bare and (f["others"] >= 2 or f["short_segments"] >= 3 or _LISTING.search(sentence)):
            removed[(rnd, covered)] += 1
    print("rule, credits removed (round, correct?):", dict(sorted(removed.items())))

    for train, test in (("r3", "r4"), ("r4", "r3")):
        a = [r for r in rows if r[0] == train]
        b = [r for r in rows if r[0] == test]
        model = _fit(np.array([[r[2][n] for n in FEATURES] for r in a]), np.array([float(r[1]) for r in a]))
        p = _probability(model, np.array([[r[2][n] for n in FEATURES] for r in b]))
        y = np.array([r[1] for r in b])
        print(f"regression trained on {train}, applied to {test}:")
        for threshold in (0.5, 0.6, 0.7, 0.8):
            drop = p < threshold
            print(
                f"  threshold {threshold}: false hits removed {int((drop & ~y).sum())}/{int((~y).sum())}, "
                f"correct credits removed {int((drop & y).sum())}/{int(y.sum())}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
