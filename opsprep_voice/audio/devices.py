"""Microphones as PortAudio (via sounddevice) sees them, and plain-language errors when there are none.

``sounddevice`` is imported lazily: without libportaudio2 ``import sounddevice`` raises ``OSError``, and
the app must still start (questions can be read and answers studied without a microphone). Every
function here takes an optional ``sd`` module so tests can pass a fake.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from types import ModuleType
from typing import Any

log = logging.getLogger(__name__)

NO_MICROPHONE = (
    "No microphone found. Plug one in, or check that PulseAudio/PipeWire is running; "
    "you can still read questions and study answers."
)
NO_PORTAUDIO = (
    "Audio recording is unavailable: the PortAudio library is missing. "
    "Install it (Debian/Ubuntu: sudo apt install libportaudio2) and restart the app; "
    "you can still read questions and study answers."
)
NO_SOUNDDEVICE = (
    "Audio recording is unavailable: the Python package 'sounddevice' is not installed. "
    "Install it with: pip install sounddevice"
)


class AudioDeviceError(Exception):
    """A microphone problem, with a message that says what is missing and how to fix it."""


@dataclass(frozen=True, slots=True)
class InputDevice:
    index: int
    name: str
    channels: int
    default_samplerate: float
    is_default: bool
    hostapi: str = ""


def load_sounddevice() -> ModuleType:
    """Import and return ``sounddevice``; raise :class:`AudioDeviceError` (not ImportError/OSError)."""
    try:
        import sounddevice
    except OSError as exc:  # sounddevice raises OSError when libportaudio is not found
        log.warning("sounddevice import failed: %s", exc)
        raise AudioDeviceError(NO_PORTAUDIO) from exc
    except ImportError as exc:
        log.warning("sounddevice import failed: %s", exc)
        raise AudioDeviceError(NO_SOUNDDEVICE) from exc
    return sounddevice


def _default_input_index(sd: Any) -> int:
    try:
        default = sd.default.device
        index = default[0] if hasattr(default, "__getitem__") else default
        if index is None:
            return -1
        return int(index)
    except Exception:  # no default device, or an unexpected value
        return -1


def list_input_devices(sd: Any = None) -> list[InputDevice]:
    """All devices with input channels; empty (never an exception) when PortAudio has none."""
    if sd is None:
        sd = load_sounddevice()
    try:
        raw = list(sd.query_devices())
    except Exception as exc:  # PortAudioError when PortAudio cannot enumerate
        log.warning("Cannot list audio devices: %s", exc)
        return []
    try:
        hostapis = [str(h.get("name", "")) for h in sd.query_hostapis()]
    except Exception:
        hostapis = []
    default_index = _default_input_index(sd)
    devices = []
    for position, info in enumerate(raw):
        channels = int(info.get("max_input_channels", 0))
        if channels <= 0:
            continue
        index = int(info.get("index", position))
        api = int(info.get("hostapi", -1))
        devices.append(
            InputDevice(
                index=index,
                name=str(info.get("name", f"device {index}")),
                channels=channels,
                default_samplerate=float(info.get("default_samplerate", 0.0) or 0.0),
                is_default=index == default_index,
                hostapi=hostapis[api] if 0 <= api < len(hostapis) else "",
            )
        )
    return devices


def default_input_device(sd: Any = None) -> InputDevice:
    """The system's default microphone (else the first input); :class:`AudioDeviceError` if there is none."""
    devices = list_input_devices(sd)
    if not devices:
        raise AudioDeviceError(NO_MICROPHONE)
    for device in devices:
        if device.is_default:
            return device
    return devices[0]


def find_input_device(device: int | str | None, sd: Any = None) -> InputDevice:
    """Resolve an index, an exact or partial name, or ``None`` (default) to an :class:`InputDevice`."""
    if device is None:
        return default_input_device(sd)
    devices = list_input_devices(sd)
    if not devices:
        raise AudioDeviceError(NO_MICROPHONE)
    if isinstance(device, int):
        for candidate in devices:
            if candidate.index == device:
                return candidate
    else:
        wanted = device.casefold()
        for candidate in devices:
            if candidate.name.casefold() == wanted:
                return candidate
        for candidate in devices:
            if wanted in candidate.name.casefold():
                return candidate
    names = ", ".join(f"{d.index}: {d.name}" for d in devices)
    raise AudioDeviceError(
        f"Microphone {device!r} was not found (unplugged?). Available microphones: {names}. "
        "Choose one in Settings."
    )


def rescan_devices(sd: Any = None) -> None:
    """Make PortAudio enumerate devices again (it only does so at initialisation).

    Needed when a sound server started after ``sounddevice`` was imported, or a USB microphone was
    plugged in. Must not be called while any stream is open. Uses sounddevice's private
    ``_terminate``/``_initialize`` pair (the documented workaround for hot-plugging).
    """
    if sd is None:
        sd = load_sounddevice()
    terminate = getattr(sd, "_terminate", None)
    initialize = getattr(sd, "_initialize", None)
    if terminate is None or initialize is None:
        return
    try:
        terminate()
    finally:
        initialize()
