"""Exports: Markdown content, CSV read back, PDF read back with pypdf, audio copies, never overwriting."""

from __future__ import annotations

import csv
import re
from datetime import timedelta
from pathlib import Path

import pypdf
import pytest

from opsprep_voice.storage.export import (
    CSV_FIELDS,
    export_attempts,
    export_csv,
    export_markdown,
    write_markdown,
)
from opsprep_voice.storage.export_files import ExportError
from opsprep_voice.storage.records import SessionRecord
from opsprep_voice.storage.repository import HistoryRepository
from tests.support.history_data import QUESTIONS, add_scored, at

Q1, Q2, Q3 = QUESTIONS
TRANSCRIPT_1 = 'We cut spend by 38%, tagging *every* resource; the "FinOps" review ran weekly, with alerts.'
TRANSCRIPT_2 = "- I was on call when the database failover hung for 12 minutes"


@pytest.fixture
def session(repo: HistoryRepository) -> SessionRecord:
    s = repo.create_session("mock", "March mock interview", "bundled", started_at=at(3, 9))
    add_scored(repo, s.id, Q1, TRANSCRIPT_1, coverage=0.75, started_at=at(3, 9), duration_s=95.0, hits=3)
    add_scored(repo, s.id, Q2, TRANSCRIPT_2, coverage=0.25, started_at=at(3, 10), wpm=171.0, hits=1)
    failed = repo.start_attempt(s.id, Q3, started_at=at(3, 11))
    repo.mark_failed(failed.id, "transcription failed: model missing")
    repo.end_session(s.id, ended_at=at(3, 12))
    return repo.get_session(s.id)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


def test_markdown_has_summary_questions_transcripts_and_checklist(session: SessionRecord) -> None:
    md = export_markdown(session)
    assert md.startswith("# March mock interview\n")
    assert "3 answers · average coverage 50 %" in md
    assert f"## Q1. {Q1.text}" in md
    assert f"## Q2. {Q2.text}" in md
    # Markdown syntax in what was said is escaped, so it shows as spoken.
    assert r"tagging \*every\* resource" in md
    assert r"> \- I was on call" in md
    assert "Coverage: **75 %** · Duration: 1:35 (target 2:00) · Pace: 140 wpm (comfortable)" in md
    assert "- [x] Idea 0 for cost-reduction — “evidence 0”" in md
    assert "- [ ] Idea 3 for cost-reduction — e.g. “Example wording 3”" in md
    assert "**Problem:** transcription failed: model missing" in md
    assert f"| 2 | {Q2.text} |" in md  # summary table row


def test_csv_round_trips_through_dictreader(session: SessionRecord, out: Path) -> None:
    path = export_csv(session.attempts, out / "session.csv")
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == CSV_FIELDS
        rows = list(reader)
    assert [r["question_id"] for r in rows] == [Q1.id, Q2.id, Q3.id]
    first, second, failed = rows
    assert first["transcript"] == TRANSCRIPT_1  # commas, quotes and semicolons survive
    assert (first["coverage"], first["duration_s"], first["wpm"], first["fillers_per_min"]) == (
        "0.75",
        "95.0",
        "140.0",
        "1.5",
    )
    assert (first["checklist_hit"], first["checklist_total"], first["long_pauses"]) == ("3", "4", "1")
    assert first["started_at"] == "2025-03-03T09:00:00+00:00"
    assert second["wpm"] == "171.0"
    assert (failed["status"], failed["coverage"], failed["error"]) == (
        "failed",
        "",
        "transcription failed: model missing",
    )


def test_never_overwrites_silently(session: SessionRecord, out: Path) -> None:
    target = out / "session.md"
    target.write_text("my notes", encoding="utf-8")
    with pytest.raises(ExportError, match="already exists"):
        write_markdown(session, target)
    with pytest.raises(ExportError, match="already exists"):
        export_csv(session.attempts, target)
    assert target.read_text(encoding="utf-8") == "my notes"
    write_markdown(session, target, overwrite=True)
    assert target.read_text(encoding="utf-8").startswith("# March mock interview")
    assert [p.name for p in out.iterdir()] == ["session.md"]  # no temporary files left behind


def test_bad_targets_are_clear_errors(session: SessionRecord, out: Path) -> None:
    with pytest.raises(ExportError, match="is a folder"):
        write_markdown(session, out)
    with pytest.raises(ExportError, match="does not exist"):
        write_markdown(session, out / "missing" / "x.md")


def test_with_audio_copies_files_beside_the_export(session: SessionRecord, out: Path) -> None:
    target = write_markdown(session, out / "march.md", with_audio=True)
    folder = out / "march-audio"
    names = sorted(p.name for p in folder.iterdir())
    scored = [a for a in session.attempts if a.status == "scored"]
    assert names == sorted(a.audio_path.name for a in scored if a.audio_path)
    md = target.read_text(encoding="utf-8")
    for name in names:
        assert f"(<march-audio/{name}>)" in md
        assert (folder / name).read_bytes() == (scored[0].audio_path.parent / name).read_bytes()
    # The audio folder is a target too: not replaced silently.
    (out / "march.md").unlink()
    with pytest.raises(ExportError, match="march-audio already exists"):
        write_markdown(session, out / "march.md", with_audio=True)
    write_markdown(session, out / "march.md", with_audio=True, overwrite=True)


def test_all_attempts_of_a_question(repo: HistoryRepository, out: Path) -> None:
    s = repo.create_session("practice")
    add_scored(repo, s.id, Q1, "second try", coverage=0.6, started_at=at(8))
    add_scored(repo, s.id, Q1, "first try", coverage=0.4, started_at=at(1))
    attempts = repo.list_attempts(question_id=Q1.id)
    md_path = export_attempts(attempts, out / "q1.md")
    md = md_path.read_text(encoding="utf-8")
    assert md.startswith(f"# Q1. {Q1.text}")
    assert "2 attempts · best coverage 60 % · latest 60 %" in md
    assert md.index("first try") < md.index("second try")  # oldest first: progress reads downwards
    csv_path = export_attempts(attempts, out / "q1.csv", fmt="csv")
    with csv_path.open(newline="", encoding="utf-8") as fh:
        assert [r["transcript"] for r in csv.DictReader(fh)] == ["second try", "first try"]


def _pdf_text(path: Path) -> tuple[int, str]:
    reader = pypdf.PdfReader(path)
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    return len(reader.pages), " ".join(text.split())


def test_pdf_contains_question_and_transcript(
    repo: HistoryRepository, session: SessionRecord, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    from opsprep_voice.ui.pdf_export import export_attempts_pdf, export_pdf

    path = export_pdf(session, out / "session.pdf")
    assert path.read_bytes().startswith(b"%PDF-")
    pages, text = _pdf_text(path)
    assert 1 <= pages <= 3  # three short answers
    assert "March mock interview" in text
    assert Q1.text in text
    assert "I was on call when the database failover hung for 12 minutes" in text
    assert "tagging *every* resource" in text  # escapes are rendered, not printed

    with pytest.raises(ExportError, match="already exists"):
        export_pdf(session, path)

    # Many long answers: several numbered A4 pages.
    long_text = "we rolled back the canary and paged the database team " * 120
    for day in range(1, 7):
        add_scored(repo, session.id, Q2, long_text, coverage=0.5, started_at=at(day))
    many = export_attempts_pdf(
        repo.list_attempts(question_id=Q2.id), out / "q2.pdf", title="Incident answers"
    )
    reader = pypdf.PdfReader(many)
    assert len(reader.pages) >= 4
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    last_page = " ".join((reader.pages[-1].extract_text() or "").split())
    assert last_page.endswith(str(len(reader.pages)))  # Qt prints the page number at the foot


def test_a_session_stored_with_an_internal_id_is_exported_under_its_question(repo: HistoryRepository) -> None:
    from opsprep_voice.core.bank import load_bank

    bank = load_bank()
    q3 = bank.find(3)
    s = repo.create_session("interview", f"Question {q3.id}", "bundled", started_at=at(3, 9))
    add_scored(repo, s.id, Q1, TRANSCRIPT_1, coverage=0.75, started_at=at(3, 9))
    md = export_markdown(repo.get_session(s.id), bank=bank)
    heading = md.splitlines()[0]
    assert heading.startswith("# Q3 · What is your process for defining SLIs") and q3.id not in heading


def test_pdf_table_headers_stay_whole_words(repo: HistoryRepository, out: Path) -> None:
    """Qt broke the summary table's headers mid-word ("Questio n", "WP M") to fit long question text."""
    from opsprep_voice.ui.pdf_export import export_pdf

    s = repo.create_session("interview", "Headers", started_at=at(3, 9))
    long_answer = "we rolled back the canary and paged the database team " * 4
    for hour, question in zip((9, 10, 11), QUESTIONS, strict=True):
        add_scored(repo, s.id, question, long_answer, coverage=0.5, started_at=at(3, hour))
    _pages, text = _pdf_text(export_pdf(repo.get_session(s.id), out / "headers.pdf"))
    for header in ("Question", "When", "Status", "Coverage", "Follow-ups", "Duration", "WPM", "Fillers/min"):
        assert header in text, header
    # The question column shows the question, not its internal id.
    assert Q1.text[:30] in text and "cost-reduction |" not in text


def _pdf_lines(path: Path) -> list[str]:
    lines: list[str] = []
    for page in pypdf.PdfReader(path).pages:
        lines += [" ".join(line.split()) for line in (page.extract_text() or "").splitlines()]
    return lines


def test_pdf_dates_stay_on_one_line_in_the_narrowest_table(repo: HistoryRepository, out: Path) -> None:
    """The summary table at its most crowded: nine columns, the widest statuses, follow-up counts, long
    questions and large numbers. Each date is on one line (the time may go under it), in the table, the
    session line and every answer's line, in a session's export and a question's."""
    from opsprep_voice.ui.pdf_export import export_attempts_pdf, export_pdf

    s = repo.create_session("interview", "Crowded", started_at=at(28, 23))
    long_answer = "we rolled back the canary and paged the database team " * 3
    for minute, question in enumerate(QUESTIONS * 2):
        when = at(28, 23) + timedelta(minutes=minute)
        add_scored(
            repo, s.id, question, long_answer, coverage=1.0, started_at=when, duration_s=5999.0, wpm=188.0
        )
    dropped = repo.start_attempt(s.id, Q1, started_at=at(29, 0) + timedelta(minutes=10))
    repo.mark_cancelled(dropped.id, 754.0, "You stopped this take before the end.")
    crashed = repo.start_attempt(s.id, Q2, started_at=at(29, 0) + timedelta(minutes=11))
    repo.mark_interrupted(crashed.id, 12.0)
    main = repo.list_attempts(question_id=Q1.id)[-1]
    for minute in (20, 21):
        when = at(29, 0) + timedelta(minutes=minute)
        follow = repo.start_attempt(s.id, Q1, started_at=when, follow_up_of=main.id)
        repo.mark_recorded(follow.id, 30.0)
    session = repo.get_session(s.id)
    expected_dates = {a.started_at.astimezone().strftime("%Y-%m-%d") for a in session.attempts}
    assert len(expected_dates) == 2  # the session runs past midnight

    for path in (
        export_pdf(session, out / "crowded.pdf"),
        export_attempts_pdf(repo.list_attempts(question_id=Q1.id), out / "q1.pdf", title="Q1 answers"),
    ):
        lines = _pdf_lines(path)
        broken = [line for line in lines if re.search(r"(^|\D)\d{4}-(\d{2}-?)?$", line)]
        assert broken == [], broken
        dates = [d for line in lines for d in re.findall(r"\d{4}-\d{2}-\d{2}", line)]
        assert dates and set(dates) <= expected_dates | {session.started_at.astimezone().strftime("%Y-%m-%d")}
    text = " ".join(_pdf_lines(out / "crowded.pdf"))
    for header in ("Question", "When", "Status", "Coverage", "Follow-ups", "Duration", "WPM", "Fillers/min"):
        assert header in text, header
    assert "interrupted" in text and "cancelled" in text


def test_a_session_with_a_retake_is_averaged_as_its_summary_was(repo: HistoryRepository) -> None:
    s = repo.create_session("interview", "Retakes", started_at=at(3, 9))
    add_scored(repo, s.id, Q1, "first take", coverage=0.8, started_at=at(3, 9))
    add_scored(repo, s.id, Q1, "weaker second take", coverage=0.2, started_at=at(3, 10))
    add_scored(repo, s.id, Q2, "one take", coverage=0.4, started_at=at(3, 11))
    md = export_markdown(repo.get_session(s.id))
    assert (
        "3 answers · average coverage 60 % (best take of each question)" in md
    )  # every take averaged would say 47 %
