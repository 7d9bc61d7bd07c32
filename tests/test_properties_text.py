"""Properties of the text normaliser and the checklist matcher on any unicode text."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from opsprep_voice.core.bank import load_bank
from opsprep_voice.core.matching import match_checklist
from opsprep_voice.core.text import tokenize
from opsprep_voice.core.transcript import Transcript

BANK = load_bank()
QUESTIONS = [BANK.find(n) for n in (3, 2, 9)]
#: Words of the example answers: text made of them hits checklist items, which is what the stability
#: properties need.
VOCAB = sorted(
    {w for q in QUESTIONS for w in re.findall(r"[A-Za-z]+(?:'[a-z]+)?", q.example_answer) if len(w) > 1}
)

any_text = st.text(max_size=400)
answer_words = st.lists(st.sampled_from(VOCAB), min_size=1, max_size=80)


@given(any_text)
def test_tokens_of_any_text_have_spans_inside_it(text: str) -> None:
    for token in tokenize(text):
        assert 0 <= token.start <= token.end <= len(text)
        assert token.norm


@given(st.sampled_from(QUESTIONS), any_text)
def test_matching_any_text_gives_evidence_inside_it(question: object, text: str) -> None:
    transcript = Transcript.from_text(text)
    for item in match_checklist(question, transcript):  # type: ignore[arg-type]
        if item.evidence is not None:
            ev = item.evidence
            assert 0 <= ev.char_start <= ev.char_end <= len(transcript.text)
            assert ev.text == transcript.text[ev.char_start : ev.char_end] or ev.text.strip()


def _hits(question: object, text: str) -> set[str]:
    return {m.id for m in match_checklist(question, Transcript.from_text(text)) if m.hit}  # type: ignore[arg-type]


#: Capitals that carry meaning: an acronym ("SLIs" is read as the plural of SLI, "slis" as a word). Case
#: changes below keep these as written.
ACRONYM = re.compile(r"(?:[A-Z].*){2,}")


@given(st.sampled_from(QUESTIONS), answer_words, st.sampled_from(["lower", "title", "first"]))
def test_hits_do_not_depend_on_letter_case(question: object, words: list[str], case: str) -> None:
    lowered = [w if ACRONYM.fullmatch(w) else w.lower() for w in words]
    changed = {
        "lower": " ".join(lowered),
        "title": " ".join(w[:1].upper() + w[1:] for w in lowered),
        "first": " ".join(lowered)[:1].upper() + " ".join(lowered)[1:],
    }[case]
    assert _hits(question, changed) == _hits(question, " ".join(words))


@given(st.sampled_from(QUESTIONS), answer_words, st.data())
def test_hits_do_not_depend_on_commas_quotes_and_spacing(
    question: object, words: list[str], data: st.DataObject
) -> None:
    seps = data.draw(
        st.lists(
            st.sampled_from([" ", ", ", "  ", ' "', '" ', " (", ") ", " - "]),
            min_size=len(words),
            max_size=len(words),
        )
    )
    text = " ".join(words)
    changed = "".join(w + s for w, s in zip(words, seps, strict=True))
    assert _hits(question, changed) == _hits(question, text)
