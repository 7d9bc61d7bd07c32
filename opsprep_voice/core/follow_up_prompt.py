"""What the interviewer says in a follow-up: the item's ``follow_up``, else a question built from its label.

Bundled items carry a written ``follow_up``; a custom bank's items may not, so :func:`fallback_prompt`
turns the label into a natural question by its shape (a verb phrase, a third-person verb, a wh-clause or a
noun phrase), never reading the label out whole. :mod:`opsprep_voice.core.followup` decides which item to
ask about. Pure.
"""

from __future__ import annotations

import re

from opsprep_voice.core.bank import ChecklistItem, Question


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
