"""Whisper's tokenizer, parsed before the app's window shows and handed to faster-whisper's model load.

``faster_whisper.WhisperModel`` parses the model folder's ``tokenizer.json`` with
``tokenizers.Tokenizer.from_file``: one call into Rust that holds the GIL for its whole run, 130-280 ms
on the 2-core machine (docs/BENCHMARKS.md, start-up). Whatever thread makes it, the GUI thread can run no
Python for that long, which froze the start screen once per start. The entry point calls :func:`preparse`
before the window shows (a wait there is start-up time, not a frozen window; ``from_str`` on the text read
first is also about twice as fast as ``from_file``), and the model load, later and in a worker, wraps
``WhisperModel(...)`` in :func:`handing_over`, which gives faster-whisper that tokenizer instead of a
second parse when the model folder's ``tokenizer.json`` has the same bytes as the file parsed (so the
first start, before ``base`` is joined into the cache, parses the copy in the model package that the join
copies). Without a preparse, or for a different file, faster-whisper parses as usual.

The hand-over replaces ``faster_whisper.transcribe.tokenizers`` (the module faster-whisper calls) for the
duration of one ``WhisperModel(...)`` call, under a lock. tests/test_tokenizer_cache.py checks that the
model really gets the parsed tokenizer, so a faster-whisper release that loads it another way fails there
rather than bringing the stall back unnoticed.
"""

from __future__ import annotations

import hashlib
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
#: The one parsed tokenizer waiting for its model load: (SHA-256 of the file parsed, tokenizer).
_waiting: tuple[str, Any] | None = None


def preparse(file: Path) -> bool:
    """Parse the tokenizer ``file`` now and keep it for the next model load whose ``tokenizer.json`` has
    the same bytes.

    Call it where holding the GIL is harmless (before the window shows). False, doing nothing, when the
    file cannot be read or parsed (the load then parses its own and reports a damaged one).
    """
    global _waiting
    try:
        data = file.read_bytes()
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        log.debug("tokenizer not parsed ahead (%s)", exc)
        return False
    from tokenizers import Tokenizer

    try:
        tokenizer = Tokenizer.from_str(text)
    except Exception as exc:
        log.warning("could not parse %s ahead of the model load: %s", file, exc)
        return False
    with _lock:
        _waiting = (hashlib.sha256(data).hexdigest(), tokenizer)
    return True


def _take(file: Path) -> Any | None:
    """The tokenizer parsed ahead, if ``file`` has the bytes it was parsed from (handed over once)."""
    global _waiting
    with _lock:
        waiting, _waiting = _waiting, None
    if waiting is None:
        return None
    try:
        digest = hashlib.sha256(file.read_bytes()).hexdigest()  # ~2 MB: a few ms, the GIL released
    except OSError:
        return None
    return waiting[1] if waiting[0] == digest else None


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
