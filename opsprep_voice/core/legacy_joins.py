"""Stored transcripts written before Whisper's word pieces were joined as written text, repaired.

Those transcripts put a space before every piece: "99 .9 %", "point -in -time", "it 's". Their stored words
were stripped of the leading space that told a continuation piece apart, so which pieces continue the word
before is recovered from the pieces themselves, by the cases Whisper writes as continuations:

- a decimal or thousands part after a digit: ".9" after "99", ",000" after "1";
- a hyphenated part after a word: "-in" after "point", "-time" after "-in";
- a contraction after a word: "'s", "'t", "'re", "'ve", "'ll", "'d", "'m".

Only a transcript none of whose words says ``joined`` is repaired: the code that joins pieces marks every
continuation it writes, and nearly every answer has one ("it's", "don't"), while a piece it kept apart
(" -v" in "grep -v", " -5") must stay apart. And a piece is repaired only when the stored text is exactly
the old space-joined words, so text that was written some other way is left alone. Scores are kept as they
were given: the checklist's hits and the coverage are not re-scored. What quotes the text follows it:
character spans of evidence and fillers move with the removed spaces, an evidence quote and its "why"
sentence read the joined text, and the figures mentioned are found again in the joined text ("99.9 %"
once, not "99" and "9 %"). Pure: the history
migration that runs this once (storage.migrations v4) passes the stored JSON in and writes what comes back.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from opsprep_voice.core.metrics import find_figures

_DECIMAL = re.compile(r"[.,]\d")
_HYPHENATED = re.compile(r"-\w")
_CONTRACTION = re.compile(r"'(?:s|t|re|ve|ll|d|m)$", re.IGNORECASE)


def continues(previous: str, piece: str) -> bool:
    """Whether ``piece`` was written straight after ``previous`` (no space) in Whisper's text."""
    if not previous or not piece:
        return False
    last = previous[-1]
    if _DECIMAL.match(piece):
        return last.isdigit()
    if _HYPHENATED.match(piece):
        return last.isalnum()
    if _CONTRACTION.match(piece):
        return last.isalpha()
    return False


def _repaired_words(words: object) -> tuple[list[dict[str, Any]], list[bool]] | None:
    """The stored words with ``joined`` set where a piece continues the previous word, and which of them
    changed; None when none did (or the list cannot be read)."""
    if not isinstance(words, list) or not all(isinstance(w, Mapping) for w in words):
        return None
    if any("joined" in w for w in words):
        return None  # written by the code that joins pieces: its separate pieces were written apart
    out = [dict(w) for w in words]
    changed = [False] * len(out)
    for i in range(1, len(out)):
        piece, previous = str(out[i].get("word", "")).strip(), str(out[i - 1].get("word", "")).strip()
        if continues(previous, piece):
            out[i]["joined"] = True
            changed[i] = True
    return (out, changed) if any(changed) else None


def _offset_map(words: Sequence[Mapping[str, Any]], changed: Sequence[bool]) -> Callable[[int], int]:
    """Old character offset -> new, for a text that had a space before each word but the first and loses
    the one before each ``changed`` word."""
    removed_at: list[int] = []  # old offsets of the removed spaces, ascending
    pos = 0
    for i, w in enumerate(words):
        if i:
            if changed[i]:
                removed_at.append(pos)
            pos += 1
        pos += len(str(w.get("word", "")).strip())

    def new_offset(old: int) -> int:
        return old - bisect.bisect_left(removed_at, old)  # the spaces removed before it

    return new_offset


def _text(words: Sequence[Mapping[str, Any]], joined: Sequence[bool]) -> str:
    parts: list[str] = []
    for i, w in enumerate(words):
        if i and not joined[i]:
            parts.append(" ")
        parts.append(str(w.get("word", "")).strip())
    return "".join(parts)


def _prepare(words: object, text: object) -> tuple[list[dict[str, Any]], Callable[[int], int], str] | None:
    """Repaired words, the old -> new offset map and the new text, if ``text`` is what the old join wrote."""
    repaired = _repaired_words(words)
    if repaired is None or not isinstance(text, str):
        return None
    new_words, changed = repaired
    if _text(new_words, [False] * len(new_words)) != text:
        return None
    return new_words, _offset_map(new_words, changed), _text(new_words, changed)


def repair_transcript(data: object) -> dict[str, Any] | None:
    """A stored transcript (``Transcript.to_dict``) with its pieces joined, or None if it needs nothing."""
    if not isinstance(data, Mapping):
        return None
    prepared = _prepare(data.get("words"), data.get("text"))
    if prepared is None:
        return None
    words, _offset, text = prepared
    return {**data, "words": words, "text": text}


def repair_report(data: object) -> dict[str, Any] | None:
    """A stored score report (``ScoreReport.to_dict``) with its transcript's pieces joined and what quotes
    the text moved with it, or None if it needs nothing. Hits, coverage and the other scores are kept."""
    if not isinstance(data, Mapping) or not isinstance(data.get("transcript"), str):
        return None
    old = data["transcript"]
    prepared = _prepare(data.get("words"), old)
    if prepared is None:
        return None
    words, offset, text = prepared
    # A shallow copy: the parts changed below are copied where they are changed.
    out = dict(data)
    out["transcript"] = text
    out["words"] = words
    checklist = out.get("checklist")
    if isinstance(checklist, list):
        out["checklist"] = [_moved_item(item, old, text, offset) for item in checklist]
    fillers = out.get("fillers")
    if isinstance(fillers, dict) and isinstance(fillers.get("items"), list):
        items = [dict(f) if isinstance(f, dict) else f for f in fillers["items"]]
        for filler in items:
            if isinstance(filler, dict):
                _move_span(filler, offset)
        out["fillers"] = {**fillers, "items": items}
    if "figures_mentioned" in out:
        out["figures_mentioned"] = [f.to_dict() for f in find_figures(text)]
    return out


def _moved_item(item: object, old: str, new: str, offset: Callable[[int], int]) -> object:
    evidence = item.get("evidence") if isinstance(item, dict) else None
    if not isinstance(item, dict) or not isinstance(evidence, dict):
        return item
    evidence = dict(evidence)
    _move_quote(evidence, old, new, offset)
    return {**item, "evidence": evidence}


def _move_span(item: dict[str, Any], offset: Callable[[int], int]) -> tuple[int, int] | None:
    start, end = item.get("char_start"), item.get("char_end")
    if not isinstance(start, int) or not isinstance(end, int) or isinstance(start, bool):
        return None
    item["char_start"], item["char_end"] = offset(start), offset(end)
    return start, end


def _move_quote(evidence: dict[str, Any], old: str, new: str, offset: Callable[[int], int]) -> None:
    """Evidence quotes the text between its character offsets (a misheard name may quote nothing)."""
    span = _move_span(evidence, offset)
    if span is None:
        return
    quote = evidence.get("text")
    if isinstance(quote, str) and quote and quote == old[span[0] : span[1]]:
        joined = new[evidence["char_start"] : evidence["char_end"]]
        evidence["text"] = joined
        why = evidence.get("why")
        if isinstance(why, str):
            evidence["why"] = why.replace(f'"{quote}"', f'"{joined}"')
