"""Checklist matching: which of a question's checklist items a transcript covers, and where.

Both the transcript and every checklist phrase go through :func:`opsprep_voice.core.text.tokenize`, so
case, punctuation, hyphens, number words and inflections are already equal. A phrase then matches by,
in order of preference (the evidence records which):

``exact``
    the phrase's words in order, allowing up to :data:`MAX_GAP` extra tokens between them
    ("roll the back" is not needed, "roll it back" is fine).
``stem``
    the same, but some word matched only by its stem ("rolled back" ~ "roll back", "canaries" ~
    "canary"), or the words were joined/split ("run book" ~ "runbook", "bluegreen" ~ "blue green").
``fuzzy`` / ``phonetic``
    misheard product names and jargon: the letters of 1-3 neighbouring transcript words compared with
    the phrase's letters by edit similarity (rapidfuzz) or by sound (jellyfish metaphone, NYSIIS,
    match-rating): "Teleform" ~ Terraform, "Cuban Eddies" ~ Kubernetes, "Ardo Roach's" ~ Argo Rollouts.

Guards against false hits (each is tested both ways):

* short phrases (4 letters or fewer: SLO, RTO, IAM, OPA, HPA, MTTR, helm) match only exactly, also when
  spelled out ("S L O", "s.l.o."); never "slow", "auto", "I am", "opera".
* only *names and jargon* are matched fuzzily: a phrase qualifies if one of its words is not a common
  English word (pyspellchecker's English frequency list; "terraform", "argo", "grafana" qualify,
  "error budget" does not).
* a single transcript word that is itself a common English word ("graph", "grafted", "transform",
  "cabinets", "cube") never fuzzy-matches; windows never contain function words ("our rollouts").
  Several common words joined *can* match when they sound like the name: "terror form" counts as
  Terraform, as "Cuban Eddies" counts as Kubernetes (Whisper splits unknown names into real words).
* a window that already contains one of the phrase's words exactly ("canary rollouts" for Argo
  Rollouts) must be a close spelling match as a whole; sound-alike is not enough.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import jellyfish
from rapidfuzz import fuzz, process
from rapidfuzz.distance import JaroWinkler

from opsprep_voice.core.bank import Question
from opsprep_voice.core.text import Token, stem, time_of_span, tokenize
from opsprep_voice.core.transcript import Transcript

logger = logging.getLogger(__name__)

MatchKind = Literal["exact", "stem", "fuzzy", "phonetic"]
_KIND_RANK: dict[str, int] = {"exact": 0, "stem": 1, "fuzzy": 2, "phonetic": 3}

MAX_GAP = 2
"""Extra tokens allowed between consecutive words of a phrase (fillers, articles)."""
SHORT_LETTERS = 4
"""Phrases with this many letters or fewer match exactly only."""
FUZZY_MIN_LETTERS = 6
COMMON_MIN_FREQUENCY = 200
"""A word at least this frequent in pyspellchecker's English list counts as a common English word."""
FUZZY_ACCEPT = 82.0
PHONETIC_MIN_SPELLING = 50.0
PHONETIC_ACCEPT = 80.0
SPLIT_JARO_WINKLER = 0.75
PARTIAL_REST_ACCEPT = 70.0
PHONETIC_MIN_SPELLING_COMMON = 55.0
PHONETIC_ACCEPT_COMMON = 90.0
_LENGTH_RATIO = (0.7, 1.45)

_STOPWORDS_TEXT = """
    a an the and or but nor so yet if then than that this these those there here of in on at to for from
    by with without into onto over under about above below up down out off as is are was were be
    been being am do does did doing have has had having i me my mine we us our ours you your yours he him
    his she her hers it its they them their theirs what which who whom whose when where why how all any
    both each few more most other some such no not only own same too very can will just should would
    could may might must shall let's it's i'm i've i'd we're we've they're that's there's what's don't
    didn't doesn't isn't wasn't aren't won't can't also really well okay ok yeah yes um uh er ah hmm like
    actually basically"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


@lru_cache(maxsize=1)
def _word_frequencies() -> dict[str, int]:
    """pyspellchecker's English word frequencies (loaded once, ~0.3 s)."""
    from spellchecker import SpellChecker

    checker = SpellChecker(language="en", distance=1)
    freq = dict(checker.word_frequency.dictionary)
    logger.debug("loaded %d English word frequencies", len(freq))
    return freq


def is_common_word(word: str) -> bool:
    """True for everyday English words ("graph", "cube", "transform"); False for names and rare words."""
    return _word_frequencies().get(word.lower(), 0) >= COMMON_MIN_FREQUENCY


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where and how a checklist item was found in the transcript."""

    text: str
    phrase: str
    match: MatchKind
    char_start: int
    char_end: int
    start: float | None = None
    end: float | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "phrase": self.phrase,
            "match": self.match,
            "char_start": self.char_start,
            "char_end": self.char_end,
            "start": None if self.start is None else round(self.start, 3),
            "end": None if self.end is None else round(self.end, 3),
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Evidence:
        kind = str(data["match"])
        if kind not in _KIND_RANK:
            raise ValueError(f"unknown match kind {kind!r}")
        start, end = data.get("start"), data.get("end")
        return cls(
            text=str(data["text"]),
            phrase=str(data["phrase"]),
            match=kind,  # type: ignore[arg-type]
            char_start=int(data["char_start"]),  # type: ignore[call-overload]
            char_end=int(data["char_end"]),  # type: ignore[call-overload]
            start=None if start is None else float(start),  # type: ignore[arg-type]
            end=None if end is None else float(end),  # type: ignore[arg-type]
        )


@dataclass(frozen=True, slots=True)
class ItemMatch:
    """One checklist item and its evidence (None when missed)."""

    id: str
    label: str
    weight: float
    example: str
    evidence: Evidence | None

    @property
    def hit(self) -> bool:
        return self.evidence is not None


@dataclass(frozen=True, slots=True)
class _Phrase:
    text: str
    norms: tuple[str, ...]
    keys: tuple[str, ...]
    letters: str  # all letters joined: "argorollouts"
    letters_by_token: tuple[str, ...]
    letters_stem: str
    short: bool
    joinable: bool
    fuzzy: bool
    metaphone: str
    nysiis: str


@dataclass(frozen=True, slots=True)
class _Compiled:
    phrases: tuple[tuple[_Phrase, ...], ...]  # per checklist item, in order


def _compile_phrase(text: str) -> _Phrase | None:
    tokens = tokenize(text)
    if not tokens:
        logger.warning("checklist phrase %r has no words; ignored", text)
        return None
    letters = "".join(t.letters for t in tokens)
    alpha = letters.isalpha()
    short = len(letters) <= SHORT_LETTERS
    fuzzy = (
        alpha
        and len(letters) >= FUZZY_MIN_LETTERS
        and len(tokens) <= 3
        and any(t.kind == "word" and not is_common_word(t.norm) for t in tokens)
    )
    return _Phrase(
        text=text,
        norms=tuple(t.norm for t in tokens),
        keys=tuple(t.key for t in tokens),
        letters=letters,
        letters_by_token=tuple(t.letters for t in tokens),
        letters_stem=stem(letters),
        short=short,
        joinable=alpha and len(letters) >= FUZZY_MIN_LETTERS,
        fuzzy=fuzzy,
        metaphone=_metaphone(letters) if fuzzy else "",
        nysiis=_nysiis(letters) if fuzzy else "",
    )


@lru_cache(maxsize=256)
def _compile_key(key: tuple[tuple[str, ...], ...]) -> _Compiled:
    compiled = []
    for phrases in key:
        compiled.append(tuple(p for p in (_compile_phrase(t) for t in phrases) if p is not None))
    return _Compiled(tuple(compiled))


def compile_question(question: Question) -> _Compiled:
    """The question's phrases tokenized once (cached on the phrases' content, so edits are picked up)."""
    return _compile_key(tuple(tuple(item.phrases) for item in question.checklist))


@lru_cache(maxsize=16384)
def _metaphone(letters: str) -> str:
    return str(jellyfish.metaphone(letters))


@lru_cache(maxsize=16384)
def _nysiis(letters: str) -> str:
    return str(jellyfish.nysiis(letters))


class _Index:
    """Positions of each token key and each token's letters in one transcript."""

    def __init__(self, tokens: Sequence[Token]) -> None:
        self.tokens = tokens
        self.by_key: dict[str, list[int]] = {}
        self.by_letters: dict[str, list[int]] = {}
        for i, t in enumerate(tokens):
            self.by_key.setdefault(t.key, []).append(i)
            self.by_letters.setdefault(t.letters, []).append(i)


@dataclass(frozen=True, slots=True)
class _Hit:
    first: int  # token index
    last: int
    kind: MatchKind


def _match_sequence(phrase: _Phrase, index: _Index) -> _Hit | None:
    tokens = index.tokens
    n = len(tokens)
    for i in index.by_key.get(phrase.keys[0], ()):
        exact = tokens[i].norm == phrase.norms[0]
        pos = i
        for key, norm in zip(phrase.keys[1:], phrase.norms[1:], strict=True):
            found = -1
            for j in range(pos + 1, min(n, pos + 2 + MAX_GAP)):
                if tokens[j].key == key:
                    found = j
                    break
            if found < 0:
                break
            exact = exact and tokens[found].norm == norm
            pos = found
        else:
            return _Hit(i, pos, "exact" if exact else "stem")
    return None


def _match_joined(phrase: _Phrase, index: _Index) -> _Hit | None:
    """Words joined or split differently: "run book"/"runbooks" ~ "runbook", "bluegreen" ~ "blue green"."""
    target, target_stem = phrase.letters, phrase.letters_stem
    best: _Hit | None = None
    if len(phrase.keys) > 1:
        for key in (target, target_stem):
            for i in index.by_key.get(key, ()):
                if best is None or i < best.first:
                    best = _Hit(i, i, "stem")
    tokens = index.tokens
    for cut in range(2, len(target) - 1):
        for i in index.by_letters.get(target[:cut], ()):
            acc = tokens[i].letters
            for j in range(i + 1, min(len(tokens), i + 4)):
                acc += tokens[j].letters
                if acc == target or stem(acc) == target_stem:
                    if best is None or i < best.first:
                        best = _Hit(i, j, "stem")
                    break
                if not (target.startswith(acc) or acc.startswith(target)):
                    break
    return best


def _windows(tokens: Sequence[Token]) -> dict[str, list[tuple[int, int]]]:
    """Letters of 1-3 neighbouring content words that could be a misheard name -> their token ranges."""
    out: dict[str, list[tuple[int, int]]] = {}
    n = len(tokens)
    for i in range(n):
        t = tokens[i]
        if t.kind != "word" or t.norm in STOPWORDS or not t.letters.isalpha():
            continue
        acc = t.letters
        if len(acc) >= SHORT_LETTERS and not is_common_word(t.norm):
            out.setdefault(acc, []).append((i, i))
        for j in range(i + 1, min(n, i + 3)):
            u = tokens[j]
            if u.kind != "word" or u.norm in STOPWORDS or not u.letters.isalpha():
                break
            acc += u.letters
            out.setdefault(acc, []).append((i, j))
    return out


def _partial_exact(phrase: _Phrase, tokens: Sequence[Token], first: int, last: int) -> tuple[str, str] | None:
    """If the window's first/last word is said exactly as the start/end of the phrase ("build cache" for
    BuildKit, "canary rollouts" for Argo Rollouts), return the leftover (window part, phrase part)."""
    target = phrase.letters
    head, tail = tokens[first], tokens[last]
    lo, hi = first, last
    p_lo, p_hi = 0, len(target)
    for form in (head.letters, head.key):
        if len(form) >= 3 and target.startswith(form):
            lo, p_lo = first + 1, len(form)
            break
    if lo <= last:
        for form in (tail.letters, tail.key):
            if len(form) >= 3 and target.endswith(form) and len(target) - len(form) >= p_lo:
                hi, p_hi = last - 1, len(target) - len(form)
                break
    if lo == first and hi == last:
        return None
    rest = "".join(tokens[k].letters for k in range(lo, hi + 1))
    return rest, target[p_lo:p_hi]


def _judge(phrase: _Phrase, window: str, tokens: Sequence[Token], first: int, last: int) -> MatchKind | None:
    """Is this window a mishearing of the phrase? The rules are documented in the module docstring."""
    target = phrase.letters
    ratio = len(window) / len(target)
    if not _LENGTH_RATIO[0] <= ratio <= _LENGTH_RATIO[1]:
        return None
    width = last - first + 1
    if not max(1, len(phrase.keys) - 1) <= width <= len(phrase.keys) + 1:
        return None
    partial = _partial_exact(phrase, tokens, first, last)
    if partial is not None:
        # Part of the phrase was said exactly: the rest must be spelled close, not just sound close.
        rest, wanted = partial
        if not rest and len(wanted) <= 1:
            return "fuzzy"  # one letter lost at an edge: "Rafana" for Grafana (but "multi" is not Multi-AZ)
        if (
            rest
            and wanted
            and _LENGTH_RATIO[0] <= len(rest) / len(wanted) <= _LENGTH_RATIO[1]
            and fuzz.ratio(rest, wanted) >= PARTIAL_REST_ACCEPT
        ):
            return "fuzzy"
        return None
    spelling = fuzz.ratio(window, target)
    if spelling >= FUZZY_ACCEPT:
        return "fuzzy"
    if spelling < PHONETIC_MIN_SPELLING:
        return None
    meta = _metaphone(window)
    if meta[:1] != phrase.metaphone[:1]:
        return None  # sound-alikes start with the same sound ("Teleform"/Terraform, "Cubanese"/Kubernetes)
    sounds = (fuzz.ratio(meta, phrase.metaphone), fuzz.ratio(_nysiis(window), phrase.nysiis))
    all_common = all(is_common_word(tokens[k].norm) for k in range(first, last + 1))
    if min(sounds) >= PHONETIC_ACCEPT:
        if not all_common:
            return "phonetic"
        # Only everyday words ("Cuban Eddies"): ask for more, and not a word the speaker chose on purpose
        # that merely starts like the phrase ("service roles" is not "serverless").
        if (
            spelling >= PHONETIC_MIN_SPELLING_COMMON
            and max(sounds) >= PHONETIC_ACCEPT_COMMON
            and _common_prefix(tokens[first].letters, target) < 4
        ):
            return "phonetic"
        return None
    if (
        width == len(phrase.keys) >= 2
        and not all_common
        and all(tokens[first + k].letters[:1] == phrase.letters_by_token[k][:1] for k in range(width))
        and fuzz.ratio(tokens[first].letters, phrase.letters_by_token[0]) >= PARTIAL_REST_ACCEPT
        and JaroWinkler.normalized_similarity(window, target) >= SPLIT_JARO_WINKLER
        and jellyfish.match_rating_comparison(window, target)
    ):
        return "phonetic"  # a two-word name heard as two words: "Ardo Roach's" for Argo Rollouts
    return None


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _match_fuzzy(
    phrases: Sequence[_Phrase], tokens: Sequence[Token], windows: dict[str, list[tuple[int, int]]]
) -> dict[int, _Hit]:
    """Best fuzzy/phonetic hit per phrase position in ``phrases``."""
    if not phrases or not windows:
        return {}
    names = list(windows)
    scores = process.cdist(
        [p.letters for p in phrases], names, scorer=fuzz.ratio, score_cutoff=PHONETIC_MIN_SPELLING
    )
    hits: dict[int, _Hit] = {}
    for p_idx, w_idx in zip(*scores.nonzero(), strict=True):
        phrase, window = phrases[int(p_idx)], names[int(w_idx)]
        for first, last in windows[window]:
            kind = _judge(phrase, window, tokens, first, last)
            if kind is None:
                continue
            old = hits.get(int(p_idx))
            if old is None or (_KIND_RANK[kind], first) < (_KIND_RANK[old.kind], old.first):
                hits[int(p_idx)] = _Hit(first, last, kind)
    return hits


def _better(a: _Hit | None, b: _Hit | None) -> bool:
    """Is ``a`` better than ``b`` (stronger kind, then earlier)?"""
    if a is None:
        return False
    if b is None:
        return True
    return (_KIND_RANK[a.kind], a.first) < (_KIND_RANK[b.kind], b.first)


def _evidence(hit: _Hit, phrase: str, tokens: Sequence[Token], transcript: Transcript) -> Evidence:
    start, end = tokens[hit.first].start, tokens[hit.last].end
    times = time_of_span(transcript, start, end)
    return Evidence(
        text=transcript.text[start:end],
        phrase=phrase,
        match=hit.kind,
        char_start=start,
        char_end=end,
        start=None if times is None else times[0],
        end=None if times is None else times[1],
    )


def match_checklist(
    question: Question, transcript: Transcript, tokens: Sequence[Token] | None = None
) -> tuple[ItemMatch, ...]:
    """Match every checklist item of ``question`` against ``transcript`` (tokens may be passed in)."""
    compiled = compile_question(question)
    toks = tokenize(transcript.text) if tokens is None else tokens
    index = _Index(toks)
    found: list[tuple[_Hit, str] | None] = []
    for phrases in compiled.phrases:
        best: tuple[_Hit, str] | None = None
        for phrase in phrases:
            hit = _match_sequence(phrase, index)
            if hit is None and phrase.joinable:
                hit = _match_joined(phrase, index)
            if _better(hit, best[0] if best else None):
                assert hit is not None
                best = (hit, phrase.text)
        found.append(best)

    missing = [i for i, f in enumerate(found) if f is None]
    fuzzy_phrases = [(i, p) for i in missing for p in compiled.phrases[i] if p.fuzzy]
    if fuzzy_phrases:
        fuzzy_hits = _match_fuzzy([p for _, p in fuzzy_phrases], toks, _windows(toks))
        for k, hit in sorted(fuzzy_hits.items()):
            item_idx, phrase = fuzzy_phrases[k]
            current = found[item_idx]
            if _better(hit, current[0] if current else None):
                found[item_idx] = (hit, phrase.text)

    out = []
    for item, f in zip(question.checklist, found, strict=True):
        evidence = None if f is None else _evidence(f[0], f[1], toks, transcript)
        out.append(ItemMatch(item.id, item.label, item.weight, item.example, evidence))
    return tuple(out)


def coverage(items: Sequence[ItemMatch]) -> float:
    """Weighted share of items hit, 0..1 (0 for an empty checklist)."""
    total = sum(i.weight for i in items)
    if total <= 0:
        return 0.0
    return sum(i.weight for i in items if i.hit) / total


def find_phrase(phrase: str, text: str) -> Evidence | None:
    """Match one phrase against a plain text (what the checklist matcher does for one phrase)."""
    compiled = _compile_phrase(phrase)
    if compiled is None:
        return None
    transcript = Transcript.from_text(text)
    tokens = tokenize(transcript.text)
    index = _Index(tokens)
    hit = _match_sequence(compiled, index)
    if hit is None and compiled.joinable:
        hit = _match_joined(compiled, index)
    if hit is None and compiled.fuzzy:
        hit = _match_fuzzy([compiled], tokens, _windows(tokens)).get(0)
    return None if hit is None else _evidence(hit, phrase, tokens, transcript)
