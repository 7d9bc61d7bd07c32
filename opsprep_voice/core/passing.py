"""Words of a passing mention, and two sentence shapes whose credits the second opinion always withdraws: a
list of names closed by "the usual" or "that kind of thing", and a point put off ("is on the roadmap").

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
  did not make; no example answer has one (``docs/BENCHMARKS.md``, "Round 22");
* :func:`put_off`, narrow: the clause that holds the credit's evidence, or a later clause of its sentence that
  refers back to it ("Policy as code, OPA, that's on the roadmap"), says the point is still to come
  (:data:`PUT_OFF`: "on the roadmap", "on my list", "something finance is looking into", "would be the next
  step"). A plan is not a practice. The second opinion withdraws such credits too, and the review says the
  point was mentioned as still to come. In the labelled rounds 10-23 most of the matcher's credits from
  such clauses were points the answer did not make, and the right ones the second opinion let through were
  points made in another sentence too.
  No example answer has such a clause. Deliberately narrow: "next sprint", "not yet" and "I'd like to own"
  are as common in strong answers ("budget burned, the next sprint goes to reliability") as in thin ones
  (``docs/BENCHMARKS.md``, "Round 24").
"""

from __future__ import annotations

import itertools
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


PUT_OFF = re.compile(
    r"\b(?:on (?:the|our|my) (?:road ?map|wish ?list|(?:to-?do )?list|backlog|radar)"
    r"|(?:is|are|was|were|'s) something (?:\w+ ){0,3}(?:(?:is|was|are|were|'s|'re) )?"
    r"(?:looking (?:into|at)|would like|wants?|plans?|intends?|hopes?)"
    r"|would be (?:the next step|nice to have)"
    r"|(?:plan|planning|hoping|intend|intending) to"
    r" (?:start|add|get|introduce|adopt|roll|bring|set up|look|try|move)"
    r"|(?:not|never) something we(?:'ve| have) (?:got|done)|haven't (?:got|gotten) (?:round|around) to"
    r"|still to do)\b",
    re.IGNORECASE,
)
"""Words that put a point off: it is planned, wished for, or someone's to look into, not done. Not "haven't
got to", which also means "haven't had to" ("we haven't got to page anyone since")."""
_CLAUSE_BREAK = re.compile(
    r"[,;:]\s+|\s*[\u2013\u2014]\s*|\s+-+\s+|\s+(?=(?:but|so|which|while|because)\s)"
    r"|\s+(?=and\s+(?:we|I|there|it|they|you|he|she)\b)",
    re.IGNORECASE,
)
"""Where a clause ends: punctuation inside the sentence (dashes too), the words that start a new clause, and
"and" before a new subject (speech recognition often drops the comma). Not "and" alone: it joins the names of
one clause ("Load testing and capacity planning would be the next step")."""
_REFERS_BACK = re.compile(
    r"(?:(?:and|but|so)\s+)?(?:that|it|those|these|this|which|both|they|all of (?:that|it|them|those))\b",
    re.IGNORECASE,
)
"""A clause that starts by pointing back at the one before ("..., that's on the roadmap")."""
_NEW_SUBJECT = re.compile(r"(?:and|but|so|while|because|then|also)\b", re.IGNORECASE)
"""A clause that starts something new ("..., but canaries, those are on the roadmap")."""
_ASIDE_WORDS = 3
"""A later clause this short that neither points back nor starts something new is an aside ("definitely")
or a name for the same thing ("Policy as code, OPA, that's on the roadmap"): looked past."""
_EXTRAPOSED = re.compile(r"\s+to\s+\w")
"""After the words that put something off, "to" and a verb: "it's on the roadmap to add OPA" puts off adding
OPA, not what "it" would point back at."""


def put_off(sentence: str, at: int) -> bool:
    """Whether the clause of ``sentence`` holding character ``at`` (the start of a credit's evidence), or the
    next clause that points back at it ("Restore testing, definitely, it's on the list"), puts the point off
    (see the module doc). Clauses before ``at`` do not count ("We have an error budget policy, and there's a
    plan to start SLO reviews" puts off the reviews, not the policy), nor do clauses past one that starts
    something new ("We run Terraform, but canaries, those are on the roadmap"). False when ``at`` is not in
    the sentence."""
    text = plain(sentence)
    cuts = [0, *(m.end() for m in _CLAUSE_BREAK.finditer(text)), len(text)]
    clauses = [(a, b) for a, b in itertools.pairwise(cuts) if a < b]
    here = next((k for k, (a, b) in enumerate(clauses) if a <= at < b), None)
    if here is None:
        return False
    a, b = clauses[here]
    if PUT_OFF.search(text[a:b]):
        return True
    for a, b in clauses[here + 1 :]:
        clause = text[a:b].strip()
        if _REFERS_BACK.match(clause):
            found = PUT_OFF.search(clause)
            return found is not None and not _EXTRAPOSED.match(clause, found.end())
        if _NEW_SUBJECT.match(clause) or len(clause.split()) > _ASIDE_WORDS:
            return False
    return False
