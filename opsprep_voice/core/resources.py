"""Where the files the app ships are: package data, found with :mod:`importlib.resources`, the same way in
an installed wheel, the PyInstaller bundle and a source checkout.

Two resources live at the repository's top level because the project names them there: ``questions.json``
(the bank people edit and ``scripts/build_bank.py`` writes) and ``assets/`` (icon, desktop entry,
metainfo). The build puts both into the package: ``setup.py`` copies the bank to
``opsprep_voice/core/data/questions.json`` and ``pyproject.toml`` maps ``assets/`` to
``opsprep_voice/assets``, so an install needs nothing outside its package. A source checkout, or an
editable install pointing at one, has them only at the top level, which is therefore the second place
looked. Files kept inside the package in the repository too (``core/data/common_words.txt``) have only the
first place.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def package_root() -> Path:
    """The installed ``opsprep_voice`` folder, as :mod:`importlib.resources` sees it.

    Every way the app is installed (wheel, editable, bundle, checkout on ``PYTHONPATH``) unpacks the package
    as files, so the root is a real folder; a zipped install would not run the app (Qt, CTranslate2 and
    the models need files) and is refused here with the reason.
    """
    root = resources.files("opsprep_voice")
    if not isinstance(root, Path):
        raise RuntimeError(f"OpsPrep Voice must be installed as files, not inside an archive ({root})")
    return root.resolve()


def package_file(relative: str) -> Path:
    """A file shipped inside the package, e.g. ``core/data/common_words.txt``."""
    return package_root().joinpath(*relative.split("/"))


def shipped(installed: str, top_level: str) -> Path:
    """A top-level resource: inside the package when installed (``installed``, relative to it), else at
    the top of the source checkout the package sits in (``top_level``, relative to the repository).

    When neither exists the installed place is returned, so the caller's "missing" error names where an
    install should have put it.
    """
    inside = package_file(installed)
    if inside.exists():
        return inside
    beside = package_root().parent.joinpath(*top_level.split("/"))
    return beside if beside.exists() else inside
