"""The practice plan read from a real History store: missed items, follow-ups, deletions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from opsprep_voice.core.bank import load_bank
from opsprep_voice.core.plan import build_plan
from opsprep_voice.core.transcript import Transcript
from opsprep_voice.practice.attempts import Attempts
from opsprep_voice.storage.repository import HistoryRepository

BANK = load_bank()
Q3 = BANK.find("slis-slos-observability")


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[HistoryRepository]:
    with HistoryRepository(tmp_path / "history.sqlite3") as r:
        yield r


def test_the_plan_reads_scored_main_answers_with_the_items_they_missed(repo: HistoryRepository) -> None:
    attempts = Attempts(repo)
    attempts.start_session("interview")
    main = attempts.score_and_save(
        attempts.reserve(Q3), Q3, Transcript.from_text("We set SLOs with an error budget.", duration_s=30.0)
    )
    follow = attempts.reserve(Q3, follow_up_of=main.attempt_id)
    attempts.score_and_save_follow_up(
        follow,
        Q3,
        Transcript.from_text("I start from the critical user journeys, like checkout."),
        main_report=main.report,
        main_attempt_id=main.attempt_id,
    )
    attempts.failed(attempts.reserve(Q3), "microphone unplugged")

    read = repo.plan_attempts()
    assert len(read) == 1  # the follow-up and the failed take are not answers of their own
    only = read[0]
    missed = {item.id for item in main.report.checklist if not item.hit}
    assert set(only.missed) == missed != set()
    assert only.coverage == pytest.approx(main.report.coverage, abs=1e-3)
    assert only.coverage_with_follow_ups is not None and only.coverage_with_follow_ups > only.coverage

    now = datetime.now(UTC)
    plan = build_plan(list(BANK), read, now=now)
    entry = next(q for q in plan.questions if q.question_id == Q3.id)
    assert entry.reps == 1 and entry.weak_points
    assert {p.item_id for p in entry.weak_points} <= missed

    # Deleting the answer in History puts the question back among the new ones.
    assert main.attempt_id is not None and repo.delete_attempt(main.attempt_id)
    plan = build_plan(list(BANK), repo.plan_attempts(), now=now)
    assert next(q for q in plan.questions if q.question_id == Q3.id).status == "new"


def test_answers_stored_before_the_plan_existed_are_back_filled_when_the_database_upgrades(
    tmp_path: Path,
) -> None:
    from opsprep_voice.core.scoring import ScoreReport

    path = tmp_path / "history.sqlite3"
    path.write_bytes((Path(__file__).parent / "data" / "history-v2-release.sqlite3").read_bytes())
    with HistoryRepository(path) as repo:
        read = repo.plan_attempts()
        assert [a.question_id for a in read] == [Q3.id, "backups-and-disaster-recovery"]
        for attempt, record_id in zip(read, (1, 2), strict=True):
            report = ScoreReport.from_dict(repo.get_attempt(record_id).report)
            assert set(attempt.missed) == {item.id for item in report.checklist if not item.hit} != set()
