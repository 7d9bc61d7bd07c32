"""Exports with interviewer follow-ups: Markdown, CSV and PDF show each follow-up under its main answer
(the question asked, the answer, its coverage and delivery, what it recovered), and the CSV links them."""

from __future__ import annotations

import csv
from pathlib import Path

import pypdf
import pytest

from opsprep_voice.storage.export import CSV_FIELDS, export_attempts, export_csv, export_markdown
from opsprep_voice.storage.records import AttemptRecord, SessionRecord
from opsprep_voice.storage.repository import HistoryRepository
from tests.support.history_data import QUESTIONS, add_follow_up, add_scored, at

Q1, Q2, _ = QUESTIONS


@pytest.fixture
def session(repo: HistoryRepository) -> SessionRecord:
    """Q1 answered thinly (items 0-1) then followed up (item 2 recovered); Q2 without follow-ups."""
    s = repo.create_session("interview", "Mock with follow-ups", started_at=at(4, 9))
    main = add_scored(repo, s.id, Q1, "We tag resources.", coverage=0.5, started_at=at(4, 9), hits=2)
    add_follow_up(
        repo,
        main,
        Q1,
        "Then savings plans for the steady baseline.",
        coverage=0.25,
        started_at=at(4, 10),
        duration_s=18.0,
        wpm=126.0,
        merged=0.75,
    )
    add_scored(repo, s.id, Q2, "I led the incident.", coverage=0.25, started_at=at(4, 11), hits=1)
    return repo.get_session(s.id)


def _follow_up(session: SessionRecord) -> AttemptRecord:
    return next(a for a in session.attempts if a.is_follow_up)


def test_markdown_shows_the_follow_up_under_its_main_answer(session: SessionRecord) -> None:
    follow = _follow_up(session)
    md = export_markdown(session, recovered={follow.id: ["Idea 2 for cost-reduction"]})
    assert "2 answers and 1 follow-up · average coverage 38 %" in md  # main answers only
    assert md.count("## Q") == 2  # the follow-up is no answer of its own
    assert "Coverage: **50 %** (with follow-ups: **75 %**)" in md
    assert "| 50 % → 75 % | 1 |" in md  # summary row: coverage with follow-ups, follow-up count
    q1, q2 = md.index("## Q1."), md.index("## Q2.")
    block = md[q1:q2]
    assert "### Follow-up 1: “Could you say more about item-2?”" in block
    assert "Coverage: 25 % · Duration: 0:18 · Pace: 126 wpm (comfortable) · Fillers: 1.5/min" in block
    assert "> Then savings plans for the steady baseline." in block
    assert "Recovered after this follow-up:\n\n- ↳ Idea 2 for cost-reduction" in block
    # In the main answer's checklist the item reads as recovered, not as simply missed.
    assert "- [ ] Idea 2 for cost-reduction — ↳ recovered after a follow-up" in block
    assert "- [ ] Idea 3 for cost-reduction — e.g." in block
    assert "Follow-up" not in md[q2:]


def test_markdown_says_when_a_follow_up_recovered_nothing(session: SessionRecord) -> None:
    follow = _follow_up(session)
    assert "Recovered after this follow-up: nothing new." in export_markdown(
        session, recovered={follow.id: []}
    )
    assert "Recovered after" not in export_markdown(session)  # not worked out: not claimed


def test_question_export_puts_follow_ups_under_their_answer(repo: HistoryRepository, tmp_path: Path) -> None:
    s = repo.create_session("interview")
    first = add_scored(repo, s.id, Q1, "first", coverage=0.25, started_at=at(1), hits=1)
    add_follow_up(repo, first, Q1, "first follow-up", coverage=0.25, started_at=at(1, 13), merged=0.5)
    add_scored(repo, s.id, Q1, "second", coverage=0.75, started_at=at(2), hits=3)
    path = export_attempts(repo.list_attempts(question_id=Q1.id), tmp_path / "q1.md")
    md = path.read_text(encoding="utf-8")
    assert "2 attempts and 1 follow-up · best coverage 75 % · latest 75 %" in md
    assert md.index("## Q1.") < md.index("### Follow-up 1") < md.rindex("## Q1.")


def test_csv_has_follow_up_rows_linked_to_their_main_answer(session: SessionRecord, tmp_path: Path) -> None:
    follow = _follow_up(session)
    shuffled = [session.attempts[2], follow, session.attempts[0]]  # the rows still follow their answer
    path = export_csv(shuffled, tmp_path / "session.csv")
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == CSV_FIELDS
        rows = list(reader)
    assert {"follow_up_of", "probe_item_id", "coverage_with_follow_ups"} <= set(CSV_FIELDS)
    q2, main, follow_row = rows
    assert main["attempt_id"] == str(follow.follow_up_of) and follow_row["attempt_id"] == str(follow.id)
    assert (
        main["follow_up_of"],
        main["probe_item_id"],
        main["coverage"],
        main["coverage_with_follow_ups"],
    ) == (
        "",
        "",
        "0.5",
        "0.75",
    )
    assert (follow_row["follow_up_of"], follow_row["probe_item_id"], follow_row["coverage"]) == (
        main["attempt_id"],
        "item-2",
        "0.25",
    )
    assert follow_row["transcript"] == "Then savings plans for the steady baseline."
    assert (q2["follow_up_of"], q2["coverage_with_follow_ups"]) == ("", "")


def test_pdf_shows_the_follow_up(
    session: SessionRecord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    from opsprep_voice.ui.pdf_export import export_pdf

    follow = _follow_up(session)
    path = export_pdf(session, tmp_path / "session.pdf", recovered={follow.id: ["Idea 2 for cost-reduction"]})
    text = " ".join(" ".join((page.extract_text() or "") for page in pypdf.PdfReader(path).pages).split())
    assert "Follow-up 1: “Could you say more about item-2?”" in text
    assert "Then savings plans for the steady baseline." in text
    assert "Recovered after this follow-up:" in text and "Idea 2 for cost-reduction" in text
    assert "Coverage: 50 % (with follow-ups: 75 %" in text
