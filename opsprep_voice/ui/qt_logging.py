"""Keep Qt Multimedia's harmless start-up and playback chatter out of the user's console.

Two kinds of lines reached the terminal on every run:

* ``Input #0, wav, from '…attempt-000012.wav': Duration: …`` each time a review loads its recording. Qt's
  FFmpeg backend (not PyAV, which the app uses to decode files for transcription) dumps the file's format
  through FFmpeg's own logger whenever the ``qt.multimedia.ffmpeg.mediadataholder`` category has info
  enabled, which it is by default; the ``Using Qt multimedia with FFmpeg version …`` line is the same
  kind of info message;
* ``qt.multimedia.symbolsresolver: Couldn't load pipewire-0.3 library``: Qt probes for PipeWire when audio
  starts and falls back to PulseAudio, which plays and records fine (PortAudio, which records the answers,
  prints nothing here).

Real warnings from the rest of Qt Multimedia still get through. The rules are set before Qt Multimedia
loads, and ``QT_LOGGING_RULES`` in the environment still overrides them (Qt reads it after these), so
``QT_LOGGING_RULES="qt.multimedia.*=true"`` brings everything back when debugging audio.
"""

from __future__ import annotations

from PySide6.QtCore import QLoggingCategory

QUIET_RULES = "\n".join(
    (
        "qt.multimedia.*.info=false",
        "qt.multimedia.*.debug=false",
        "qt.multimedia.symbolsresolver.warning=false",
    )
)


def quiet_multimedia_logs(*, debug: bool = False) -> None:
    """Apply :data:`QUIET_RULES` (nothing when ``debug``: ``-vv`` shows Qt's lines too)."""
    if not debug:
        QLoggingCategory.setFilterRules(QUIET_RULES)
