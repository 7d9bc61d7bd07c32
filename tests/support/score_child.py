"""Child program: ``opsprep-voice`` with a fake transcriber (no model load), for the storage-fault tests that
run the CLI inside a mount namespace (read-only bind mount, full tmpfs).

``python -m tests.support.score_child score ANSWER.wav --question 3 --save`` works as the real command does,
with the transcript fixed to :data:`SCRIPT`.
"""

from __future__ import annotations

import sys

from opsprep_voice.asr import registry
from tests.support.app_fakes import FakeTranscriber, factory_for

SCRIPT = "we define SLOs from user journeys and alert on the error budget burn rate with dashboards"


def main() -> int:
    registry.create_transcriber = factory_for(FakeTranscriber(SCRIPT))
    from opsprep_voice.cli import main as cli_main

    return cli_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
