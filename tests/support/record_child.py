"""Child process for tests/test_crash_kill.py: record the default microphone into argv[1] until killed.

Prints ``ready <sample_rate>`` once the first audio block has arrived, then waits forever.
"""

from __future__ import annotations

import sys
import threading

from opsprep_voice.audio.recorder import RecordingSession


def main() -> None:
    session = RecordingSession(sys.argv[1], sample_rate=int(sys.argv[2]) if len(sys.argv) > 2 else None)
    session.start()
    if not session.first_block.wait(15):
        print("no-audio", flush=True)
        sys.exit(3)
    print(f"ready {session.sample_rate}", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
