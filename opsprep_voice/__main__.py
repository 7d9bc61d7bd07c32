"""``python -m opsprep_voice`` runs the same CLI as the ``opsprep-voice`` entry point."""

from opsprep_voice.cli import main

raise SystemExit(main())
