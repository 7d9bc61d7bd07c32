"""Learned embedding signal: can sentence embeddings *trained on the labels* veto the matcher's false hits or
add the credits it misses, on writers it has not seen?

``scripts/bench_embedding.py`` measured the embedding as similarity to an item's label or example text and it
added nothing. This script uses the labelled answers instead (8 rounds x 96 answers, every checklist item of
every answer labelled covered or not by blind annotators; ``scripts/bench_paraphrase.py``) and measures two
learned signals, decided before round 8 was looked at:

* **knn** (per item, no training beyond storing vectors): for each sentence ``s`` of the answer,
  ``p(s)`` = mean cosine to the ``k`` nearest *positive* sentences of that item and ``n(s)`` = the same for
  *negative* sentences, both from the reference rounds only; score = ``max_s p(s) - n(s)``.
  ``k`` in {1, 3, 5}.
* **lr** (one logistic regression shared by all items): features of one answer x item: the knn score (k = 3)
  and ``p``, ``n`` at its best sentence, ``max p``, ``max n``, the mean of ``p - n``, the best cosine of a
  sentence to the item's label and to its example, the matcher's hit and its match kind (exact, stem,
  concept, fuzzy/phonetic), log of the number of sentences. Standardised; ``C`` in {0.1, 1, 10}. The
  features of a training answer are computed with its own round left out of the reference set too (nested),
  so they look like those of an unseen writer.

Positives are an answer-level label, not a sentence. Positive sentences of an item: in a reference answer
the annotator marked covered, the sentence holding the matcher's evidence when the matcher credited it
(a correct credit), else every sentence of that answer. Negative sentences: every sentence of reference
answers the annotator marked not covered for that item. Only answers to the same question are used.

PROTOCOL (fixed before round 8 was run; round 8 is never used to choose anything):

1. Every sentence of every answer (``bench_embedding.stretches(text, "sentences")`` of the transcript text
   the matcher sees), every item label and example is embedded once with all-MiniLM-L6-v2
   (sentence-transformers, CPU) and cached in ``/tmp/knn-cache`` keyed by text.
2. Leave one writers' round out on rounds 1-7: for each r in 1..7, fit on the other six rounds, score round r.
   The out-of-fold scores of rounds 1-7 are pooled to choose, per family:
   * VETO threshold t_v: drop a matcher credit when the score < t_v; t_v is the largest value that drops at
     most 1 % of the matcher's correct credits (hit and labelled covered) of rounds 1-7;
   * BOOST threshold t_b: add a credit the matcher missed when the score >= t_b; t_b is the lowest value at
     which the added credits of rounds 1-7 are >= 97 % correct (none when no value reaches it);
   * ALONE threshold t_a (the learned signal without the matcher): the lowest value whose false-hit rate
     on rounds 1-7 is <= 3 % (the product target);
   * the hyper-parameter (k or C), per use: VETO the one that removes most matcher false hits at its t_v
     (ties: fewer correct credits dropped); BOOST the one that adds most correct credits at its t_b; ALONE
     the one with the highest strong recall at its t_a.
   Per-round numbers of rounds 1-7 use these pooled thresholds (so they are slightly favourable to the
   signal: one scalar per use is fitted on the same rounds); mean and min-max over rounds 2-7 and 1-7.
3. Round 8 (``--round8``), once per family: fit on rounds 1-7, the thresholds and hyper-parameters of step 2,
   report matcher alone, matcher + veto, matcher + boost, matcher + both, learned alone: recall on strong
   answers, false-hit rate overall and per kind, coverage per kind, Wilson 95 % intervals. Every such run is
   appended to ``/tmp/knn-cache/round8-runs.log`` so the number of looks is on record.
4. Cost (``--cost``): model load, per-answer time (embed its sentences, knn against the stored reference
   vectors of its question, the regression), live update (one new sentence), peak RSS, installed size
   beyond the app for torch + sentence-transformers and for the numpy forward pass of bench_embedding.py
   (whose per-answer time is measured on ``--numpy-answers`` answers).

The matcher's rules were tuned on rounds 1-7, so its decisions there are fitted (99.5 % / 0.9 %): a signal
that learns from rounds 1-7 sees few of the matcher's errors. Only round 8 was fresh for both. Since then
(``--decisions blind``, the default) the tuning rounds carry the matcher's decisions *as they were before each
round was read* (``scripts/blind_decisions.py``): a few hundred real mistakes on new writers. The fresh round
is ``--fresh-round`` (default 10; the steps above with "rounds 1-7" and "round 8" read as rounds
1..N-1 and N); ``--fresh-round 8 --decisions current`` repeats the round-8 measurement. Each fresh look is
logged to ``/tmp/knn-cache/roundN-runs.log``. ``scripts/bench_second_opinion.py`` checks the regression
as the final judge out of distribution (the example answers).

    PYTHONPATH=. HF_HUB_OFFLINE=1 /tmp/embvenv/bin/python scripts/bench_embedding_knn.py   # LORO on 1..N-1
    ... scripts/bench_embedding_knn.py --fresh --family knn     # round N once
    ... scripts/bench_embedding_knn.py --fresh --family lr      # round N once
    ... scripts/bench_embedding_knn.py --cost
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import itertools
import json
import math
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
# bench_embedding keeps the model offline (HF_HUB_OFFLINE) before anything imports the Hugging Face libraries.
from bench_embedding import (
    BACKENDS,
    install_cost,
    item_texts,
    peak_rss_mb,
    stretches,
)
from bench_paraphrase import (
    KINDS,
    Answer,
    Summary,
    _interval,
    _spread,
    load_answers,
    score_all,
    summarise_decisions,
)

from opsprep_voice.core.bank import load_bank
from opsprep_voice.core.second_opinion import FEATURES as APP_FEATURES
from opsprep_voice.core.second_opinion import evidence_features, topk_mean
from opsprep_voice.core.transcript import Transcript

CACHE = Path("/tmp/knn-cache")
FRESH_ROUND = 10
"""The default fresh round; every round before it is a tuning round (``--fresh-round``)."""
BLIND = Path(__file__).resolve().parent / "bench_data" / "paraphrases" / "blind_decisions.json"
KS = (1, 3, 5)
LR_K = 3
CS = (0.1, 1.0, 10.0)
VETO_DROP = 0.02
"""The veto's bar: at most this share of the matcher's correct credits fall under it, out of fold. 2 %, the
largest share at which no example answer loses a credit once they are learned from (rounds 16-22 judged one
by one: ``docs/BENCHMARKS.md``, "Round 23")."""
BOOST_PRECISION = 0.97
ALONE_FALSE = 0.03
MATCH_KINDS = ("exact", "stem", "concept", "fuzzy")  # phonetic counted as fuzzy
USES = ("veto", "boost", "alone")


# --------------------------------------------------------------------------------------------- data


def round_of(answer: Answer) -> int:
    """load_answers tags only the half; the round is the id prefix ("r2-q01-weak"; none in round 1)."""
    m = re.match(r"r(\d+)-", answer.id)
    return int(m.group(1)) if m else 1


UNIT = {"name": "sentences"}
"""The stretch each vector stands for: ``sentences`` or ``clauses`` (``--unit``; set once by ``main``)."""
# The stretches of ``--unit clauses`` (one vector per point of a run-on sentence), cut at every joining
# word; not core.passing's clauses, which keep "and" inside a clause to judge what a clause puts off.
_CLAUSE_BREAK = re.compile(r"[,;:]\s+|\s+(?=(?:and|but|so|then|which|because|while)\s)")
MIN_CLAUSE_WORDS = 4


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A sentence cut at commas, semicolons and joining words, short pieces joined to the next one: a
    sentence that makes several points ("Prometheus stores the metrics, Grafana shows them, and we alert on
    burn rate") gives one stretch per point."""
    cuts = [start] + [start + m.end() for m in _CLAUSE_BREAK.finditer(text[start:end])] + [end]
    pieces = [(a, b) for a, b in itertools.pairwise(cuts) if text[a:b].strip()]
    out: list[tuple[int, int]] = []
    for a, b in pieces:
        if out and len(text[out[-1][0] : out[-1][1]].split()) < MIN_CLAUSE_WORDS:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    if len(out) > 1 and len(text[out[-1][0] : out[-1][1]].split()) < MIN_CLAUSE_WORDS:
        last = out.pop()
        out[-1] = (out[-1][0], last[1])
    return [(a, a + len(text[a:b].rstrip())) for a, b in out]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of ``stretches(text, "sentences")`` in ``text`` (or of their clauses, see UNIT)."""
    spans, pos = [], 0
    for part in stretches(text, "sentences"):
        start = text.find(part, pos)
        assert start >= 0, (part, text)
        if UNIT["name"] == "clauses":
            spans += _clauses(text, start, start + len(part))
        else:
            spans.append((start, start + len(part)))
        pos = start + len(part)
    return spans


@dataclass
class Case:
    answer: Answer
    round: int
    sentences: list[str]
    matcher: dict[str, bool]
    match_kind: dict[str, str]  # "" when missed
    evidence_sentence: dict[str, int | None]
    weights: dict[str, float]
    vecs: np.ndarray = field(default_factory=lambda: np.zeros((0, 384), np.float32))
    # where each credit's evidence starts in its sentence (characters), for core.passing.put_off
    evidence_offset: dict[str, int] = field(default_factory=dict)


@dataclass
class Data:
    cases: list[Case]
    rows: list[tuple[int, str]]  # (case index, item id)
    fresh: int  # the round measured once; the rounds before it tune
    label_vec: dict[tuple[int, str], np.ndarray]  # (question, item) -> label vector
    example_vec: dict[tuple[int, str], np.ndarray]
    round: np.ndarray = field(init=False)
    covered: np.ndarray = field(init=False)
    hit: np.ndarray = field(init=False)

    @property
    def tune(self) -> tuple[int, ...]:
        return tuple(range(1, self.fresh))

    def __post_init__(self) -> None:
        self.round = np.array([self.cases[c].round for c, _ in self.rows])
        self.covered = np.array([self.cases[c].answer.labels[i] for c, i in self.rows])
        self.hit = np.array([self.cases[c].matcher[i] for c, i in self.rows])


class Embedder:
    """Vectors by text, cached on disk; the model is loaded only when a text is missing."""

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self.path = CACHE / "vectors.npz"
        self.cache: dict[str, np.ndarray] = {}
        if self.path.exists():
            vecs = np.load(self.path)["v"]
            keys = json.loads((CACHE / "keys.json").read_text(encoding="utf-8"))
            self.cache = {k: vecs[i] for i, k in enumerate(keys)}
        self.encoder: Callable[[Sequence[str]], np.ndarray] | None = None

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        missing = sorted({t for t in texts if self.key(t) not in self.cache})
        if missing:
            if self.encoder is None:
                self.encoder = BACKENDS["st"](self.threads).encode
            vecs = self.encoder(missing)
            for t, v in zip(missing, vecs, strict=True):
                self.cache[self.key(t)] = v.astype(np.float32)
            CACHE.mkdir(parents=True, exist_ok=True)
            keys = list(self.cache)
            np.savez(self.path, v=np.stack([self.cache[k] for k in keys]))
            (CACHE / "keys.json").write_text(json.dumps(keys), encoding="utf-8")
        return np.stack([self.cache[self.key(t)] for t in texts])


def evidence_places(
    spans: Sequence[tuple[int, int]], starts: dict[str, int | None]
) -> tuple[dict[str, int | None], dict[str, int]]:
    """For each item, the sentence (index into ``spans``) where its evidence starts (None when missed or in no
    sentence), and where in that sentence (characters; credited items only)."""
    where: dict[str, int | None] = {}
    offset: dict[str, int] = {}
    for item, start in starts.items():
        at = None if start is None else next((j for j, (s, e) in enumerate(spans) if s <= start < e), None)
        where[item] = at
        if at is not None and start is not None:
            offset[item] = start - spans[at][0]
    return where, offset


def build(threads: int, fresh: int, decisions: str) -> Data:
    """Every answer of rounds 1..fresh with its sentences, vectors and matcher decisions: today's code on the
    fresh round; on the tuning rounds today's (``decisions="current"``, fitted to them) or the code's as it
    stood before each was read (``"blind"``, ``scripts/blind_decisions.py``)."""
    bank = load_bank()
    answers = load_answers(bank, held_out_round=fresh)
    blind = json.loads(BLIND.read_text(encoding="utf-8"))["rounds"] if decisions == "blind" else {}
    cases = []
    for scored in score_all(answers, bank, None):
        a = scored.answer
        text = Transcript.from_text(a.text).text  # the text the matcher's evidence offsets refer to
        spans = sentence_spans(text)
        kinds = {}
        starts: dict[str, int | None] = {}
        for item in scored.report.checklist:
            ev = item.evidence if item.hit else None
            kinds[item.id] = "" if ev is None else ("fuzzy" if ev.match == "phonetic" else ev.match)
            starts[item.id] = None if ev is None else ev.char_start
        hits = scored.hits
        if decisions == "blind" and round_of(a) != fresh:
            told = blind[str(round_of(a))]["decisions"][a.id]
            hits = {i: bool(v[0]) for i, v in told.items()}
            kinds = {
                i: "" if not v[0] else ("fuzzy" if v[1] == "phonetic" else v[1]) for i, v in told.items()
            }
            starts = {i: v[2] if v[0] else None for i, v in told.items()}
        where, offset = evidence_places(spans, starts)
        question = bank.find(a.question)
        cases.append(
            Case(
                a,
                round_of(a),
                [text[s:e] for s, e in spans],
                hits,
                kinds,
                where,
                {item.id: item.weight for item in question.checklist},
                evidence_offset=offset,
            )
        )
    for r in range(1, fresh + 1):  # load_answers' half must agree with the id prefix
        assert all((c.answer.half == "held-out") == (c.round == fresh) for c in cases if c.round == r)
    emb = Embedder(threads)
    flat = [s for c in cases for s in c.sentences]
    vecs = emb.embed(flat)
    pos = 0
    for c in cases:
        c.vecs = vecs[pos : pos + len(c.sentences)]
        pos += len(c.sentences)
    label_vec, example_vec = {}, {}
    for q in bank.questions:
        for item in q.checklist:
            label_vec[(q.number, item.id)] = emb.embed(item_texts(item, "label"))[0]
            example_vec[(q.number, item.id)] = emb.embed(item_texts(item, "example"))[0]
    rows = [(ci, item) for ci, c in enumerate(cases) for item in c.matcher]
    return Data(cases, rows, fresh, label_vec, example_vec)


# --------------------------------------------------------------------------------------------- features

# The app's features (core.second_opinion), then the answer's length, which the app leaves out (--drop).
FEATURES = (*APP_FEATURES, "log_sentences")


class Features:
    """knn features of answer x item rows, against reference rounds (same question only)."""

    def __init__(self, data: Data) -> None:
        self.data = data
        self.by_question: dict[int, list[int]] = {}
        for ci, c in enumerate(data.cases):
            self.by_question.setdefault(c.answer.question, []).append(ci)
        self.row_index = {row: j for j, row in enumerate(data.rows)}
        self._memo: dict[tuple[frozenset[int], frozenset[int], int], np.ndarray] = {}
        self._words: dict[tuple[frozenset[int], frozenset[int], int], np.ndarray] = {}

    def words(self, query_round: int, ref_rounds: Sequence[int], k: int = LR_K) -> np.ndarray:
        """Words of the sentence each row's features were taken from (the one a point by meaning would be
        credited from), for the rows of ``query_round`` judged against ``ref_rounds``; 0 elsewhere."""
        self.compute([query_round], ref_rounds, k)
        return self._words[(frozenset([query_round]), frozenset(ref_rounds), k)]

    def compute(self, query_rounds: Sequence[int], ref_rounds: Sequence[int], k: int) -> np.ndarray:
        """(len(rows), len(FEATURES)) array; rows outside query_rounds stay NaN."""
        memo = (frozenset(query_rounds), frozenset(ref_rounds), k)
        if memo in self._memo:
            return self._memo[memo]
        d = self.data
        out = np.full((len(d.rows), len(FEATURES)), np.nan, np.float32)
        words = np.zeros(len(d.rows), np.int32)
        for number, members in self.by_question.items():
            ref = [ci for ci in members if d.cases[ci].round in ref_rounds]
            query = [ci for ci in members if d.cases[ci].round in query_rounds]
            if not query:
                continue
            q_vecs = np.concatenate([d.cases[ci].vecs for ci in query])
            q_owner = np.concatenate([np.full(len(d.cases[ci].sentences), j) for j, ci in enumerate(query)])
            for item in d.cases[members[0]].matcher:
                pos, neg = [], []
                for ci in ref:
                    c = d.cases[ci]
                    if not c.answer.labels[item]:
                        neg.append(c.vecs)
                    elif c.matcher[item] and c.evidence_sentence[item] is not None:
                        pos.append(c.vecs[c.evidence_sentence[item]][None, :])
                    else:
                        pos.append(c.vecs)
                p = topk_mean(q_vecs @ np.concatenate(pos or [np.zeros((0, 384))]).T, k)
                n = topk_mean(q_vecs @ np.concatenate(neg or [np.zeros((0, 384))]).T, k)
                to_label = q_vecs @ d.label_vec[(number, item)]
                to_example = q_vecs @ d.example_vec[(number, item)]
                for j, ci in enumerate(query):
                    c = d.cases[ci]
                    at = c.evidence_sentence[item] if c.matcher[item] else None
                    points = sum(1 for i, w in c.evidence_sentence.items() if c.matcher[i] and w == at)
                    m = q_owner == j
                    pj, nj = p[m], n[m]
                    diff = pj - nj
                    best = int(np.argmax(diff))
                    kind = c.match_kind[item]
                    words[self.row_index[(ci, item)]] = len(c.sentences[best].split())
                    out[self.row_index[(ci, item)]] = [
                        diff[best],
                        pj[best],
                        nj[best],
                        pj.max(),
                        nj.max(),
                        diff.mean(),
                        to_label[m].max(),
                        to_example[m].max(),
                        float(c.matcher[item]),
                        *(float(kind == mk) for mk in MATCH_KINDS),
                        *evidence_features(None if at is None else c.sentences[at], points),
                        math.log(len(c.sentences)),
                    ]
        self._memo[memo] = out
        self._words[memo] = words
        return out


# --------------------------------------------------------------------------------------------- models


Model = Callable[[Features, Sequence[int], int, float], np.ndarray]
"""(features, train rounds, test round, hyper-parameter) -> score of every row (NaN outside test round)."""


def knn_model(feats: Features, train: Sequence[int], test: int, k: float) -> np.ndarray:
    return feats.compute([test], train, int(k))[:, 0]


DROPPED: set[str] = set()
"""Features the regression leaves out (``--drop``; set once by ``main``). The answer's length
(``log_sentences``) is a shortcut on this data, where the kinds differ in length by design (weak answers
60-110 words, strong 220-340): a regression that uses it marks a short, dense answer as not making its
points (``scripts/bench_second_opinion.py``, the example answers)."""


def lr_model(feats: Features, train: Sequence[int], test: int, c_reg: float) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    keep = [j for j, name in enumerate(FEATURES) if name not in DROPPED]
    d = feats.data
    x_train = np.full((len(d.rows), len(FEATURES)), np.nan, np.float32)
    for q in train:  # nested: a training round's features come from the other training rounds
        f = feats.compute([q], [r for r in train if r != q], LR_K)
        x_train[d.round == q] = f[d.round == q]
    mask = np.isin(d.round, train)
    x_train = x_train[:, keep]
    scaler = StandardScaler().fit(x_train[mask])
    model = LogisticRegression(C=c_reg, max_iter=2000).fit(scaler.transform(x_train[mask]), d.covered[mask])
    x_test = feats.compute([test], train, LR_K)[:, keep]
    out = np.full(len(d.rows), np.nan)
    sel = d.round == test
    out[sel] = model.predict_proba(scaler.transform(x_test[sel]))[:, 1]
    return out


FAMILIES: dict[str, tuple[Model, tuple[float, ...], str]] = {
    "knn": (knn_model, tuple(float(k) for k in KS), "k"),
    "lr": (lr_model, CS, "C"),
}


def out_of_fold(feats: Features, model: Model, hyper: float, rounds: Sequence[int]) -> np.ndarray:
    scores = np.full(len(feats.data.rows), np.nan)
    for r in rounds:
        s = model(feats, [q for q in rounds if q != r], r, hyper)
        scores[feats.data.round == r] = s[feats.data.round == r]
    return scores


# --------------------------------------------------------------------------------------------- thresholds


def veto_threshold(d: Data, scores: np.ndarray, mask: np.ndarray, drop: float = VETO_DROP) -> float:
    correct = np.sort(scores[mask & d.hit & d.covered])
    allowed = math.floor(drop * len(correct))
    return float(correct[allowed])  # drops the values strictly below: at most `allowed`


def boost_threshold(d: Data, scores: np.ndarray, mask: np.ndarray) -> float:
    miss = mask & ~d.hit
    s, ok = scores[miss], d.covered[miss]
    best = math.inf
    for t in np.unique(s)[::-1]:
        added = s >= t
        if ok[added].mean() >= BOOST_PRECISION:
            best = float(t)
    return best


def alone_threshold(d: Data, scores: np.ndarray, mask: np.ndarray) -> float:
    neg = mask & ~d.covered
    s = np.sort(scores[neg])[::-1]
    allowed = math.floor(ALONE_FALSE * len(s))  # credit >= t: at most `allowed` false hits
    return float(s[allowed]) + 1e-9 if allowed < len(s) else -math.inf


COMBOS = ("matcher", "matcher+veto", "matcher+boost", "matcher+both", "learned alone")


def summary(d: Data, credit: np.ndarray, rounds: Sequence[int]) -> Summary:
    per_case: dict[int, dict[str, bool]] = {}
    for j, (ci, item) in enumerate(d.rows):
        if d.cases[ci].round in rounds:
            per_case.setdefault(ci, {})[item] = bool(credit[j])
    out = []
    for ci, hits in per_case.items():
        c = d.cases[ci]
        cov = sum(w for i, w in c.weights.items() if hits[i]) / sum(c.weights.values())
        out.append((c.answer, hits, cov))
    return summarise_decisions(out)


def line(s: Summary) -> str:
    per_kind = ", ".join(f"{k[0]} {s.false_hit[k]}/{s.false_total[k]}" for k in KINDS)
    return (
        f"recall {s.recall:6.1%} ({s.recall_hit}/{s.recall_total})  false {s.false_rate():5.1%} ({per_kind})"
    )


def full(s: Summary) -> list[str]:
    false = sum(s.false_hit.values())
    per_kind = ", ".join(
        f"{k} {s.false_rate([k]):.1%} ({s.false_hit[k]}/{s.false_total[k]}, "
        f"{_interval(s.false_hit[k], s.false_total[k])})"
        for k in KINDS
    )
    order = f"not for {len(s.disordered)}: " + "; ".join(s.disordered) if s.disordered else "every question"
    return [
        f"recall, strong: {s.recall:.1%} ({s.recall_hit}/{s.recall_total}, "
        f"{_interval(s.recall_hit, s.recall_total)})",
        f"false hits: {s.false_rate():.1%} ({false}/{sum(s.false_total.values())}, "
        f"{_interval(false, sum(s.false_total.values()))}); {per_kind}",
        "coverage, mean (min-max): " + ", ".join(f"{k} {_spread(s.coverage[k])}" for k in KINDS),
        f"strong > partial > weak: {order}",
    ]


# --------------------------------------------------------------------------------------------- steps


@dataclass
class Choice:
    hyper: dict[str, float]
    thresholds: dict[str, dict[str, float]]  # use -> hyper -> threshold set


def tune(d: Data, feats: Features, family: str, report: dict[str, object]) -> Choice:
    """Step 2: LORO on the tuning rounds; thresholds and hyper-parameters per use; per-round numbers."""
    model, hypers, hname = FAMILIES[family]
    mask = np.isin(d.round, d.tune)
    oof = {h: out_of_fold(feats, model, h, d.tune) for h in hypers}
    print(f"\n# {family}: leave one round out on rounds 1-{d.fresh - 1} ({hname} in {hypers})")
    ts: dict[float, dict[str, float]] = {}
    merit: dict[str, list[tuple[tuple[float, ...], float]]] = {u: [] for u in USES}
    for h, s in oof.items():
        t = {"veto": veto_threshold(d, s, mask), "boost": boost_threshold(d, s, mask)}
        t["alone"] = alone_threshold(d, s, mask)
        ts[h] = t
        vetoed = mask & d.hit & (s < t["veto"])
        boosted = mask & ~d.hit & (s >= t["boost"])
        fixed_false = int((vetoed & ~d.covered).sum())
        lost = int((vetoed & d.covered).sum())
        gained = int((boosted & d.covered).sum())
        alone = summary(d, s >= t["alone"], d.tune)
        merit["veto"].append(((fixed_false, -lost), h))
        merit["boost"].append(((gained,), h))
        merit["alone"].append(((alone.recall,), h))
        print(
            f"  {hname}={h:g}: veto t={t['veto']:.3f} removes {fixed_false} of "
            f"{int((mask & d.hit & ~d.covered).sum())} false hits, drops {lost} of "
            f"{int((mask & d.hit & d.covered).sum())} correct; boost t={t['boost']:.3f} adds "
            f"{gained} correct + {int((boosted & ~d.covered).sum())} false (of "
            f"{int((mask & ~d.hit & d.covered).sum())} missed); alone t={t['alone']:.3f}: {line(alone)}"
        )
    chosen = {u: max(merit[u], key=lambda m: (m[0], -m[1]))[1] for u in USES}
    print("  chosen: " + ", ".join(f"{u} {hname}={h:g}" for u, h in chosen.items()))

    # per-round numbers with the chosen hyper-parameters and pooled thresholds
    thresholds = {u: ts[chosen[u]][u] for u in USES}
    per_round: dict[str, dict[int, tuple[float, float]]] = {c: {} for c in COMBOS}
    print(f"\n  per round ({hname} and threshold per use as chosen; fitted on the other tuning rounds):")
    for r in d.tune:
        for combo in COMBOS:
            credit = _combo(d, oof, chosen, thresholds, combo)
            s = summary(d, credit, [r])
            per_round[combo][r] = (s.recall, s.false_rate())
            print(f"    round {r} {combo:<14} {line(s)}")
    print(f"\n  mean (min-max) over rounds 2-{d.fresh - 1} | 1-{d.fresh - 1}:")
    for combo in COMBOS:
        cells = []
        for rounds in (d.tune[1:], d.tune):
            rec = [per_round[combo][r][0] for r in rounds]
            fal = [per_round[combo][r][1] for r in rounds]
            cells.append(
                f"recall {statistics.mean(rec):.1%} ({min(rec):.1%}-{max(rec):.1%}), "
                f"false {statistics.mean(fal):.1%} ({min(fal):.1%}-{max(fal):.1%})"
            )
        pooled = summary(d, _combo(d, oof, chosen, thresholds, combo), d.tune)
        print(f"    {combo:<14} {cells[0]} | {cells[1]} | pooled {line(pooled)}")
    report[family] = {
        "chosen": chosen,
        "thresholds": thresholds,
        "per_round": {c: {str(r): v for r, v in rows.items()} for c, rows in per_round.items()},
    }
    return Choice(chosen, {u: ts[chosen[u]] for u in USES})


def _combo(
    d: Data, scores: dict[float, np.ndarray], chosen: dict[str, float], t: dict[str, float], combo: str
) -> np.ndarray:
    veto = d.hit & ~(scores[chosen["veto"]] < t["veto"])
    add = ~d.hit & (scores[chosen["boost"]] >= t["boost"])
    return {
        "matcher": d.hit,
        "matcher+veto": veto,
        "matcher+boost": d.hit | add,
        "matcher+both": veto | add,
        "learned alone": scores[chosen["alone"]] >= t["alone"],
    }[combo]


def fresh(d: Data, feats: Features, family: str, choice: Choice, report: dict[str, object]) -> None:
    """Step 3: fit on the tuning rounds, report the fresh round once."""
    model, _, hname = FAMILIES[family]
    CACHE.mkdir(parents=True, exist_ok=True)
    runs_log = CACHE / f"round{d.fresh}-runs.log"
    with runs_log.open("a", encoding="utf-8") as log:
        log.write(f"{datetime.datetime.now().isoformat()} family={family} chosen={choice.hyper}\n")
    runs = sum(1 for ln in runs_log.read_text().splitlines() if f"family={family} " in ln)
    print(
        f"\n# {family}: ROUND {d.fresh}, fitted on rounds 1-{d.fresh - 1} "
        f"(round-{d.fresh} run number {runs} for this family)"
    )
    scores = {h: model(feats, d.tune, d.fresh, h) for h in set(choice.hyper.values())}
    t = {u: choice.thresholds[u][u] for u in USES}
    print("  " + ", ".join(f"{u}: {hname}={choice.hyper[u]:g} t={t[u]:.3f}" for u in USES))
    out = {}
    for combo in COMBOS:
        s = summary(d, _combo(d, scores, choice.hyper, t, combo), [d.fresh])
        print(f"  {combo}:")
        for text in full(s):
            print(f"    {text}")
        out[combo] = {
            "recall": [s.recall_hit, s.recall_total],
            "false": {k: [s.false_hit[k], s.false_total[k]] for k in KINDS},
            "coverage_mean": {k: statistics.mean(v) for k, v in s.coverage.items()},
        }
    r8 = d.round == d.fresh
    vetoed = r8 & d.hit & (scores[choice.hyper["veto"]] < t["veto"])
    added = r8 & ~d.hit & (scores[choice.hyper["boost"]] >= t["boost"])
    print(
        f"  veto dropped {int(vetoed.sum())} credits: {int((vetoed & ~d.covered).sum())} false, "
        f"{int((vetoed & d.covered).sum())} correct (of {int((r8 & d.hit & ~d.covered).sum())} false hits); "
        f"boost added {int(added.sum())}: {int((added & d.covered).sum())} correct "
        f"(of {int((r8 & ~d.hit & d.covered).sum())} missed)"
    )
    report[f"{family}/round{d.fresh}"] = {"run": runs, "results": out}


# --------------------------------------------------------------------------------------------- cost


def cost(d: Data, feats: Features, threads: int, numpy_answers: int, report: dict[str, object]) -> None:
    """Load time, per answer and live-update time, RSS and installed size (torch and numpy backends)."""
    rss_before = peak_rss_mb()
    t0 = time.perf_counter()
    enc = BACKENDS["st"](threads)
    enc.encode(["warm up"])
    load_s = time.perf_counter() - t0
    from sklearn.linear_model import LogisticRegression

    # reference vectors per item, as the app would ship them (rounds 1-7), and a fitted regression
    ref: dict[tuple[int, str], tuple[np.ndarray, np.ndarray]] = {}
    for ci, c in enumerate(d.cases):
        if c.round == d.fresh:
            continue
        for item in c.matcher:
            pos, neg = ref.setdefault((c.answer.question, item), (np.zeros((0, 384)), np.zeros((0, 384))))
            if not c.answer.labels[item]:
                neg = np.concatenate([neg, c.vecs])
            elif c.matcher[item] and c.evidence_sentence[item] is not None:
                pos = np.concatenate([pos, c.vecs[c.evidence_sentence[item]][None, :]])
            else:
                pos = np.concatenate([pos, c.vecs])
            ref[(c.answer.question, item)] = (pos, neg)
        del ci
    clf = LogisticRegression().fit(np.random.default_rng(0).normal(size=(50, len(FEATURES))), [0, 1] * 25)
    cases = [c for c in d.cases if c.round == d.fresh]
    per_answer, per_update = [], []
    for c in cases:
        t1 = time.perf_counter()
        vecs = enc.encode(c.sentences)
        for item in c.matcher:
            pos, neg = ref[(c.answer.question, item)]
            diff = topk_mean(vecs @ pos.T, LR_K) - topk_mean(vecs @ neg.T, LR_K)
            clf.predict_proba(np.full((1, len(FEATURES)), float(diff.max())))
        per_answer.append((time.perf_counter() - t1) * 1000)
        t1 = time.perf_counter()
        vecs = enc.encode(c.sentences[-1:])
        for item in c.matcher:
            pos, neg = ref[(c.answer.question, item)]
            _ = topk_mean(vecs @ pos.T, LR_K) - topk_mean(vecs @ neg.T, LR_K)
        per_update.append((time.perf_counter() - t1) * 1000)
    sentences = [len(c.sentences) for c in cases]
    words = [len(c.answer.text.split()) for c in cases]
    ref_mb = sum(p.nbytes + n.nbytes for p, n in ref.values()) / 2 / 1e6  # float32 as shipped
    st_mb, st_big = install_cost("st")
    np_mb, _ = install_cost("numpy")
    lines = [
        f"\n# cost (sentence-transformers + torch, {threads} threads, "
        f"round {d.fresh}'s {len(cases)} answers: "
        f"{statistics.median(words):.0f} words / {statistics.median(sentences):.0f} sentences median, "
        f"{max(words)} / {max(sentences)} max)",
        f"  model load {load_s:.2f} s; peak RSS {peak_rss_mb():.0f} MB "
        f"(before the model: {rss_before:.0f} MB)",
        f"  per answer (embed all sentences + knn + regression, all items): median "
        f"{statistics.median(per_answer):.0f} ms, worst {max(per_answer):.0f} ms",
        f"  live update (one new sentence): median {statistics.median(per_update):.0f} ms, "
        f"worst {max(per_update):.0f} ms",
        f"  reference vectors shipped (rounds 1-{d.fresh - 1}, float32): {ref_mb:.1f} MB",
        f"  installed beyond the app: torch + sentence-transformers {st_mb:.0f} MB ({', '.join(st_big)}); "
        f"numpy forward pass {np_mb:.0f} MB (weights only)",
    ]
    out: dict[str, object] = {
        "load_s": load_s,
        "ms_per_answer": [statistics.median(per_answer), max(per_answer)],
        "ms_live_update": [statistics.median(per_update), max(per_update)],
        "peak_rss_mb": peak_rss_mb(),
        "installed_mb": {"st": st_mb, "numpy": np_mb},
    }
    if numpy_answers:
        t0 = time.perf_counter()
        nenc = BACKENDS["numpy"](threads)
        nenc.encode(["warm up"])
        nload = time.perf_counter() - t0
        times = []
        for c in cases[:numpy_answers]:
            t1 = time.perf_counter()
            nenc.encode(c.sentences)
            times.append((time.perf_counter() - t1) * 1000)
        times_upd = []
        for c in cases[:numpy_answers]:
            t1 = time.perf_counter()
            nenc.encode(c.sentences[-1:])
            times_upd.append((time.perf_counter() - t1) * 1000)
        lines.append(
            f"  numpy forward pass ({numpy_answers} answers): load {nload:.2f} s, per answer median "
            f"{statistics.median(times):.0f} ms, worst {max(times):.0f} ms; one sentence median "
            f"{statistics.median(times_upd):.0f} ms; peak RSS now {peak_rss_mb():.0f} MB"
        )
        out["numpy"] = {"load_s": nload, "ms_per_answer": [statistics.median(times), max(times)]}
    print("\n".join(lines))
    report["cost"] = out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--family", choices=(*FAMILIES, "all"), default="all")
    parser.add_argument("--fresh", action="store_true", help="also report the fresh round once")
    parser.add_argument(
        "--fresh-round", type=int, default=FRESH_ROUND, help=f"the fresh round (default {FRESH_ROUND})"
    )
    parser.add_argument(
        "--decisions",
        choices=("blind", "current"),
        default="blind",
        help="the matcher's decisions on the tuning rounds: before each was read (default) or today's",
    )
    parser.add_argument("--cost", action="store_true", help="measure cost only")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--unit", choices=("sentences", "clauses"), default="sentences")
    parser.add_argument("--drop", default="", help="features the regression leaves out, comma-separated")
    parser.add_argument("--numpy-answers", type=int, default=8, help="answers timed with the numpy pass")
    parser.add_argument("--json", type=Path, help="write the numbers to this file")
    args = parser.parse_args(argv)

    UNIT["name"] = args.unit
    DROPPED.update(n for n in args.drop.split(",") if n)
    t0 = time.perf_counter()
    d = build(args.threads, args.fresh_round, args.decisions)
    feats = Features(d)
    print(
        f"# {len(d.cases)} answers, {len(d.rows)} answer x item rows, "
        f"{sum(len(c.sentences) for c in d.cases)} sentences (built in {time.perf_counter() - t0:.1f} s)"
    )
    report: dict[str, object] = {}
    if args.cost:
        cost(d, feats, args.threads, args.numpy_answers, report)
    else:
        mask = np.isin(d.round, d.tune)
        print(f"  matcher ({args.decisions}), rounds 1-{d.fresh - 1}: " + line(summary(d, d.hit, d.tune)))
        print(f"  positives with an evidence sentence: {int((mask & d.hit & d.covered).sum())} rows")
        for family in FAMILIES if args.family == "all" else (args.family,):
            choice = tune(d, feats, family, report)
            if args.fresh:
                fresh(d, feats, family, choice, report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
