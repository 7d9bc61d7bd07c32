#!/usr/bin/env bash
# Render docs/screenshots/launcher.png: the entry `opsprep-voice desktop-install` writes, as a real
# application launcher (rofi's "drun" mode, which reads desktop entries and hicolor icons as desktops do)
# shows it under a private Xvfb. Nothing is installed in your own folders: XDG_DATA_HOME is a temporary one.
#   bash scripts/screenshot_launcher.sh        (needs Xvfb, rofi, xdotool and ImageMagick's import;
#                                               Debian/Ubuntu: apt-get install xvfb rofi xdotool imagemagick)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-$here/.venv/bin/python}"
for tool in Xvfb rofi xdotool import; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install xvfb rofi xdotool imagemagick" >&2; exit 1; }
done
work="$(mktemp -d)"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

export XDG_DATA_HOME="$work/share" XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache"
PYTHONPATH="$here" "$python" -m opsprep_voice desktop-install >/dev/null

exec 3<> "$work/displayfd" # Xvfb writes its display number here
Xvfb -displayfd 3 -screen 0 800x400x24 -nolisten tcp 2>/dev/null &
pids+=($!)
until [ -s "$work/displayfd" ]; do sleep 0.05; done
export DISPLAY=":$(head -n1 "$work/displayfd")"

rofi -show drun -show-icons -filter "OpsPrep" -no-lazy-grab \
  -theme-str 'window { width: 520px; } listview { lines: 3; } element-icon { size: 48px; }' 2>/dev/null &
pids+=($!)
window=""
until [ -n "$window" ]; do window="$(xdotool search --class rofi 2>/dev/null | head -n1 || true)"; sleep 0.05; done
sleep 1 # rofi loads icons after it maps the window
eval "$(xdotool getwindowgeometry --shell "$window")"
import -window root -crop "${WIDTH}x${HEIGHT}+${X}+${Y}" "$here/docs/screenshots/launcher.png"
echo "wrote docs/screenshots/launcher.png (${WIDTH}x${HEIGHT})"
