"""A filled-in review without a microphone or a model: for screenshots, tests and the docs.

:func:`demo_attempt` takes a real question from the bundled bank ("Tell me about a 2 a.m. incident you led")
and a realistic spoken answer (fillers, figures, two long pauses, two checklist items missed) with synthetic
word timings at a natural pace, and scores it with the real scorer when it is importable. If the scorer
cannot be used, an equivalent report is built here so the review screens can still be shown.
"""

from __future__ import annotations

import itertools
import logging
import re
from typing import Any

from opsprep_voice.core.bank import Question, QuestionBank, load_bank
from opsprep_voice.core.transcript import Transcript, Word

log = logging.getLogger(__name__)

DEMO_QUESTION_ID = "incident-you-led"
LEAD_IN_S = 1.6

DEMO_ANSWER = (
    "So, um, the one that comes to mind was a 2 a.m. page last spring. Our checkout API error rate "
    "spiked to about 30 percent right after a release. ‖ I declared an incident and took command as "
    "incident commander, paged the on-call developer, and, uh, we rolled back using the canary "
    "controls. While that was happening I set up an update cadence of every 15 minutes in Slack and, "
    "you know, posted a status page note to customers. We stabilized within 25 minutes. ‖ Then we, "
    "um, dug into the root cause, which was a misconfigured cache header that basically amplified "
    "load on the database. In the postmortem we agreed on better checks before config changes ship "
    "and a rollback checklist. Since then we haven't had a repeat, and our error budget burn dropped "
    "by 40 percent."
)
PAUSES_S = (2.4, 3.1)  # the two "‖" marks in DEMO_ANSWER

FILLERS = ("you know", "um", "uh", "basically", "like")
FIGURE = re.compile(r"\b\d+(?:\.\d+)?(?:\s?(?:percent|%|minutes|a\.m\.))?", re.IGNORECASE)


def demo_words() -> tuple[list[Word], float]:
    """Words of :data:`DEMO_ANSWER` with plausible timings, and the recording's duration."""
    words: list[Word] = []
    t = LEAD_IN_S
    pauses = iter(PAUSES_S)
    for token in DEMO_ANSWER.split():
        if token == "‖":
            t += next(pauses)
            continue
        length = 0.11 + 0.052 * len(token.strip(",."))
        words.append(Word(token, round(t, 3), round(t + length, 3), 0.93 if token.isalpha() else 0.88))
        t += length + (0.32 if token.endswith(".") and not token.endswith("a.m.") else 0.07)
    return words, round(t + 1.2, 3)


def demo_question(bank: QuestionBank | None = None) -> Question:
    return (bank or load_bank()).find(DEMO_QUESTION_ID)


def demo_attempt(bank: QuestionBank | None = None) -> tuple[Question, dict[str, Any]]:
    """A question from the real bank and a report dict (``ScoreReport.to_dict()`` shape) for it."""
    question = demo_question(bank)
    words, duration = demo_words()
    transcript = Transcript.from_words(words, duration)
    try:
        from opsprep_voice.core.scoring import score_answer

        report = dict(score_answer(question, transcript).to_dict())
        report.setdefault("engine", "demo")
        report["model"] = report.get("model") or "none (demo transcript)"
        return question, report
    except Exception:  # the scorer is optional here: fall back to a local approximation
        log.warning("scorer unavailable for the demo attempt; building the report locally", exc_info=True)
    return question, _local_report(question, transcript)


def _span_times(transcript: Transcript, start: int, end: int) -> tuple[float | None, float | None]:
    times = transcript.time_of_span(start, end)
    return (times[0], times[1]) if times else (None, None)


def _local_report(question: Question, transcript: Transcript) -> dict[str, Any]:
    """A report in the scorer's shape, by plain phrase search (used only when the scorer is unavailable)."""
    text = transcript.text
    folded = text.casefold()
    checklist: list[dict[str, Any]] = []
    total = hit_weight = 0.0
    for item in question.checklist:
        evidence: dict[str, Any] | None = None
        for phrase in item.phrases:
            m = re.search(rf"\b{re.escape(phrase.casefold())}\b", folded)
            if m:
                start, end = _span_times(transcript, m.start(), m.end())
                evidence = {
                    "text": text[m.start() : m.end()],
                    "phrase": phrase,
                    "match": "exact",
                    "char_start": m.start(),
                    "char_end": m.end(),
                    "start": start,
                    "end": end,
                }
                break
        total += item.weight
        hit_weight += item.weight if evidence else 0.0
        checklist.append(
            {
                "id": item.id,
                "label": item.label,
                "hit": evidence is not None,
                "weight": item.weight,
                "evidence": evidence,
                "example": item.example,
            }
        )
    filler_items: list[dict[str, Any]] = []
    for filler in FILLERS:
        for m in re.finditer(rf"\b{re.escape(filler)}\b", folded):
            start, end = _span_times(transcript, m.start(), m.end())
            filler_items.append(
                {
                    "text": text[m.start() : m.end()],
                    "char_start": m.start(),
                    "char_end": m.end(),
                    "start": start,
                    "end": end,
                }
            )
    filler_items.sort(key=lambda f: f["char_start"])
    figures = [
        {"text": m.group(0), "char_start": m.start(), "char_end": m.end()} for m in FIGURE.finditer(text)
    ]
    words = transcript.words
    pauses = [
        {"start": a.end, "end": b.start, "duration": round(b.start - a.end, 2)}
        for a, b in itertools.pairwise(words)
        if b.start - a.end >= 2.0
    ]
    duration = transcript.duration_s
    minutes = duration / 60 if duration else 1.0
    wpm = len(words) / minutes
    return {
        "question_id": question.id,
        "question_number": question.number,
        "transcript": text,
        "words": [w.to_dict() for w in words],
        "coverage": round(hit_weight / total, 3) if total else 0.0,
        "checklist": checklist,
        "duration_s": duration,
        "target_seconds": question.target_seconds,
        "word_count": len(words),
        "wpm": round(wpm, 1),
        "wpm_band": "slow" if wpm < 110 else "fast" if wpm > 170 else "comfortable",
        "fillers": {
            "count": len(filler_items),
            "per_min": round(len(filler_items) / minutes, 1),
            "items": filler_items,
        },
        "long_pauses": pauses,
        "time_to_first_word_s": words[0].start if words else None,
        "figures_mentioned": figures,
        "star": (
            {
                "situation": True,
                "action": True,
                "result": True,
                "measurable_result": True,
                "hint": "Good shape: situation, what you did, and a measurable result.",
            }
            if question.behavioural
            else None
        ),
        "engine": "demo",
        "model": "none (demo transcript)",
    }
