"""Whisper's tokenizer, parsed before the app's window shows and handed to faster-whisper's model load.

``faster_whisper.WhisperModel`` parses the model folder's ``tokenizer.json`` with
``tokenizers.Tokenizer.from_file``: one call into Rust that holds the GIL for its whole run, 130-280 ms
on the 2-core machine (docs/BENCHMARKS.md, start-up). Whatever thread makes it, the GUI thread can run no
Python for that long, which froze the start screen once per start. The entry point calls :func:`preparse`
before the window shows (a wait there is start-up time, not a frozen window; ``from_str`` on the text read
first is also about twice as fast as ``from_file``), and the model load, later and in a worker, wraps
``WhisperModel(...)`` in :func:`handing_over`, which gives faster-whisper that tokenizer instead of a
second parse. Without a preparse, or for another folder or a changed file, faster-whisper parses as usual.

The hand-over replaces ``faster_whisper.transcribe.tokenizers`` (the module faster-whisper calls) for the
duration of one ``WhisperModel(...)`` call, under a lock. tests/test_tokenizer_cache.py checks that the
model really gets the parsed tokenizer, so a faster-whisper release that loads it another way fails there
rather than bringing the stall back unnoticed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

log = logging.getLogger(__name__)

TOKENIZER_FILE = "tokenizer.json"

_lock = threading.Lock()
#: The one parsed tokenizer waiting for its model load: ((resolved path, size, mtime_ns), tokenizer).
_waiting: tuple[tuple[str, int, int], Any] | None = None


def _key(file: Path) -> tuple[str, int, int]:
    st = file.stat()
    return str(file.resolve()), st.st_size, st.st_mtime_ns


def preparse(model_dir: Path) -> bool:
    """Parse ``model_dir/tokenizer.json`` now and keep it for the next load of that folder's model.

    Call it where holding the GIL is harmless (before the window shows). False, doing nothing, when the
    file cannot be read (e.g. the model is not in the cache yet: the load will prepare it and parse then).
    """
    global _waiting
    file = model_dir / TOKENIZER_FILE
    try:
        key = _key(file)
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        log.debug("tokenizer not parsed ahead (%s)", exc)
        return False
    from tokenizers import Tokenizer

    try:
        tokenizer = Tokenizer.from_str(text)
    except Exception as exc:  # a damaged file: the model load reports it with its own message
        log.warning("could not parse %s ahead of the model load: %s", file, exc)
        return False
    with _lock:
        _waiting = (key, tokenizer)
    return True


def _take(file: Path) -> Any | None:
    """The tokenizer parsed ahead for ``file`` if it is still the same file (it is handed over once)."""
    global _waiting
    with _lock:
        waiting, _waiting = _waiting, None
    if waiting is None:
        return None
    try:
        current = _key(file)
    except OSError:
        return None
    return waiting[1] if waiting[0] == current else None


def _stand_in(real: Any, file: Path, tokenizer: Any) -> SimpleNamespace:
    """Stands in for the ``tokenizers`` module inside faster-whisper during one model load: ``from_file``
    of ``file`` returns ``tokenizer``; everything else is the real ``tokenizers.Tokenizer``'s."""
    wanted = str(file.resolve())
    real_cls = real.Tokenizer

    def from_file(path: str) -> Any:
        return tokenizer if str(Path(path).resolve()) == wanted else real_cls.from_file(path)

    return SimpleNamespace(
        Tokenizer=SimpleNamespace(
            from_file=from_file,
            from_buffer=real_cls.from_buffer,
            from_str=real_cls.from_str,
            from_pretrained=real_cls.from_pretrained,
        )
    )


_handover_lock = threading.Lock()


@contextmanager
def handing_over(model_dir: Path) -> Iterator[bool]:
    """Within it, ``WhisperModel(model_dir)`` takes the tokenizer :func:`preparse` made, if any.

    Yields whether a parsed tokenizer is being handed over.
    """
    file = model_dir / TOKENIZER_FILE
    tokenizer = _take(file)
    if tokenizer is None:
        yield False
        return
    import faster_whisper.transcribe as transcribe_module

    with _handover_lock:
        real = transcribe_module.tokenizers
        transcribe_module.tokenizers = _stand_in(real, file, tokenizer)
        try:
            yield True
        finally:
            transcribe_module.tokenizers = real
