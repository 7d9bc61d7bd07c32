#!/usr/bin/env bash
# Install the optional openai-whisper engine into the current environment without triton (GPU-only, ~1 GB).
#   PIP="path/to/python -m pip" bash requirements/openai-whisper.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pip_cmd=(${PIP:-python3 -m pip})
"${pip_cmd[@]}" install -q -r "$here/openai-whisper.txt"
"${pip_cmd[@]}" install -q --no-deps -r "$here/openai-whisper-nodeps.txt"
