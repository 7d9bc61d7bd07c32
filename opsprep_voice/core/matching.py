"""Checklist matching: which of a question's checklist items a transcript covers, where, and why.

An item counts as covered when one of its phrases is said (:mod:`opsprep_voice.core.phrases`: in order,
by stem, joined or split), when one of its concept rules finds the idea said in other words
(:mod:`opsprep_voice.core.concepts`: key terms near each other in any order), or, for names and jargon
only, when a phrase was misheard (:mod:`opsprep_voice.core.misheard`).

When several of these match, the evidence shown is the most convincing one: the most specific wording
first (a named tool beats several everyday words, which beat one everyday word; a concept rule counts as
several words), then the stronger kind of match, then the phrase the checklist lists first, then the
earliest place. :func:`explain` says in one line why the item was credited.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from opsprep_voice.core.bank import Question
from opsprep_voice.core.concepts import ConceptRule, compile_rule, match_rule
from opsprep_voice.core.misheard import match_misheard, windows
from opsprep_voice.core.phrases import (
    KIND_RANK,
    NAMED,
    SEVERAL_WORDS,
    Hit,
    Index,
    MatchKind,
    Phrase,
    Specificity,
    compile_phrase,
    match_phrase,
    term_specificity,
)
from opsprep_voice.core.text import Token, time_of_span, tokenize
from opsprep_voice.core.transcript import Transcript

logger = logging.getLogger(__name__)


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
            "why": explain(self),
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Evidence:
        kind = str(data["match"])
        if kind not in KIND_RANK:
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
class _CompiledItem:
    phrases: tuple[Phrase, ...]
    concepts: tuple[ConceptRule, ...]


@lru_cache(maxsize=256)
def _compile_key(key: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]) -> tuple[_CompiledItem, ...]:
    return tuple(
        _CompiledItem(
            tuple(p for p in (compile_phrase(t) for t in phrases) if p is not None),
            tuple(compile_rule(r) for r in concepts),
        )
        for phrases, concepts in key
    )


def _checklist_key(question: Question) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    return tuple((tuple(i.phrases), tuple(i.concepts)) for i in question.checklist)


def compile_question(question: Question) -> tuple[_CompiledItem, ...]:
    """The question's phrases and rules compiled once (cached on their content, so edits are picked up)."""
    return _compile_key(_checklist_key(question))


@dataclass(frozen=True, slots=True)
class _Candidate:
    hit: Hit
    phrase: str  # the phrase, or the rule's matched terms ("journey + customer")
    specificity: Specificity
    order: int  # position of the phrase or rule in the item

    @property
    def rank(self) -> tuple[int, int, int, int]:
        return (-self.specificity, KIND_RANK[self.hit.kind], self.order, self.hit.first)


def _evidence(found: _Candidate, tokens: Sequence[Token], transcript: Transcript) -> Evidence:
    start, end = tokens[found.hit.first].start, tokens[found.hit.last].end
    times = time_of_span(transcript, start, end)
    return Evidence(
        text=transcript.text[start:end],
        phrase=found.phrase,
        match=found.hit.kind,
        char_start=start,
        char_end=end,
        start=None if times is None else times[0],
        end=None if times is None else times[1],
    )


def _said(item: _CompiledItem, index: Index, text: str) -> _Candidate | None:
    """The most convincing phrase or concept hit of one item (see the module docstring)."""
    found = []
    for order, phrase in enumerate(item.phrases):
        hit = match_phrase(phrase, index)
        if hit is not None:
            found.append(_Candidate(hit, phrase.text, phrase.specificity, order))
    # A concept (several words) cannot outrank a phrase of several words or a name: skip the rules then.
    # Among rules, one whose matched terms name a tool ("Prometheus + store*") beats one of everyday words
    # ("metric* + store*"), then the first listed.
    if all(c.specificity < SEVERAL_WORDS for c in found):
        for k, rule in enumerate(item.concepts):
            concept = match_rule(rule, index)
            if concept is not None:
                said = concept.described(index.tokens, text)
                named = any(term_specificity(term) == NAMED for term in concept.terms)
                found.append(
                    _Candidate(concept.hit, said, NAMED if named else SEVERAL_WORDS, len(item.phrases) + k)
                )
                if named:
                    break  # nothing after it can rank higher
    return min(found, key=lambda c: c.rank) if found else None


def match_checklist(
    question: Question, transcript: Transcript, tokens: Sequence[Token] | None = None
) -> tuple[ItemMatch, ...]:
    """Match every checklist item of ``question`` against ``transcript`` (tokens may be passed in)."""
    compiled = compile_question(question)
    toks = tokenize(transcript.text) if tokens is None else tokens
    index = Index(toks, transcript.text)
    found = [_said(item, index, transcript.text) for item in compiled]

    # Misheard names only for items nothing else found: the costlier search, and the weakest evidence.
    missing = [(i, p) for i, f in enumerate(found) if f is None for p in compiled[i].phrases if p.fuzzy]
    if missing:
        misheard = match_misheard([p for _, p in missing], toks, windows(toks))
        for k, hit in sorted(misheard.items()):
            item_idx, phrase = missing[k]
            candidate = _Candidate(
                hit, phrase.text, phrase.specificity, compiled[item_idx].phrases.index(phrase)
            )
            current = found[item_idx]
            if current is None or (KIND_RANK[hit.kind], hit.first) < (
                KIND_RANK[current.hit.kind],
                current.hit.first,
            ):
                found[item_idx] = candidate

    out = []
    for item, f in zip(question.checklist, found, strict=True):
        evidence = None if f is None else _evidence(f, toks, transcript)
        out.append(ItemMatch(item.id, item.label, item.weight, item.example, evidence))
    return tuple(out)


def coverage(items: Sequence[ItemMatch]) -> float:
    """Weighted share of items hit, 0..1 (0 for an empty checklist)."""
    total = sum(i.weight for i in items)
    if total <= 0:
        return 0.0
    return sum(i.weight for i in items if i.hit) / total


def explain(evidence: Evidence) -> str:
    """Why an item was credited, in one line for the review, the CLI and exports."""
    said, phrase = evidence.text, evidence.phrase
    if evidence.match == "exact":
        if said.casefold() == phrase.casefold():
            return f'You said "{said}".'
        return f'You said "{said}" (counts as "{phrase}").'
    if evidence.match == "stem":
        return f'You said "{said}", a form of "{phrase}".'
    if evidence.match == "concept":
        return f'Said in other words: "{said}" ({phrase}).'
    if evidence.match == "fuzzy":
        return f'Heard "{said}", taken as a mishearing of "{phrase}".'
    if evidence.match == "meaning":
        return f'Said in other words, judged by meaning: "{said}".'
    return f'Heard "{said}", which sounds like "{phrase}".'


def find_phrase(phrase: str, text: str) -> Evidence | None:
    """Match one phrase against a plain text (what the checklist matcher does for one phrase)."""
    transcript = Transcript.from_text(text)
    tokens = tokenize(transcript.text)
    return _find(phrase, transcript, tokens, Index(tokens, transcript.text), windows(tokens))


def _find(
    phrase: str,
    transcript: Transcript,
    tokens: Sequence[Token],
    index: Index,
    found_windows: dict[str, list[tuple[int, int]]],
) -> Evidence | None:
    compiled = compile_phrase(phrase)
    if compiled is None:
        return None
    hit = match_phrase(compiled, index)
    if hit is None and compiled.fuzzy:
        hit = match_misheard([compiled], tokens, found_windows).get(0)
    if hit is None:
        return None
    return _evidence(_Candidate(hit, phrase, compiled.specificity, 0), tokens, transcript)


# ----------------------------------------------------------------------------------- recognition prompt


def recognition_prompt(question: Question) -> str:
    """Initial prompt that primes Whisper with this question's vocabulary (used where it helps): the
    question as asked (what comes before the answer in an interview), then :func:`prompt_terms`.
    bench_asr, 24 answers: checklist detection 96.4 % with the items' first phrases alone, 96.4 % with
    the question in front, 98.5 % with the question and the terms as said; WER 16.9 / 15.9 / 14.8 %."""
    return question.text + " Interview answer about " + ", ".join(prompt_terms(question)) + "."


def prompt_terms(question: Question) -> list[str]:
    """One term per checklist item: the first of its phrases that the example answer says, as the answer
    says it (the wording a rehearsing candidate most likely uses: "image scanning", not the item's first
    phrase "vulnerability"); else a tool the answer names in the first group of one of the item's rules
    ("Prometheus" for "Prometheus|Grafana + store*": the checklists keep many names in rules, since a
    name said in passing is not a point made, and names are what Whisper mishears without a prompt); else
    the item's first phrase."""
    return list(_prompt_terms(_checklist_key(question), question.example_answer))


@lru_cache(maxsize=64)
def _prompt_terms(key: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...], answer: str) -> tuple[str, ...]:
    transcript = Transcript.from_text(answer)
    tokens = tokenize(transcript.text)
    index, found_windows = Index(tokens, transcript.text), windows(tokens)
    terms = []
    for item, (phrases, _concepts) in zip(_compile_key(key), key, strict=True):
        found = (_find(p, transcript, tokens, index, found_windows) for p in phrases)
        evidence = next((e for e in found if e is not None), None)
        if evidence is not None:
            terms.append(evidence.text)
        else:
            terms.append(_name_in_rules(item, index, transcript.text) or phrases[0])
    return tuple(terms)


def _name_in_rules(item: _CompiledItem, index: Index, text: str) -> str | None:
    """The words said for the first rule whose first group matched on a name, as said, if any."""
    for rule in item.concepts:
        concept = match_rule(rule, index)
        if concept is not None and term_specificity(concept.terms[0]) == NAMED:
            part = concept.parts[0]
            return text[index.tokens[part.first].start : index.tokens[part.last].end]
    return None
