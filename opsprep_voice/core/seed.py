"""Parse the interview-question seed text the bundled bank is built from.

The seed is plain text: a title block, the questions listed once, a line with a single ``-``, then one block
per question::

    <question>
    Employers ask ...
    Answer Example: "<example answer>"
    Help us improve this answer. / -

:func:`parse_seed` returns the questions verbatim (the example answer without its ``Answer Example: `` prefix
and surrounding quote marks). Any deviation from that shape is a :class:`SeedError` naming the line.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from opsprep_voice.core.bank import BankError, QuestionBank, parse_bank

log = logging.getLogger(__name__)

SEPARATOR = "-"
GUIDANCE_PREFIX = "Employers ask"
ANSWER_PREFIX = "Answer Example:"
FOOTER_PREFIX = "Help us improve this answer."


class SeedError(ValueError):
    """The seed file does not have the expected shape. ``str()`` names the file and line."""

    def __init__(self, path: Path, line: int | None, problem: str) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True, slots=True)
class SeedQuestion:
    """One question of the seed, verbatim."""

    number: int
    text: str
    guidance: str
    example_answer: str


@dataclass(frozen=True, slots=True)
class Seed:
    """The whole seed: its title (first line) and its questions in order."""

    title: str
    questions: tuple[SeedQuestion, ...]


def _unquote_answer(line: str, path: Path, lineno: int) -> str:
    body = line.removeprefix(ANSWER_PREFIX).strip()
    if len(body) < 2 or not (body.startswith('"') and body.endswith('"')):
        raise SeedError(path, lineno, f'expected {ANSWER_PREFIX} "..." with the answer in double quotes')
    answer = body[1:-1].strip()
    if not answer:
        raise SeedError(path, lineno, "the example answer is empty")
    return answer


def parse_seed_text(text: str, path: Path | str = "<seed>") -> Seed:
    """Parse seed text (see the module docstring). ``path`` is only used in error messages."""
    src = Path(path)
    # (line number, stripped text) of every non-blank line
    lines = [(n, raw.strip()) for n, raw in enumerate(text.splitlines(), start=1) if raw.strip()]
    if not lines:
        raise SeedError(src, None, "the seed is empty")
    title = lines[0][1]
    try:
        sep_index = next(i for i, (_, line) in enumerate(lines) if line == SEPARATOR)
    except StopIteration:
        problem = f"no line with a single {SEPARATOR!r} separating the list from the answers"
        raise SeedError(src, None, problem) from None
    body = lines[sep_index + 1 :]
    if len(body) % 4:
        last_line = body[-1][0] if body else lines[sep_index][0]
        raise SeedError(
            src,
            last_line,
            f"{len(body)} lines after the separator; expected 4 per question "
            "(question, guidance, answer example, footer)",
        )
    questions: list[SeedQuestion] = []
    for start in range(0, len(body), 4):
        block = body[start : start + 4]
        (q_line, q_text), (g_line, guidance), (a_line, answer_line), (f_line, footer) = block
        if q_text.startswith((GUIDANCE_PREFIX, ANSWER_PREFIX, FOOTER_PREFIX)):
            raise SeedError(src, q_line, "expected a question line")
        if not guidance.startswith(GUIDANCE_PREFIX):
            raise SeedError(src, g_line, f"expected the guidance line starting {GUIDANCE_PREFIX!r}")
        if not answer_line.startswith(ANSWER_PREFIX):
            raise SeedError(src, a_line, f"expected the line starting {ANSWER_PREFIX!r}")
        if not footer.startswith(FOOTER_PREFIX):
            raise SeedError(src, f_line, f"expected the footer line starting {FOOTER_PREFIX!r}")
        questions.append(
            SeedQuestion(
                number=len(questions) + 1,
                text=q_text,
                guidance=guidance,
                example_answer=_unquote_answer(answer_line, src, a_line),
            )
        )
    if not questions:
        raise SeedError(src, lines[sep_index][0], "no questions after the separator")
    # The list before the separator must name the same questions in the same order.
    head = lines[1:sep_index]
    if len(head) < len(questions):
        raise SeedError(
            src,
            lines[sep_index][0],
            f"only {len(head)} lines before the separator for {len(questions)} questions",
        )
    for question, (lineno, listed_text) in zip(questions, head[len(head) - len(questions) :], strict=True):
        if listed_text != question.text:
            raise SeedError(
                src,
                lineno,
                f"the list names {listed_text!r} where question {question.number} is {question.text!r}",
            )
    log.debug("parsed %d seed questions from %s", len(questions), src)
    return Seed(title=title, questions=tuple(questions))


def parse_seed(path: Path) -> list[SeedQuestion]:
    """The questions of the seed file at ``path``, verbatim and in order."""
    return list(load_seed(path).questions)


def load_seed(path: Path) -> Seed:
    """Read and parse the seed file at ``path`` (title and questions)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise SeedError(Path(path), None, f"cannot be read ({exc})") from None
    return parse_seed_text(text, path)


SCHEMA_REF = "./schema/questions.schema.json"
SEED_FIELDS = ("text", "guidance", "example_answer")


def merge_seed(seed: Seed, curated: object, path: Path | str = "<memory>") -> QuestionBank:
    """The bank made of ``seed``'s verbatim text plus the curated fields (id, category, checklist ...).

    ``curated`` is a bank's raw JSON (as loaded by :func:`json.loads`); its questions are matched to the
    seed by ``number`` and their text fields are replaced by the seed's. Raises :class:`BankError`.
    """
    where = Path(path)
    if not isinstance(curated, dict) or not isinstance(curated.get("questions"), list):
        raise BankError(where, ["questions: is missing; the curated bank needs a 'questions' list"])
    by_number: dict[int, dict[str, object]] = {}
    for index, entry in enumerate(curated["questions"]):
        number = entry.get("number") if isinstance(entry, dict) else None
        if not isinstance(entry, dict) or not isinstance(number, int):
            raise BankError(where, [f"questions[{index}].number: is missing; add the seed question's number"])
        if number in by_number:
            raise BankError(where, [f"questions[{index}].number: {number} is used twice"])
        by_number[number] = entry
    known = {q.number for q in seed.questions}
    problems = [f"question {n} is not in the seed; remove it" for n in sorted(set(by_number) - known)]
    problems += [f"seed question {n} has no curated entry; add one" for n in sorted(known - set(by_number))]
    if problems:
        raise BankError(where, problems)
    questions: list[dict[str, object]] = []
    for sq in seed.questions:
        entry = dict(by_number[sq.number])
        merged: dict[str, object] = {"number": sq.number, "id": entry.pop("id", None)}
        merged.update({"text": sq.text, "guidance": sq.guidance, "example_answer": sq.example_answer})
        for name in SEED_FIELDS:
            entry.pop(name, None)
        entry.pop("number", None)
        merged.update(entry)
        questions.append(merged)
    data = {"$schema": SCHEMA_REF, "title": curated.get("title") or seed.title, "questions": questions}
    return parse_bank(data, where)


def dump_json(data: object) -> str:
    """Stable JSON text: 2-space indent, UTF-8 characters kept, trailing newline."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render_bank(bank: QuestionBank) -> str:
    """The bank as the JSON text written to ``questions.json``."""
    return dump_json(bank.model_dump(by_alias=True, mode="json"))
