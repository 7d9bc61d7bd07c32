"""Peak memory of ``opsprep-voice score FILE.wav`` for answers of several lengths.

Each answer is espeak-ng speech of the bundled example answers, clip after clip with a short pause between
them, trimmed to the length wanted (tests/support/speech.py; espeak-ng and sox are needed). Each score runs in
its own process (``python -m opsprep_voice score WAV --question 3 --json``, the default engine and model);
its peak resident memory is the kernel's ``ru_maxrss`` for that child (os.wait4), so the whole process is
counted: Python, the libraries, the model and the transcription.

    .venv/bin/python scripts/bench_memory.py [--lengths 15 180 900] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.support.speech import duration_s, silence, synthesize  # noqa: E402

VOICES = ("en-us", "en-gb")


def make_answer(workdir: Path, seconds: float) -> Path:
    """A WAV of ``seconds`` of speech: the example answers spoken in turn, each followed by 0.8 s of
    silence."""
    out = workdir / f"answer-{int(seconds)}s.wav"
    if out.exists():
        return out
    answers = [
        q["example_answer"] for q in json.loads((REPO_ROOT / "questions.json").read_text())["questions"]
    ]
    pause = silence(workdir / "pause.wav", 0.8)
    clips: list[str] = []
    total = 0.0
    i = 0
    while total < seconds:
        clip = workdir / f"clip-{i}.wav"
        if not clip.exists():
            synthesize(answers[i % len(answers)], clip, voice=VOICES[(i // len(answers)) % len(VOICES)])
        clips += [str(clip), str(pause)]
        total += duration_s(clip) + 0.8
        i += 1
    subprocess.run(["sox", *clips, str(out), "trim", "0", str(seconds)], check=True)
    return out


def peak_rss(wav: Path, workdir: Path) -> tuple[float, float, dict[str, object]]:
    """Peak RSS (MiB), wall time (s) and the JSON report of one ``score`` run."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    out_path, err_path = workdir / "score.json", workdir / "score.err"
    start = time.perf_counter()
    with out_path.open("wb") as out, err_path.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "opsprep_voice", "score", str(wav), "--question", "3", "--json"],
            stdout=out,
            stderr=err,
            env=env,
        )
        # wait4, not Popen.wait: it returns this child's own resource usage, peak RSS included.
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"score failed on {wav}: {err_path.read_text()[-2000:]}")
    return usage.ru_maxrss / 1024, elapsed, json.loads(out_path.read_text())


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lengths", type=float, nargs="+", default=[15, 180, 900], help="answer lengths (s)")
    parser.add_argument("--workdir", type=Path, default=None, help="keep the generated WAVs here")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="opsprep-bench-memory-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"{'answer':>8}  {'peak RSS':>9}  {'wall':>7}  {'words':>6}  coverage")
    for seconds in sorted(args.lengths):
        wav = make_answer(workdir, seconds)
        rss, elapsed, report = peak_rss(wav, workdir)
        minutes, secs = divmod(int(seconds), 60)
        words, coverage = report.get("word_count"), report.get("coverage")
        print(f"{minutes:>4}:{secs:02d}  {rss:>5.0f} MiB  {elapsed:>5.1f} s  {words!s:>6}  {coverage}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
