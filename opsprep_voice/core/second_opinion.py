"""A second opinion on the checklist, learned from labelled answers: does an answer make its points, or only
name them?

The matcher (:mod:`opsprep_voice.core.matching`) credits wordings: phrases, concept rules, misheard names. A
long answer that names every tool of the topic without saying how the speaker uses any of them fools it: on
answers written that way by writers it had never seen, it credits 16-23 % of the items those answers do not
make, and 27-29 % of those a partial answer only names in passing (``docs/BENCHMARKS.md``, "The second
opinion" and "Rounds 15-17"), and it misses points made in words no rule expects. This module re-judges
each item with a logistic regression over sentence embeddings (:mod:`opsprep_voice.core.embedding`) and the
matcher's own decision:

* per item, each sentence of the answer is compared with the sentences of labelled answers that made the
  point (``pos``) and of answers that did not (``neg``): ``p`` and ``n`` are the mean cosine of its 3
  nearest of each; the features are the sentence where ``p - n`` is largest (its ``p - n``, ``p``, ``n``),
  the largest ``p`` and ``n``, the mean ``p - n``, the best cosine to the item's label and to its example,
  and the matcher's hit and match kind (not the answer's length: in the labelled data length tells the
  kinds apart, and a model that used it would mark a short, dense answer as making nothing);
* and, for a credited item, the sentence holding the matcher's evidence: whether it has words of a passing
  mention (:data:`PASSING`: "the usual", "stuff", "we've got"), how many credited items it holds, and its
  length in words (a name dropped in a list of names is short per point and says nothing of its use);
* the model decides an answer only when it doubts at least :attr:`Judge.gate` (70 %) of the items the matcher
  credited: a bluff. Then every item it knows is its call (at :attr:`Judge.threshold`). Otherwise the
  matcher's decisions stand, except that a point the matcher missed and the model credits (at
  :attr:`Judge.boost`, a lower bar than the threshold: the answer already makes most of its points, from a
  sentence of at least :data:`MEANING_WORDS` words) counts: said in other words, or in words speech
  recognition garbled; and except the credits the model all but rules out (probability below
  :attr:`Judge.veto`, a bar that at most 2 % of the matcher's correct credits fall under, leaving one round
  out, lowered under every credit of an example answer): a tool named in passing in an answer that makes
  other points.
  Where the model doubts at least :attr:`Judge.partial_gate` of the credits (a name-drop partial: half its
  points made, the rest only named), the bar is :attr:`Judge.partial_veto` instead (both chosen on the
  labelled rounds: the fewest false hits for at most one point of recall on strong answers; when no pair
  takes any out, the bar stays the veto);
* a credit whose evidence sits in a list the speaker waves away ("VPC, private subnets, Secrets Manager,
  all of that": :func:`opsprep_voice.core.passing.listed_in_passing`) is withdrawn whatever the model says
  (the sentence is similar to ones that make the point; the list says nothing of how it is used);
  and so is a credit whose evidence is put off ("Policy as code, OPA, that's on the roadmap":
  :func:`opsprep_voice.core.passing.put_off`; a plan is not a practice, and the model, which compares
  sentences about the same thing, cannot tell them apart);
* a misheard name the matcher found ("Statuspaige") is never withdrawn and does not count toward the gate:
  the written answers the model learned from have none, and it doubts every one;
* used as the only judge, the model would overrule correct credits of compact answers (the example answers
  fall from 0.99 to 0.80). The example answers are among the answers it learns from (every item made), so a
  candidate who says one keeps the matcher's credits; as combined here no example answer loses one.

The reference sentences, the regression, its threshold, the boost, the gate and the veto are built by
``scripts/build_second_opinion.py`` from the paraphrase benchmark's answers and labels and the bank's example
answers (every item made), with the matcher's decisions *as they were before each round was read*
(``scripts/blind_decisions.py``: the mistakes it makes on new writers, not the fitted decisions of today's
rules), and shipped as ``core/data/second_opinion.npz``.

The report stays explainable (``ScoreReport.second_opinion``: "agreed", "revised" or "applied"; items the
model changed carry its ``opinion``, and every item it knows does when it decided the answer):

* a point the matcher missed and the model credits gets the sentence that made it as evidence (match kind
  ``meaning``: "Said in other words, judged by meaning: ...");
* a point the matcher credited and the model does not is a miss whose matcher evidence is kept as
  ``doubted``, so the review can say "you named X, but the answer does not say how you use it".

Items the shipped file does not know (a bank edited since it was built) keep the matcher's decision; a
question is found by its id, so a bank that numbers the bundled questions otherwise keeps the judge. The
live checklist stays on the matcher (milliseconds); the review, the CLI's ``score`` and saved attempts use
this (a few hundred milliseconds per answer, most of it embedding the sentences).
"""

from __future__ import annotations

import logging
import math
import re
import threading
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from opsprep_voice.core.bank import Question
from opsprep_voice.core.embedding import EmbeddingUnavailable, SentenceEncoder
from opsprep_voice.core.matching import Evidence
from opsprep_voice.core.passing import PASSING, listed_in_passing, plain, put_off
from opsprep_voice.core.resources import package_file
from opsprep_voice.core.scoring import PUT_OFF_REASON, ChecklistResult, ScoreReport
from opsprep_voice.core.text import time_of_span
from opsprep_voice.core.transcript import Transcript

logger = logging.getLogger(__name__)

MODEL_FILE = package_file("core/data/second_opinion.npz")
FEATURES = (
    "knn",
    "p_at",
    "n_at",
    "p_max",
    "n_max",
    "d_mean",
    "cos_label",
    "cos_example",
    "hit",
    "kind_exact",
    "kind_stem",
    "kind_concept",
    "kind_fuzzy",
    "passing",
    "points_in_sentence",
    "log_sentence_words",
)
"""The regression's inputs, in order (the build script writes them into the file; a mismatch is refused)."""
_KINDS = ("exact", "stem", "concept", "fuzzy")
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")
MEANING_WORDS = 2
"""A point the matcher missed is credited by meaning only from a sentence of at least this many words: the
features of a one-word sentence ("Yes.", "Right.") are noise, and it would show the candidate nothing as
evidence. (A bar of three words already withdraws right credits: ``docs/BENCHMARKS.md``, "Rounds
19-21".)"""
EVIDENCE_WORDS = 40
"""A sentence shown as evidence is cut to this many words around its middle (long run-on sentences)."""


def sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text`` (split after . ? ! and space), blank ones dropped."""
    spans, pos = [], 0
    for part in _SENTENCE_END.split(text):
        start = text.find(part, pos)
        pos = start + len(part)
        stripped = part.strip()
        if stripped:
            lead = len(part) - len(part.lstrip())
            spans.append((start + lead, start + lead + len(stripped)))
    return spans


def finished_part(text: str) -> str:
    """``text`` up to its last finished sentence ("" when none is): what is worth embedding while the answer
    is still being spoken, since an unfinished sentence changes with every word."""
    return text[: max(text.rfind(end) for end in ".?!") + 1]


def evidence_features(sentence: str | None, points: int) -> tuple[float, float, float]:
    """The features of the sentence holding an item's evidence (None when there is none: a missed item, or a
    credit whose evidence lies in no sentence): a passing mention's words, how many credited items the
    sentence holds (this one included), the log of its length in words (a sentence's, not the answer's)."""
    if sentence is None:
        return (0.0, 0.0, 0.0)
    passing = PASSING.search(plain(sentence)) is not None
    return (float(passing), float(points), math.log(1 + len(sentence.split())))


def evidence_sentences(spans: list[tuple[int, int]], starts: dict[str, int]) -> dict[str, int]:
    """Which sentence (index into ``spans``) holds each credited item's evidence, from where it starts."""
    out = {}
    for item, start in starts.items():
        found = next((j for j, (s, e) in enumerate(spans) if s <= start < e), None)
        if found is not None:
            out[item] = found
    return out


def topk_mean(sims: np.ndarray, k: int) -> np.ndarray:
    """Mean of the k largest values of each row (all of them when fewer); 0 without references."""
    if sims.shape[1] == 0:
        return np.zeros(sims.shape[0], np.float32)
    k = min(k, sims.shape[1])
    return np.asarray(-np.partition(-sims, k - 1, axis=1)[:, :k].mean(axis=1))


@dataclass(frozen=True)
class _Item:
    pos: np.ndarray  # indices into its question's reference sentences: of answers that made the point
    neg: np.ndarray  # ... of answers that did not
    label: np.ndarray
    example: np.ndarray


@dataclass(frozen=True)
class Opinion:
    """The model's view of one item: the probability that the point is made, and where it is made best."""

    probability: float
    covered: bool
    best_span: tuple[int, int]  # the answer's sentence where it is made best (characters)
    # the matcher's evidence sits in a list waved away (core.passing.listed_in_passing); never acted on for a
    # misheard name, which stays credited
    listed: bool = False
    # ... or in a clause that puts the point off (core.passing.put_off), under the same exception
    put_off: bool = False


class Judge:
    """The shipped regression and reference sentences, with the encoder; :meth:`reconsider` a report."""

    def __init__(self, encoder: SentenceEncoder, path: Path = MODEL_FILE) -> None:
        self.encoder = encoder
        try:
            data = np.load(path, allow_pickle=False)
            names = tuple(str(n) for n in data["features"])
            if names != FEATURES:
                raise ValueError(f"features {names} are not this version's {FEATURES}")
            self.coef = data["coef"].astype(np.float64)
            self.intercept = float(data["intercept"])
            self.mean = data["mean"].astype(np.float64)
            self.scale = data["scale"].astype(np.float64)
            self.threshold = float(data["threshold"])
            self.k = int(data["k"])
            self.gate = float(data["gate"])
            self.veto = float(data["veto"])
            # a file built before the boost bar had one bar for both: the threshold; never above it
            boost = float(data["boost"]) if "boost" in data.files else self.threshold
            self.boost = min(boost, self.threshold)
            self.partial_gate = float(data["partial_gate"])
            self.partial_veto = float(data["partial_veto"])
            self.about = str(data["about"])
            items: dict[tuple[int, str], _Item] = {}
            references: dict[int, np.ndarray] = {}  # a question's sentences, once (items index into them)
            # The file numbers questions as the bundled bank did when it was built; a bank of the user's
            # may number them otherwise ("--questions" with a few of them), so the judge finds a question
            # by its id.
            numbers: dict[str, int] = {}
            for key, number, item_id, question_id in zip(
                data["item_keys"],
                data["item_question"],
                data["item_id"],
                data["item_question_id"],
                strict=True,
            ):
                numbers[str(question_id)] = int(number)
                if int(number) not in references:
                    references[int(number)] = data[f"q{int(number)}_vecs"].astype(np.float32)
                items[(int(number), str(item_id))] = _Item(
                    data[f"{key}_pos"],
                    data[f"{key}_neg"],
                    data[f"{key}_label"].astype(np.float32),
                    data[f"{key}_example"].astype(np.float32),
                )
        except (OSError, KeyError, ValueError) as exc:
            raise EmbeddingUnavailable(f"{path}: the second opinion's model cannot be read ({exc})") from exc
        self.items = items
        self.references = references
        self.numbers = numbers  # question id -> the number its items and references are stored under

    def opinions(self, question: Question, report: ScoreReport) -> dict[str, Opinion]:
        """The model's view of each item of ``report`` it knows (none for an empty transcript)."""
        spans = sentences(report.transcript)
        number = self.numbers.get(question.id, -1)
        known = [i for i in report.checklist if (number, i.id) in self.items]
        if not spans or not known:
            return {}
        vecs = self.encoder.encode([report.transcript[s:e] for s, e in spans])
        sims = vecs @ self.references[number].T  # every sentence against every reference, once
        where = evidence_sentences(
            spans, {i.id: i.evidence.char_start for i in report.checklist if i.hit and i.evidence is not None}
        )
        points = [sum(1 for j in where.values() if j == k) for k in range(len(spans))]
        out = {}
        for result in known:
            ref = self.items[(number, result.id)]
            p = topk_mean(sims[:, ref.pos], self.k)
            n = topk_mean(sims[:, ref.neg], self.k)
            diff = p - n
            best = int(np.argmax(diff))
            ev = result.evidence if result.hit else None
            kind = "" if ev is None else ("fuzzy" if ev.match == "phonetic" else ev.match)
            at = where.get(result.id)  # credited items only
            sentence = None if at is None else report.transcript[spans[at][0] : spans[at][1]]
            x = np.array(
                [
                    diff[best],
                    p[best],
                    n[best],
                    p.max(),
                    n.max(),
                    diff.mean(),
                    (vecs @ ref.label).max(),
                    (vecs @ ref.example).max(),
                    float(result.hit),
                    *(float(kind == k) for k in _KINDS),
                    *evidence_features(sentence, 0 if at is None else points[at]),
                ],
                dtype=np.float64,
            )
            z = float(((x - self.mean) / self.scale) @ self.coef + self.intercept)
            probability = 1.0 / (1.0 + math.exp(-z))
            listed = sentence is not None and listed_in_passing(sentence)
            planned = (
                ev is not None
                and at is not None
                and sentence is not None
                and put_off(sentence, ev.char_start - spans[at][0])
            )
            out[result.id] = Opinion(probability, probability >= self.threshold, spans[best], listed, planned)
        return out

    def reconsider(self, question: Question, report: ScoreReport, transcript: Transcript) -> ScoreReport:
        """``report`` re-judged: the model decides every item it knows when it doubts at least :attr:`gate`
        of the matcher's credits (``second_opinion="applied"``); else the matcher's decisions stand but for
        the credits the model all but rules out (below :attr:`veto`, or :attr:`partial_veto` where it doubts
        at least :attr:`partial_gate` of them) and the points it finds made (probability at or above
        :attr:`boost`, in a sentence of :data:`MEANING_WORDS` words or more; ``"revised"``; ``"agreed"`` when
        there are none). Either way a credit from a list waved away is withdrawn (:attr:`Opinion.listed`), and
        one the answer puts off (:attr:`Opinion.put_off`; its ``doubt_reason`` says so).
        Misheard names stay credited. ``report`` itself when the model knows none of its items or it has no
        sentence. See the module doc for the evidence kept."""
        opinions = self.opinions(question, report)
        if not opinions:
            return report
        # A misheard name never counts against the answer: the model learned from written answers, where
        # none is misheard, and doubts every one. It stays credited and out of the gate's share.
        credited = [i for i in report.checklist if i.hit and i.id in opinions and not _misheard(i.evidence)]
        doubted = sum(1 for i in credited if not opinions[i.id].covered) / max(1, len(credited))
        # A name in a list the speaker waves away ("..., the usual") is never a point made, whatever the
        # model's probability: the sentences it compares are similar, the list says nothing of its use.
        # So is a point put off ("that's on the roadmap"): a plan is not a practice.
        withdrawn = {i.id for i in credited if opinions[i.id].listed or opinions[i.id].put_off}
        missed = [i for i in report.checklist if not i.hit and i.id in opinions]
        # A missed point is credited by meaning only from a sentence that can show it; the bar is the
        # threshold where the model decides the answer, the lower boost where the matcher's decisions stand.
        shown = {i.id for i in missed if _words(report.transcript, opinions[i.id]) >= MEANING_WORDS}
        found = {i for i in shown if opinions[i].covered}
        boosted = {i for i in shown if opinions[i].probability >= self.boost}
        if credited and doubted >= self.gate:
            decide = {i.id: opinions[i.id].covered and i.id not in withdrawn for i in credited}
            decide |= {i.id: i.id in found for i in missed}
            verdict = "applied"
        else:
            bar = self.partial_veto if credited and doubted >= self.partial_gate else self.veto
            decide = {i.id: False for i in credited if opinions[i.id].probability < bar or i.id in withdrawn}
            decide |= dict.fromkeys(boosted, True)
            if not decide:
                return replace(report, second_opinion="agreed")
            verdict = "revised"
        checklist = []
        for result in report.checklist:
            opinion, covered = opinions.get(result.id), decide.get(result.id)
            if opinion is None or covered is None:
                checklist.append(result)
            elif covered == result.hit:
                checklist.append(replace(result, opinion=opinion.probability))
            elif covered:
                ev = _sentence_evidence(transcript, report.transcript, opinion.best_span, result)
                checklist.append(
                    replace(result, hit=True, evidence=ev, quote=ev.text, opinion=opinion.probability)
                )
            else:
                reason = PUT_OFF_REASON if opinion.put_off else ""
                checklist.append(
                    replace(
                        result,
                        hit=False,
                        evidence=None,
                        doubted=result.evidence,
                        opinion=opinion.probability,
                        doubt_reason=reason,
                    )
                )
        total = sum(i.weight for i in checklist)
        coverage = sum(i.weight for i in checklist if i.hit) / total if total > 0 else 0.0
        judged = replace(report, checklist=tuple(checklist), coverage=coverage, second_opinion=verdict)
        return judged.with_marks(report.marked_by_you)


def _words(text: str, opinion: Opinion) -> int:
    start, end = opinion.best_span
    return len(text[start:end].split())


def _misheard(evidence: Evidence | None) -> bool:
    """A name the matcher found misheard ("Statuspaige"), which the model cannot judge."""
    return evidence is not None and evidence.match in ("fuzzy", "phonetic")


def _sentence_evidence(
    transcript: Transcript, text: str, span: tuple[int, int], result: ChecklistResult
) -> Evidence:
    start, end = span
    words = list(re.finditer(r"\S+", text[start:end]))
    if len(words) > EVIDENCE_WORDS:  # a run-on sentence: its middle, where the point most often sits
        cut = (len(words) - EVIDENCE_WORDS) // 2
        start, end = start + words[cut].start(), start + words[cut + EVIDENCE_WORDS - 1].end()
    times = time_of_span(transcript, start, end)
    return Evidence(
        text=text[start:end],
        phrase=result.label,
        match="meaning",
        char_start=start,
        char_end=end,
        start=None if times is None else times[0],
        end=None if times is None else times[1],
    )


class SecondOpinion:
    """The app's one judge, loaded once on first use (off the GUI thread: the scoring warm-up task does it).

    :meth:`judge` is None when the model is missing or unreadable; :attr:`problem` then says why (shown
    once in the review), and the matcher's decisions stand."""

    def __init__(self, path: Path = MODEL_FILE) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._judge: Judge | None = None
        self._tried = False
        self.problem = ""

    def judge(self, load: bool = True) -> Judge | None:
        """The judge, loaded on first use (``load=False``: None until another thread has loaded it)."""
        if self._tried or not load:
            return self._judge
        with self._lock:
            if not self._tried:
                try:
                    self._judge = Judge(SentenceEncoder(), self._path)
                except EmbeddingUnavailable as exc:
                    self.problem = str(exc)
                    logger.warning("second opinion unavailable, the matcher decides alone: %s", exc)
                self._tried = True
            return self._judge

    def prepare(self, text: str, load: bool = True) -> None:
        """Embed ``text``'s sentences now (the slow part of :meth:`reconsider`, cached by sentence), so the
        review that scores it next pays only for the comparisons. For the transcription task, off the GUI
        thread; loads the model on first use unless ``load`` is False (the live thread: it leaves loading to
        the start-up and transcription tasks)."""
        judge = self.judge(load)
        spans = sentences(text)
        if judge is not None and spans:
            judge.encoder.encode([text[s:e] for s, e in spans])

    def reconsider(self, question: Question, report: ScoreReport, transcript: Transcript) -> ScoreReport:
        judge = self.judge()
        return report if judge is None else judge.reconsider(question, report, transcript)


SHARED = SecondOpinion()
"""The process's judge (the app, the CLI): the weights load once."""
