"""A plain (non-editable) install works on its own: the wheel of a copy of the checkout, installed into a
fresh venv and run from an unrelated folder, finds its question bank, assets and word list as package data.
Also: in a checkout the top-level files are the ones used (the bank's source of truth)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from opsprep_voice.core import appinfo, bank, phrases, resources
from tests.support.wheel import REPO, Installed, build_wheel, install_wheel

ANSWER = (
    "I start with the critical user journeys and define SLIs like availability and p95 latency. We set an "
    "SLO of 99.9 percent and alert on error budget burn rate in Prometheus, with Grafana dashboards."
)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("wheel")
    return install_wheel(build_wheel(work), work)


def _run(cmd: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # nothing from the checkout
    return subprocess.run(cmd, cwd=cwd, env={**clean, **env}, capture_output=True, text=True, timeout=600)


def test_the_wheel_carries_the_top_level_bank_byte_for_byte(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as whl:
        assert whl.read("opsprep_voice/core/data/questions.json") == (REPO / "questions.json").read_bytes()
        assert "opsprep_voice/core/data/common_words.txt" in whl.namelist()
        assert f"opsprep_voice/assets/{appinfo.APP_ID}.svg" in whl.namelist()
        assert not [n for n in whl.namelist() if n.startswith("questions.json")]  # only inside the package


def test_installed_command_lists_the_bank_from_another_folder(installed: Installed, tmp_path: Path) -> None:
    proc = _run([str(installed.command), "questions", "--json"], tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    listed = json.loads(proc.stdout)
    expected = json.loads((REPO / "questions.json").read_text(encoding="utf-8"))["questions"]
    assert [q["id"] for q in listed] == [q["id"] for q in expected]
    assert [q["text"] for q in listed] == [q["text"] for q in expected]


def test_installed_command_scores_text_like_the_checkout(installed: Installed, tmp_path: Path) -> None:
    (tmp_path / "answer.txt").write_text(ANSWER, encoding="utf-8")
    cmd = ["score", "--text", "answer.txt", "--question", "3", "--json"]
    from_wheel = _run([str(installed.command), *cmd], tmp_path)
    assert from_wheel.returncode == 0, from_wheel.stderr[-3000:]
    from_checkout = _run([sys.executable, "-m", "opsprep_voice", *cmd], tmp_path, PYTHONPATH=str(REPO))
    assert from_checkout.returncode == 0, from_checkout.stderr[-3000:]
    report = json.loads(from_wheel.stdout)
    assert report["question_id"] == "slis-slos-observability"
    assert report["coverage"] > 0.4 and any(item["hit"] for item in report["checklist"])
    assert report == json.loads(from_checkout.stdout)


def test_installed_package_finds_every_resource_inside_itself(installed: Installed, tmp_path: Path) -> None:
    probe = (
        "import opsprep_voice\n"
        "from opsprep_voice.core import appinfo, bank, phrases\n"
        "print(opsprep_voice.__file__)\n"
        "shipped = (bank.BUNDLED_BANK, phrases.COMMON_WORDS_FILE, appinfo.icon_png(16),\n"
        "           appinfo.desktop_entry())\n"
        "for path in shipped:\n"
        "    print(path, path.is_file())\n"
    )
    proc = _run([str(installed.python), "-c", probe], tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    module, *resources_found = proc.stdout.splitlines()
    package = Path(module).parent
    assert package.is_relative_to(installed.venv)
    assert len(resources_found) == 4
    for line in resources_found:
        path, exists = line.rsplit(" ", 1)
        assert Path(path).is_relative_to(package) and exists == "True", line


def test_a_checkout_uses_its_top_level_bank_and_assets() -> None:
    """The top-level questions.json is the source of truth: a stray copy inside the package would win."""
    assert bank.BUNDLED_BANK == REPO / "questions.json"
    assert appinfo.assets_dir() == REPO / "assets"
    assert phrases.COMMON_WORDS_FILE == REPO / "opsprep_voice" / "core" / "data" / "common_words.txt"


def test_shipped_prefers_the_package_then_the_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "opsprep_voice"
    (package / "core" / "data").mkdir(parents=True)
    monkeypatch.setattr(resources, "package_root", lambda: package)
    inside = package / "core" / "data" / "questions.json"
    beside = tmp_path / "questions.json"
    assert resources.shipped("core/data/questions.json", "questions.json") == inside  # neither: named inside
    beside.write_text("{}")
    assert resources.shipped("core/data/questions.json", "questions.json") == beside
    inside.write_text("{}")
    assert resources.shipped("core/data/questions.json", "questions.json") == inside


def test_a_missing_bundled_bank_says_to_reinstall(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bank, "BUNDLED_BANK", tmp_path / "questions.json")
    with pytest.raises(bank.BankError, match="bundled question bank is missing; reinstall OpsPrep Voice"):
        bank.load_bank()
