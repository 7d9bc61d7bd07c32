"""The second opinion (core.second_opinion): a bluff loses the credit its named tools earned, real
answers keep the matcher's decisions, the model's own credits and doubts stay explainable, and a missing
model leaves the matcher to decide alone. The first tests use the shipped model and the real sentence
encoder; the mechanics are pinned with a small hand-made model whose opinions are known in advance."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest

from opsprep_voice.core.bank import Question, load_bank
from opsprep_voice.core.embedding import SentenceEncoder
from opsprep_voice.core.matching import Evidence
from opsprep_voice.core.scoring import (
    PUT_OFF_REASON,
    ChecklistResult,
    ScoreReport,
    format_report,
    score_answer,
)
from opsprep_voice.core.second_opinion import (
    FEATURES,
    SHARED,
    Judge,
    Opinion,
    SecondOpinion,
    evidence_features,
    evidence_sentences,
    finished_part,
    sentences,
)
from opsprep_voice.core.transcript import Transcript, Word

DATA = Path(__file__).resolve().parents[1] / "scripts" / "bench_data" / "paraphrases"

# A long answer that names every tool of the topic and says how none of them is used (question 9).
BLUFF = " ".join(
    [
        "Backups are super important, honestly, and at my company we take them really seriously.",
        "We've got automated backups, point-in-time recovery, read replicas, cross-region stuff, runbooks,",
        "all of that. Disaster recovery is a big topic for leadership, and our team is very mature about it.",
        "We use AWS Backup and RDS and S3 with versioning. RTO and RPO are things we talk about a lot in",
        "meetings. I think the key thing is having a culture where everyone cares about resilience,",
        "and we have great documentation and a strong on-call rotation, so I'm confident we'd be fine",
        "in a disaster.",
    ]
)


@pytest.fixture(scope="module")
def bank():
    return load_bank()


@pytest.fixture(scope="module")
def judge() -> Judge:
    found = SHARED.judge()
    assert found is not None, SHARED.problem  # the test command installs the model (requirements/)
    return found


def test_a_bluff_loses_the_credits_its_named_tools_earned(bank, judge: Judge) -> None:
    question = bank.find(9)
    transcript = Transcript.from_text(BLUFF)
    matcher = score_answer(question, transcript)
    judged = judge.reconsider(question, matcher, transcript)

    assert matcher.coverage >= 0.5  # the names alone fool the matcher
    assert judged.second_opinion == "applied"
    assert judged.coverage <= 0.25
    doubted = [i for i in judged.checklist if i.doubted is not None]
    assert len(doubted) >= 2
    for item in doubted:
        assert not item.hit
        assert item.doubted.text in BLUFF
        assert item.doubt.startswith(f'You {"said" if item.doubted.match == "concept" else "named"} "')
        assert f'"{item.doubted.text}", but ' in item.doubt
    assert any(i.doubt.endswith("does not say how you use it.") for i in doubted)
    assert "Judged by meaning" in format_report(judged, question)


def test_every_example_answer_keeps_the_matchers_credits(bank, judge: Judge) -> None:
    """Every item is made in its question's example answer: the model may find one the matcher missed (by
    meaning), never withdraw one."""
    for question in bank.questions:
        transcript = Transcript.from_text(question.example_answer)
        matcher = score_answer(question, transcript)
        judged = judge.reconsider(question, matcher, transcript)
        assert judged.second_opinion in ("agreed", "revised"), question.number
        for made, was in zip(judged.checklist, matcher.checklist, strict=True):
            assert made.hit or not was.hit, (question.number, made.id)
            if made.hit and not was.hit:
                assert made.evidence is not None and made.evidence.match == "meaning"
        assert judged.coverage >= matcher.coverage


@pytest.mark.parametrize(
    "answer_id", ["r14-q03-strong-compact", "r13-q17-strong-rambling", "r11-q05-strong-story"]
)
def test_strong_answers_in_their_own_words_keep_their_credit_but_one_the_veto_may_take(
    bank, judge: Judge, answer_id: str
) -> None:
    """The gate leaves them to the matcher; the veto may withdraw a credit and the model add one, as the
    annotator decided (r13-q17-strong-rambling: "a blameless template" is not a starter template), but for
    at most one right credit the veto takes (its bar is where 2 % of the matcher's right credits fall:
    r11-q05-strong-story loses "policy as code" at 0.42)."""
    round_name, number = answer_id.split("-")[0][1:], int(answer_id.split("-")[1][1:])
    folder = DATA / f"round{round_name}"
    answers = json.loads((folder / "answers" / f"q{number:02d}.json").read_text())
    labels = json.loads((folder / "labels" / f"q{number:02d}.json").read_text())["labels"][answer_id]
    text = next(a["text"] for a in answers["answers"] if a["id"] == answer_id)
    question = bank.find(number)
    transcript = Transcript.from_text(text)
    matcher = score_answer(question, transcript)
    judged = judge.reconsider(question, matcher, transcript)
    assert judged.second_opinion in ("agreed", "revised")
    pairs = list(zip(judged.checklist, matcher.checklist, strict=True))
    withdrawn = [i.id for i, m in pairs if m.hit and not i.hit]
    added = [i.id for i, m in pairs if i.hit and not m.hit]
    assert sum(labels[i] for i in withdrawn) <= 1
    assert [labels[i] for i in added] == [True] * len(added)
    assert (judged.second_opinion == "revised") == bool(withdrawn or added)
    assert judged.coverage >= 0.5


def test_the_encoder_gives_sentence_transformers_vectors() -> None:
    vec = SentenceEncoder().encode(["Prometheus stores the metrics and we alert on the SLO burn rate."])[0]
    # all-MiniLM-L6-v2 through sentence-transformers and torch, first 8 of 384 dimensions
    expected = [-0.04219, -0.01183, -0.01616, 0.07499, 0.06202, -0.08669, 0.00523, 0.0031]
    assert np.allclose(vec[:8], expected, atol=2e-5)
    assert abs(float(np.linalg.norm(vec)) - 1.0) < 1e-5


def test_the_encoder_runs_numpy_on_one_blas_thread() -> None:
    """Several BLAS threads per forward pass made the review 3-5 times slower on a busy machine."""
    from threadpoolctl import threadpool_info, threadpool_limits

    with threadpool_limits(limits=2, user_api="blas"):  # as numpy starts on a two-core machine
        SentenceEncoder()
        blas = [p for p in threadpool_info() if p["user_api"] == "blas"]
    assert blas and all(p["num_threads"] == 1 for p in blas)


def test_a_missing_model_leaves_the_matcher_deciding_and_says_why(bank, tmp_path: Path) -> None:
    question = bank.find(9)
    transcript = Transcript.from_text(BLUFF)
    matcher = score_answer(question, transcript)
    missing = SecondOpinion(tmp_path / "second_opinion.npz")
    assert missing.reconsider(question, matcher, transcript) is matcher
    assert str(tmp_path / "second_opinion.npz") in missing.problem
    assert "cannot be read" in missing.problem


# --------------------------------------------------------------------------------------------- mechanics


class _AxisEncoder:
    """Each sentence becomes a unit vector along the axis of the first keyword it contains (else axis 0)."""

    KEYWORDS = ("terraform", "rollback", "canary")

    def encode(self, texts):
        out = np.zeros((len(texts), 384), np.float32)
        for i, text in enumerate(texts):
            axis = next((k + 1 for k, w in enumerate(self.KEYWORDS) if w in text.lower()), 0)
            out[i, axis] = 1.0
        return out


def _model(
    tmp_path: Path,
    question,
    gate: float,
    veto: float = 0.0,
    coef_of: dict[str, float] | None = None,
    partial: tuple[float, float] = (1.0, 0.0),
    bars: tuple[float, float | None] = (0.6, None),
) -> Path:
    """A model whose probability is high exactly when a sentence lies on the item's axis: item k of
    ``question`` has its positive reference on axis k + 1 and its negative on axis 0. ``bars``: the threshold
    and the boost (None: a file without one, built before the boost bar)."""
    arrays: dict[str, np.ndarray] = {}
    vecs = np.zeros((4, 384), np.float16)
    for axis in range(4):
        vecs[axis, axis] = 1
    arrays[f"q{question.number}_vecs"] = vecs
    keys, ids = [], []
    for k, item in enumerate(question.checklist[:3]):
        key = f"q{question.number}_i{k}"
        keys.append(key)
        ids.append(item.id)
        arrays[f"{key}_pos"] = np.array([k + 1], np.int32)
        arrays[f"{key}_neg"] = np.array([0], np.int32)
        arrays[f"{key}_label"] = np.zeros(384, np.float16)
        arrays[f"{key}_example"] = np.zeros(384, np.float16)
    coef = np.zeros(len(FEATURES))
    for name, value in (coef_of or {"knn": 10.0}).items():  # knn, p - n at the best sentence: +1 on the
        coef[FEATURES.index(name)] = value  # item's axis, -1 off it
    path = tmp_path / "model.npz"
    extra = {} if bars[1] is None else {"boost": np.float64(bars[1])}
    np.savez(
        path,
        features=np.array(FEATURES),
        coef=coef,
        intercept=np.float64(0.0),
        mean=np.zeros(len(FEATURES)),
        scale=np.ones(len(FEATURES)),
        threshold=np.float64(bars[0]),  # an item with no sentence on either axis scores 0.5: not covered
        gate=np.float64(gate),
        veto=np.float64(veto),
        partial_gate=np.float64(partial[0]),
        partial_veto=np.float64(partial[1]),
        k=np.int64(1),
        about=np.array("hand-made"),
        item_keys=np.array(keys),
        item_question=np.array([question.number] * len(keys)),
        item_question_id=np.array([question.id] * len(keys)),
        item_id=np.array(ids),
        **extra,
        **arrays,
    )
    return path


def _report(question, text: str, hits: dict[str, bool]) -> tuple[ScoreReport, Transcript]:
    words, t = [], 0.0
    for w in text.split():
        words.append(Word(w, t, t + 0.4))
        t += 0.5
    transcript = Transcript.from_words(words, duration_s=t)
    report = score_answer(question, transcript)
    first = transcript.text.split(" ")[0]
    said = Evidence(first, first, "exact", 0, len(first))  # a credit needs evidence: the first word

    def forced(item):
        if item.id not in hits:
            return item
        if not hits[item.id]:
            return replace(item, hit=False, evidence=None)
        return replace(item, hit=True, evidence=item.evidence or said)

    return replace(report, checklist=tuple(forced(i) for i in report.checklist)), transcript


class _Case(NamedTuple):
    question: Question
    ids: tuple[str, ...]  # the first three items'
    report: ScoreReport  # the matcher's, as given
    transcript: Transcript
    judged: ScoreReport


def _case(
    bank,
    tmp_path: Path,
    text: str,
    credited: tuple[bool, bool, bool],
    veto: float = 0.0,
    heard=None,
    partial: tuple[float, float] = (1.0, 0.0),
    coef_of: dict[str, float] | None = None,
    bars: tuple[float, float | None] = (0.6, None),
    first_said: str | None = None,
):
    """Question 1 with its first three items credited by the matcher as given (the second with the
    evidence ``heard`` when given; the first with the words ``first_said`` where the text says them, else
    its first word), re-judged by the hand-made model."""
    question = bank.find(1)
    ids = tuple(i.id for i in question.checklist[:3])
    report, transcript = _report(question, text, dict(zip(ids, credited, strict=True)))
    evidence = {}
    if heard is not None:
        evidence[ids[1]] = heard
    if first_said is not None:
        at = transcript.text.index(first_said)
        evidence[ids[0]] = Evidence(first_said, first_said, "exact", at, at + len(first_said))
    if evidence:
        checklist = tuple(replace(i, evidence=evidence.get(i.id, i.evidence)) for i in report.checklist)
        report = replace(report, checklist=checklist)
    model = _model(tmp_path, question, gate=0.7, veto=veto, coef_of=coef_of, partial=partial, bars=bars)
    judge = Judge(_AxisEncoder(), model)
    return _Case(question, ids, report, transcript, judge.reconsider(question, report, transcript))


def test_the_model_decides_an_answer_only_past_the_gate(bank, tmp_path: Path) -> None:
    # sentences: 0 "We talk a lot." (axis 0), 1 "Terraform ..." (axis 1: the first item), 2 "... canary here."
    # (axis 3: the third item). The matcher credits the second item only: the model doubts it (1 of 1).
    c = _case(
        bank,
        tmp_path,
        "We talk a lot. Terraform everywhere, a big rollback story. Nothing about the canary here.",
        (False, True, False),
    )
    first, second, third = c.ids
    report, judged = c.report, c.judged
    assert judged.second_opinion == "applied"
    by_id = {i.id: i for i in judged.checklist}
    assert not by_id[second].hit and by_id[second].doubted == report.checklist[1].evidence
    assert by_id[first].hit and by_id[first].evidence.match == "meaning"
    span = sentences(c.transcript.text)[1]
    assert by_id[first].evidence.text == c.transcript.text[span[0] : span[1]]
    said = c.transcript.words[4:10]  # "Terraform everywhere, a big rollback story."
    assert (by_id[first].evidence.start, by_id[first].evidence.end) == (said[0].start, said[-1].end)
    assert by_id[third].hit and by_id[third].evidence.text.endswith("canary here.")
    assert by_id[first].why.startswith("Said in other words, judged by meaning:")
    untouched = [i for i in judged.checklist if i.id not in (first, second, third)]
    assert untouched == [i for i in report.checklist if i.id not in (first, second, third)]
    assert judged.coverage == pytest.approx(
        sum(i.weight for i in judged.checklist if i.hit) / sum(i.weight for i in judged.checklist)
    )
    again = ScoreReport.from_dict(json.loads(json.dumps(judged.to_dict())))
    assert again.second_opinion == "applied"
    for read, made in zip(again.checklist, judged.checklist, strict=True):  # opinions are kept to 3 places
        assert (read.id, read.hit, read.evidence, read.doubted) == (
            made.id,
            made.hit,
            made.evidence,
            made.doubted,
        )
        assert read.opinion == (None if made.opinion is None else round(made.opinion, 3))


def test_below_the_gate_the_matchers_decisions_stand(bank, tmp_path: Path) -> None:
    # the matcher credits the first item (the model agrees) and the second (the model doubts): 1 of 2 doubted
    c = _case(bank, tmp_path, "Terraform everywhere. Nothing else here.", (True, True, False))
    report, judged = c.report, c.judged
    assert judged.second_opinion == "agreed"
    assert judged.checklist == report.checklist
    assert "second_opinion" in judged.to_dict() and "opinion" not in judged.to_dict()["checklist"][0]


def test_below_the_gate_the_veto_withdraws_only_the_credits_it_all_but_rules_out(
    bank, tmp_path: Path
) -> None:
    # the first item is on its axis (probability ~1); the second has no sentence on its axis (0.5, under
    # the veto of 0.55); 1 of 2 credits doubted stays under the gate
    c = _case(bank, tmp_path, "Terraform everywhere. Nothing else here.", (True, True, False), veto=0.55)
    first, second, third = c.ids
    report, judged = c.report, c.judged
    assert judged.second_opinion == "revised"
    by_id, before = {i.id: i for i in judged.checklist}, {i.id: i for i in report.checklist}
    assert by_id[first].hit and by_id[first].evidence == before[first].evidence
    assert not by_id[second].hit and by_id[second].doubted == before[second].evidence
    assert not by_id[third].hit and by_id[third].doubted is None
    assert [i for i in judged.checklist if i.id not in (first, second)] == [
        i for i in report.checklist if i.id not in (first, second)
    ]
    kept = sum(i.weight for i in report.checklist if i.hit and i.id != second)
    assert judged.coverage == pytest.approx(kept / sum(i.weight for i in report.checklist))
    again = ScoreReport.from_dict(json.loads(json.dumps(judged.to_dict())))
    assert again.second_opinion == "revised" and again.checklist[1].doubted == before[second].evidence
    assert "Judged by meaning" not in format_report(judged, c.question)  # only a whole answer judged says so


@pytest.mark.parametrize(("partial_gate", "withdrawn"), [(0.5, True), (0.6, False)])
def test_where_the_model_doubts_part_of_the_credits_the_veto_bar_rises(
    bank, tmp_path: Path, partial_gate: float, withdrawn: bool
) -> None:
    # 1 of 2 credits doubted (the second: 0.5, under the threshold of 0.6), under the gate of 0.7 and over
    # the plain veto of 0.0: only a partial gate at or under that share raises the bar to 0.55
    c = _case(
        bank,
        tmp_path,
        "Terraform everywhere. Nothing else here.",
        (True, True, False),
        partial=(partial_gate, 0.55),
    )
    first, second, _ = c.ids
    by_id = {i.id: i for i in c.judged.checklist}
    assert by_id[first].hit
    assert by_id[second].hit is not withdrawn
    assert c.judged.second_opinion == ("revised" if withdrawn else "agreed")


@pytest.mark.parametrize(
    ("text", "withdrawn"),
    [
        ("Terraform, Ansible, Packer, Vault, all of that. Nothing else here.", True),
        ("Terraform, Ansible, Packer and Vault build every image we ship. Nothing else here.", False),
    ],
)
def test_a_credit_from_a_list_waved_away_is_withdrawn_whatever_the_model_says(
    bank, tmp_path: Path, text: str, withdrawn: bool
) -> None:
    # the first item's evidence is the first word, in a sentence on its axis: the model credits it (~1)
    c = _case(bank, tmp_path, text, (True, False, False))
    first = c.ids[0]
    judged, before = {i.id: i for i in c.judged.checklist}, {i.id: i for i in c.report.checklist}
    assert judged[first].hit is not withdrawn
    if withdrawn:
        assert judged[first].opinion is not None and judged[first].opinion > 0.9  # the model would keep it
        assert c.judged.second_opinion == "revised"
        assert judged[first].doubted == before[first].evidence
        assert judged[first].doubt.endswith("does not say how you use it.")
    else:
        assert c.judged.second_opinion == "agreed"


def _judged_real(
    judge: Judge, question: Question, text: str
) -> tuple[ScoreReport, dict[str, Opinion], dict[str, ChecklistResult]]:
    """The matcher's report of ``text``, the shipped model's opinions of it, and its judged items by id."""
    transcript = Transcript.from_text(text)
    matcher = score_answer(question, transcript)
    judged = judge.reconsider(question, matcher, transcript)
    return matcher, judge.opinions(question, matcher), {i.id: i for i in judged.checklist}


def test_a_real_answer_keeps_its_points_and_loses_the_names_it_waves_away(bank, judge: Judge) -> None:
    question = bank.find(3)
    text = (
        "I start from the two or three journeys our customers care about, checkout and search, and for each "
        "one I pick an SLI like the share of requests served under three hundred milliseconds. "
        "Metrics in Prometheus, Grafana dashboards, traces with Jaeger, centralized logs, all of that."
    )
    matcher, opinions, judged = _judged_real(judge, question, text)
    listed = [i.id for i in matcher.checklist if i.hit and opinions[i.id].listed]
    # the matcher credits names of the last sentence, and one of them is over every bar a credit can face
    assert listed and max(opinions[i].probability for i in listed) >= max(judge.veto, judge.partial_veto)
    for item_id in listed:
        assert not judged[item_id].hit and judged[item_id].doubted is not None
        assert judged[item_id].doubted.text in text.split(". ")[-1]
    kept = [i.id for i in matcher.checklist if i.hit and not opinions[i.id].listed]
    assert kept and all(judged[i].hit for i in kept)


@pytest.mark.parametrize(
    ("text", "withdrawn"),
    [
        ("Terraform, that's on the roadmap for next quarter. Nothing else here.", True),
        # the plan is a later clause's own subject, not the credited word's
        (
            "Terraform builds every image, and a plan to start canaries is on the roadmap. Nothing else.",
            False,
        ),
    ],
)
def test_a_credit_put_off_is_withdrawn_whatever_the_model_says_and_the_review_says_why(
    bank, tmp_path: Path, text: str, withdrawn: bool
) -> None:
    c = _case(bank, tmp_path, text, (True, False, False))
    first = c.ids[0]
    judged, before = {i.id: i for i in c.judged.checklist}, {i.id: i for i in c.report.checklist}
    assert judged[first].hit is not withdrawn
    if not withdrawn:
        assert c.judged.second_opinion == "agreed"
        return
    assert judged[first].opinion is not None and judged[first].opinion > 0.9  # the model would keep it
    assert judged[first].doubted == before[first].evidence and judged[first].doubt_reason == PUT_OFF_REASON
    assert judged[first].doubt == (
        f'You mentioned "{before[first].evidence.text}" as something still to come, not as something you do.'
    )
    # the reason is stored with the report and read back; a reason this version does not know reads as none
    stored = c.judged.to_dict()
    again = {i.id: i for i in ScoreReport.from_dict(stored).checklist}
    assert again[first].doubt_reason == PUT_OFF_REASON and again[first].doubt == judged[first].doubt
    for item in stored["checklist"]:
        if item["id"] == first:
            item["doubt_reason"] = "a reason from a newer version"
    newer = {i.id: i for i in ScoreReport.from_dict(stored).checklist}
    assert newer[first].doubt_reason == "" and newer[first].doubt.endswith("does not say how you use it.")


LONG_OPENING = "Nothing else here, nothing at all, not one thing said in this first and rather long sentence."


@pytest.mark.parametrize(
    ("text", "withdrawn"),
    [
        # the evidence in the middle of a later sentence, after a first one longer than it: where the
        # evidence sits in its own sentence decides, not where it sits in the answer
        (f"{LONG_OPENING} We run Terraform everywhere, that's on the roadmap.", True),
        (
            f"{LONG_OPENING} A plan to start canaries is on the roadmap, and we run Terraform everywhere.",
            False,
        ),
    ],
)
def test_what_is_put_off_is_judged_where_the_evidence_sits_in_its_sentence(
    bank, tmp_path: Path, text: str, withdrawn: bool
) -> None:
    c = _case(bank, tmp_path, text, (True, False, False), first_said="Terraform")
    first = c.ids[0]
    judged = {i.id: i for i in c.judged.checklist}
    assert judged[first].hit is not withdrawn
    assert judged[first].doubt_reason == (PUT_OFF_REASON if withdrawn else "")


def test_a_misheard_name_in_a_clause_put_off_stays_credited(bank, tmp_path: Path) -> None:
    # the second item's credit is a misheard name in a clause that puts it off: the model never judges those
    c = _case(
        bank,
        tmp_path,
        "Statuspaige, that's on the roadmap. Nothing else here.",
        (False, True, False),
        heard=Evidence("Statuspaige", "Statuspage", "fuzzy", 0, 11),
    )
    second = c.ids[1]
    judged = {i.id: i for i in c.judged.checklist}
    assert judged[second].hit and judged[second].doubt_reason == ""


def test_a_real_answer_keeps_its_points_and_loses_the_one_it_puts_off(bank, judge: Judge) -> None:
    question = bank.find(5)
    text = (
        "We keep every Terraform module in its own repository, versioned with semantic tags, and each "
        "environment pins the version it runs. State lives in an S3 bucket per account with DynamoDB "
        "locking, so two applies can never race. Drift detection with a scheduled terraform plan would be "
        "the next step."
    )
    matcher, opinions, judged = _judged_real(judge, question, text)
    later = [i.id for i in matcher.checklist if i.hit and opinions[i.id].put_off]
    assert later == ["drift-detection"]
    # the model alone would credit it: the sentence is about the point, which it only plans
    assert opinions["drift-detection"].probability >= max(judge.veto, judge.partial_veto, judge.threshold)
    assert not judged["drift-detection"].hit and judged["drift-detection"].doubt_reason == PUT_OFF_REASON
    assert all(judged[i].hit for i in ("modules", "versioned-modules", "remote-state-locking"))


def test_the_judge_finds_a_question_by_its_id_whatever_its_number(bank, judge: Judge) -> None:
    # a bank of the user's that holds question 5 as its first, and another question numbered 5
    question = bank.find(5)
    text = (
        "We keep every Terraform module in its own repository, versioned with semantic tags. Drift detection "
        "with a scheduled terraform plan would be the next step."
    )
    transcript = Transcript.from_text(text)
    renumbered = question.model_copy(update={"number": 1})
    judged = judge.reconsider(renumbered, score_answer(renumbered, transcript), transcript)
    assert judged.second_opinion == "revised"
    assert {i.id: i for i in judged.checklist}["drift-detection"].doubt_reason == PUT_OFF_REASON
    stranger = bank.find(1).model_copy(update={"number": 5, "id": "a-question-of-my-own"})
    report = score_answer(stranger, transcript)
    assert judge.reconsider(stranger, report, transcript) is report  # none of its items is known


@pytest.mark.parametrize(("boost", "credited"), [(0.7, True), (None, False)])
def test_where_the_matchers_decisions_stand_a_missed_point_counts_from_the_lower_boost_bar(
    bank, tmp_path: Path, boost: float | None, credited: bool
) -> None:
    # knn weighted 1: the first item's sentence on its axis scores 0.73, under the threshold of 0.8. The
    # matcher's one credit is a misheard name, out of the gate's share: its decisions stand.
    c = _case(
        bank,
        tmp_path,
        "Terraform everywhere. Nothing else here.",
        (False, True, False),
        heard=Evidence("Statuspaige", "Statuspage", "fuzzy", 0, 9),
        coef_of={"knn": 1.0},
        bars=(0.8, boost),
    )
    first = {i.id: i for i in c.judged.checklist}[c.ids[0]]
    assert first.hit is credited
    if credited:
        assert c.judged.second_opinion == "revised" and first.evidence.match == "meaning"
        assert first.opinion == pytest.approx(1 / (1 + np.exp(-1.0)))


def test_past_the_gate_a_missed_point_needs_the_threshold_not_the_boost(bank, tmp_path: Path) -> None:
    # the matcher's one credit (the second item, no sentence on its axis: 0.5) is doubted: the model decides,
    # and the first item's 0.73 is over the boost of 0.7 but under the threshold of 0.8
    c = _case(
        bank,
        tmp_path,
        "Terraform everywhere. Nothing else here.",
        (False, True, False),
        coef_of={"knn": 1.0},
        bars=(0.8, 0.7),
    )
    by_id = {i.id: i for i in c.judged.checklist}
    assert c.judged.second_opinion == "applied"
    assert not by_id[c.ids[0]].hit and not by_id[c.ids[1]].hit


@pytest.mark.parametrize("kind", ["fuzzy", "phonetic"])
def test_the_veto_leaves_a_misheard_name_alone(bank, tmp_path: Path, kind: str) -> None:
    """The model learned from written answers, where no name is misheard: it doubts every fuzzy match."""
    c = _case(
        bank,
        tmp_path,
        "Terraform everywhere. Nothing else here.",
        (True, True, False),
        veto=0.55,
        heard=Evidence("Statuspaige", "Statuspage", kind, 0, 9),
    )
    report, judged = c.report, c.judged
    assert judged.second_opinion == "agreed"
    assert judged.checklist == report.checklist


def test_while_speaking_only_finished_sentences_are_embedded() -> None:
    text = "We page on burn rate. Then we roll back? And the postmortem"
    assert finished_part(text) == "We page on burn rate. Then we roll back?"
    assert sentences(finished_part(text)) == sentences(text)[:2]  # the same sentences the review embeds
    assert finished_part("And the postmortem") == ""
    assert finished_part("Done!") == "Done!"


def test_the_evidence_sentence_features() -> None:
    passing, points, words = evidence_features("And we've got Atlantis in the mix too.", 1)
    assert (passing, points) == (1.0, 1.0) and words == pytest.approx(np.log(1 + 8))
    assert evidence_features("We run terraform plan nightly and page on drift.", 3)[:2] == (0.0, 3.0)
    assert evidence_features("We\u2019ve got Datadog.", 1)[0] == 1.0  # a typographic apostrophe too
    assert evidence_features("Atlas is a tool we do not use.", 1)[0] == 0.0  # "too" only as a word
    assert evidence_features(None, 0) == (0.0, 0.0, 0.0)
    spans = sentences("One. Two is here. Three.")
    assert evidence_sentences(spans, {"a": 0, "b": 5, "c": 9, "d": 99}) == {"a": 0, "b": 1, "c": 1}


def test_below_the_gate_a_point_the_matcher_missed_and_the_model_credits_counts(bank, tmp_path: Path) -> None:
    # the matcher credits the first item (the model agrees) and misses the third, whose sentence is on its
    # axis: said in other words. The second has no sentence on its axis (0.5, under the threshold of 0.6).
    c = _case(bank, tmp_path, "Terraform everywhere. Nothing about the canary here.", (True, False, False))
    first, second, third = c.ids
    report, judged = c.report, c.judged
    assert judged.second_opinion == "revised"
    by_id, before = {i.id: i for i in judged.checklist}, {i.id: i for i in report.checklist}
    assert by_id[first].hit and by_id[first].evidence == before[first].evidence
    assert not by_id[second].hit and by_id[second].evidence is None
    assert by_id[third].hit and by_id[third].evidence.match == "meaning"
    assert by_id[third].evidence.text == "Nothing about the canary here."
    assert by_id[third].why.startswith("Said in other words, judged by meaning:")
    assert "Judged by meaning" not in format_report(judged, c.question)  # only a whole answer judged says so


@pytest.mark.parametrize(
    ("credited", "verdicts"),
    [((True, False, False), ("agreed", "revised")), ((False, True, False), ("applied", "applied"))],
)  # below the gate (nothing else to change) and past it (the doubted second item is withdrawn)
def test_a_one_word_sentence_never_earns_a_point_by_meaning(
    bank, tmp_path: Path, credited: tuple[bool, bool, bool], verdicts: tuple[str, str]
) -> None:
    # The third item's only sentence lies on its axis: as "Canary." it shows nothing, as two words it does.
    short = _case(bank, tmp_path, "Terraform everywhere. Canary.", credited)
    longer = _case(bank, tmp_path, "Terraform everywhere. Canary releases.", credited)
    third = short.ids[2]
    assert (short.judged.second_opinion, longer.judged.second_opinion) == verdicts
    assert not {i.id: i for i in short.judged.checklist}[third].hit
    found = {i.id: i for i in longer.judged.checklist}[third]
    assert found.hit and found.evidence.text == "Canary releases."


def test_an_answer_the_matcher_credits_nothing_in_gets_the_points_the_model_finds(
    bank, tmp_path: Path
) -> None:
    question = bank.find(1)
    judge = Judge(_AxisEncoder(), _model(tmp_path, question, gate=0.7))
    nothing = {i.id: False for i in question.checklist}
    report, transcript = _report(question, "Terraform everywhere.", nothing)
    judged = judge.reconsider(question, report, transcript)
    assert judged.second_opinion == "revised"
    assert [i.id for i in judged.checklist if i.hit] == [question.checklist[0].id]
    report, transcript = _report(question, "We talk a lot.", nothing)  # no sentence on any item's axis
    judged = judge.reconsider(question, report, transcript)
    assert judged.second_opinion == "agreed" and judged.checklist == report.checklist
    report, transcript = _report(question, "", nothing)  # nothing to judge: the report as it was
    assert judge.reconsider(question, report, transcript) is report


def test_past_the_gate_a_misheard_name_keeps_its_credit(bank, tmp_path: Path) -> None:
    # every sentence lies on axis 0: the model doubts every item. The first credit (a word) is doubted, 1 of
    # 1 judged: the gate opens; the second (a misheard name) is neither judged nor withdrawn.
    heard = Evidence("Statuspaige", "Statuspage", "phonetic", 0, 2)
    c = _case(bank, tmp_path, "We talk. We talk a lot.", (True, True, False), heard=heard)
    first, second, _ = c.ids
    assert c.judged.second_opinion == "applied"
    by_id = {i.id: i for i in c.judged.checklist}
    assert not by_id[first].hit and by_id[first].doubted == c.report.checklist[0].evidence
    assert by_id[second].hit and by_id[second].evidence == heard


def test_the_evidence_sentences_features_reach_the_model(bank, tmp_path: Path) -> None:
    """A model that reads only how many credited items share the evidence's sentence: two in one sentence
    score sigmoid(2 * 2 - 3), the one alone in its sentence sigmoid(2 * 1 - 3)."""
    question = bank.find(1)
    first, second, third = (i.id for i in question.checklist[:3])
    report, _ = _report(question, "Terraform and more. We talk.", {first: True, second: True, third: True})
    where = {first: 0, second: 9, third: 20}  # "Terraform", "more", "We"
    checklist = tuple(
        replace(i, evidence=Evidence("x", "x", "exact", where[i.id], where[i.id] + 1)) if i.id in where else i
        for i in report.checklist
    )
    report = replace(report, checklist=checklist)
    model = _model(tmp_path, question, gate=0.7, coef_of={"points_in_sentence": 2.0})
    np.savez(model, **{**dict(np.load(model)), "intercept": np.float64(-3.0)})
    opinions = Judge(_AxisEncoder(), model).opinions(question, report)
    shared, alone = 1 / (1 + np.exp(-1.0)), 1 / (1 + np.exp(1.0))
    assert opinions[first].probability == pytest.approx(shared)
    assert opinions[second].probability == pytest.approx(shared)
    assert opinions[third].probability == pytest.approx(alone)


def test_history_and_the_export_keep_the_second_opinion(bank, judge: Judge, repo) -> None:
    from opsprep_voice.storage.export import export_markdown
    from opsprep_voice.storage.export_markdown import md_escape

    question = bank.find(9)
    transcript = Transcript.from_text(BLUFF)
    judged = judge.reconsider(question, score_answer(question, transcript), transcript)
    session = repo.create_session("mock")
    attempt = repo.start_attempt(session.id, question)
    repo.mark_recorded(attempt.id, 60.0)
    repo.save_score(attempt.id, judged.to_dict(), transcript.to_dict())

    stored = repo.get_session(session.id).attempts[0]
    read = ScoreReport.from_dict(stored.report)
    assert read.second_opinion == "applied"
    assert [i.doubted for i in read.checklist] == [i.doubted for i in judged.checklist]
    text = export_markdown(repo.get_session(session.id))
    doubted = [i for i in judged.checklist if i.doubted is not None]
    assert doubted
    for item in doubted:
        assert f"- [ ] {md_escape(item.label)} — {md_escape(item.doubt)}" in text
