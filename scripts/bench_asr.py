"""Benchmark speech engines and models side by side on espeak-ng readings of the bank's example answers.

For each config (engine, model, beam size, prompt on/off) a fresh subprocess loads the model and transcribes
every answer, so peak RSS and warm-up are per config. Prints: x real time (audio s / transcribe wall s,
model load excluded), WER vs the script text, peak RSS, and checklist agreement: items found on the
transcript vs items found on the script text (detected share, false-hit rate).

    .venv/bin/python scripts/bench_asr.py                       # default configs, 8 answers
    .venv/bin/python scripts/bench_asr.py --answers 4 --configs faster-whisper:base:5:prompt
    .venv/bin/python scripts/bench_asr.py --configs $(.venv/bin/python scripts/bench_asr.py --openai-configs)

Config syntax: ENGINE:MODEL:BEAM:prompt|noprompt[:OPTION...]. Any engine in opsprep_voice.asr.registry.ENGINES
works; for faster-whisper the prompt flag is forced, for other engines it is passed only where the engine uses
it. faster-whisper options: ``seq`` (Whisper's sequential decoding), ``bN`` (batch size N; the engine's
default otherwise), ``f32`` / ``int8`` (compute type; the engine's default otherwise).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a plain script: the checkout's opsprep_voice and tests.support
    sys.path.insert(0, str(REPO_ROOT))

log = logging.getLogger("bench_asr")

DEFAULT_CONFIGS = (
    "faster-whisper:tiny.en:1:noprompt",
    "faster-whisper:tiny.en:5:noprompt",
    "faster-whisper:tiny.en:5:prompt",
    "faster-whisper:base:1:noprompt",
    "faster-whisper:base:1:prompt",
    "faster-whisper:base:5:noprompt",
    "faster-whisper:base:5:prompt",
)
#: The openai-whisper engine (optional extra), as measured in docs/BENCHMARKS.md "## openai-whisper engine".
OPENAI_CONFIGS = (
    "openai-whisper:tiny.en:1:noprompt",
    "openai-whisper:tiny.en:5:noprompt",
    "openai-whisper:base:1:noprompt",
    "openai-whisper:base:1:prompt",
    "openai-whisper:base:5:prompt",
)
VOICES = ("en-us", "en-gb", "en-us+f2", "en-gb-scotland")
SEED = REPO_ROOT / "scripts" / "seed" / "senior-operations-engineer-interview.txt"

#: Fallback checklist when the bank (questions.json) is not available: one item per domain term.
FALLBACK_TERMS = (
    "terraform", "kubernetes", "prometheus", "grafana", "postmortem", "runbook", "on-call", "rollback",
    "canary", "slo", "error budget", "latency", "incident", "automation", "monitoring", "alerting", "ci/cd",
    "iam", "vpc", "rds", "capacity", "cost", "backup", "disaster recovery", "observability", "logging",
)  # fmt: skip


@dataclass
class Answer:
    key: str
    text: str
    prompt: str
    items: list[tuple[str, list[str]]]  # (item id, phrases)


# --------------------------------------------------------------------------------------------- corpus


def load_answers(n: int) -> tuple[list[Answer], str]:
    """The first ``n`` example answers with their checklists, and a note on where they came from."""
    try:
        from opsprep_voice.core.bank import load_bank
        from opsprep_voice.core.matching import recognition_prompt

        bank = load_bank()
        answers = [
            Answer(
                q.id,
                q.example_answer,
                recognition_prompt(q),
                [(item.id, list(item.phrases)) for item in q.checklist],
            )
            for q in list(bank)[:n]
        ]
        return answers, "bank (questions.json) example answers and checklists"
    except Exception as exc:  # the bank is being written concurrently; fall back to the seed text
        log.warning("bank unavailable (%s); using seed answers with a domain-term checklist", exc)
    from opsprep_voice.core.seed import load_seed

    seed = load_seed(SEED)
    out = []
    for i, q in enumerate(seed.questions[:n], 1):
        terms = [t for t in FALLBACK_TERMS if _phrase_in(t, _norm(q.example_answer))]
        prompt = "Interview answer about " + ", ".join(terms) + "." if terms else ""
        out.append(Answer(f"q{i}", q.example_answer, prompt, [(t, [t]) for t in FALLBACK_TERMS]))
    return out, "seed example answers, checklist = 26 fixed domain terms (bank not available)"


def build_corpus(answers: Sequence[Answer], out_dir: Path, noisy_snr: float | None) -> list[dict[str, str]]:
    from tests.support.speech import add_noise, synthesize

    rows = []
    for i, a in enumerate(answers):
        voice = VOICES[i % len(VOICES)]
        wav = out_dir / f"{a.key}-{voice}.wav"
        if not wav.exists():
            synthesize(a.text, wav, voice=voice)
        rows.append({"key": a.key, "wav": str(wav), "voice": voice})
    if noisy_snr is not None and answers:
        src = Path(rows[0]["wav"])
        noisy = out_dir / f"{answers[0].key}-noisy{int(noisy_snr)}.wav"
        if not noisy.exists():
            add_noise(src, noisy, noisy_snr)
        rows.append(
            {"key": answers[0].key, "wav": str(noisy), "voice": f"{rows[0]['voice']} +{noisy_snr:g} dB"}
        )
    return rows


# --------------------------------------------------------------------------------------------- metrics

_PUNCT = re.compile(r"[^\w\s'/%.]+")


def _norm(text: str) -> str:
    text = text.lower().replace("-", " ")
    text = _PUNCT.sub(" ", text)
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", text)
    return " ".join(text.split())


def _phrase_in(phrase: str, norm_text: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(_norm(phrase)) + r"(?!\w)", norm_text) is not None


def checklist_hits_fn() -> tuple[Callable[[Answer, str], set[str]], str]:
    """Per-item hits via opsprep_voice.core.scoring.score_answer when it exists, else phrase matching."""
    try:
        import importlib

        from opsprep_voice.core.bank import load_bank
        from opsprep_voice.core.transcript import Transcript

        bank = load_bank()
        score_answer = importlib.import_module("opsprep_voice.core.scoring").score_answer

        def via_scoring(answer: Answer, text: str) -> set[str]:
            result = score_answer(bank.find(answer.key), Transcript.from_text(text))
            hits: set[str] = set()
            for item in getattr(result, "items", None) or getattr(result, "checklist", []):
                item_id = getattr(item, "id", None) or getattr(getattr(item, "item", None), "id", None)
                hit = getattr(item, "hit", None)
                if hit is None:
                    hit = getattr(item, "found", None)
                if hit is None:
                    hit = getattr(item, "covered", False)
                if item_id and hit:
                    hits.add(str(item_id))
            return hits

        return via_scoring, "opsprep_voice.core.scoring.score_answer"
    except Exception as exc:
        log.warning("scoring.score_answer unavailable (%s); using exact phrase matching", exc)

    def via_phrases(answer: Answer, text: str) -> set[str]:
        norm = _norm(text)
        return {item_id for item_id, phrases in answer.items if any(_phrase_in(p, norm) for p in phrases)}

    return via_phrases, "exact phrase match (scoring.score_answer not available)"


# --------------------------------------------------------------------------------------------- child


def run_child(config: str, corpus_file: Path) -> None:
    """Load one config, transcribe the corpus, print one JSON line."""
    import numpy as np

    from opsprep_voice.asr.base import TranscribeOptions, Transcriber
    from opsprep_voice.audio.io import load_audio

    engine, model, beam, prompt_flag, *extra = config.split(":")
    tr: Transcriber
    corpus = json.loads(corpus_file.read_text())
    t0 = time.perf_counter()
    if engine == "faster-whisper":
        from opsprep_voice.asr.faster import FasterWhisperTranscriber
        from opsprep_voice.asr.models import resolve_ct2_model

        kwargs: dict[str, Any] = {}
        for opt in extra:
            if opt == "seq":
                kwargs["batch_size"] = 0
            elif re.fullmatch(r"b\d+", opt):
                kwargs["batch_size"] = int(opt[1:])
            elif opt in ("f32", "int8"):
                kwargs["compute_type"] = "float32" if opt == "f32" else "int8"
            else:
                raise SystemExit(f"unknown faster-whisper option {opt!r} in {config!r}")
        tr = FasterWhisperTranscriber(resolve_ct2_model(model), uses_prompt=prompt_flag == "prompt", **kwargs)
    elif engine == "openai-whisper":  # beam_size=None: honour the config's beam (the app default is greedy)
        from opsprep_voice.asr.openai_engine import OpenAIWhisperTranscriber

        tr = OpenAIWhisperTranscriber(model, beam_size=None, uses_prompt=prompt_flag == "prompt")
    else:
        from opsprep_voice.asr.registry import create_transcriber

        tr = create_transcriber(engine, model)
    load_s = time.perf_counter() - t0
    use_prompt = prompt_flag == "prompt" and tr.uses_prompt
    # Warm-up on 1 s of silence-free tone is not speech; use the first clip's first 5 s instead.
    first = load_audio(corpus[0]["wav"])
    tr.transcribe(np.ascontiguousarray(first[: 5 * 16000]), TranscribeOptions(beam_size=int(beam)))
    results = []
    audio_s = wall_s = 0.0
    for row in corpus:
        audio = load_audio(row["wav"])
        opts = TranscribeOptions(prompt=row["prompt"] if use_prompt else None, beam_size=int(beam))
        t = time.perf_counter()
        transcript = tr.transcribe(audio, opts)
        wall_s += time.perf_counter() - t
        audio_s += audio.size / 16000
        results.append({"key": row["key"], "voice": row["voice"], "text": transcript.text})
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "config": config, "load_s": load_s, "audio_s": audio_s, "wall_s": wall_s,
        "rss_mib": rss_mib, "results": results, "prompt_used": use_prompt,
    }))  # fmt: skip


# --------------------------------------------------------------------------------------------- parent


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--answers", type=int, default=8, help="number of example answers (default 8)")
    ap.add_argument("--configs", nargs="+", default=list(DEFAULT_CONFIGS))
    ap.add_argument("--noise-snr", type=float, default=10.0, help="add a noisy copy of answer 1 (dB SNR)")
    ap.add_argument("--workdir", type=Path, default=None, help="keep generated WAVs here (default: temp)")
    ap.add_argument("--json", type=Path, default=None, help="also write raw results to this file")
    ap.add_argument("--openai-configs", action="store_true", help="print the openai-whisper configs and exit")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.openai_configs:
        print(" ".join(OPENAI_CONFIGS))
        return 0
    if args.child:
        run_child(args.child, args.corpus)
        return 0

    import jiwer

    answers, source = load_answers(args.answers)
    by_key = {a.key: a for a in answers}
    hits_of, hits_source = checklist_hits_fn()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        corpus = build_corpus(answers, work, args.noise_snr)
        for row in corpus:
            row["prompt"] = by_key[row["key"]].prompt
        corpus_file = work / "corpus.json"
        corpus_file.write_text(json.dumps(corpus))
        runs = []
        for config in args.configs:
            print(f"running {config} ...", file=sys.stderr, flush=True)
            proc = subprocess.run(
                [sys.executable, __file__, "--child", config, "--corpus", str(corpus_file)],
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            if proc.returncode != 0:
                print(f"  {config} failed:\n{proc.stderr.strip()[-2000:]}", file=sys.stderr)
                continue
            runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))

    rows = []
    for run in runs:
        refs = [_norm(by_key[r["key"]].text) for r in run["results"]]
        hyps = [_norm(r["text"]) for r in run["results"]]
        wer = jiwer.wer(refs, hyps)
        clean = [i for i, r in enumerate(run["results"]) if "dB" not in r["voice"]]
        wer_clean = jiwer.wer([refs[i] for i in clean], [hyps[i] for i in clean])
        noisy = [i for i, r in enumerate(run["results"]) if "dB" in r["voice"]]
        wer_noisy = jiwer.wer([refs[i] for i in noisy], [hyps[i] for i in noisy]) if noisy else float("nan")
        # Detection: own checklist (the example answer covers nearly all of it). False hits: the own
        # checklist's absent items plus the next question's checklist, which the script mostly lacks.
        in_script = detected = false_hits = absent = 0
        misses: list[str] = []
        for r in run["results"]:
            a = by_key[r["key"]]
            other = answers[(answers.index(a) + 1) % len(answers)]
            for checklist in (a, other) if other is not a else (a,):
                ref_hits = hits_of(checklist, a.text)
                hyp_hits = hits_of(checklist, r["text"])
                if checklist is a:
                    in_script += len(ref_hits)
                    detected += len(ref_hits & hyp_hits)
                    misses += [f"{r['key']} ({r['voice']}): {i}" for i in sorted(ref_hits - hyp_hits)]
                absent += len({i for i, _ in checklist.items} - ref_hits)
                false_hits += len(hyp_hits - ref_hits)
        rows.append({
            "config": run["config"], "xrt": run["audio_s"] / run["wall_s"], "wer": wer,
            "wer_clean": wer_clean,
            "wer_noisy": wer_noisy, "rss": run["rss_mib"], "detect": detected / max(in_script, 1),
            "detected": detected, "in_script": in_script, "false": false_hits / max(absent, 1),
            "false_hits": false_hits, "absent": absent, "load_s": run["load_s"], "audio_s": run["audio_s"],
            "misses": misses,
        })  # fmt: skip

    print(f"\nCorpus: {len(corpus)} clips, {runs[0]['audio_s'] if runs else 0:.0f} s audio; {source}.")
    print(f"Voices: {', '.join(sorted({c['voice'] for c in corpus}))}. Checklist hits: {hits_source}.")
    print(
        f"Machine: {platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}"
    )
    print()
    print(
        "| engine:model:beam:prompt | x real time | WER all | WER clean | WER noisy | checklist detected "
        "| false hits | peak RSS | load |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['config']} | {r['xrt']:.1f}x | {100 * r['wer']:.1f}% | {100 * r['wer_clean']:.1f}% "
            f"| {100 * r['wer_noisy']:.1f}% | {100 * r['detect']:.1f}% ({r['detected']}/{r['in_script']}) "
            f"| {100 * r['false']:.1f}% ({r['false_hits']}/{r['absent']}) | {r['rss']:.0f} MiB "
            f"| {r['load_s']:.1f} s |"
        )
    for r in rows:
        if r["misses"]:
            print(f"\n{r['config']}: checklist items in the script but not heard:")
            for miss in r["misses"]:
                print(f"  {miss}")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "runs": runs}, indent=1))
    return 0 if runs else 1


if __name__ == "__main__":
    sys.exit(main())
