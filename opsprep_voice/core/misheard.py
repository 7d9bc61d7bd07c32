"""Misheard names and jargon: "Teleform" for Terraform, "Cuban Eddies" for Kubernetes.

The letters of 1-3 neighbouring transcript words are compared with a phrase's letters by edit
similarity (rapidfuzz, match kind ``fuzzy``) or by sound (jellyfish metaphone, NYSIIS, match-rating;
``phonetic``). Only phrases that are names or jargon take part (:attr:`Phrase.fuzzy`).

Guards against false hits (each is tested both ways):

* short phrases (4 letters or fewer: SLO, RTO, IAM, OPA, HPA, MTTR, helm) match only exactly, also when
  spelled out ("S L O", "s.l.o."); never "slow", "auto", "I am", "opera".
* only *names and jargon* are matched fuzzily: a phrase qualifies if one of its words is not a common
  English word ("terraform", "argo", "grafana" qualify, "error budget" does not).
* a single transcript word that is itself a common English word ("graph", "grafted", "transform",
  "cabinets", "cube") never fuzzy-matches; windows never contain function words ("our rollouts").
  Several common words joined *can* match when they sound like the name: "terror form" counts as
  Terraform, as "Cuban Eddies" counts as Kubernetes (Whisper splits unknown names into real words).
* a window that already contains one of the phrase's words exactly ("canary rollouts" for Argo
  Rollouts) must be a close spelling match as a whole; sound-alike is not enough.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import jellyfish
from rapidfuzz import fuzz, process
from rapidfuzz.distance import JaroWinkler

from opsprep_voice.core.phrases import (
    KIND_RANK,
    SHORT_LETTERS,
    STOPWORDS,
    Hit,
    MatchKind,
    Phrase,
    is_common_word,
)
from opsprep_voice.core.text import Token

FUZZY_ACCEPT = 82.0
PHONETIC_MIN_SPELLING = 50.0
PHONETIC_ACCEPT = 80.0
SPLIT_JARO_WINKLER = 0.75
PARTIAL_REST_ACCEPT = 70.0
PHONETIC_MIN_SPELLING_COMMON = 55.0
PHONETIC_ACCEPT_COMMON = 90.0
_LENGTH_RATIO = (0.7, 1.45)

Windows = dict[str, list[tuple[int, int]]]


@lru_cache(maxsize=16384)
def _metaphone(letters: str) -> str:
    return str(jellyfish.metaphone(letters))


@lru_cache(maxsize=16384)
def _nysiis(letters: str) -> str:
    return str(jellyfish.nysiis(letters))


def windows(tokens: Sequence[Token]) -> Windows:
    """Letters of 1-3 neighbouring content words that could be a misheard name -> their token ranges."""
    out: Windows = {}
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


def _partial_exact(phrase: Phrase, tokens: Sequence[Token], first: int, last: int) -> tuple[str, str] | None:
    """If the window's first/last word is said exactly as the start/end of the phrase ("build cache" for
    BuildKit, "canary rollouts" for Argo Rollouts), return the leftover (window part, phrase part)."""
    target = phrase.letters
    head, tail = tokens[first], tokens[last]
    if first == last and len(phrase.letters_by_token) >= 2:
        # One word for a name of several, which starts or ends with one of its words exactly: the rest
        # must be close too ("cloudrun" is Cloud Run; "Cloudflare" is not Cloud Profiler).
        said, lead, end = head.letters, phrase.letters_by_token[0], phrase.letters_by_token[-1]
        if len(lead) >= 3 and said.startswith(lead):
            return said[len(lead) :], target[len(lead) :]
        if len(end) >= 3 and said.endswith(end):
            return said[: -len(end)], target[: -len(end)]
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


def _judge(phrase: Phrase, window: str, tokens: Sequence[Token], first: int, last: int) -> MatchKind | None:
    """Is this window a mishearing of the phrase? The rules are in the module docstring."""
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
    meta, target_meta = _metaphone(window), _metaphone(target)
    if meta[:1] != target_meta[:1]:
        return None  # sound-alikes start with the same sound ("Teleform"/Terraform, "Cubanese"/Kubernetes)
    sounds = (fuzz.ratio(meta, target_meta), fuzz.ratio(_nysiis(window), _nysiis(target)))
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


def match_misheard(phrases: Sequence[Phrase], tokens: Sequence[Token], found: Windows) -> dict[int, Hit]:
    """Best fuzzy/phonetic hit per position in ``phrases`` (stronger kind first, then earlier)."""
    if not phrases or not found:
        return {}
    names = list(found)
    scores = process.cdist(
        [p.letters for p in phrases], names, scorer=fuzz.ratio, score_cutoff=PHONETIC_MIN_SPELLING
    )
    hits: dict[int, Hit] = {}
    for p_idx, w_idx in zip(*scores.nonzero(), strict=True):
        phrase, window = phrases[int(p_idx)], names[int(w_idx)]
        for first, last in found[window]:
            kind = _judge(phrase, window, tokens, first, last)
            if kind is None:
                continue
            old = hits.get(int(p_idx))
            if old is None or (KIND_RANK[kind], first) < (KIND_RANK[old.kind], old.first):
                hits[int(p_idx)] = Hit(first, last, kind)
    return hits
