"""Human titles for rehearsal sessions: what History lists and what an export is called.

A session used to be titled with its selection's internal description ("Question slis-slos-observability"),
which then headed the Markdown and PDF exports too. A title is now made from what was rehearsed
("Q3 · What is your process for defining SLIs…", "Interview · 5 questions"), and a title stored the old
way is read through :func:`readable_title`, so old sessions read the same as new ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from opsprep_voice.core.bank import Question
from opsprep_voice.core.wording import plural

SHORT_TEXT = 48
"""About half a line of History's list: enough to tell questions apart."""

_DANGLING = frozenset({"a", "an", "and", "or", "the", "of", "to", "for", "in", "on", "with", "your", "you"})
_OLD_SINGLE = re.compile(r"^Question (?P<ref>\S+)$")


def short_text(text: str, limit: int = SHORT_TEXT) -> str:
    """``text`` cut at a word before ``limit`` characters, with "…" when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    words = cut.split(" ")
    while len(words) > 1 and words[-1].lower() in _DANGLING:  # "…SLIs and…" reads as cut mid-thought
        words.pop()
    return " ".join(words).rstrip(" ,;:.-") + "…"


def question_title(number: int, text: str) -> str:
    return f"Q{number} · {short_text(text)}"


def session_title(questions: Sequence[Question], mode: str) -> str:
    """The title of a new session: the question for one, else the mode and how many questions."""
    if len(questions) == 1:
        return question_title(questions[0].number, questions[0].text)
    return f"{mode.capitalize()} · {plural(len(questions), 'question')}"


def readable_title(title: str | None, find: Callable[[str], Any] | None = None) -> str:
    """A stored title as shown: one in the old "Question <id>" form becomes the question's title when
    ``find`` (a bank's ``find``) knows the id; others stay as they are; none is "Rehearsal session"."""
    if not title:
        return "Rehearsal session"
    old = _OLD_SINGLE.match(title)
    if old is None or find is None:
        return title
    try:
        question = find(old["ref"])
    except (KeyError, LookupError, ValueError):
        return title
    return question_title(question.number, question.text)
