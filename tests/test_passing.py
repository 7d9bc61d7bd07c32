"""Two sentence shapes whose credits the second opinion withdraws (core.passing): a list of names the speaker
waves away, told apart from a list that explains; and a point put off ("that's on the roadmap"), told apart
from a point made with words of time or wish."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsprep_voice.core.passing import LIST_PARTS, WAVED_AWAY, listed_in_passing, put_off

CLOSERS = ("the usual", "that kind of thing", "all of that", "and so on", "etc", "things like that")


@pytest.mark.parametrize(
    "sentence",
    [
        "Networking-wise, VPC, private subnets, VPC endpoints, Secrets Manager, IAM Identity Center, all of "
        "that.",
        "On the communication side we had the usual, PagerDuty, a Slack war room, a status page, stakeholder "
        "updates.",
        "Beyond that we watch the usual FinOps metrics, CUD coverage, idle resources, showback, that kind of "
        "thing.",
        "For testing, Azure Load Testing, JMeter, soak tests, spike tests, that whole toolkit.",
        "We\u2019d also have AWS Backup, cross-account copies, vault lock, that sort of thing.",
    ],
)
def test_a_list_waved_away_is_listed_in_passing(sentence: str) -> None:
    assert listed_in_passing(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        # a list that says what each part does: long parts, no wave
        "Prometheus stores the metrics, Grafana shows them per journey, and we page on the burn rate of the "
        "error budget.",
        # the wave without a list: a point made in one breath
        "We review the error budget every Monday, and that kind of thing decides whether features wait.",
        # a list of names, not waved away: left to the model
        "We run Terraform, Atlantis, Checkov and Infracost on every pull request.",
        "",
    ],
)
def test_a_list_that_explains_or_a_passing_word_alone_is_not(sentence: str) -> None:
    assert not listed_in_passing(sentence)


@given(
    st.lists(
        # no "n": no "and", which would split a part in two
        st.text(alphabet="abcdefghij ", min_size=1, max_size=12).filter(str.strip),
        min_size=1,
        max_size=LIST_PARTS - 2,
    ),
    st.sampled_from(CLOSERS),
)
def test_fewer_parts_than_a_list_never_count_whatever_closes_them(parts: list[str], closer: str) -> None:
    # with the closer as one more part there are still fewer than LIST_PARTS
    sentence = ", ".join(parts) + f", {closer}."
    assert WAVED_AWAY.search(sentence)
    assert not listed_in_passing(sentence)


@given(
    st.lists(
        st.text(alphabet="abcdefghij", min_size=1, max_size=9),
        min_size=LIST_PARTS - 1,
        max_size=8,
    ),
    st.sampled_from(CLOSERS),
)
def test_short_names_waved_away_always_count(parts: list[str], closer: str) -> None:
    assert listed_in_passing(", ".join(parts) + f", {closer}.")


# ------------------------------------------------------------------------------------------- put off


@pytest.mark.parametrize(
    ("sentence", "evidence"),
    [
        ("Policy as code, OPA, that's on the roadmap.", "Policy as code"),
        ("Restore testing, definitely, it's on the list.", "Restore testing"),
        ("Shutting down dev clusters at night is on my list for this quarter.", "dev clusters"),
        ("Committed use discounts are something finance was looking into.", "Committed use"),
        ("Load testing and capacity planning would be the next step, really.", "capacity planning"),
        ("Exit strategy is something I would like to formalise next year.", "Exit strategy"),
        ("We also talked about flame graphs and APM, but that\u2019s on the wish list.", "flame graphs"),
        ("We have an error budget policy and there's a plan to start SLO reviews.", "SLO reviews"),
        (
            "Connection pooling with PgBouncer is on the list for next quarter, and the DBAs watch it.",
            "PgBouncer",
        ),
        (
            "We have an error budget policy, and there's a plan to start SLO reviews with product next year.",
            "SLO reviews",
        ),
    ],
)
def test_a_point_put_off_is_put_off(sentence: str, evidence: str) -> None:
    assert put_off(sentence, sentence.index(evidence))


@pytest.mark.parametrize(
    ("sentence", "evidence"),
    [
        # the plan is another clause's, which does not point back at the evidence
        (
            "We have an error budget policy, and there's a plan to start SLO reviews with product next year.",
            "error budget policy",
        ),
        # words of time and wish that strong answers use while making the point
        ("If a service burns its error budget, the next sprint goes to reliability.", "error budget"),
        ("Multi-region, not yet; I'd rather have restores we've actually tested.", "restores"),
        ("I'd like to own the on-call rotation end to end.", "on-call rotation"),
        ("Reliability items sit on the same roadmap as features, sized and ranked the same way.", "roadmap"),
        ("Every Monday we review the backlog of postmortem actions.", "postmortem actions"),
        # a later clause puts off something else: a new subject, an aside that is not the point, "to" a verb
        ("We run Terraform everywhere, but canaries, those are on the roadmap.", "Terraform"),
        (
            "We have Terraform for everything, that has been in place for years, and policy as code, "
            "that's on the roadmap.",
            "Terraform",
        ),
        ("Terraform plans run on every PR, it is on the roadmap to add OPA.", "Terraform"),
        # "and" before a new subject ends a clause, with or without the comma; so does a dash
        ("We have an error budget policy and there's a plan to start SLO reviews.", "error budget policy"),
        ("We have an error budget policy \u2014 and a plan to start SLO reviews.", "error budget policy"),
        # "haven't got to" is also "haven't had to"
        ("We haven't got to page anyone at night since the SLO alerts went in.", "SLO alerts"),
        ("", ""),
    ],
)
def test_a_point_made_is_not_put_off(sentence: str, evidence: str) -> None:
    assert not put_off(sentence, sentence.index(evidence))


def test_a_place_outside_the_sentence_is_not_put_off() -> None:
    sentence = "Policy as code, that's on the roadmap."
    assert put_off(sentence, 0)
    assert not put_off(sentence, len(sentence)) and not put_off(sentence, -1)


SAID = st.text(alphabet="abcdefghij ", min_size=1, max_size=30).map(str.strip).filter(bool)  # spells no cue
LATER = ("on the roadmap", "on my list", "on the wish list", "would be the next step", "still to do")


@given(
    SAID, st.sampled_from(LATER), st.sampled_from(("that's", "it's", "and that's", "but that's", "which is"))
)
def test_a_later_clause_that_points_back_puts_the_point_off(said: str, later: str, back: str) -> None:
    assert put_off(f"{said}, {back} {later}.", 0)


@given(SAID, SAID, st.sampled_from(LATER))
def test_a_plan_in_the_clause_before_the_point_does_not_put_it_off(
    said: str, before: str, later: str
) -> None:
    sentence = f"{before} is {later}, {said}."
    assert put_off(sentence, 0)
    assert not put_off(sentence, sentence.index(said, len(before) + 4 + len(later)))
