"""Concept rules: an idea said in other words, found as key terms near each other in any order.

A checklist item's phrases catch its usual wordings ("user journey"). A candidate telling the idea in
their own words ("we map the few journeys our customers care about most") says the same terms apart
and in another order. A concept rule names those terms in groups; it matches where one term of every
group occurs within a short span of the transcript, in any order, each group on different words:

    "journey|flow|path + customer|user"
    "week*|regular|cadence + review|retro*"
    "restore|recover* + test*|drill|rehearse"

Syntax: groups are joined by ``+``; the terms of a group by ``|``. A term is a word or a phrase (the
words in order, as for checklist phrases). Matching ignores case, punctuation and inflection (Snowball
stems, so "journeys" ~ "journey"); a word ending in ``*`` matches every word that starts with it
("replic*": replica, replicas, replicated, replication), for word families the stemmer keeps apart;
``#`` matches a figure ("99.9", "fifteen", "30th"; not "one" or "first"), for ideas that need one
("SLO|target + #").

The span allowed is :data:`SPAN_TOKENS` tokens for two groups plus :data:`SPAN_PER_GROUP` per further
group, counted from the first matched word to the last, and it never crosses the end of a sentence: the
terms must belong to one thought ("...the canary controls. While that was happening I set up..." is not
"set up a canary").
The evidence is the transcript from the first matched word to the last, shown as "said in other words".
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from opsprep_voice.core.phrases import Hit, Index, sequence_hits
from opsprep_voice.core.text import Token, tokenize

SPAN_TOKENS = 10
"""Longest span, in tokens from the first matched word to the last, for a rule of two groups."""
SPAN_PER_GROUP = 4
"""Extra tokens allowed for each group after the second."""
STARRED_GAP = 1
"""Tokens allowed between the words of a term with a starred word (plain words: ``phrases.MAX_GAP``)."""
SEARCH_STEPS = 5_000
"""Most combinations one rule's match may try. The bundled bank's rules try at most 162 on the
benchmark answers; an answer that repeats a few words a rule lists in every group (adversarial, or a
bank with many groups) would otherwise make the search grow by a factor of the span for each group,
minutes for one rule. Past the budget the best place found so far is kept: a match is still a real one,
at worst not the tightest."""
MIN_PREFIX_LETTERS = 4
"""A ``*`` word needs this many letters before the star: shorter prefixes match unrelated words."""

_WORD = re.compile(r"^(?:#|[\w.'%-]+\*?)$")
_NUMBER = "#"
"""The prefix slot of a ``#`` word: any number token."""


class RuleSyntaxError(ValueError):
    """A concept rule that cannot be read; the message says what to change."""


@dataclass(frozen=True, slots=True)
class _Term:
    text: str  # as written in the rule, for the evidence
    keys: tuple[str, ...]  # stems of the words, in order ("" for a starred word)
    prefixes: tuple[str, ...]  # the letters before "*" for starred words, "#" for numbers, "" for others


@dataclass(frozen=True, slots=True)
class ConceptRule:
    """A compiled rule: groups of alternative terms."""

    text: str
    groups: tuple[tuple[_Term, ...], ...]

    @property
    def span_limit(self) -> int:
        return SPAN_TOKENS + SPAN_PER_GROUP * max(0, len(self.groups) - 2)


@dataclass(frozen=True, slots=True)
class ConceptHit:
    """Where a rule matched: the whole span, and per group (in rule order) the term and the words it took."""

    hit: Hit
    terms: tuple[str, ...]
    parts: tuple[Hit, ...]

    def described(self, tokens: Sequence[Token], text: str) -> str:
        """The words said for each group, as said: "release + right after" (not the rule's "release*")."""
        return " + ".join(text[tokens[h.first].start : tokens[h.last].end] for h in self.parts)


_STARRED = re.compile(r"^[^\W\d_]+\*$")
_SYMBOLS = frozenset("%$€£")
_GLUED_PLUS = re.compile(r"[^\s|+]*(?:\S\+|\+\S)[^\s|+]*")


def _split(text: str) -> list[list[list[str]]]:
    """The rule's groups, each a list of terms, each a list of words; raises :class:`RuleSyntaxError`."""
    glued = _GLUED_PLUS.search(text)
    if glued:  # "n+1" would silently split into two groups and the rule would never match
        raise RuleSyntaxError(
            f"rule {text!r}: {glued.group(0)!r} has a '+' inside a term; '+' joins groups, with a space on "
            "each side. Write the term's words without it, as a transcript's \"N+1\" is read: 'n 1'"
        )
    parts = [p.strip() for p in text.split("+")]
    if len(parts) < 2:
        raise RuleSyntaxError(
            f"rule {text!r} has one group; join at least two groups of terms with ' + ' "
            "(e.g. 'journey|flow + customer|user')"
        )
    groups = []
    for part in parts:
        terms = [t.split() for t in part.split("|")]
        if not part or any(not words for words in terms):
            raise RuleSyntaxError(f"rule {text!r} has an empty group or term: remove the extra '|' or '+'")
        groups.append(terms)
    return groups


def _check_word(word: str, rule: str) -> None:
    if not _WORD.match(word) or "*" in word[:-1]:
        raise RuleSyntaxError(
            f"rule {rule!r}: {word!r} is not a word; use letters, digits and at most one '*' at the end"
        )
    if word == _NUMBER:
        return
    if word.endswith("*"):
        if not _STARRED.match(word) or len(word) - 1 < MIN_PREFIX_LETTERS:
            raise RuleSyntaxError(
                f"rule {rule!r}: {word!r} needs at least {MIN_PREFIX_LETTERS} letters before '*' "
                "(shorter prefixes match unrelated words)"
            )
    elif not any(c.isalnum() or c in _SYMBOLS for c in word):
        raise RuleSyntaxError(f"rule {rule!r}: {word!r} has no letters or digits")


def check_rule(text: str) -> None:
    """Raise :class:`RuleSyntaxError` (with the fix) if ``text`` is not a rule. Syntax only, so a bank of
    hundreds of rules loads fast; :func:`compile_rule` does the tokenizing when a question is first scored."""
    for group in _split(text):
        for words in group:
            for word in words:
                _check_word(word, text)


@lru_cache(maxsize=8192)
def _word_tokens(word: str) -> tuple[Token, ...]:
    """One word of a rule, tokenized once: rules share most of their words."""
    return tuple(tokenize(word))


def _compile_term(words: list[str]) -> _Term:
    keys: list[str] = []
    prefixes: list[str] = []
    for n, word in enumerate(words):
        if n and words[n - 1] == _NUMBER and not word.endswith("*"):
            # Read as a transcript reads a word after a figure ("ten times" -> "10 x", "5 s" -> seconds).
            for token in _word_tokens(f"2 {word}")[1:]:
                keys.append(token.key)
                prefixes.append("")
        elif word == _NUMBER:
            keys.append("")
            prefixes.append(_NUMBER)
        elif word.endswith("*"):
            keys.append("")
            prefixes.append(word[:-1].lower())
        else:
            for token in _word_tokens(word):
                keys.append(token.key)
                prefixes.append("")
    return _Term(" ".join(words), tuple(keys), tuple(prefixes))


@lru_cache(maxsize=4096)
def compile_rule(text: str) -> ConceptRule:
    """Parse and compile a rule (see the module docstring). Raises :class:`RuleSyntaxError` with the fix."""
    check_rule(text)
    groups = tuple(tuple(_compile_term(words) for words in group) for group in _split(text))
    return ConceptRule(text.strip(), groups)


def _term_hits(term: _Term, index: Index) -> list[Hit]:
    if not any(term.prefixes):
        return sequence_hits(term.keys, index)
    # A term with starred words: positions of each word, then the words in order within one sentence, as
    # sequence_hits finds plain words, but with at most STARRED_GAP tokens between them: a starred word
    # stands for many words, so a looser gap would join words that do not belong together.
    per_word: list[list[int]] = []
    for key, prefix in zip(term.keys, term.prefixes, strict=True):
        if prefix == _NUMBER:
            per_word.append(
                index.memo(_NUMBER, lambda: [i for i, t in enumerate(index.tokens) if _is_figure(t)])
            )
        elif prefix:
            per_word.append(index.with_prefix(prefix))
        else:
            per_word.append(index.by_key.get(key, []))
    out = []
    for start in per_word[0]:
        pos = start
        for positions in per_word[1:]:
            k = bisect.bisect_right(positions, pos)
            if k == len(positions) or positions[k] > pos + 1 + STARRED_GAP:
                break
            if index.sentence[positions[k]] != index.sentence[start]:
                break
            pos = positions[k]
        else:
            out.append(Hit(start, pos, "concept"))
    return out


def _is_figure(token: Token) -> bool:
    """A number that states a figure: "99.9", "fifteen", "30th"; not the words "one" ("one of the
    things"), "zero" or "first"/"second" ("first we..."), which are almost never figures in speech."""
    if token.kind == "number":
        return not (token.spoken and token.norm in ("0", "1"))
    return token.kind == "ordinal" and not token.spoken


def _group_hits(group: Sequence[_Term], index: Index) -> list[tuple[Hit, str]]:
    found = [(hit, term.text) for term in group for hit in _term_hits(term, index)]
    found.sort(key=lambda f: (f[0].first, f[0].last))
    return found


def match_rule(rule: ConceptRule, index: Index) -> ConceptHit | None:
    """The tightest place where every group of ``rule`` is said within its span (earliest on ties)."""
    per_group = []
    for group in rule.groups:
        hits = _group_hits(group, index)
        if not hits:
            return None  # most rules fail here, before the costlier search for a span
        per_group.append(hits)
    firsts = [[h.first for h, _ in hits] for hits in per_group]
    best: tuple[int, int, list[tuple[Hit, str]]] | None = None
    budget = [SEARCH_STEPS]
    for g, hits in enumerate(per_group):
        for anchor in hits:
            if budget[0] <= 0:
                break
            chosen = _fill(anchor, g, per_group, firsts, rule.span_limit, index.sentence, budget)
            if chosen is None:
                continue
            first = min(h.first for h, _ in chosen)
            last = max(h.last for h, _ in chosen)
            if best is None or (last - first, first) < (best[1] - best[0], best[0]):
                best = (first, last, chosen)
    if best is None:
        return None
    first, last, chosen = best
    terms, parts = tuple(term for _, term in chosen), tuple(hit for hit, _ in chosen)
    return ConceptHit(Hit(first, last, "concept"), terms, parts)


def _fill(
    anchor: tuple[Hit, str],
    anchor_group: int,
    per_group: list[list[tuple[Hit, str]]],
    firsts: list[list[int]],
    limit: int,
    sentence: Sequence[int],
    budget: list[int],
) -> list[tuple[Hit, str]] | None:
    """With ``anchor`` as the leftmost term, one term of every other group after it, on other words, in
    the same sentence and within ``limit`` tokens: the combination that ends earliest, or None.

    Every group's candidates are tried in order (a small search: a rule has a few groups and the span a
    few words), so a term that takes a word another group needs ("from 50" and "from 50 to 20") does not
    hide a combination that works. Each step spends one of ``budget`` (:data:`SEARCH_STEPS`)."""
    start = anchor[0].first
    if sentence[anchor[0].last] != sentence[start]:
        return None
    options: dict[int, list[tuple[Hit, str]]] = {}
    for g, hits in enumerate(per_group):
        if g == anchor_group:
            continue
        k = bisect.bisect_left(firsts[g], start)
        near = []
        while (
            k < len(hits) and hits[k][0].last - start < limit and sentence[hits[k][0].last] == sentence[start]
        ):
            near.append(hits[k])
            k += 1
        if not near:
            return None
        options[g] = near

    best: list[tuple[int, tuple[Hit, str]]] | None = None
    best_end = start + limit

    def search(groups: list[int], chosen: list[tuple[int, tuple[Hit, str]]]) -> None:
        nonlocal best, best_end
        if budget[0] <= 0:
            return
        budget[0] -= 1
        end = max(c[0].last for _, c in chosen)
        if end >= best_end:
            return  # cannot beat what was found (or lies beyond the span)
        if not groups:
            best, best_end = list(chosen), end
            return
        for candidate in options[groups[0]]:
            if budget[0] <= 0:
                return
            hit = candidate[0]
            if all(hit.last < c[0].first or hit.first > c[0].last for _, c in chosen):
                search(groups[1:], [*chosen, (groups[0], candidate)])

    search(sorted(options), [(anchor_group, anchor)])
    return None if best is None else [c for _, c in sorted(best, key=lambda gc: gc[0])]
