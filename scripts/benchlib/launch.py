"""Launch time: from spawning a process to the main window's first Expose and paint (see launch_child.py)."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchlib.common import NONE_GUARD, RESULT_PREFIX, child_env

#: The child program, run by path.
LAUNCH_CHILD = Path(__file__).with_name("launch_child.py")


def launch_once(home: Path, guard: bool = False) -> dict[str, Any]:
    """One launch in a fresh process; times in seconds since the spawn."""
    env = child_env(home)
    env["BENCH_NONE_GUARD"] = str(NONE_GUARD if guard else 0)
    t0 = time.time()
    proc = subprocess.run(
        [sys.executable, str(LAUNCH_CHILD)], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            data: dict[str, Any] = json.loads(line[len(RESULT_PREFIX) :])
            marks = data.pop("marks")
            data["phases_s"] = {k: round(v - t0, 3) for k, v in marks.items()}
            data["visible_s"] = marks["expose"] - t0
            data["painted_s"] = marks.get("paint", marks["expose"]) - t0
            return data
    raise RuntimeError(f"launch child failed ({proc.returncode}):\n{proc.stderr[-3000:]}")


def bench_launch(runs: int, home: Path, guard: bool = False) -> dict[str, Any]:
    """``runs`` launches with ``home``: median and worst time to a visible window."""
    results = [launch_once(home, guard) for _ in range(runs)]
    visible = [r["visible_s"] for r in results]
    return {
        "runs": results,
        "median_s": statistics.median(visible),
        "worst_s": max(visible),
        "painted_median_s": statistics.median(r["painted_s"] for r in results),
        "model_loading_at_expose": all(not r["model_loaded_at_expose"] for r in results),
        "model_states": sorted({r["model_state_at_expose"] for r in results}),
    }
