"""Delivery metrics of a spoken answer: pace, fillers, pauses, figures and (for behavioural questions) STAR.

Everything works on a :class:`Transcript`. With word timings you also get pace, pauses and times of each
filler; a text-only transcript still gives the word count, fillers, figures and STAR.

Pace (``wpm``) is words per *spoken* minute: the denominator is the time from the start of the first word
to the end of the last word (leading and trailing silence excluded, pauses inside the answer included).
Without word timings it falls back to ``duration_s`` (the audio length), and is None if that is 0 or no
word was heard.
Fillers per minute use the same denominator. Whisper tends to drop "um"/"uh", so filler counts from
Whisper transcripts are a lower bound.

The module reads better whole: every metric is one short section over the same transcript and tokens, and
:func:`delivery_metrics` gathers them into the one :class:`DeliveryMetrics` record the scorer keeps (the
scorer imports these names from here).
"""

from __future__ import annotations

import bisect
import itertools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

from opsprep_voice.core.text import Token, time_of_span, tokenize
from opsprep_voice.core.transcript import Transcript

logger = logging.getLogger(__name__)

WpmBand = Literal["slow", "comfortable", "fast"]
SLOW_BELOW_WPM = 130.0
FAST_ABOVE_WPM = 160.0
LONG_PAUSE_S = 2.0
FILLER_PAUSE_S = 0.5
"""A "like" followed by at least this much silence is a filler ("it was like ... the database")."""


@dataclass(frozen=True, slots=True)
class Filler:
    text: str
    char_start: int
    char_end: int
    start: float | None = None
    end: float | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "char_start": self.char_start,
            "char_end": self.char_end,
            "start": None if self.start is None else round(self.start, 3),
            "end": None if self.end is None else round(self.end, 3),
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Filler:
        start, end = data.get("start"), data.get("end")
        return cls(
            str(data["text"]),
            int(data["char_start"]),  # type: ignore[call-overload]
            int(data["char_end"]),  # type: ignore[call-overload]
            None if start is None else float(start),  # type: ignore[arg-type]
            None if end is None else float(end),  # type: ignore[arg-type]
        )


@dataclass(frozen=True, slots=True)
class Pause:
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start

    def to_dict(self) -> dict[str, float]:
        return {"start": round(self.start, 3), "end": round(self.end, 3), "duration": round(self.duration, 3)}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Pause:
        return cls(float(data["start"]), float(data["end"]))  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Figure:
    text: str
    char_start: int
    char_end: int

    def to_dict(self) -> dict[str, object]:
        return {"text": self.text, "char_start": self.char_start, "char_end": self.char_end}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Figure:
        return cls(str(data["text"]), int(data["char_start"]), int(data["char_end"]))  # type: ignore[call-overload]


@dataclass(frozen=True, slots=True)
class StarCheck:
    """Situation, Task/Action, Result found? ``measurable_result``: a figure appears in the result part."""

    situation: bool
    task_action: bool
    result: bool
    measurable_result: bool
    hint: str

    def to_dict(self) -> dict[str, object]:
        return {
            "situation": self.situation,
            "task_action": self.task_action,
            "result": self.result,
            "measurable_result": self.measurable_result,
            "hint": self.hint,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> StarCheck:
        return cls(
            bool(data["situation"]),
            bool(data["task_action"]),
            bool(data["result"]),
            bool(data["measurable_result"]),
            str(data["hint"]),
        )


@dataclass(frozen=True, slots=True)
class DeliveryMetrics:
    duration_s: float
    word_count: int
    speaking_s: float | None
    wpm: float | None
    wpm_band: WpmBand | None
    fillers: tuple[Filler, ...]
    fillers_per_min: float | None
    long_pauses: tuple[Pause, ...]
    time_to_first_word_s: float | None
    figures: tuple[Figure, ...]


def wpm_band(wpm: float | None) -> WpmBand | None:
    """ "slow" below 130 wpm, "comfortable" 130-160, "fast" above 160."""
    if wpm is None:
        return None
    if wpm < SLOW_BELOW_WPM:
        return "slow"
    if wpm > FAST_ABOVE_WPM:
        return "fast"
    return "comfortable"


# ---------------------------------------------------------------- fillers

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_ALWAYS = frozenset(
    {"um", "umm", "uh", "uhh", "uhm", "erm", "er", "ah", "hmm", "mm", "basically", "actually"}
)
_BE = frozenset(
    {"was", "were", "is", "am", "are", "it's", "i'm", "he's", "she's", "we're", "they're", "that's"}
)
_QUOTE_START = frozenset(
    {"i", "we", "you", "he", "she", "they", "okay", "ok", "oh", "so", "well", "wow", "no", "yes"}
)
_KIND_DETERMINERS = frozenset(
    {"a", "an", "the", "this", "that", "what", "which", "some", "any", "every", "one", "each", "same", "our"}
)
_YOU_KNOW_NOT_AFTER = frozenset(
    {"do", "did", "does", "don't", "didn't", "if", "whether", "would", "could", "you"}
)
_I_MEAN_NOT_BEFORE = frozenset({"that", "to", "it", "what"})


class _W(NamedTuple):
    low: str
    start: int
    end: int


def _gap_after(transcript: Transcript, char_end: int) -> float | None:
    """Silence between the word ending at ``char_end`` and the next word (None without timings)."""
    if not transcript.has_timings:
        return None
    idx = transcript.word_index_at(char_end - 1)
    if idx is None or idx + 1 >= len(transcript.words):
        return None
    return transcript.words[idx + 1].start - transcript.words[idx].end


def find_fillers(transcript: Transcript) -> tuple[Filler, ...]:
    """Filler words and phrases, with spans and (when timed) times.

    Always fillers: um, uh, er, ah, hmm, basically, actually. "you know" unless asked ("do you know",
    "if you know"); "I mean" unless followed by that/to/it/what; "sort of"/"kind of" unless after a
    determiner ("a kind of cache", "what sort of"). "like" only when it is a filler: followed by a comma or
    "..." ("it's like, we"), followed by a pause of 0.5 s or more, next to another filler ("um like"),
    or quotative after a form of "be" ("I was like we need to roll back"). Not: "I'd like to", "looks
    like", "like Grafana", "it's like a cache".
    """
    text = transcript.text
    words = [_W(m.group().lower().replace("’", "'"), m.start(), m.end()) for m in _WORD.finditer(text)]
    found: list[tuple[int, int]] = []
    n = len(words)
    i = 0
    while i < n:
        w = words[i]
        prev = words[i - 1].low if i > 0 else ""
        nxt = words[i + 1].low if i + 1 < n else ""
        two_word = (
            (w.low == "you" and nxt == "know" and prev not in _YOU_KNOW_NOT_AFTER)
            or (w.low == "i" and nxt == "mean" and _i_mean_is_filler(text, words, i))
            or (w.low in ("sort", "kind") and nxt == "of" and prev not in _KIND_DETERMINERS)
        )
        if two_word:
            found.append((w.start, words[i + 1].end))
            i += 2
            continue
        if w.low in _ALWAYS or (w.low == "like" and _like_is_filler(transcript, words, i)):
            found.append((w.start, w.end))
        i += 1
    out = []
    for start, end in found:
        times = time_of_span(transcript, start, end)
        out.append(Filler(text[start:end], start, end, *(times or (None, None))))
    return tuple(out)


def _i_mean_is_filler(text: str, words: Sequence[_W], i: int) -> bool:
    if text[words[i + 1].end : words[i + 1].end + 1] == ",":
        return True
    return i + 2 >= len(words) or words[i + 2].low not in _I_MEAN_NOT_BEFORE


def _like_is_filler(transcript: Transcript, words: Sequence[_W], i: int) -> bool:
    text = transcript.text
    w = words[i]
    after = text[w.end : w.end + 3]
    if after.startswith((",", "…", "...", " -")):
        return True
    prev = words[i - 1].low if i > 0 else ""
    nxt = words[i + 1].low if i + 1 < len(words) else ""
    if prev in _ALWAYS or nxt in _ALWAYS or nxt == "like":
        return True
    if prev in _BE and nxt in _QUOTE_START:
        return True
    gap = _gap_after(transcript, w.end)
    return gap is not None and gap >= FILLER_PAUSE_S


# ---------------------------------------------------------------- pauses


def find_long_pauses(transcript: Transcript, threshold_s: float = LONG_PAUSE_S) -> tuple[Pause, ...]:
    """Silences longer than ``threshold_s`` between consecutive timed words."""
    words = transcript.words
    return tuple(Pause(a.end, b.start) for a, b in itertools.pairwise(words) if b.start - a.end > threshold_s)


# ---------------------------------------------------------------- figures

_FIGURE_UNITS = frozenset(
    {
        "percent", "ms", "second", "seconds", "minute", "minutes", "hour", "hours", "day", "days", "week",
        "weeks", "month", "months", "year", "years", "x", "k", "times", "dollar", "dollars", "euro", "euros",
        "pound", "pounds", "gb", "tb", "mb", "rps", "qps", "rpm", "nines", "engineers", "people", "servers",
        "services", "requests", "users", "customers", "incidents", "pages", "alerts", "deploys",
        "deployments", "releases", "nodes", "clusters", "am", "pm", "hundred", "thousand", "million",
        "billion",
    }
)  # fmt: skip
_CURRENCY = frozenset({"$", "€", "£"})


def find_figures(text: str, tokens: Sequence[Token] | None = None) -> tuple[Figure, ...]:
    """Numbers that carry information: digits, percentages, durations, "p95", "10x", money, "24/7".

    A number written with digits always counts (with its unit or currency sign included in the span).
    A number spoken in words counts when a unit follows ("five minutes", "sixty percent") or it is 10 or
    more or a decimal; a bare "one"/"two" ("one of the things") does not. Ordinals ("first") do not.
    """
    toks = tokenize(text) if tokens is None else tokens
    out: list[Figure] = []
    i = 0
    n = len(toks)
    while i < n:
        t = toks[i]
        start, end = t.start, t.end
        if t.kind == "word" and re.fullmatch(r"p\d+(?:\.\d+)?", t.norm):
            out.append(Figure(text[start:end], start, end))
            i += 1
            continue
        if t.kind != "number":
            i += 1
            continue
        j = i + 1  # the token after the figure
        if j < n and toks[j].kind == "number" and text[end : toks[j].start] == "/":
            end = toks[j].end  # "24/7", "50/50": one figure, not two
            j += 1
        has_unit = j < n and toks[j].norm in _FIGURE_UNITS
        if has_unit:
            end = toks[j].end
            j += 1
        if i > 0 and toks[i - 1].norm in _CURRENCY and toks[i - 1].end == t.start:
            start = toks[i - 1].start
            has_unit = True
        if not t.spoken or has_unit or "." in t.norm or float(t.norm) >= 10:
            out.append(Figure(text[start:end], start, end))
        i = j
    return tuple(out)


# ---------------------------------------------------------------- STAR

_SENTENCE = re.compile(r"[^.!?;]+[.!?;]*")
_SITUATION = re.compile(
    r"\b(at my (last|previous|current|old) (job|company|role|employer|startup)"
    r"|at (a|an|my|our) \w+ (startup|company)"
    r"|in my (last|previous|current|old) (job|role|position|team)|we had|there was|there were|we were"
    r"|our (team|service|platform|product|company|system|database|cluster)"
    r"|the situation|the context|background"
    r"|(a|two|three|few|couple of) (years?|months?|weeks?) ago|last (year|month|quarter)|back (in|when)"
    r"|when i (was|joined)|i was working|i joined)\b",
)
_ACTION = re.compile(
    r"\b(i|we) (\w+ )?(led|decided|built|set up|introduced|implemented|created|wrote|organi[sz]ed|started|"
    r"proposed|moved|paired|automated|ran|drove|designed|added|rolled|migrated|took|owned|reached|"
    r"split|scoped|cut|made|worked|focused|pulled|coordinated|triaged|declared|mitigated|fixed|"
    r"communicated|prioriti[sz]ed|put|asked|changed|replaced|tested|shipped|wrote|documented|"
    r"mentored|coached|handled|used|spun|opened|traced|profiled|found|identified|analy[sz]ed|"
    r"had to|needed to|was responsible|was asked|was tasked|volunteered|stepped)\b"
    r"|\bmy (task|job|role|goal|responsibility) was\b|\b(first|then|next),? (i|we)\b",
)
_RESULT = re.compile(
    r"\b(as a result|the result|results?|outcome|in the end|ended up|end result|afterwards|since then|"
    r"reduced|cut|improved|increased|decreased|dropped|saved|went (from|down|up)|down from|up from|"
    r"shipped|delivered|launched|on time|met the|hit the|resolved|restored|recovered|achieved|lowered|"
    r"halved|doubled|fell|faster|lesson|learned|learnt|takeaway)\b",
)


def star_check(text: str, tokens: Sequence[Token] | None = None) -> StarCheck:
    """Check a behavioural answer for Situation, Task/Action and Result, by sentence cue phrases.

    The result part runs from the first sentence with a result cue to the end; the result is measurable
    only when a figure (:func:`find_figures`) lies in that part.
    """
    low = text.lower()
    situation = _SITUATION.search(low) is not None
    action = _ACTION.search(low) is not None
    result_start: int | None = None
    sentence_starts = [m.start() for m in _SENTENCE.finditer(low) if m.group().strip()]
    for m in _RESULT.finditer(low):
        start = sentence_starts[bisect.bisect_right(sentence_starts, m.start()) - 1] if sentence_starts else 0
        if start > 0 or len(sentence_starts) == 1:  # the opening sentence sets the scene, it is no result
            result_start = start
            break
    result = result_start is not None
    measurable = False
    if result_start is not None:
        figures = find_figures(text, tokens)
        measurable = any(f.char_start >= result_start for f in figures)
    if not situation:
        hint = "Set the scene first: where you were, what was at stake (Situation)."
    elif not action:
        hint = "Say what you did yourself: 'I decided...', 'I led...' (Task/Action)."
    elif not result:
        hint = "Close with the Result: what changed because of what you did."
    elif not measurable:
        hint = "Put a number on the result, e.g. 'cut p95 from 800 ms to 300 ms' or 'pages fell by 60%'."
    else:
        hint = "Full STAR with a measurable result."
    return StarCheck(situation, action, result, measurable, hint)


# ---------------------------------------------------------------- all together


def count_words(text: str) -> int:
    """Whitespace-separated items that contain a letter or digit."""
    return sum(1 for w in text.split() if any(c.isalnum() for c in w))


def delivery_metrics(transcript: Transcript, tokens: Sequence[Token] | None = None) -> DeliveryMetrics:
    """All delivery metrics of one transcript (``tokens`` may be passed in to avoid re-tokenizing)."""
    text = transcript.text
    toks = tokenize(text) if tokens is None else tokens
    word_count = count_words(text)
    speaking_s: float | None = None
    first: float | None = None
    if transcript.has_timings:
        first = transcript.words[0].start
        speaking_s = max(0.0, transcript.words[-1].end - first)
    elif transcript.duration_s > 0:
        speaking_s = transcript.duration_s
    # No words, no pace: an answer with no speech in it is "no speech heard", not "0 words/min, slow".
    minutes = speaking_s / 60 if speaking_s and word_count else None
    wpm = round(word_count / minutes, 1) if minutes else None
    fillers = find_fillers(transcript)
    return DeliveryMetrics(
        duration_s=transcript.duration_s,
        word_count=word_count,
        speaking_s=speaking_s,
        wpm=wpm,
        wpm_band=wpm_band(wpm),
        fillers=fillers,
        fillers_per_min=round(len(fillers) / minutes, 2) if minutes else None,
        long_pauses=find_long_pauses(transcript),
        time_to_first_word_s=first,
        figures=find_figures(text, toks),
    )
