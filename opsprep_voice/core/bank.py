"""The question bank: 24 interview questions with guidance, example answers and curated checklists.

The bundled bank is ``questions.json`` at the repository root, shipped inside the package by the build
(:func:`opsprep_voice.core.resources.shipped`); users may pass their own file with the same shape.
Validation is done by pydantic models; :func:`load_bank` turns every problem into a :class:`BankError`
that names the file, the place (``questions[3].checklist[2].phrases``) and the fix.
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
from opsprep_voice.core.resources import shipped

BUNDLED_BANK = shipped("core/data/questions.json", "questions.json")

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

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FOLLOW_UP_MAX_WORDS = 30
"""A follow-up is one short spoken question: at most this many words."""

# Limits no real bank meets (the bundled one, in brackets, is far inside each), checked when a bank is
# loaded. A hostile or broken file must fail there with a message, not later: nesting thousands deep raised
# RecursionError out of the JSON parser and killed the app before its window, and a phrase of a million
# characters was accepted and then made scoring hang (phrase matching is quadratic in a phrase's length).
MAX_BANK_BYTES = 8 * 1024 * 1024  # (250 kB)
MAX_DEPTH = 16  # JSON arrays and objects inside each other (6)
MAX_QUESTIONS = 500  # (24)
MAX_ITEMS = 15  # checklist items per question (10)
MAX_TERMS = 40  # phrases, and concept rules, per item (12)
MAX_PHRASE_CHARS = 200  # (32)
MAX_RULE_CHARS = 1500  # (726)
MAX_RULE_GROUPS = 8  # groups joined by " + " in a rule (4); the search for a span grows with each
MAX_LABEL_CHARS = 300  # an item's label and a follow-up (113)
MAX_ID_CHARS = 100  # (45)
MAX_TEXT_CHARS = 20_000  # question text, guidance, example answers (502)


NonEmptyStr = Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARS)]
LabelStr = Annotated[str, Field(min_length=1, max_length=MAX_LABEL_CHARS)]
PhraseStr = Annotated[str, Field(min_length=1, max_length=MAX_PHRASE_CHARS)]
RuleStr = Annotated[str, Field(min_length=1, max_length=MAX_RULE_CHARS)]
Slug = Annotated[str, Field(pattern=SLUG.pattern, max_length=MAX_ID_CHARS)]


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

    id: Slug = Field(description="Stable slug, unique within the question.")
    label: LabelStr = Field(description="What the interviewer listens for, shown to the user.")
    phrases: list[PhraseStr] = Field(
        min_length=1,
        max_length=MAX_TERMS,
        description="Words or phrases that count as saying it: synonyms, abbreviations and spoken forms, "
        "product names. Matching ignores case, punctuation and inflection.",
    )
    concepts: list[RuleStr] = Field(
        default_factory=list,
        max_length=MAX_TERMS,
        description="Rules that find the idea said in other words: groups of terms joined by ' + ', "
        "alternatives by '|', a trailing '*' for word families; every group must be said within a few "
        "words, in any order. Example: 'journey|flow + customer|user'.",
    )
    weight: float = Field(default=1.0, gt=0, le=5, description="Relative weight in the coverage score.")
    follow_up: str | None = Field(
        default=None,
        max_length=MAX_LABEL_CHARS,
        description="The question an interviewer asks when the answer missed this item, spoken after the "
        "main answer in interview mode. It probes without giving the answer away: one question ending "
        f"with '?', at most {FOLLOW_UP_MAX_WORDS} words, not repeating the label. Without it a prompt is "
        "built from the label.",
    )
    example: str = Field(
        default="",
        max_length=MAX_TEXT_CHARS,
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
            groups = rule.count("+") + 1
            if groups > MAX_RULE_GROUPS:
                raise ValueError(
                    f"rule {rule[:60]!r}... has {groups} groups; at most {MAX_RULE_GROUPS} are allowed: "
                    "a few key terms near each other make a rule, split it into several rules"
                )
        return rules


class Question(_Strict):
    number: int = Field(ge=1, description="1-based position in the bank.")
    id: Slug = Field(description="Stable slug used on the command line.")
    text: NonEmptyStr = Field(description="The question, verbatim.")
    guidance: NonEmptyStr = Field(description="Why employers ask it and what to cover, verbatim.")
    example_answer: NonEmptyStr = Field(description="A strong example answer, verbatim, without quote marks.")
    category: Category
    behavioural: bool = Field(
        default=False, description="A 'tell me about a time' question: STAR is checked."
    )
    target_seconds: int = Field(ge=20, le=600, description="Comfortable spoken length of an answer.")
    checklist: list[ChecklistItem] = Field(min_length=1, max_length=MAX_ITEMS)

    @field_validator("checklist")
    @classmethod
    def _unique_items(cls, items: list[ChecklistItem]) -> list[ChecklistItem]:
        ids = [item.id for item in items]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"checklist item ids must be unique; repeated: {', '.join(dupes)}")
        return items


class QuestionBank(_Strict):
    schema_: str | None = Field(default=None, alias="$schema", max_length=MAX_LABEL_CHARS)
    title: str = Field(default="Interview questions", max_length=MAX_LABEL_CHARS)
    questions: list[Question] = Field(min_length=1, max_length=MAX_QUESTIONS)

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


_FIELD_NAME = re.compile(r"[A-Za-z_$][\w$-]*")


def _place(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _FIELD_NAME.fullmatch(part):
            out += f".{part}" if out else part
        else:  # a key with spaces, line breaks or nothing in it: quoted, so the message stays one line
            out += f"[{part!r}]"
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
    elif kind == "string_too_long":
        limit = _ctx(error, "max_length")
        msg = (
            f"is {len(str(error.get('input', '')))} characters long; at most {limit} are allowed here, far "
            "more than a real bank needs: shorten it (or split a phrase into several)"
        )
    elif kind == "too_long":
        limit, actual = _ctx(error, "max_length"), _ctx(error, "actual_length")
        msg = (
            f"has {actual if actual is not None else 'more than ' + str(limit)} entries; at most {limit} are "
            "allowed here: keep the ones that matter, or split it"
        )
    msg = msg.removeprefix("Value error, ")
    return f"{_place(loc)}: {msg}"


def _ctx(error: dict[str, object], key: str) -> object:
    ctx = error.get("ctx")
    return ctx.get(key) if isinstance(ctx, dict) else None


def parse_bank(data: object, path: Path | str = "<memory>") -> QuestionBank:
    try:
        return QuestionBank.model_validate(data)
    except ValidationError as exc:
        raise BankError(path, [_problem(dict(e)) for e in exc.errors()]) from None


def load_bank(path: Path | str | None = None) -> QuestionBank:
    """Load and validate a bank (the bundled one by default). Every failure is a :class:`BankError`.

    A UTF-8 byte-order mark (Windows editors add one) is accepted. A file past :data:`MAX_BANK_BYTES` or
    nested past :data:`MAX_DEPTH` is refused before it is parsed.
    """
    file = Path(path) if path is not None else BUNDLED_BANK
    try:
        size = file.stat().st_size
        if size > MAX_BANK_BYTES and file.is_file():
            raise BankError(
                file,
                [
                    f"is {size / 1e6:.1f} MB; a question bank is at most {MAX_BANK_BYTES / 1e6:.1f} MB (the "
                    "bundled one is 0.25 MB): check that this is the right file"
                ],
            )
        raw = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        if path is None:
            raise BankError(file, ["the bundled question bank is missing; reinstall OpsPrep Voice"]) from None
        raise BankError(file, ["file not found; check the path"]) from None
    except IsADirectoryError:
        raise BankError(file, ["is a folder; pass a .json file"]) from None
    except UnicodeDecodeError as exc:
        raise BankError(file, [f"byte {exc.start} is not UTF-8 text; save the file as UTF-8 JSON"]) from None
    except OSError as exc:
        raise BankError(file, [f"cannot be read ({exc.strerror or exc}); check the file"]) from None
    _check_nesting(raw, file)
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BankError(file, [f"line {exc.lineno} column {exc.colno}: invalid JSON ({exc.msg})"]) from None
    except ValueError:  # Python refuses to read an integer of more than 4,300 digits
        raise BankError(
            file, [f"{_where(raw, _LONG_NUMBER)}a number has thousands of digits; fix it"]
        ) from None
    return parse_bank(data, file)


_LONG_NUMBER = re.compile(r"\d{1000}")


def _position(raw: str, offset: int) -> str:
    """ "line L column C: " of ``offset`` in ``raw``, as the JSON parser's messages say it."""
    line = raw.count("\n", 0, offset) + 1
    return f"line {line} column {offset - (raw.rfind(chr(10), 0, offset) + 1) + 1}: "


def _where(raw: str, pattern: re.Pattern[str]) -> str:
    """The position of the first match of ``pattern`` in ``raw`` ("" if none)."""
    match = pattern.search(raw)
    return "" if match is None else _position(raw, match.start())


_BRACKETS_OUTSIDE_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]')


def _check_nesting(raw: str, file: Path) -> None:
    """Refuse JSON nested deeper than :data:`MAX_DEPTH`, naming where, before the parser recurses into it.

    Strings are skipped whole by the pattern, so brackets inside them do not count; the scan stops at the
    first bracket too deep, so a file of a million ``[`` costs no more than a real bank.
    """
    depth = 0
    for match in _BRACKETS_OUTSIDE_STRINGS.finditer(raw):
        token = match.group()
        if token == "[" or token == "{":
            depth += 1
            if depth > MAX_DEPTH:
                where = _position(raw, match.start())
                raise BankError(
                    file,
                    [
                        f"{where}arrays and objects are nested more than {MAX_DEPTH} deep (a question bank "
                        "needs 6); check the brackets, or that this is a question bank"
                    ],
                )
        elif token == "]" or token == "}":
            depth = max(0, depth - 1)


def bank_json_schema() -> dict[str, object]:
    schema = QuestionBank.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "OpsPrep Voice question bank"
    return schema
