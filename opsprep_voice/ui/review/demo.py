"""A filled-in review without a microphone or a model: for screenshots, tests and the docs.

:func:`demo_attempt` takes a real question from the bundled bank ("Tell me about a 2 a.m. incident you
led") and a realistic spoken answer (fillers, figures, two long pauses, a misheard term, a checklist
item missed) with synthetic word timings at a natural pace, and scores it with the real scorer.
"""

from __future__ import annotations

import logging
from typing import Any

from opsprep_voice.core.bank import Question, QuestionBank, load_bank
from opsprep_voice.core.scoring import score_answer
from opsprep_voice.core.transcript import Transcript, Word

log = logging.getLogger(__name__)

DEMO_QUESTION_ID = "incident-you-led"
LEAD_IN_S = 1.6

DEMO_ANSWER = (
    "So, um, the one that comes to mind was a 2 a.m. page last year. Our checkout API error rate "
    "spiked to about 30 percent right after a release. ‖ I declared an incident and took command as "
    "incident commander, paged the on-call developer, and, uh, we rolled back using the canary "
    "controls. While that was happening I set up an update cadence of every 15 minutes in Slack and, "
    "you know, updated the Statuspaige for customers. We stabilized within 25 minutes. ‖ Then we, "
    "um, dug into the root cause, which was a misconfigured cache header that basically amplified "
    "load on the database. In the post mortum we agreed on better checks before config changes ship "
    "and a second reviewer. Since then we haven't had a repeat, and our error budget burn dropped "
    "by 40 percent."
)
PAUSES_S = (2.4, 3.1)  # the two "‖" marks in DEMO_ANSWER


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
    report = dict(score_answer(question, transcript).to_dict())
    report["engine"] = report.get("engine") or "demo"
    report["model"] = report.get("model") or "none (demo transcript)"
    return question, report
