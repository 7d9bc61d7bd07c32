"""Entry point of the PyInstaller bundle: the ``opsprep-voice`` command line, and ``-c CODE [ARGS]`` run
as ``python -c`` would.

The app starts short Python children as ``sys.executable -c CODE`` (one per spoken question:
``opsprep_voice.audio.tts``). In a bundle ``sys.executable`` is this program, not a Python, so it runs
such a command itself; everything else goes to the usual command line.
"""

from __future__ import annotations

import sys


def main() -> int:
    if len(sys.argv) >= 3 and sys.argv[1] == "-c":
        code, sys.argv = sys.argv[2], ["-c", *sys.argv[3:]]
        exec(compile(code, "<string>", "exec"), {"__name__": "__main__"})  # the child's own code
        return 0
    from opsprep_voice.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    raise SystemExit(main())
