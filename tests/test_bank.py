"""The bundled question bank (questions.json), its build script, the seed parser and bank error messages."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from opsprep_voice.core.bank import BUNDLED_BANK, SLUG, BankError, QuestionBank, load_bank
from opsprep_voice.core.seed import (
    SeedError,
    SeedQuestion,
    load_seed,
    merge_seed,
    parse_seed,
    parse_seed_text,
)

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "scripts" / "seed" / "senior-operations-engineer-interview.txt"
SCRIPT = REPO / "scripts" / "build_bank.py"
SCHEMA = REPO / "schema" / "questions.schema.json"

BEHAVIOURAL_OPENINGS = (
    "Tell me about a time",
    "Describe a time",
    "Share a specific example",
    "Tell me about a 2 a.m.",
)
# Words so common that a phrase made of one of them would fire on any answer.
TOO_GENERIC = {
    "system", "data", "team", "use", "work", "make", "sure", "fine", "good", "thing", "everything", "talk",
    "hard", "would", "and", "the", "we", "it", "do", "get", "help", "problem", "issue", "change",
}  # fmt: skip


@pytest.fixture(scope="module")
def bank() -> QuestionBank:
    return load_bank()


@pytest.fixture(scope="module")
def seed() -> list[SeedQuestion]:
    return parse_seed(SEED)


@pytest.fixture
def raw() -> dict[str, Any]:
    """The bundled bank as plain JSON data, to break one thing at a time."""
    data: dict[str, Any] = json.loads(BUNDLED_BANK.read_text(encoding="utf-8"))
    return data


def write(tmp_path: Path, data: object, name: str = "bank.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120, check=False
    )


# --- The bundled bank -----------------------------------------------------------------------------


def test_bundled_bank_loads_with_24_questions_numbered_in_order(bank: QuestionBank) -> None:
    assert len(bank) == 24
    assert [q.number for q in bank] == list(range(1, 25))
    assert bank.title == "Senior Operations Engineer Interview Questions"
    assert bank.schema_ == "./schema/questions.schema.json"


def test_bundled_file_starts_with_the_schema_reference() -> None:
    text = BUNDLED_BANK.read_text(encoding="utf-8")
    assert text.startswith('{\n  "$schema": "./schema/questions.schema.json",\n')
    assert text.endswith("}\n")


def test_seed_parses_into_24_questions(seed: list[SeedQuestion]) -> None:
    assert len(seed) == 24
    assert seed[0].text.startswith("If you joined and had to design our initial cloud infrastructure")
    assert seed[1].example_answer.startswith("Our API error rate spiked after a rollout")
    assert seed[23].example_answer.endswith("accountability and continuous improvement.")
    for sq in seed:
        assert sq.guidance.startswith("Employers ask")
        assert not sq.example_answer.startswith(('"', "Answer Example"))
        assert not sq.example_answer.endswith('"')


def test_texts_are_verbatim_from_the_seed(bank: QuestionBank, seed: list[SeedQuestion]) -> None:
    assert [(q.number, q.text, q.guidance, q.example_answer) for q in bank] == [
        (s.number, s.text, s.guidance, s.example_answer) for s in seed
    ]


def test_seed_text_lines_appear_verbatim_in_the_seed_file(bank: QuestionBank) -> None:
    source = SEED.read_text(encoding="utf-8")
    for q in bank:
        assert f'\n{q.text}\n{q.guidance}\nAnswer Example: "{q.example_answer}"\n' in source


def test_question_ids_are_unique_slugs(bank: QuestionBank) -> None:
    ids = [q.id for q in bank]
    assert len(set(ids)) == len(ids)
    for qid in ids:
        assert SLUG.fullmatch(qid), qid
        assert 3 <= len(qid) <= 50
    assert bank.find(1).id == "initial-cloud-infrastructure"


@pytest.mark.parametrize("number", range(1, 25))
def test_each_question_has_a_curated_checklist(bank: QuestionBank, number: int) -> None:
    q = bank.find(number)
    assert 5 <= len(q.checklist) <= 10
    assert len({item.id for item in q.checklist}) == len(q.checklist)
    assert any(item.weight == 1.5 for item in q.checklist), "every question has at least one core idea"
    seen: dict[str, str] = {}
    for item in q.checklist:
        where = f"{q.id}/{item.id}"
        assert SLUG.fullmatch(item.id), where
        assert 1 <= len(item.phrases) <= 12 and len(item.phrases) + len(item.concepts) >= 4, where
        assert item.weight in (0.5, 1.0, 1.5), where
        assert item.label and item.label[0].isupper(), where
        # The example is the question's own wording (the example answer, else the guidance).
        assert item.example, where
        assert item.example in q.example_answer or item.example in q.guidance, where
        for phrase in item.phrases:
            key = " ".join(re.sub(r"[^a-z0-9+ ]", " ", phrase.lower()).split())
            assert key not in TOO_GENERIC, f"{where}: {phrase!r} is too generic"
            assert len(key) >= 2, f"{where}: {phrase!r} is too short"
            assert seen.setdefault(key, item.id) == item.id, f"{where}: {phrase!r} also in {seen[key]}"


@pytest.mark.parametrize("number", range(1, 25))
def test_target_seconds_and_behavioural_flag(bank: QuestionBank, number: int) -> None:
    q = bank.find(number)
    assert 60 <= q.target_seconds <= 180
    if q.category not in ("architecture", "delivery", "infrastructure-as-code", "incident-response"):
        assert q.target_seconds <= 150
    assert q.behavioural == q.text.startswith(BEHAVIOURAL_OPENINGS)


def test_behavioural_questions_are_the_story_questions(bank: QuestionBank) -> None:
    assert [q.number for q in bank if q.behavioural] == [2, 10, 15, 17]


def test_categories_are_spread(bank: QuestionBank) -> None:
    assert len(bank.categories) >= 10
    assert bank.find("reduce-cloud-spend").category == "cost"
    assert bank.find("incident-you-led").category == "incident-response"


# --- The build script ------------------------------------------------------------------------------


def test_check_passes_on_the_committed_files() -> None:
    proc = run_script("--check")
    assert proc.returncode == 0, proc.stderr
    assert "up to date" in proc.stderr


def test_check_fails_when_the_bank_differs_from_the_seed(tmp_path: Path, raw: dict[str, Any]) -> None:
    raw["questions"][4]["text"] = "A reworded question?"
    bank_path = write(tmp_path, raw)
    schema_path = tmp_path / "schema.json"
    schema_path.write_text(SCHEMA.read_text(encoding="utf-8"), encoding="utf-8")
    proc = run_script("--check", "--bank", str(bank_path), "--schema", str(schema_path))
    assert proc.returncode == 1
    assert "out of date" in proc.stderr
    assert str(bank_path) in proc.stderr
    assert str(schema_path) not in proc.stderr.split("out of date")[1].split("run:")[0]
    assert json.loads(bank_path.read_text(encoding="utf-8"))["questions"][4]["text"] == "A reworded question?"


def test_check_fails_when_the_schema_is_missing(tmp_path: Path) -> None:
    bank_path = tmp_path / "questions.json"
    bank_path.write_text(BUNDLED_BANK.read_text(encoding="utf-8"), encoding="utf-8")
    proc = run_script("--check", "--bank", str(bank_path), "--schema", str(tmp_path / "missing.json"))
    assert proc.returncode == 1
    assert "missing.json" in proc.stderr


def test_build_fills_seed_text_into_curated_fields_and_writes_both_files(
    tmp_path: Path, raw: dict[str, Any]
) -> None:
    for entry in raw["questions"]:  # curated fields only: the script brings the text from the seed
        for name in ("text", "guidance", "example_answer"):
            del entry[name]
    bank_path = write(tmp_path, raw)
    schema_path = tmp_path / "out" / "schema.json"
    proc = run_script("--bank", str(bank_path), "--schema", str(schema_path))
    assert proc.returncode == 0, proc.stderr
    assert bank_path.read_text(encoding="utf-8") == BUNDLED_BANK.read_text(encoding="utf-8")
    assert schema_path.read_text(encoding="utf-8") == SCHEMA.read_text(encoding="utf-8")
    again = run_script("--check", "--bank", str(bank_path), "--schema", str(schema_path))
    assert again.returncode == 0, again.stderr


def test_build_reports_an_invalid_curated_bank(tmp_path: Path, raw: dict[str, Any]) -> None:
    raw["questions"][3]["checklist"][2]["phrases"] = []
    bank_path = write(tmp_path, raw)
    proc = run_script("--bank", str(bank_path), "--schema", str(tmp_path / "schema.json"))
    assert proc.returncode == 2
    assert "questions[3].checklist[2].phrases" in proc.stderr
    assert not (tmp_path / "schema.json").exists()


def test_committed_schema_describes_the_bank() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "$schema" in schema["properties"]
    assert "questions" in schema["required"]


def test_merge_seed_needs_one_curated_entry_per_seed_question(raw: dict[str, Any]) -> None:
    seed = load_seed(SEED)
    del raw["questions"][7]
    with pytest.raises(BankError, match="seed question 8 has no curated entry"):
        merge_seed(seed, raw, "curated.json")


def test_merge_seed_rejects_a_number_used_twice(raw: dict[str, Any]) -> None:
    raw["questions"][1]["number"] = 1
    with pytest.raises(BankError, match=r"questions\[1\]\.number: 1 is used twice"):
        merge_seed(load_seed(SEED), raw, "curated.json")


# --- Seed parser errors ----------------------------------------------------------------------------

GOOD_SEED = """Title
Intro
First question?
-
First question?
Employers ask this to see things.
Answer Example: "An answer."
Help us improve this answer. / -
"""


def test_parse_seed_text_minimal() -> None:
    seed = parse_seed_text(GOOD_SEED)
    assert seed.title == "Title"
    assert seed.questions == (
        SeedQuestion(1, "First question?", "Employers ask this to see things.", "An answer."),
    )


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (GOOD_SEED.replace("\n-\n", "\n"), "no line with a single '-'"),
        (GOOD_SEED.replace('"An answer."', "An answer."), r"seed\.txt:7: expected Answer Example: \"...\""),
        (GOOD_SEED.replace("Employers ask", "They ask"), r"seed\.txt:6: expected the guidance line"),
        (
            GOOD_SEED.replace("Intro\nFirst question?", "Intro\nAnother question?"),
            r"seed\.txt:3: the list names",
        ),
        (GOOD_SEED.replace("Help us improve this answer. / -\n", ""), "3 lines after the separator"),
    ],
)
def test_parse_seed_text_errors_name_the_line(broken: str, message: str) -> None:
    with pytest.raises(SeedError, match=message):
        parse_seed_text(broken, "seed.txt")


def test_parse_seed_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match="cannot be read"):
        parse_seed(tmp_path / "nope.txt")


# --- Broken banks give a BankError naming the file and the place ---------------------------------


def load_broken(tmp_path: Path, data: object) -> BankError:
    path = write(tmp_path, data)
    with pytest.raises(BankError) as info:
        load_bank(path)
    assert str(info.value).startswith(f"{path}: ")
    assert info.value.path == path
    return info.value


def test_missing_field(tmp_path: Path, raw: dict[str, Any]) -> None:
    del raw["questions"][3]["category"]
    error = load_broken(tmp_path, raw)
    assert error.problems == ["questions[3].category: is missing; add it"]


def test_missing_checklist_item_label(tmp_path: Path, raw: dict[str, Any]) -> None:
    del raw["questions"][0]["checklist"][1]["label"]
    assert "questions[0].checklist[1].label: is missing" in str(load_broken(tmp_path, raw))


def test_bad_json_gives_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bank.json"
    text = BUNDLED_BANK.read_text(encoding="utf-8")
    lines = text.splitlines()
    lines[9] = lines[9].rstrip(",")  # drop one comma inside the first question
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(BankError) as info:
        load_bank(path)
    message = str(info.value)
    assert message.startswith(f"{path}: line 11 column ")
    assert "invalid JSON" in message


def test_duplicate_question_ids(tmp_path: Path, raw: dict[str, Any]) -> None:
    raw["questions"][5]["id"] = raw["questions"][2]["id"]
    error = load_broken(tmp_path, raw)
    assert "question ids must be unique; repeated: slis-slos-observability" in str(error)


def test_wrong_numbering(tmp_path: Path, raw: dict[str, Any]) -> None:
    raw["questions"][5]["number"] = 7
    assert "questions[5] has number 7; numbers must run 1, 2, 3" in str(load_broken(tmp_path, raw))


def test_questions_out_of_order(tmp_path: Path, raw: dict[str, Any]) -> None:
    raw["questions"][0], raw["questions"][1] = raw["questions"][1], raw["questions"][0]
    assert "questions[0] has number 2" in str(load_broken(tmp_path, raw))


def test_empty_phrases_list(tmp_path: Path, raw: dict[str, Any]) -> None:
    raw["questions"][3]["checklist"][2]["phrases"] = []
    error = load_broken(tmp_path, raw)
    assert len(error.problems) == 1
    assert error.problems[0].startswith("questions[3].checklist[2].phrases: ")


def test_empty_phrase(tmp_path: Path, raw: dict[str, Any]) -> None:
    raw["questions"][3]["checklist"][2]["phrases"][1] = "   "
    assert "questions[3].checklist[2].phrases[1]" in str(load_broken(tmp_path, raw))


def test_duplicate_phrase(tmp_path: Path, raw: dict[str, Any]) -> None:
    phrases = raw["questions"][0]["checklist"][0]["phrases"]
    phrases.append(phrases[0].upper())
    error = load_broken(tmp_path, raw)
    assert "questions[0].checklist[0].phrases" in str(error)
    assert "listed twice" in str(error)


def test_duplicate_checklist_item_ids(tmp_path: Path, raw: dict[str, Any]) -> None:
    items = raw["questions"][2]["checklist"]
    items[1]["id"] = items[0]["id"]
    assert f"questions[2].checklist: checklist item ids must be unique; repeated: {items[0]['id']}" in str(
        load_broken(tmp_path, raw)
    )


def test_unknown_extra_fields(tmp_path: Path, raw: dict[str, Any]) -> None:
    raw["questions"][0]["colour"] = "blue"
    raw["questions"][1]["checklist"][0]["wieght"] = 2
    error = load_broken(tmp_path, raw)
    assert "questions[0].colour: is not a known field" in str(error)
    assert "questions[1].checklist[0].wieght: is not a known field" in str(error)


def test_bad_category_and_slug(tmp_path: Path, raw: dict[str, Any]) -> None:
    raw["questions"][4]["category"] = "devops"
    raw["questions"][6]["id"] = "Not A Slug"
    error = load_broken(tmp_path, raw)
    places = [problem.split(":")[0] for problem in error.problems]
    assert places == ["questions[4].category", "questions[6].id"]


def test_empty_questions_and_wrong_top_level(tmp_path: Path, raw: dict[str, Any]) -> None:
    raw["questions"] = []
    assert "questions:" in str(load_broken(tmp_path, raw))
    assert "(top level)" in str(load_broken(tmp_path, [1, 2, 3]))


def test_missing_and_folder_paths(tmp_path: Path) -> None:
    with pytest.raises(BankError, match="file not found"):
        load_bank(tmp_path / "absent.json")
    with pytest.raises(BankError, match="is a folder"):
        load_bank(tmp_path)


def test_a_bank_without_the_schema_reference_loads(tmp_path: Path, raw: dict[str, Any]) -> None:
    del raw["$schema"]
    small = copy.deepcopy(raw)
    small["questions"] = small["questions"][:2]
    loaded = load_bank(write(tmp_path, small))
    assert len(loaded) == 2
    assert loaded.schema_ is None


# --- find() -------------------------------------------------------------------------------------


def test_find_by_number_and_id(bank: QuestionBank) -> None:
    assert bank.find(1).number == 1
    assert bank.find("24").id == "work-style-and-culture"
    assert bank.find(" 9 ").id == "backups-and-disaster-recovery"
    assert bank.find("incident-you-led").number == 2


@pytest.mark.parametrize(("ref", "message"), [(0, "no question number 0: choose 1-24"), (25, "choose 1-24")])
def test_find_number_out_of_range(bank: QuestionBank, ref: int, message: str) -> None:
    with pytest.raises(KeyError, match=message):
        bank.find(ref)


def test_find_unknown_id(bank: QuestionBank) -> None:
    with pytest.raises(KeyError, match="no question with id 'nope'"):
        bank.find("nope")
