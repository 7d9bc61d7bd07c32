"""Words of a passing mention, and a sentence shape whose credits the second opinion always withdraws: a
list of names closed by "the usual" or "that kind of thing".

A candidate who makes a point says what they do about it; one who only knows the names lists them. Two
signals come from the sentence that holds a credit's evidence:

* :data:`PASSING`, broad: words that often come with a name dropped in passing ("stuff", "we've got",
  "as well"). Real answers use them too, so it is only one input of the second opinion's regression
  (:func:`opsprep_voice.core.second_opinion.evidence_features`), never a rule;
* :func:`listed_in_passing`, narrow: the sentence is a list (at least :data:`LIST_PARTS` parts between
  commas and "and", the closing words counted as one, :data:`LIST_PART_WORDS` words a part or fewer on
  average) *and* waves the rest away
  (:data:`WAVED_AWAY`: "the usual", "that kind of thing", "all of that"). "Networking-wise, VPC, private
  subnets, VPC endpoints, Secrets Manager, all of that." names five things and says how none is used. The
  second opinion withdraws such credits (:meth:`opsprep_voice.core.second_opinion.Judge.reconsider`), but
  for a misheard name, which it never judges.
  In the labelled rounds 10-21, 85 % of the matcher's credits from such sentences were points the answer
  did not make; no example answer has one (``docs/BENCHMARKS.md``, "Round 22").
"""

from __future__ import annotations

import re

PASSING = re.compile(
    r"\b(?:usual|stuff|things like|that kind of thing|and so on|etc|all that|all of that|of course"
    r"|obviously|in the mix|as well|too|we've got|we have|there's|there is|big believer"
    r"|buzzword|trend|and everything|and all)\b",
    re.IGNORECASE,
)
"""Words of a passing mention: a tool named with one of these in its sentence is more often named than used
(in rounds 1-14, 23 % of such credits are false, against 7 % of the others). Broad on purpose ("we have",
"too" are common in real answers too): it is one feature among the sentence similarities, not a rule."""

WAVED_AWAY = re.compile(
    r"\b(?:the usual|that kind of thing|that sort of thing|all of that|all that|and all that|and so on|etc"
    r"|whole (?:toolkit|thing)|good stuff|and everything|stuff like that|things like that)\b",
    re.IGNORECASE,
)
"""Words that close a list instead of explaining it: the speaker waves the rest of the names away."""
LIST_PARTS = 4
LIST_PART_WORDS = 4.0
_LIST_BREAK = re.compile(r",|\band\b", re.IGNORECASE)


def plain(sentence: str) -> str:
    """``sentence`` with typographic apostrophes made plain, as the patterns expect ("we\u2019ve")."""
    return sentence.replace("\u2019", "'")


def listed_in_passing(sentence: str) -> bool:
    """Whether ``sentence`` is a list of short parts that the speaker waves away (see the module doc)."""
    text = plain(sentence)
    if WAVED_AWAY.search(text) is None:
        return False
    parts = [p for p in _LIST_BREAK.split(text) if p.strip()]
    return len(parts) >= LIST_PARTS and sum(len(p.split()) for p in parts) / len(parts) <= LIST_PART_WORDS
