"""The one build step pyproject.toml cannot declare: ship the top-level ``questions.json`` inside the package.

The bank stays at the repository's top level, the one file people and ``scripts/build_bank.py`` edit; the
wheel (and so ``pip install .`` and the PyInstaller bundle's install) carries a copy at
``opsprep_voice/core/data/questions.json``, where ``opsprep_voice.core.resources`` finds it with
importlib.resources. A copy made at build time, rather than the file moved into the package behind a
top-level symlink, keeps one real file in the repository on every system (a Windows checkout turns a
symlink into a text file) and needs no test to keep two files equal.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

BANK = "questions.json"
BANK_IN_PACKAGE = ("opsprep_voice", "core", "data", "questions.json")


class BuildPyWithBank(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib).joinpath(*BANK_IN_PACKAGE)
        target.parent.mkdir(parents=True, exist_ok=True)
        self.copy_file(BANK, str(target), preserve_mode=False)


setup(cmdclass={"build_py": BuildPyWithBank})
