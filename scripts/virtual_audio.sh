#!/usr/bin/env bash
# Start (or stop) a PulseAudio daemon with a virtual speaker and a virtual microphone, for tests and CI.
#
#   eval "$(scripts/virtual_audio.sh)"     # start if not running; prints export lines
#   scripts/virtual_audio.sh --stop        # stop the daemon started here
#
# Layout:
#   sink   speaker  (default sink; whatever the app plays lands here, capture via speaker.monitor)
#   sink   micfeed  (play speech into it: paplay --device=micfeed file.wav)
#   source vmic     (default source; remap of micfeed.monitor, i.e. the "microphone")
# Both null sinks use rate=48000 norewinds=1: a rewinding null sink drops the start of a capture
# (docs/BENCHMARKS.md).
# Idempotent: a running server is reused; missing modules are loaded, present ones are left alone.
# Works as root. XDG_RUNTIME_DIR: honoured if set, else /tmp/opsprep-pulse.
set -euo pipefail

if [[ -z "${XDG_RUNTIME_DIR:-}" ]]; then
    XDG_RUNTIME_DIR=/tmp/opsprep-pulse
fi
export XDG_RUNTIME_DIR
mkdir -p "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
PULSE_SOCKET="$XDG_RUNTIME_DIR/pulse/native"
export PULSE_SERVER="unix:$PULSE_SOCKET"

die() { echo "virtual_audio.sh: $*" >&2; exit 1; }
for tool in pulseaudio pactl; do
    command -v "$tool" >/dev/null || die "$tool not found; install it: sudo apt install pulseaudio pulseaudio-utils"
done

server_up() { pactl info >/dev/null 2>&1; }

if [[ "${1:-}" == "--stop" ]]; then
    if server_up; then
        pulseaudio --kill >/dev/null 2>&1 || pactl exit >/dev/null 2>&1 || true
        for _ in $(seq 1 50); do server_up || break; sleep 0.1; done
    fi
    server_up && die "PulseAudio at $PULSE_SERVER is still running"
    exit 0
fi

if ! server_up; then
    # No server answers: a pid file or socket left by a killed daemon would make startup fail.
    rm -f "$XDG_RUNTIME_DIR/pulse/pid" "$PULSE_SOCKET"
    # As root PulseAudio only warns ("This program is not intended to be run as root").
    pulseaudio --daemonize=yes -n --exit-idle-time=-1 --disallow-exit=yes --use-pid-file=yes \
        --load="module-native-protocol-unix auth-anonymous=1 socket=$PULSE_SOCKET" \
        --log-target=stderr >/dev/null 2>"$XDG_RUNTIME_DIR/pulseaudio.log" \
        || die "pulseaudio failed to start; see $XDG_RUNTIME_DIR/pulseaudio.log"
    for _ in $(seq 1 100); do server_up && break; sleep 0.1; done
    server_up || die "pulseaudio started but does not answer at $PULSE_SERVER"
fi

have() { pactl list short "$1" | awk '{print $2}' | grep -qx "$2"; }
have sinks speaker || pactl load-module module-null-sink sink_name=speaker rate=48000 norewinds=1 \
    sink_properties=device.description=speaker >/dev/null
have sinks micfeed || pactl load-module module-null-sink sink_name=micfeed rate=48000 norewinds=1 \
    sink_properties=device.description=micfeed >/dev/null
have sources vmic || pactl load-module module-remap-source source_name=vmic master=micfeed.monitor \
    source_properties=device.description=vmic >/dev/null
pactl set-default-sink speaker
pactl set-default-source vmic

echo "export XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR"
echo "export PULSE_SERVER=$PULSE_SERVER"
