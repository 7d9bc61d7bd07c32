"""Build the project's wheel from a copy of the checkout and install it into a fresh venv, offline.

The copy keeps the build's ``build/`` and ``*.egg-info`` out of the checkout and proves the wheel needs
nothing outside the repository's own files. The venv gets the wheel alone (``--no-deps``) and reaches the
running interpreter's dependencies through a ``.pth`` line: no network, and the ``.pth`` files of that
site-packages (the editable install's finder among them) are not run, so ``opsprep_voice`` can only come
from the wheel.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Not part of a checkout as cloned: local environments, caches and earlier build output.
_NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis", ".cache", "tmp"
)


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def command(self) -> Path:
        """The ``opsprep-voice`` console script pip wrote."""
        return self.venv / "bin" / "opsprep-voice"


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)


def build_wheel(work: Path) -> Path:
    """The wheel of a copy of this checkout, built in ``work``."""
    source = work / "source"
    shutil.copytree(REPO, source, ignore=_NOT_SOURCE, symlinks=True)
    out = work / "dist"
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), "."]
    # Offline when this venv has setuptools (Python 3.11's venvs do); otherwise pip fetches it to build.
    proc = _run([*cmd, "--no-build-isolation"], source)
    if proc.returncode != 0:
        proc = _run(cmd, source)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return next(out.glob("opsprep_voice-*.whl"))


def install_wheel(wheel: Path, work: Path) -> Installed:
    """A fresh venv in ``work``: ``wheel`` installed (not editable), this interpreter's dependencies."""
    venv = work / "venv"
    proc = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], work)
    assert proc.returncode == 0, proc.stderr
    installed = Installed(wheel, venv)
    pip = [sys.executable, "-m", "pip", "--python", str(installed.python), "install", "-q", "--no-deps"]
    proc = _run([*pip, "--no-index", str(wheel)], work)
    assert proc.returncode == 0, proc.stderr[-3000:]
    where = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = _run([str(installed.python), "-c", where], work)
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(site.stdout.strip()) / "zz_test_dependencies.pth").write_text("\n".join(sorted(deps)) + "\n")
    return installed
