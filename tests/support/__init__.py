"""Helpers for the tests, the benchmarks and the screenshot script: import them as ``tests.support.<module>``.

- ``fake_sounddevice``: a replaying fake microphone with a real callback thread.
- ``speech``: spoken test audio from espeak-ng/sox.
- ``history_data``, ``history_ui_data``: history fixtures (storage tests, History screen tests).
- ``app_fakes``: a fake speech synthesizer and transcriber for the whole-app tests.
- ``page_objects``: which screen or review page is shown, summary rows and History cells by name.
- ``audio_check``: WAV reading and alignment for the crash and PulseAudio tests.
- ``record_child``, ``app_child``: programs the crash tests run in a child process (:data:`RECORD_CHILD`,
  :data:`APP_CHILD`); ``record_child`` imports only ``opsprep_voice``, ``app_child`` also the fakes above.
- ``mount_ns``: run a command in a private mount namespace with a read-only bind mount or a small tmpfs
  (storage faults); ``score_child``: the CLI with the fake transcriber, for those commands.
- ``kill_child``: the app (or the export, or a migration) held at one point of the flow for
  tests/test_kill_points.py to kill with SIGKILL.
- ``exit_child``: the app answering one question with live transcription and quitting normally
  (:data:`EXIT_CHILD`, for the clean-exit test; it also uses the fakes above).
"""

from pathlib import Path

RECORD_CHILD = Path(__file__).with_name("record_child.py")
APP_CHILD = Path(__file__).with_name("app_child.py")
EXIT_CHILD = Path(__file__).with_name("exit_child.py")
