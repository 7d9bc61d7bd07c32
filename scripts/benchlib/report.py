"""The GUI benchmark's printed report: a Markdown table against the targets, then the details."""

from __future__ import annotations

from typing import Any

from benchlib.common import TARGET_HISTORY_S, TARGET_LAUNCH_S, TARGET_STALL_MS


def ratio(value: float, target: float) -> str:
    return f"{value / target:.2f}x target" + (" (MISSED)" if value > target else "")


def render(res: dict[str, Any]) -> str:
    out = ["| measurement | value | target | ratio |", "|---|---:|---:|---:|"]

    def row(name: str, value: float, unit: str, target: float | None) -> None:
        v = f"{value:.3f} s" if unit == "s" else f"{value:.1f} ms"
        t = "" if target is None else (f"<= {target} s" if unit == "s" else f"<= {target:.0f} ms")
        r = "" if target is None else ratio(value, target)
        out.append(f"| {name} | {v} | {t} | {r} |")

    if "launch" in res:
        la = res["launch"]
        n = len(la["runs"])
        row(f"window visible after launch, median of {n}", la["median_s"], "s", TARGET_LAUNCH_S)
        row(f"window visible after launch, worst of {n}", la["worst_s"], "s", TARGET_LAUNCH_S)
        row("  first paint, median", la["painted_median_s"], "s", None)
        loading = "yes" if la["model_loading_at_expose"] else "NO"
        states = ", ".join(la["model_states"])
        out.append(f"| model still loading when the window showed | {loading} ({states}) | yes | |")
    if "launch_big" in res:
        lb = res["launch_big"]
        n = len(lb["runs"])
        row(f"window visible, 10,000-answer history, median of {n}", lb["median_s"], "s", TARGET_LAUNCH_S)
        row(f"window visible, 10,000-answer history, worst of {n}", lb["worst_s"], "s", TARGET_LAUNCH_S)
    if "startups" in res:
        worst = sorted(r["startup"]["worst_ms"] for r in res["startups"])
        n = len(worst)
        row(f"start-up worst stall, median of {n} runs", worst[n // 2], "ms", TARGET_STALL_MS)
        row(f"start-up worst stall, worst of {n} runs", worst[-1], "ms", TARGET_STALL_MS)
        out.append(f"| start-up worst stall per run | {', '.join(f'{w:.1f}' for w in worst)} ms | | |")
    for key, label in (("record_live", "live ON"), ("record_batch", "live OFF")):
        if key not in res:
            continue
        r = res[key]
        su = r.get("startup")
        if su is not None:
            row(
                f"{label}: worst stall, start-up (model load, warm-up)", su["worst_ms"], "ms", TARGET_STALL_MS
            )
            row(f"{label}: p99 lateness, start-up", su["p99_ms"], "ms", None)
        sw = r.get("switch")
        if sw is not None:
            row(f"{label}: worst stall, opening the rehearsal screen", sw["worst_ms"], "ms", TARGET_STALL_MS)
            row(f"{label}: p99 lateness, opening the rehearsal screen", sw["p99_ms"], "ms", None)
            if "gc" in sw:
                row(
                    f"{label}: worst GC pause (any thread), opening the rehearsal screen",
                    sw["gc"]["worst_ms"],
                    "ms",
                    None,
                )
        for phase, pname in (("recording", "recording"), ("stopping", "Stop->review")):
            p = r[phase]
            row(f"{label}: worst stall, {pname}", p["worst_ms"], "ms", TARGET_STALL_MS)
            row(f"{label}: p99 lateness, {pname}", p["p99_ms"], "ms", None)
            if "gc" in p:
                row(f"{label}: worst GC pause (any thread), {pname}", p["gc"]["worst_ms"], "ms", None)
        row(f"{label}: Stop->review ({r['audio_s']:.0f} s answer)", r["stop_to_review_s"], "s", None)
    if "history" in res:
        h = res["history"]
        row("History: HistoryScreen() incl. first refresh()", h["construct_s"], "s", TARGET_HISTORY_S)
        row(
            "History: HistoryScreen() + first paint",
            h["construct_s"] + h["first_paint_s"],
            "s",
            TARGET_HISTORY_S,
        )
        row("History: refresh() again", h["refresh_s"], "s", TARGET_HISTORY_S)
        for f in h["filters"]:
            row(
                f"History filter: {f['filter']} ({f['answers']} answers), model updated",
                f["model_s"],
                "s",
                TARGET_HISTORY_S,
            )
            row(f"History filter: {f['filter']}, + paint", f["model_s"] + f["paint_s"], "s", TARGET_HISTORY_S)
    return "\n".join(out)


def _phase_lines(phase: str, p: dict[str, Any]) -> list[str]:
    lines = [
        f"  {phase}: {p['ticks']} ticks, p50 {p['p50_ms']} ms, p99 {p['p99_ms']} ms, "
        f"worst {p['worst_ms']} ms, {p['over_target']} ticks >= {TARGET_STALL_MS:.0f} ms late"
    ]
    if "gc" in p:
        g = p["gc"]
        counts = ", ".join(f"{k} x{v}" for k, v in sorted(g["collections"].items())) or "none"
        lines.append(f"    GC: {counts}, total {g['total_ms']} ms, worst {g['worst'] or '-'}")
    for s in p["stalls"]:
        lines.append(f"    +{s['at_s']} s: {s['lateness_ms']} ms late, GUI thread CPU {s['gui_cpu_ms']} ms")
        lines += [f"        {st}" for st in s["stacks"]]
        lines += [f"        overlapping {g}" for g in s.get("gc", [])]
        lines += [f"        {g}" for g in s.get("watchdog_gaps", [])]
    return lines


def render_details(res: dict[str, Any]) -> str:
    lines: list[str] = []
    for i, r in enumerate(res.get("startups", []), 1):
        lines.append(
            f"startup run {i}: build_app {r['build_app_s']} s, model load {r['model_load_s']} s, "
            f"warm-up {r['warm_up_s']} s"
        )
        lines += _phase_lines("startup", r["startup"])
    if "big_launch_unguarded" in res:
        lines.append(f"launch with the 10,000-answer history, no None guard: {res['big_launch_unguarded']}")
    for key in ("launch", "launch_big"):
        if key in res:
            lines.append(f"{key} phases (s since spawn):")
            lines += [f"  {r['phases_s']}" for r in res[key]["runs"]]
    for key in ("record_live", "record_batch"):
        if key not in res:
            continue
        r = res[key]
        lines.append(
            f"{key}: audio {r['audio_s']} s, recording wall {r['recording_wall_s']} s, model load "
            f"{r['model_load_s']} s, warm-up after it {r.get('warm_up_s')} s, Stop->review filled in "
            f"{r.get('stop_to_review_filled_s')} s, live used {r['live_used']}, coverage {r['coverage']}, "
            f"net change of None's refcount {r.get('none_refs_lost')}"
        )
        if "live_finish" in r:
            lines.append(f"  live transcript at Stop: {r['live_finish']}")
        if "gc_process" in r:
            g = r["gc_process"]
            lines.append(
                f"  GC over the whole child: collections per generation {g['collections_per_generation']}, "
                f"{g['tracked_objects']} tracked objects, {g['frozen_objects']} frozen; a full collection at "
                f"the end took {g['full_collect_at_end_ms']} ms"
            )
        for phase in ("startup", "switch", "recording", "stopping"):
            if r.get(phase) is not None:
                lines += _phase_lines(phase, r[phase])
        if "profile" in r:
            lines.append("  GUI-thread profile (cumulative):")
            lines += [f"    {p}" for p in r["profile"]]
    if "history_profile" in res:
        lines.append("history GUI-thread profile (construct + paint + text filter):")
        lines += [f"    {p}" for p in res["history_profile"]]
    return "\n".join(lines)
