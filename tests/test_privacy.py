"""The promise that nothing leaves the machine, audited on real runs in fresh HOME and TMPDIR folders:
importing the package, ``score --text``, and ``score WAV --save`` through the real default model.

Nothing may be written under HOME outside the app's own folders (onnxruntime used to keep a telemetry
database in ~/.cache/Microsoft/ and a world-readable ``.ses`` file in the temp folder), and no connection
or name lookup may go anywhere but loopback: Python-level calls are refused and logged by
tests/support/net_audit.py, and calls from C libraries are seen by strace.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from opsprep_voice.core.paths import HOME_ENV, AppPaths
from tests.support.speech import synthesize

pytestmark = pytest.mark.model

REPO_ROOT = Path(__file__).resolve().parents[1]
NET_AUDIT = REPO_ROOT / "tests" / "support" / "net_audit.py"
ANSWER = (
    "We define service level objectives for the journeys users care about, keep an error budget, and page "
    "on the burn rate. Prometheus stores the metrics and Grafana shows the dashboards."
)
TELEMETRY_SWITCHES = ("ORT_DISABLE_TELEMETRY", "HF_HUB_DISABLE_TELEMETRY")
#: Variables that would switch telemetry off, or move the folders, from outside: the child must not have
#: them, so what is audited is the app's own doing.
OUTSIDE_SWITCHES = {
    HOME_ENV,
    "HF_HUB_OFFLINE",
    "DO_NOT_TRACK",
    "DISABLE_TELEMETRY",
    *TELEMETRY_SWITCHES,
}


def _strace() -> list[str]:
    """strace watching every connect/send with an address, in all threads and children, if it works here."""
    if shutil.which("strace") is None:
        return []
    probe = subprocess.run(["strace", "-qq", "-e", "trace=none", "true"], capture_output=True, check=False)
    return (
        ["strace", "-f", "-qq", "--seccomp-bpf", "-e", "trace=connect,sendto,sendmsg"]
        if not probe.returncode
        else []
    )


def _remote_syscalls(trace: str) -> list[str]:
    """strace lines reaching an address that is not loopback, or any name server (port 53)."""
    remote = []
    for line in trace.splitlines():
        v4 = re.search(r'inet_addr\("([^"]+)"\)', line)
        v6 = re.search(r'inet_pton\(AF_INET6, "([^"]+)"', line)
        if (
            (v4 and not v4.group(1).startswith("127."))
            or (v6 and v6.group(1) not in ("::1", "::ffff:127.0.0.1"))
            or "htons(53)" in line
        ):
            remote.append(line)
    return remote


@pytest.fixture(scope="module")
def answer_wav(speech_dir: Path) -> Path:
    """Made before HOME moves: espeak-ng talks to the sound server, whose client writes ~/.config/pulse."""
    wav = speech_dir / "privacy-answer.wav"
    if not wav.exists():
        synthesize(ANSWER, wav)
    return wav


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    home, temp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    temp.mkdir()
    for name in list(os.environ):
        if (name.startswith("XDG_") and name != "XDG_RUNTIME_DIR") or name in OUTSIDE_SWITCHES:
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TMPDIR", str(temp))
    yield {"home": home, "tmp": temp, "work": tmp_path}
    shutil.rmtree(home, ignore_errors=True)  # the joined base model is 145 MB


def test_a_run_writes_only_its_own_folders_and_reaches_no_network(
    answer_wav: Path, fresh: dict[str, Path]
) -> None:
    wav = answer_wav
    text = fresh["work"] / "answer.txt"
    text.write_text(ANSWER, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "QT_QPA_PLATFORM": "offscreen"}
    audit_log = fresh["work"] / "net-audit.jsonl"
    strace = _strace()
    runs = {
        "import": ["-c", "import opsprep_voice, onnxruntime, faster_whisper.vad"],
        "text": ["opsprep_voice", "score", "--text", str(text), "--question", "3", "--json"],
        "audio": ["opsprep_voice", "score", str(wav), "--question", "3", "--json", "--save"],
    }
    outputs: dict[str, str] = {}
    traces: list[str] = []
    for name, args in runs.items():
        trace = fresh["work"] / f"strace-{name}.txt"
        cmd = [*strace, "-o", str(trace)] if strace else []
        proc = subprocess.run(
            [*cmd, sys.executable, str(NET_AUDIT), str(audit_log), *args],
            env=env, cwd=fresh["work"], capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        assert proc.returncode == 0, f"{name}: {proc.stderr[-2000:]}"
        outputs[name] = proc.stdout
        if strace:
            traces.append(trace.read_text(errors="replace"))

    # The runs did their work (so the audit saw a real transcription and a real save).
    assert json.loads(outputs["text"])["coverage"] > 0
    audio = json.loads(outputs["audio"])
    assert "prometheus" in audio["transcript"].lower() and audio["attempt_id"] >= 1

    # Network: nothing from Python, nothing from C.
    assert not audit_log.exists(), audit_log.read_text()
    assert [line for t in traces for line in _remote_syscalls(t)] == []

    # Files: only under the app's own folders (their parents may be created, empty of anything else).
    own = AppPaths.default()
    assert str(own.data).startswith(str(fresh["home"]))  # platformdirs under the fresh HOME
    roots = (own.data, own.cache, own.config)
    stray = [
        p
        for p in fresh["home"].rglob("*")
        if not any(p == r or r in p.parents for r in roots)
        and not (p.is_dir() and any(p in r.parents for r in roots))
    ]
    assert stray == [], stray
    assert not (fresh["home"] / ".cache" / "Microsoft").exists()
    assert (own.data / "history.sqlite3").is_file()  # the save went where it belongs
    assert list(fresh["tmp"].iterdir()) == []  # no onnxruntime .ses, nothing else left behind


def test_importing_the_package_switches_telemetry_off_whatever_the_environment() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "ORT_DISABLE_TELEMETRY": "0"}
    env.pop("HF_HUB_DISABLE_TELEMETRY", None)
    code = (
        "import json, os, opsprep_voice\n"
        f"print(json.dumps({{k: os.environ.get(k) for k in {list(TELEMETRY_SWITCHES)!r}}}))"
    )
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert json.loads(proc.stdout) == {"ORT_DISABLE_TELEMETRY": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}
