"""Interviewer follow-ups: after a thin answer in interview mode, one spoken question about a missed idea.

Pure: no Qt, no I/O. The flow for one question (the UI and storage drive it):

1. The main answer is scored (:func:`~opsprep_voice.core.scoring.score_answer`).
2. :func:`choose_probe` picks the missed checklist item to ask about, or None. Rules:

   * only in interview mode (study mode never probes) and while the follow-up limit of the setting
     (``"off"`` 0, ``"one"`` 1, ``"two"`` 2 per question; default ``"one"``) is not reached: every item in
     ``asked`` counts as one follow-up already asked;
   * not when the answer is already good: weighted coverage of the main answer together with the
     follow-up answers so far >= :data:`HIGH_COVERAGE` (0.8);
   * only items still missed (in the main answer and every follow-up answer), not yet asked, with weight
     >= ``min_weight`` (:data:`MIN_PROBE_WEIGHT`, 1.0): core items (1.5) first, then regular ones (1.0);
     the 0.5 "nice to have" items are never worth an extra question. Ties go to checklist order.

3. The probe's :attr:`Probe.prompt` is spoken (:func:`probe_prompt`: the item's ``follow_up``, or a
   question built from its label when a custom bank has none), and the answer is scored against the whole
   checklist like a main answer.
4. :func:`score_follow_up` merges the reports: what the main answer covered, what the follow-ups
   recovered, what is still missed, and the coverage with and without the follow-ups.

Why 0.8: on the bundled checklists (total weight 7-11.5) one missed core item leaves 0.79-0.87 of the
weight covered and one missed regular item about 0.9, so an answer at 0.8 or more has missed at most about
one point; a follow-up there reads as nitpicking. Below it the answer missed a core point and more: that is
the thin answer an interviewer would probe.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import get_args

from opsprep_voice.core.bank import ChecklistItem, Question
from opsprep_voice.core.scoring import ScoreReport
from opsprep_voice.core.settings import FollowUpSetting, Mode

FOLLOW_UP_SETTINGS: tuple[FollowUpSetting, ...] = get_args(FollowUpSetting)
DEFAULT_FOLLOW_UPS: FollowUpSetting = "one"  # the default of ``Settings.follow_ups`` too
FOLLOW_UP_LIMITS: dict[FollowUpSetting, int] = {"off": 0, "one": 1, "two": 2}

MIN_PROBE_WEIGHT = 1.0
"""Items lighter than this (the 0.5 "nice to have" items) are never probed by default."""

HIGH_COVERAGE = 0.8
"""No follow-up once this share of the checklist's weight is covered (see the module doc)."""


@dataclass(frozen=True, slots=True)
class Probe:
    """The follow-up to ask: which item it aims at and what the interviewer says."""

    question_id: str
    item_id: str
    label: str
    weight: float
    prompt: str
    number: int
    """1 for the first follow-up of the question, 2 for the second."""


@dataclass(frozen=True, slots=True)
class FollowUpResult:
    """A question's main answer and its follow-up answers, merged item by item (checklist order)."""

    question_id: str
    covered: tuple[ChecklistItem, ...]
    """Covered in the main answer."""
    recovered: tuple[ChecklistItem, ...]
    """Missed in the main answer, covered in a follow-up answer."""
    still_missed: tuple[ChecklistItem, ...]
    coverage: float
    """Weighted coverage of the main answer alone, 0..1."""
    coverage_with_follow_ups: float
    """Weighted coverage of the main answer or any follow-up answer, 0..1."""

    @property
    def gain(self) -> float:
        """How much coverage the follow-ups added."""
        return self.coverage_with_follow_ups - self.coverage


# --------------------------------------------------------------------------- choosing a probe


def follow_up_limit(setting: FollowUpSetting) -> int:
    """The number of follow-ups ``setting`` allows per question. Raises ValueError for an unknown one."""
    try:
        return FOLLOW_UP_LIMITS[setting]
    except KeyError:
        choices = ", ".join(FOLLOW_UP_SETTINGS)
        raise ValueError(f"unknown follow-up setting {setting!r}; choose one of: {choices}") from None


def choose_probe(
    question: Question,
    report: ScoreReport,
    *,
    asked: Iterable[str] = (),
    follow_ups: Sequence[ScoreReport] = (),
    min_weight: float = MIN_PROBE_WEIGHT,
    setting: FollowUpSetting = DEFAULT_FOLLOW_UPS,
    mode: Mode = "interview",
    high_coverage: float = HIGH_COVERAGE,
) -> Probe | None:
    """The missed item to ask about after ``report`` (the main answer), or None. See the module doc.

    ``asked`` holds the ids of the items already probed for this question and ``follow_ups`` the reports
    of their answers (an item one of them covered is not missed any more). Raises ValueError when a
    report belongs to another question or ``min_weight`` is not positive.
    """
    if min_weight <= 0:
        raise ValueError(f"min_weight must be positive, not {min_weight}")
    limit = follow_up_limit(setting)
    done = set(asked)
    if mode != "interview" or len(done) >= limit:
        return None
    covered = _covered_ids(question, report, follow_ups)
    if _weighted(question.checklist, covered) >= high_coverage:
        return None
    candidates = [
        (-item.weight, position, item)
        for position, item in enumerate(question.checklist)
        if item.id not in covered and item.id not in done and item.weight >= min_weight
    ]
    if not candidates:
        return None
    _, _, item = min(candidates, key=lambda c: (c[0], c[1]))
    return Probe(
        question_id=question.id,
        item_id=item.id,
        label=item.label,
        weight=item.weight,
        prompt=probe_prompt(question, item),
        number=len(done) + 1,
    )


def score_follow_up(
    question: Question, main_report: ScoreReport, follow_report: ScoreReport | Sequence[ScoreReport]
) -> FollowUpResult:
    """Merge the main answer's report with one follow-up report (or several). Raises ValueError when a
    report belongs to another question."""
    follow_ups = (follow_report,) if isinstance(follow_report, ScoreReport) else tuple(follow_report)
    main = _covered_ids(question, main_report, ())
    either = _covered_ids(question, main_report, follow_ups)
    items = question.checklist
    return FollowUpResult(
        question_id=question.id,
        covered=tuple(i for i in items if i.id in main),
        recovered=tuple(i for i in items if i.id in either and i.id not in main),
        still_missed=tuple(i for i in items if i.id not in either),
        coverage=_weighted(items, main),
        coverage_with_follow_ups=_weighted(items, either),
    )


def _covered_ids(question: Question, report: ScoreReport, follow_ups: Sequence[ScoreReport]) -> set[str]:
    """Ids of the question's items hit in ``report`` or any of ``follow_ups``."""
    known = {item.id for item in question.checklist}
    covered: set[str] = set()
    for one in (report, *follow_ups):
        if one.question_id != question.id:
            raise ValueError(f"a report of question {one.question_id!r} given for question {question.id!r}")
        covered.update(result.id for result in one.checklist if result.hit and result.id in known)
    return covered


def _weighted(items: Sequence[ChecklistItem], covered: set[str]) -> float:
    total = sum(item.weight for item in items)
    if total <= 0:
        return 0.0
    return sum(item.weight for item in items if item.id in covered) / total


# --------------------------------------------------------------------------- the spoken prompt


def probe_prompt(question: Question, item: ChecklistItem) -> str:
    """What the interviewer says: the item's ``follow_up``, else :func:`fallback_prompt`."""
    return item.follow_up or fallback_prompt(question, item)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Verb forms that may open a label, mapped to the base form. Past forms count only for behavioural
# questions ("Declared the incident"); elsewhere "Automated backups" is a noun phrase.
_BASE_VERBS = _words(
    """adopt alert automate avoid build bundle evolve buy celebrate check close communicate containerize
    containerise declare defer document evaluate find forecast inventory keep kill measure meet mitigate
    name narrow negotiate optimise optimize page pick pilot plan prioritise prioritize protect revisit review
    rightsize run schedule share ship start take test track update use verify wear wrap write"""
)
_PAST_VERBS = {
    "added": "add", "checked": "check", "declared": "declare", "diagnosed": "diagnose",
    "documented": "document", "found": "find", "kept": "keep", "led": "lead", "made": "make",
    "measured": "measure", "met": "meet", "mitigated": "mitigate", "named": "name", "narrowed": "narrow",
    "negotiated": "negotiate", "prioritised": "prioritise", "prioritized": "prioritize", "ran": "run",
    "shipped": "ship", "took": "take", "verified": "verify", "wore": "wear", "wrote": "write",
}  # fmt: skip
_THIRD_PERSON = {"enjoys": "enjoy", "runs": "run", "keeps": "keep", "uses": "use", "owns": "own"}
_GERUND_EXCEPTIONS = {
    "defer": "deferring", "plan": "planning", "run": "running", "ship": "shipping", "wrap": "wrapping",
    "meet": "meeting", "see": "seeing", "be": "being",
}  # fmt: skip
# Words that end the head of a noun phrase: "Canary | on a small slice of traffic".
_TAIL_STARTS = _words(
    "on with for to in into over from across by per when until once only so against without before "
    "after next is are was were that which goes tie ties tied let lets decouple decouples injected became "
    "holds ready early first end"
)
_ADJECTIVE_ENDINGS = ("ic", "al", "ive", "ous", "ful", "able", "ible")
_VAGUE_HEADS = _words("time way thing things part parts stuff area areas")
_DETERMINERS = _words("a an the one your our their its each every this that some any")
# Nouns usually said without an article: "change management", "local parity", "fast feedback".
_MASS_ENDINGS = ("tion", "sion", "ity", "ment", "ship", "ness", "ence", "ance", "ency", "ing", "ics", "ure")
_MASS_NOUNS = _words("data feedback security visibility headroom toil capacity")
_WH_WORDS = _words("how what when where which who why whether")
_AUX = _words("was is were are will would can could did does do has have had")
_SUBJECTS = _words("it they we this that he she you i")


def fallback_prompt(question: Question, item: ChecklistItem) -> str:
    """A follow-up built from the item's label, for banks without ``follow_up``.

    The label is cut to its topic: a parenthesis (the examples) is dropped, "Heading: details" keeps the
    heading (or the details when they start with a verb: "Triage: checked what changed"), and anything
    after ";" goes. Then, by the topic's shape:

    * a verb phrase ("Start simple and evolve as usage grows"; in a behavioural question also "Declared
      the incident and took command") becomes "How would you go about starting simple and evolving as
      usage grows?" ("How did you go about ..." in a behavioural question);
    * a verb in the third person: "Enjoys building ..." becomes "Would you say you enjoy building ..., and
      why?" in a motivation, collaboration or behavioural question, "Runs on every pull request" becomes
      "Would it run on every pull request, and why?" elsewhere;
    * a wh-clause ("How fast it was stabilised") is inverted: "And how fast was it stabilised?";
    * a noun phrase keeps its head: the tail from the first linking word goes ("Canary | on a small slice
      of traffic"), and when nothing changed the label so far, the first modifier ("Regular restore tests"
      -> "restore tests") or the first of a list ("Replication and automated failover" -> "automated
      failover") goes too, so the label is never read out whole; a singular count noun gets "the". It is
      asked as "How would you approach restore tests?", or "Can you talk me through ...?" in a behavioural
      question;
    * a one-word label, a lone adjective ("Specific to their product") or anything else that fits none of
      these gets a general prompt for the question.

    The result always ends with "?" and never contains the whole label (compared ignoring case).
    """
    label = " ".join(item.label.split())
    behavioural = question.behavioural
    words = _topic(label, behavioural).split()
    prompt: str | None = None
    if words:
        first = words[0].casefold()
        compound = len(words) > 1 and words[1].casefold().endswith("ing")  # "Build caching": a noun
        if _verb_base(first, behavioural) is not None and not compound:
            tense = "did" if behavioural else "would"
            prompt = f"How {tense} you go about {_gerund_phrase(words, behavioural)}?"
        elif first in _THIRD_PERSON:
            rest = " ".join(words[1:])
            if behavioural or question.category in ("motivation", "collaboration"):
                prompt = f"Would you say you {_THIRD_PERSON[first]} {rest}, and why?"
            else:
                prompt = f"Would it {_THIRD_PERSON[first]} {rest}, and why?"
        elif first in _WH_WORDS:
            inverted = _invert(words)
            if inverted is not None:
                prompt = f"And {inverted}?"
        else:
            phrase = _noun_phrase(words, question, label)
            if phrase is not None:
                phrase = _with_article(phrase)
                if behavioural:
                    prompt = f"Can you talk me through {phrase}?"
                else:
                    prompt = f"How would you approach {phrase}?"
    if prompt is None or label.casefold() in prompt.casefold():
        prompt = _general_prompt(question)
    return prompt


def _topic(label: str, behavioural: bool) -> str:
    text = re.sub(r"\s*\([^)]*\)", "", label)
    text = text.split(";", 1)[0]
    if ":" in text:
        heading, details = (part.strip() for part in text.split(":", 1))
        opens_with_verb = details and _verb_base(details.split()[0].casefold(), behavioural) is not None
        text = details if opens_with_verb or not heading else heading
    return text.strip(" ,.-")


def _verb_base(word: str, behavioural: bool) -> str | None:
    if word in _BASE_VERBS:
        return word
    if behavioural:
        return _PAST_VERBS.get(word)
    return None


def _gerund(base: str) -> str:
    if base in _GERUND_EXCEPTIONS:
        return _GERUND_EXCEPTIONS[base]
    if base.endswith("ie"):
        return base[:-2] + "ying"
    if base.endswith("e") and not base.endswith(("ee", "ye", "oe")):
        return base[:-1] + "ing"
    return base + "ing"


def _gerund_phrase(words: list[str], behavioural: bool) -> str:
    """The verb phrase with its first verb, and each verb right after "and"/"or"/",", as -ing forms."""
    out: list[str] = []
    after_joint = True
    for word in words:
        bare = word.rstrip(",").casefold()
        base = _verb_base(bare, behavioural) if after_joint else None
        if base is not None:
            out.append(_gerund(base) + ("," if word.endswith(",") else ""))
        else:
            out.append(word if out else _lower_first(word))
        after_joint = bare in ("and", "or") or word.endswith(",")
    return " ".join(out)


def _invert(words: list[str]) -> str | None:
    """ "How fast it was stabilised" -> "how fast was it stabilised"; None when the shape differs."""
    lowered = [w.casefold() for w in words]
    for i in range(1, len(words) - 1):
        if lowered[i] in _SUBJECTS and lowered[i + 1] in _AUX:
            swapped = [*words[:i], words[i + 1], words[i], *words[i + 2 :]]
            return " ".join([_lower_first(swapped[0]), *swapped[1:]])
    return None


def _noun_phrase(words: list[str], question: Question, label: str) -> str | None:
    """The head of a noun-phrase topic, never the whole label; None when only a lone word would be left."""
    phrase = [_keep_case(words[0], question), *words[1:]]
    lowered = [w.casefold().rstrip(",") for w in phrase]
    cut = next(
        (
            i
            for i in range(1, len(lowered))
            if lowered[i] in _TAIL_STARTS or (i >= 2 and phrase[i - 1].endswith(","))
        ),
        None,
    )
    if cut is not None:
        phrase = phrase[:cut]
    elif " ".join(phrase).casefold() == label.casefold():  # nothing cut yet: leave a word out
        joints = (i for i, w in enumerate(phrase) if w.endswith(",") or lowered[i] in ("and", "or"))
        joint = next(joints, None)
        if joint is not None:
            first_part = phrase[: joint + 1] if phrase[joint].endswith(",") else phrase[:joint]
            phrase = first_part if len(first_part) > 1 else phrase[joint + 1 :]
        else:
            phrase = phrase[1:]
    if len(phrase) > 1 and phrase[-1].casefold().endswith("ed"):  # "State encrypted": the state
        phrase = phrase[:-1]
    text = " ".join(phrase).strip(" ,")
    if not text or text.casefold() == label.casefold():
        return None
    if " " not in text and text.casefold().endswith(_ADJECTIVE_ENDINGS + tuple(_VAGUE_HEADS)):
        return None  # "Specific (to their product)", "Time (to value)": too little to ask about
    return text


def _keep_case(word: str, question: Question) -> str:
    """The label's first word lower-cased unless it is a name (capitalised in the question) or acronym."""
    if sum(c.isupper() for c in word) > 1 or re.search(rf"\b{re.escape(word)}\b", question.text):
        return word
    return _lower_first(word)


def _lower_first(word: str) -> str:
    if sum(c.isupper() for c in word) > 1:  # an acronym: IAM, SLOs
        return word
    return word[:1].lower() + word[1:]


def _plural(phrase: str) -> bool:
    words = phrase.casefold().split()
    if " and " in f" {phrase.casefold()} ":
        return True
    last = words[-1] if words else ""
    return last.endswith("s") and not last.endswith(("ss", "us", "sis"))


def _with_article(phrase: str) -> str:
    """ "remote state backend" -> "the remote state backend"; plurals, names and mass nouns stay bare."""
    words = phrase.split()
    first, last = words[0], words[-1].casefold()
    if first.casefold() in _DETERMINERS or _plural(phrase) or not first[:1].islower():
        return phrase
    if first.casefold().endswith("ing"):  # "partnering closely"
        return phrase
    if last in _MASS_NOUNS or last.endswith(_MASS_ENDINGS) or last.endswith("less"):
        return phrase
    return f"the {phrase}"


def _general_prompt(question: Question) -> str:
    if question.category == "motivation":
        return "What else about this role matters to you, and why?"
    if question.behavioural:
        return "What else did you do there that we haven't talked about yet?"
    return "Is there anything else you would put in place here, and why?"
