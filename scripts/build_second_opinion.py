"""Build ``opsprep_voice/core/data/second_opinion.npz``: the second opinion's references and regression.

From the paraphrase benchmark (``scripts/bench_data/paraphrases``: blind answers, labelled per item) and the
matcher's decisions on each round before it was read (``blind_decisions.json``), as
``scripts/bench_second_opinion.py`` measures it (its "gated" judge):

* reference sentences per item (float16): of answers labelled as making the point, the sentence holding the
  matcher's evidence when it credited the item, else every sentence; of answers labelled as not making it,
  every sentence (one question's sentences are stored once, items index into them); the bank's example
  answers are among them, every item made (:func:`bench_second_opinion.learned_from`);
* one logistic regression (``C = 0.1``, standardised features, without the answer's length: on this data
  length tells the kinds apart by design, and a regression that uses it marks a short, dense answer as not
  making its points), fitted on every answer of the rounds used, each round's features computed against
  the other rounds' references (so they look like a new writer's);
* the threshold: the lowest probability whose false-hit rate, leaving one round out, is at most 3 %;
* the veto: the probability below which at most 2 % (``VETO_DROP``) of the matcher's correct credits fall,
  leaving one round out (below it a credit is withdrawn even when the gate keeps the matcher's decisions),
  lowered under every credit of an example answer (:func:`bench_second_opinion.example_floor`);
* the boost (:data:`bench_second_opinion.BOOST`): from which probability a point the matcher missed counts
  where its decisions stand;
* the gate (:data:`bench_second_opinion.GATE`): the share of the matcher's credits the regression must doubt
  before it decides an answer;
* the partial veto (:func:`bench_second_opinion.partial_veto_choice`): from which share of doubted credits
  the veto's bar rises, and to what.

It needs scikit-learn and the sentence vectors of ``bench_embedding_knn.py`` (sentence-transformers, in the
separate venv that script describes; vectors cached in ``/tmp/knn-cache``). The app needs neither: it reads
the file with numpy and embeds with :mod:`opsprep_voice.core.embedding`.

    export PYTHONPATH=. HF_HUB_OFFLINE=1
    /tmp/embvenv/bin/python scripts/build_second_opinion.py                 # rounds 1-LEARNED_UP_TO
    /tmp/embvenv/bin/python scripts/build_second_opinion.py --up-to 13 --out /tmp/so13.npz
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
# bench_embedding_knn imports bench_embedding first, which keeps the Hugging Face libraries offline.
from bench_embedding_knn import (
    DROPPED,
    FEATURES,
    LR_K,
    Embedder,
    Features,
    alone_threshold,
    build,
    lr_model,
    out_of_fold,
    veto_threshold,
)
from bench_paraphrase import ROUNDS
from bench_second_opinion import (
    BOOST,
    C_REG,
    EXAMPLE,
    GATE,
    HALF,
    LEARNED_UP_TO,
    _with,
    example_cases,
    example_floor,
    learned_from,
    meaning_words,
    partial_veto_choice,
)

from opsprep_voice.core import second_opinion
from opsprep_voice.core.bank import load_bank

ROOT = Path(__file__).resolve().parents[1]
LEFT_OUT = ("log_sentences",)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--up-to", type=int, default=LEARNED_UP_TO, help=f"use rounds 1..N (default: {LEARNED_UP_TO})"
    )
    parser.add_argument("--out", type=Path, default=second_opinion.MODEL_FILE)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    if not 1 <= args.up_to <= len(ROUNDS):
        parser.error(f"--up-to {args.up_to}: the rounds are 1 to {len(ROUNDS)}")
    DROPPED.update(LEFT_OUT)
    keep = [j for j, name in enumerate(FEATURES) if name not in DROPPED]
    if tuple(FEATURES[j] for j in keep) != second_opinion.FEATURES:
        raise SystemExit(
            f"feature lists differ: bench {FEATURES} - {LEFT_OUT} vs app {second_opinion.FEATURES}"
        )

    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    d = build(args.threads, args.up_to + 1, "blind")  # every round up to N is a tuning round
    d = _with(d, example_cases(Embedder(args.threads)))  # learned from (not their halves), and checked
    rounds = d.tune
    train = learned_from(rounds)
    feats = Features(d)
    x = np.full((len(d.rows), len(FEATURES)), np.nan, np.float32)
    for r in train:  # each round against the others: the features of a writer the references do not hold
        f = feats.compute([r], [q for q in train if q != r], LR_K)
        x[d.round == r] = f[d.round == r]
    learned = np.isin(d.round, train)  # with --up-to, later rounds are loaded (held out) but not used
    mask = np.isin(d.round, rounds)  # the thresholds come from the paraphrase rounds only
    x = x[:, keep]
    scaler = StandardScaler().fit(x[learned])
    model = LogisticRegression(C=C_REG, max_iter=2000).fit(scaler.transform(x[learned]), d.covered[learned])
    oof = out_of_fold(feats, lr_model, C_REG, train)
    threshold = alone_threshold(d, oof, mask)
    veto = veto_threshold(d, oof, mask)
    with_examples = oof.copy()
    for extra in (EXAMPLE, HALF):
        at = d.round == extra
        with_examples[at] = lr_model(feats, train, extra, C_REG)[at]
    veto = example_floor(d, with_examples, veto)
    words = meaning_words(feats, d, train, [EXAMPLE, HALF])
    partial_gate, partial_veto = partial_veto_choice(d, with_examples, rounds, threshold, veto, words)

    arrays: dict[str, np.ndarray] = {}
    keys, numbers, ids = [], [], []
    for number, all_members in sorted(feats.by_question.items()):
        members = [ci for ci in all_members if d.cases[ci].round in train]
        offsets, pos_at = {}, 0
        for ci in members:
            offsets[ci] = pos_at
            pos_at += len(d.cases[ci].sentences)
        arrays[f"q{number}_vecs"] = np.concatenate([d.cases[ci].vecs for ci in members]).astype(np.float16)
        for j, item in enumerate(d.cases[members[0]].matcher):
            pos: list[int] = []
            neg: list[int] = []
            for ci in members:
                c, base = d.cases[ci], offsets[ci]
                every = list(range(base, base + len(c.sentences)))
                where = c.evidence_sentence[item]
                if not c.answer.labels[item]:
                    neg += every
                elif c.matcher[item] and where is not None:
                    pos.append(base + where)
                else:
                    pos += every
            key = f"q{number}_i{j}"
            keys.append(key)
            numbers.append(number)
            ids.append(item)
            arrays[f"{key}_pos"] = np.array(pos, np.int32)
            arrays[f"{key}_neg"] = np.array(neg, np.int32)
            arrays[f"{key}_label"] = d.label_vec[(number, item)].astype(np.float16)
            arrays[f"{key}_example"] = d.example_vec[(number, item)].astype(np.float16)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    answers = sum(c.round in rounds for c in d.cases)
    about = (
        f"all-MiniLM-L6-v2 + logistic regression (C={C_REG}), rounds 1-{args.up_to} of the paraphrase "
        f"benchmark ({answers} answers) and the example answers, threshold {threshold:.3f}, boost {BOOST}, "
        f"gate {GATE:.0%}, veto {veto:.3f}, "
        f"partial veto {partial_veto:.3f} from {partial_gate:.0%}, "
        f"built at {commit}"
    )
    question_id = {q.number: q.id for q in load_bank().questions}  # the app finds a question by its id
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.out,
        features=np.array(second_opinion.FEATURES),
        coef=model.coef_[0].astype(np.float64),
        intercept=np.float64(model.intercept_[0]),
        mean=scaler.mean_.astype(np.float64),
        scale=scaler.scale_.astype(np.float64),
        threshold=np.float64(threshold),
        gate=np.float64(GATE),
        veto=np.float64(veto),
        boost=np.float64(min(BOOST, threshold)),
        partial_gate=np.float64(partial_gate),
        partial_veto=np.float64(partial_veto),
        k=np.int64(LR_K),
        about=np.array(about),
        item_keys=np.array(keys),
        item_question=np.array(numbers, np.int64),
        item_question_id=np.array([question_id[n] for n in numbers]),
        item_id=np.array(ids),
        **arrays,
    )
    size = args.out.stat().st_size / 1e6
    print(json.dumps({"out": str(args.out), "mb": round(size, 2), "about": about}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
