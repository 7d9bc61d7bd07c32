"""A list of names the speaker waves away (core.passing.listed_in_passing) is told apart from a list that
explains, and from a passing word in a sentence that makes a point."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsprep_voice.core.passing import LIST_PARTS, WAVED_AWAY, listed_in_passing

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
