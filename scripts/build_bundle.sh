#!/usr/bin/env bash
# Build the standalone one-folder app (PyInstaller, packaging/opsprep-voice.spec) and pack it:
#   bash scripts/build_bundle.sh           -> dist/opsprep-voice/ and dist/opsprep-voice-<os>-<arch>.tar.gz
#   bash scripts/build_bundle.sh --check   the same, then scripts/check_bundle.py unpacks the archive and
#                                          verifies it: contents, offline `score` equal to the package's,
#                                          the window under Xvfb, size and start-up time
# It takes minutes, so it is a separate check, not part of `bootstrap.sh test`. The build runs in its own
# venv (.venv-bundle) with a plain (not editable) install and no dev or openai-whisper extras, so the
# bundle holds what a user's install holds and nothing from the test tools. Written for Debian/Ubuntu; on
# Windows and macOS run PyInstaller on the spec by hand (README).
set -euo pipefail

check=0
case "${1:-}" in
  --check) check=1 ;;
  "") ;;
  *) echo "usage: bash scripts/build_bundle.sh [--check]" >&2; exit 2 ;;
esac
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
# shellcheck source=scripts/bootstrap.sh
source scripts/bootstrap.sh  # runtime_pkgs, install_system_packages, log; runs nothing when sourced
bundle_venv="$here/.venv-bundle"

# The bundle links the same system libraries as the app (X/XCB, PortAudio, espeak-ng); the check also
# runs an X server, finds the window (xdotool, xprop) and makes speech (espeak-ng, sox).
pkgs=("${runtime_pkgs[@]}")
[ "$check" = 1 ] && pkgs+=(xvfb xdotool x11-utils sox)
install_system_packages "${pkgs[@]}"

if [ ! -x "$bundle_venv/bin/python" ]; then
  log "creating the build environment .venv-bundle"
  "${PYTHON:-python3}" -m venv "$bundle_venv"
fi
stamp="$bundle_venv/.opsprep-bundle-deps" want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "installing the app's dependencies and PyInstaller (.[bundle])"
  "$bundle_venv/bin/python" -m pip install -q --upgrade pip
  "$bundle_venv/bin/python" -m pip install -q ".[bundle]"
  echo "$want" > "$stamp"
fi
log "installing this checkout of the package"
"$bundle_venv/bin/python" -m pip install -q --no-deps --force-reinstall .
rm -rf build/lib build/bdist.* ./*.egg-info opsprep_voice.egg-info  # what the wheel build left in the tree

log "PyInstaller (a few minutes)"
started=$(date +%s)
"$bundle_venv/bin/pyinstaller" --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/opsprep-voice.spec
os="$(uname -s | tr '[:upper:]' '[:lower:]')" arch="$(uname -m)"
archive="dist/opsprep-voice-$os-$arch.tar.gz"
tar -C dist -czf "$archive" opsprep-voice
log "built dist/opsprep-voice/ ($(du -sh dist/opsprep-voice | cut -f1)) and $archive ($(du -h "$archive" | cut -f1)) in $(( $(date +%s) - started )) s"

if [ "$check" = 1 ]; then
  exec "$bundle_venv/bin/python" scripts/check_bundle.py "$archive"
fi
