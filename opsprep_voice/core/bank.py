"""The question bank: 24 interview questions with guidance, example answers and curated checklists.

The bundled bank is ``questions.json`` at the repository root; users may pass their own file with the same
shape. Validation is done by pydantic models; :func:`load_bank` turns every problem into a
:class:`BankError` that names the file, the place (``questions[3].checklist[2].phrases``) and the fix.
``schema/questions.schema.json`` is generated from these models for people editing banks in an editor.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from opsprep_voice.core.concepts import check_rule

REPO_ROOT = Path(__file__).resolve().parents[2]
BUNDLED_BANK = REPO_ROOT / "questions.json"

Category = Literal[
    "architecture",
    "incident-response",
    "observability",
    "delivery",
    "infrastructure-as-code",
    "cost",
    "security",
    "reliability",
    "performance",
    "collaboration",
    "operations",
    "behavioural",
    "motivation",
]

NonEmptyStr = Annotated[str, Field(min_length=1)]
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FOLLOW_UP_MAX_WORDS = 30
"""A follow-up is one short spoken question: at most this many words."""


class BankError(Exception):
    """A question bank could not be used. ``str()`` is one line: file, place, problem, fix."""

    def __init__(self, path: Path | str, problems: Sequence[str]) -> None:
        self.path = Path(path)
        self.problems = list(problems)
        shown = "; ".join(self.problems[:5])
        more = f" (and {len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        super().__init__(f"{self.path}: {shown}{more}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class ChecklistItem(_Strict):
    """One idea the interviewer listens for, and the phrases that count as saying it."""

    id: Annotated[str, Field(pattern=SLUG.pattern, description="Stable slug, unique within the question.")]
    label: NonEmptyStr = Field(description="What the interviewer listens for, shown to the user.")
    phrases: list[NonEmptyStr] = Field(
        min_length=1,
        description="Words or phrases that count as saying it: synonyms, abbreviations and spoken forms, "
        "product names. Matching ignores case, punctuation and inflection.",
    )
    concepts: list[NonEmptyStr] = Field(
        default_factory=list,
        description="Rules that find the idea said in other words: groups of terms joined by ' + ', "
        "alternatives by '|', a trailing '*' for word families; every group must be said within a few "
        "words, in any order. Example: 'journey|flow + customer|user'.",
    )
    weight: float = Field(default=1.0, gt=0, le=5, description="Relative weight in the coverage score.")
    follow_up: str | None = Field(
        default=None,
        description="The question an interviewer asks when the answer missed this item, spoken after the "
        "main answer in interview mode. It probes without giving the answer away: one question ending "
        f"with '?', at most {FOLLOW_UP_MAX_WORDS} words, not repeating the label. Without it a prompt is "
        "built from the label.",
    )
    example: str = Field(
        default="",
        description="The example answer's wording for this idea, shown when the item is missed.",
    )

    @field_validator("phrases")
    @classmethod
    def _unique_phrases(cls, phrases: list[str]) -> list[str]:
        seen: set[str] = set()
        for phrase in phrases:
            key = phrase.casefold()
            if key in seen:
                raise ValueError(f"phrase {phrase!r} is listed twice; remove the duplicate")
            seen.add(key)
        return phrases

    @field_validator("follow_up")
    @classmethod
    def _spoken_question(cls, follow_up: str | None, info: ValidationInfo) -> str | None:
        if follow_up is None:
            return None
        if not follow_up:
            raise ValueError("is empty; write the question an interviewer would ask, or remove the field")
        if not follow_up.endswith("?"):
            raise ValueError(f"{follow_up!r} must be a question ending with '?'")
        words = len(follow_up.split())
        if words > FOLLOW_UP_MAX_WORDS:
            raise ValueError(f"has {words} words; keep it to {FOLLOW_UP_MAX_WORDS} or fewer")
        label = info.data.get("label")
        if isinstance(label, str) and label.casefold() in follow_up.casefold():
            raise ValueError(
                f"repeats the label {label!r}, which gives the answer away; ask about it in other words"
            )
        return follow_up

    @field_validator("concepts")
    @classmethod
    def _readable_rules(cls, rules: list[str]) -> list[str]:
        for rule in rules:
            check_rule(rule)  # RuleSyntaxError is a ValueError: pydantic reports it with its place
        return rules


class Question(_Strict):
    number: int = Field(ge=1, description="1-based position in the bank.")
    id: Annotated[str, Field(pattern=SLUG.pattern, description="Stable slug used on the command line.")]
    text: NonEmptyStr = Field(description="The question, verbatim.")
    guidance: NonEmptyStr = Field(description="Why employers ask it and what to cover, verbatim.")
    example_answer: NonEmptyStr = Field(description="A strong example answer, verbatim, without quote marks.")
    category: Category
    behavioural: bool = Field(
        default=False, description="A 'tell me about a time' question: STAR is checked."
    )
    target_seconds: int = Field(ge=20, le=600, description="Comfortable spoken length of an answer.")
    checklist: list[ChecklistItem] = Field(min_length=1, max_length=15)

    @field_validator("checklist")
    @classmethod
    def _unique_items(cls, items: list[ChecklistItem]) -> list[ChecklistItem]:
        ids = [item.id for item in items]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"checklist item ids must be unique; repeated: {', '.join(dupes)}")
        return items


class QuestionBank(_Strict):
    schema_: str | None = Field(default=None, alias="$schema")
    title: str = "Interview questions"
    questions: list[Question] = Field(min_length=1)

    @model_validator(mode="after")
    def _numbering(self) -> QuestionBank:
        for index, question in enumerate(self.questions, start=1):
            if question.number != index:
                raise ValueError(
                    f"questions[{index - 1}] has number {question.number}; numbers must run 1, 2, 3 ... "
                    "in file order"
                )
        ids = [q.id for q in self.questions]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"question ids must be unique; repeated: {', '.join(dupes)}")
        return self

    def __iter__(self) -> Iterator[Question]:  # type: ignore[override]
        return iter(self.questions)

    def __len__(self) -> int:
        return len(self.questions)

    @property
    def categories(self) -> list[str]:
        return sorted({q.category for q in self.questions})

    def find(self, ref: str | int) -> Question:
        """A question by 1-based number or by id. Raises KeyError with a helpful message."""
        text = str(ref).strip()
        number = question_number(text)
        if number is not None:
            if 1 <= number <= len(self.questions):
                return self.questions[number - 1]
            raise KeyError(f"no question number {number}: choose 1-{len(self.questions)}")
        for question in self.questions:
            if question.id == text:
                return question
        raise KeyError(f"no question with id {text!r}: run 'opsprep-voice questions' to list them")


def question_number(ref: str) -> int | None:
    """``ref`` as a question number when it is written in ASCII digits ("3"), else None (an id).

    Not ``str.isdigit()``: it accepts "²" and "①", which ``int()`` then refuses."""
    text = ref.strip()
    return int(text) if text.isascii() and text.isdigit() else None


def _place(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _problem(error: dict[str, object]) -> str:
    raw_loc = error.get("loc", ())
    loc: tuple[int | str, ...] = tuple(raw_loc) if isinstance(raw_loc, tuple | list) else ()
    msg = str(error.get("msg", "invalid"))
    kind = error.get("type")
    if kind == "missing":
        msg = "is missing; add it"
    elif kind == "extra_forbidden":
        msg = "is not a known field; remove it or check its spelling"
    msg = msg.removeprefix("Value error, ")
    return f"{_place(loc)}: {msg}"


def parse_bank(data: object, path: Path | str = "<memory>") -> QuestionBank:
    try:
        return QuestionBank.model_validate(data)
    except ValidationError as exc:
        raise BankError(path, [_problem(dict(e)) for e in exc.errors()]) from None


def load_bank(path: Path | str | None = None) -> QuestionBank:
    """Load and validate a bank (the bundled one by default). Every failure is a :class:`BankError`."""
    file = Path(path) if path is not None else BUNDLED_BANK
    try:
        raw = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BankError(file, ["file not found; check the path"]) from None
    except IsADirectoryError:
        raise BankError(file, ["is a folder; pass a .json file"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BankError(file, [f"cannot be read ({exc}); save it as UTF-8 JSON"]) from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BankError(file, [f"line {exc.lineno} column {exc.colno}: invalid JSON ({exc.msg})"]) from None
    return parse_bank(data, file)


def bank_json_schema() -> dict[str, object]:
    schema = QuestionBank.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "OpsPrep Voice question bank"
    return schema
