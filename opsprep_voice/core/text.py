"""Text normalisation for scoring: a tokenizer whose tokens remember where they came from.

Every :class:`Token` keeps its character span in the text it was read from, so a checklist hit or a
figure found in a transcript points back to the text (and, via ``Transcript.time_of_span``, to a time).

What the tokenizer makes equal (both in transcripts and in checklist phrases, so they meet in the middle):

* case, punctuation and hyphens: ``"30-day"`` -> ``30 day``, ``"Blue-Green"`` -> ``blue green``;
* numbers, written or spoken (read by :mod:`opsprep_voice.core.numbers`): ``"five minutes"`` -> ``5 minute``;
  ``"ninety-nine point nine percent"`` and ``"99.9%"`` -> ``99.9 percent``; ``"1,000"`` -> ``1000``; ordinals
  ``"ninety-fifth"`` -> ``95th``;
* units: ``%``/``per cent`` -> ``percent``; ``ms``/``millisecond(s)`` -> ``ms``; ``sec``/``secs`` ->
  ``second``; ``min``/``mins`` -> ``minute``; ``hr``/``hrs`` -> ``hour``; ``10x``/``ten times`` -> ``10 x``;
* percentiles: ``p95``, ``P 95``, ``p ninety five``, ``95th percentile`` -> ``p95``;
* spelled-out letters: ``"S L O"``, ``"s.l.o."`` -> ``slo`` (a run of two or more single letters);
* inflection: each word's :attr:`Token.key` is its Snowball (Porter2) English stem.
"""

from __future__ import annotations

import bisect
import logging
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal, NamedTuple

import snowballstemmer

from opsprep_voice.core.numbers import NUMBER_WORDS, SCALES, digits_value, format_number, parse_spoken_number
from opsprep_voice.core.transcript import Transcript

logger = logging.getLogger(__name__)

TokenKind = Literal["word", "number", "ordinal", "acronym", "symbol"]


class Token(NamedTuple):
    """One normalised token.

    ``norm`` is the canonical form (lower-case word, ``"99.9"``, ``"95th"``, ``"p95"``, ``"percent"``);
    ``key`` is what matching compares (the stem of ``norm`` in American spelling for words, ``norm``
    otherwise);
    ``letters`` is ``norm`` in American spelling without apostrophes, used when words are joined (``run
    book`` ~ ``runbook``) and by starred rule words;
    ``start``/``end`` is the span in the source text (``text[start:end]`` is the surface form).
    ``spoken`` is True for numbers written as words (``"five"``), False for digits.
    """

    norm: str
    key: str
    letters: str
    start: int
    end: int
    kind: TokenKind
    spoken: bool = False


# A snowballstemmer stemmer keeps the word it works on in its own fields, so one shared between threads
# (scoring warm-up, the transcription task building its prompt, live feedback) mixes their words up and
# fails with IndexError: each thread gets its own.
_STEMMERS = threading.local()


def _stemmer() -> Any:
    found = getattr(_STEMMERS, "english", None)
    if found is None:
        found = _STEMMERS.english = snowballstemmer.stemmer("english")
    return found


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball English stem of a lower-case word (cached: transcripts repeat words a lot). Thread-safe."""
    return str(_stemmer().stemWord(word))


# Pieces: names with digits after letters ("EC2", "S3", "k8s", "p95": one word, so "EC2" is neither
# "ECS" nor the figure 2), words (with inner apostrophes), numbers (thousands commas, decimals), symbols.
_PIECE = re.compile(
    r"[pP]\d+\.\d+(?![^\W_])|[^\W\d_]+\d[^\W_]*|[^\W\d_]+(?:'[^\W\d_]+)*|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|[%$€£]"
)
_LETTER_RUN_GAP = re.compile(r"[\s./]*")
#: Whisper writes a half-spelled acronym with a hyphen: "S-BOM", "s -bom" (SBOM).
_LETTER_HYPHEN_GAP = re.compile(r"\s*-\s*")
_ACRONYM_PLURAL = re.compile(r"[A-Z]{2,5}s")  # "SLOs", "RPOs", "VMs": the stemmer would keep the "s"
#: The same plurals typed in lower case ("slis", "slos"), which the pattern above cannot tell from words:
#: the field's acronyms, listed, since the stemmer keeps their "s" and "slis" would never meet "SLI".
_LOWER_ACRONYM_PLURALS = frozenset({
    "slis", "slos", "slas", "kpis", "okrs", "rpos", "rtos", "mttrs", "vms", "vpcs", "vpns", "cdns",
    "apis", "amis", "prs", "cves", "sboms", "sres", "dbs", "acls", "iams", "adrs", "rfcs",
})  # fmt: skip

# Unit spellings -> one canonical word ("s"/"h"/"x"/"k" only when glued to a number, as in "5s", "10x").
# "second" is never read as an ordinal: "thirty second timeout" is about seconds far more often.
_UNIT_CANON = {
    "%": "percent",
    "pct": "percent",
    "ms": "ms",
    "msec": "ms",
    "msecs": "ms",
    "millisecond": "ms",
    "milliseconds": "ms",
    "sec": "second",
    "secs": "second",
    "seconds": "second",
    "min": "minute",
    "mins": "minute",
    "minutes": "minute",
    "hr": "hour",
    "hrs": "hour",
    "hours": "hour",
}
_AFTER_NUMBER_CANON = {"s": "second", "h": "hour", "times": "x"}
_ORDINAL_SUFFIX = {"st", "nd", "rd", "th"}


@dataclass(slots=True)
class _Piece:
    text: str  # lower-case surface
    start: int
    end: int
    glued: bool  # no character between this piece and the previous one


def _pieces(text: str) -> list[_Piece]:
    out: list[_Piece] = []
    prev_end = -1
    low = text.lower().replace("’", "'")
    if len(low) != len(text):  # a few characters change length when lower-cased: keep spans exact
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text).replace("’", "'")
    for m in _PIECE.finditer(low):
        start, end = m.span()
        out.append(_Piece(m.group(), start, end, start == prev_end))
        prev_end = end
    return out


# British spellings -> the American ones the checklists are written in ("utilisation", "behaviour",
# "centre", "analysed"): the stemmer keeps them apart. An ending is swapped only when the word is not an
# everyday American word and its swap is ("promise", "expertise" stay); "-isation" and "-ise" verbs of the
# trade that no list knows ("containerise", "standardisation") are swapped anyway.
_BRITISH_ENDINGS = (
    ("isation", "ization"), ("isations", "izations"), ("ise", "ize"), ("ised", "ized"), ("ises", "izes"),
    ("ising", "izing"), ("iser", "izer"), ("isers", "izers"), ("yse", "yze"), ("ysed", "yzed"),
    ("ysing", "yzing"), ("our", "or"), ("ours", "ors"), ("tre", "ter"), ("tres", "ters"), ("ence", "ense"),
    ("amme", "am"), ("ammes", "ams"),
)  # fmt: skip
_ALWAYS_SWAPPED = ("isation", "isations", "ise", "ised", "ises", "ising")


def american(norm: str) -> str:
    """``norm`` in American spelling if it is a British spelling of a word (see above), else ``norm``."""
    from opsprep_voice.core.phrases import is_common_word  # phrases builds on this module

    if len(norm) < 6 or is_common_word(norm):
        return norm
    for british, us in _BRITISH_ENDINGS:
        if norm.endswith(british):
            swapped = norm[: -len(british)] + us
            if is_common_word(swapped) or (british in _ALWAYS_SWAPPED and len(norm) - len(british) >= 4):
                return swapped
    return norm


@lru_cache(maxsize=65536)
def _word_forms(norm: str) -> tuple[str, str]:
    us = american(norm)  # the key and the letters (which starred rule words match) both
    return stem(us), us.replace("'", "")


def _word_token(norm: str, start: int, end: int) -> Token:
    key, letters = _word_forms(norm)
    return Token(norm, key, letters, start, end, "word")


def time_of_span(transcript: Transcript, start: int, end: int) -> tuple[float, float] | None:
    """Like ``Transcript.time_of_span`` but by binary search (fast for long transcripts)."""
    spans = transcript.word_spans()
    if not spans:
        return None
    ends = _span_ends(transcript)
    first = bisect.bisect_right(ends, start)
    if first >= len(spans) or spans[first][0] >= end:
        return None
    last = first
    while last + 1 < len(spans) and spans[last + 1][0] < end:
        last += 1
    return transcript.words[first].start, transcript.words[last].end


def _span_ends(transcript: Transcript) -> list[int]:
    key = id(transcript)
    cached = _ENDS_CACHE.get(key)
    if cached is not None and cached[0] is transcript:
        return cached[1]
    ends = [e for _, e in transcript.word_spans()]
    if len(_ENDS_CACHE) > 8:
        _ENDS_CACHE.clear()
    _ENDS_CACHE[key] = (transcript, ends)
    return ends


_ENDS_CACHE: dict[int, tuple[Transcript, list[int]]] = {}


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into normalised tokens with character spans into ``text``."""
    pieces = _pieces(text)
    words = [p.text for p in pieces]
    tokens: list[Token] = []
    i = 0
    n = len(pieces)
    while i < n:
        p = pieces[i]
        w = p.text
        # Numbers written with digits ("99.9", "1,000", "95th", "2 million"). Decimal digits only (as the
        # piece pattern's \d): "²" is a digit to isdigit() but not to int(); it stays a word.
        if w[0].isdecimal():
            value = digits_value(w)
            end = p.end
            j = i + 1
            if j < n and pieces[j].glued and pieces[j].text in _ORDINAL_SUFFIX and "." not in value:
                tokens.append(
                    Token(value + "th", value + "th", value + "th", p.start, pieces[j].end, "ordinal")
                )
                i = j + 1
                continue
            if j < n and pieces[j].text in SCALES:
                value = format_number(float(value) * SCALES[pieces[j].text])
                end = pieces[j].end
                j += 1
            tokens.append(Token(value, value, value, p.start, end, "number"))
            i = j
            continue
        # Numbers spelled in words ("ninety-nine point nine", "ninety-fifth").
        if w in NUMBER_WORDS:
            parsed = parse_spoken_number(words, i)
            if parsed is not None:
                used, value, ordinal = parsed
                end = pieces[i + used - 1].end
                if ordinal:
                    norm = value + "th"
                    tokens.append(Token(norm, norm, norm, p.start, end, "ordinal", spoken=True))
                else:
                    tokens.append(Token(value, value, value, p.start, end, "number", spoken=True))
                i += used
                continue
        # "per cent" -> percent.
        if w == "per" and i + 1 < n and pieces[i + 1].text == "cent":
            tokens.append(_word_token("percent", p.start, pieces[i + 1].end))
            i += 2
            continue
        # Spelled-out letters: "S L O", "s.l.o.", "A/B" -> one acronym token.
        if len(w) == 1 and w.isalpha() and not p.glued:  # not the "k" of "5k"
            j = i + 1
            while (
                j < n
                and len(pieces[j].text) == 1
                and pieces[j].text.isalpha()
                and _LETTER_RUN_GAP.fullmatch(text, pieces[j - 1].end, pieces[j].start)
            ):
                j += 1
            if j - i >= 2:
                acronym = "".join(q.text for q in pieces[i:j])
                tokens.append(Token(acronym, acronym, acronym, p.start, pieces[j - 1].end, "acronym"))
                i = j
                continue
            # A letter hyphenated to a short word: "S-BOM" -> "sbom" (not "a-", "I-": real words).
            nxt = pieces[i + 1] if i + 1 < n else None
            if (
                nxt is not None
                and w not in ("a", "i")
                and 2 <= len(nxt.text) <= 3
                and nxt.text.isalpha()
                and _LETTER_HYPHEN_GAP.fullmatch(text, p.end, nxt.start)
            ):
                acronym = w + nxt.text
                tokens.append(Token(acronym, acronym, acronym, p.start, nxt.end, "acronym"))
                i += 2
                continue
        if w in ("$", "€", "£"):
            tokens.append(Token(w, w, w, p.start, p.end, "symbol"))
            i += 1
            continue
        prev = tokens[-1] if tokens else None
        after_number = prev is not None and prev.kind == "number" and prev.end <= p.start
        canon = _UNIT_CANON.get(w)
        if canon is None and (w in _LOWER_ACRONYM_PLURALS or _ACRONYM_PLURAL.fullmatch(text, p.start, p.end)):
            canon = w[:-1]
        if canon is None and after_number and w in _AFTER_NUMBER_CANON and (p.glued or w == "times"):
            canon = _AFTER_NUMBER_CANON[w]
        if canon is None and after_number and p.glued and w in ("x", "k"):
            canon = w
        tokens.append(_word_token(canon or w, p.start, p.end))
        i += 1
    return _percentiles(tokens)


def _percentiles(tokens: list[Token]) -> list[Token]:
    """Merge ``p`` + number and ordinal + ``percentile`` into one ``pNN`` token."""
    out: list[Token] = []
    i = 0
    n = len(tokens)
    while i < n:
        t = tokens[i]
        nxt = tokens[i + 1] if i + 1 < n else None
        if (
            t.norm == "p"
            and nxt is not None
            and nxt.kind == "number"
            and nxt.norm.replace(".", "").isdigit()
            and float(nxt.norm) <= 100
        ):
            norm = "p" + nxt.norm
            out.append(Token(norm, norm, norm, t.start, nxt.end, "word"))
            i += 2
            continue
        if t.kind == "ordinal" and nxt is not None and nxt.norm in ("percentile", "percentiles"):
            norm = "p" + t.norm[:-2]
            out.append(Token(norm, norm, norm, t.start, nxt.end, "word"))
            i += 2
            continue
        out.append(t)
        i += 1
    return out


def normalize(text: str) -> str:
    """The matching keys of ``text`` joined by spaces (handy for tests and debugging)."""
    return " ".join(t.key for t in tokenize(text))
