"""Paraphrase benchmark: does the checklist credit ideas said in the candidate's own words, and only those?

Answers written by writers who saw only each question and its guidance (never the example answer or
the checklist): per question two strong answers (one plain, one told as a story with numbers), one partial
and one weak. A second, independent pass labelled every checklist item of every answer as covered or not,
from the item labels alone. See ``scripts/bench_data/paraphrases/README.md``.

**Tune** = rounds 1-27 (``paraphrases/answers``, ``round2/`` to ``round27/``): read while curating phrases
and concept rules or fitting the second opinion. **Held out** = round 28 (``paraphrases/round28/``): written
and labelled later by other people, never read while tuning. Rounds 18-28 are labelled three times
(``--gold``). Rounds 12-14 break the link between length and quality (a compact strong answer of 110-160
words, a rambling one of 320-400, a padded partial one, a long weak one of 200-280 words that names every
tool); rounds 15-17 mix a plain or story strong answer, a compact one, a partial one that only names the
tools of the points it leaves out, and a short or a long weak one; round 18 swaps them (questions 1-12: the
name-drop partial and a long weak answer; 13-24: a partial one that leaves the other points out unnamed, and
a short weak one); round 19 swaps the partial and weak kinds back between the halves (questions 1-12: the
"half" partial and a short weak answer; 13-24: the name-drop partial and a long weak one); rounds 20-28
give every question a name-drop partial. Each earlier round was held out once and measured before it became
tuning data: ``--held-out-round N`` for N from 2 to 27 reproduces that split (rounds 1 to N-1 tune, later
rounds left out), and ``--round1-split`` the first one (round 1 alone, odd questions tune, even held out).
``--details`` prints misses and false hits for the tune set only, unless ``--details-held-out``.

    .venv/bin/python scripts/bench_paraphrase.py                    # text, tune and held out
    .venv/bin/python scripts/bench_paraphrase.py --audio            # also spoken, through faster-whisper
    .venv/bin/python scripts/bench_paraphrase.py --details          # misses and false hits, tune set

Reported per half: item recall on strong answers, false-hit rate (items credited that the labels say were
not covered) overall and per answer kind, coverage per kind (mean, min-max), whether coverage orders
strong > partial > weak for every question, and scoring time per answer (text). Audio runs cache WAVs and
transcripts in ``--workdir`` (keyed by text, voice, rate, engine, model and prompt).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a plain script: the checkout's opsprep_voice and tests.support
    sys.path.insert(0, str(REPO_ROOT))

from opsprep_voice.core.bank import Question, QuestionBank, load_bank  # noqa: E402
from opsprep_voice.core.scoring import ScoreReport, score_answer  # noqa: E402
from opsprep_voice.core.transcript import Transcript  # noqa: E402

DATA = REPO_ROOT / "scripts" / "bench_data" / "paraphrases"
KINDS = ("strong", "partial", "weak")
#: Voices and rates the answers are spoken with, in turn (answer i: voice i % 4, rate (i // 4) % 2).
VOICES = ("en-us", "en-gb", "en-us+f2", "en-gb-scotland")
RATES = (150, 175)


@dataclass(frozen=True)
class Answer:
    id: str
    question: int
    kind: str
    style: str
    text: str
    labels: dict[str, bool]
    half: str  # "tune" or "held-out"


@dataclass
class Scored:
    answer: Answer
    report: ScoreReport

    @property
    def hits(self) -> dict[str, bool]:
        return {item.id: item.hit for item in self.report.checklist}


ROUNDS = (
    DATA,
    DATA / "round2",
    DATA / "round3",
    DATA / "round4",
    DATA / "round5",
    DATA / "round6",
    DATA / "round7",
    DATA / "round8",
    DATA / "round9",
    DATA / "round10",
    DATA / "round11",
    DATA / "round12",
    DATA / "round13",
    DATA / "round14",
    DATA / "round15",
    DATA / "round16",
    DATA / "round17",
    DATA / "round18",
    DATA / "round19",
    DATA / "round20",
    DATA / "round21",
    DATA / "round22",
    DATA / "round23",
    DATA / "round24",
    DATA / "round25",
    DATA / "round26",
    DATA / "round27",
    DATA / "round28",
)
"""The rounds in the order they were written; each was held out once and then became tuning data."""
HELD_OUT_ROUND = 28


GOLD = {"name": "first"}
"""Whose labels are the truth: the ``first`` annotator's (every round), or from round 18 on the ``majority``
of three annotators who labelled blind and apart (``labels``, ``labels_second``, ``labels_third``; set
once by ``--gold``). Rounds labelled fewer than three times keep the first annotator's."""


def _majority(folder: Path, name: str, first: dict[str, dict[str, bool]]) -> dict[str, dict[str, bool]]:
    others = [folder / sub / name for sub in ("labels_second", "labels_third")]
    if not all(p.exists() for p in others):
        return first
    second, third = (json.loads(p.read_text(encoding="utf-8"))["labels"] for p in others)
    return {
        aid: {item: (v + second[aid][item] + third[aid][item]) >= 2 for item, v in got.items()}
        for aid, got in first.items()
    }


def load_answers(
    bank: QuestionBank, round1_split: bool = False, held_out_round: int = HELD_OUT_ROUND
) -> list[Answer]:
    """Every answer with its labels and half; fails with the file and the problem if data and bank disagree.

    Rounds before ``held_out_round`` are the tune set, that round is held out and later rounds are left
    out (``held_out_round=2`` reproduces the round-2 measurement). With ``round1_split``, round 1 alone,
    split as it was first measured (odd questions tune, even held out)."""
    out = []
    last = 1 if round1_split else held_out_round
    for number_of_round, folder in enumerate(ROUNDS[:last], start=1):
        for path in sorted((folder / "answers").glob("q*.json")):
            answers = json.loads(path.read_text(encoding="utf-8"))
            label_path = folder / "labels" / path.name
            if not label_path.exists():
                raise SystemExit(f"{label_path}: missing; every answers file needs its labels")
            labels = json.loads(label_path.read_text(encoding="utf-8"))["labels"]
            if GOLD["name"] == "majority":
                labels = _majority(folder, path.name, labels)
            number = int(answers["question"])
            if round1_split:
                half = "held-out" if number % 2 == 0 else "tune"
            else:
                half = "held-out" if number_of_round == held_out_round else "tune"
            item_ids = {item.id for item in bank.find(number).checklist}
            for a in answers["answers"]:
                got = labels.get(a["id"])
                if got is None or set(got) != item_ids:
                    raise SystemExit(
                        f"{label_path}: labels of {a['id']} do not name exactly the items {sorted(item_ids)}"
                    )
                covered = {k: bool(v) for k, v in got.items()}
                out.append(Answer(a["id"], number, a["kind"], a["style"], a["text"], covered, half))
    if not out:
        raise SystemExit(f"no answers under {DATA / 'answers'}")
    return out


@dataclass
class Summary:
    recall_hit: int = 0
    recall_total: int = 0
    false_hit: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    false_total: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    coverage: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    disordered: list[str] = field(default_factory=list)
    questions: int = 0

    @property
    def recall(self) -> float:
        return self.recall_hit / self.recall_total if self.recall_total else 0.0

    def false_rate(self, kinds: Sequence[str] = KINDS) -> float:
        total = sum(self.false_total[k] for k in kinds)
        return sum(self.false_hit[k] for k in kinds) / total if total else 0.0


Decision = tuple[Answer, dict[str, bool], float]
"""One answer as judged by a scorer (or a second annotator): which items it credits, and its coverage."""


def summarise(scored: Sequence[Scored]) -> Summary:
    return summarise_decisions([(one.answer, one.hits, one.report.coverage) for one in scored])


def summarise_decisions(decisions: Sequence[Decision]) -> Summary:
    """Recall, false hits, coverage per kind and the strong > partial > weak order, against the labels."""
    s = Summary()
    by_question: dict[int, dict[str, list[float]]] = {}
    for a, hits, coverage in decisions:
        if a.kind == "strong":
            s.recall_total += sum(a.labels.values())
            s.recall_hit += sum(1 for item, covered in a.labels.items() if covered and hits[item])
        s.false_total[a.kind] += sum(1 for covered in a.labels.values() if not covered)
        s.false_hit[a.kind] += sum(1 for item, covered in a.labels.items() if not covered and hits[item])
        s.coverage[a.kind].append(coverage)
        by_question.setdefault(a.question, {k: [] for k in KINDS})[a.kind].append(coverage)
    for number, cov in sorted(by_question.items()):
        strong, partial, weak = (statistics.mean(cov[k]) for k in KINDS)
        if not strong > partial > weak:
            s.disordered.append(f"Q{number} ({strong:.2f} / {partial:.2f} / {weak:.2f})")
    s.questions = len(by_question)
    return s


def _interval(hit: int, total: int, z: float = 1.96) -> str:
    """Wilson 95 % interval of a rate. Items of one answer are not independent draws, so the true spread
    is wider: read it as a floor on how much one round's rate can move by chance."""
    if not total:
        return "none"
    p = hit / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return f"95 % {max(0.0, centre - half):.1%}-{min(1.0, centre + half):.1%}"


def _spread(values: Sequence[float]) -> str:
    if not values:
        return "-"
    return f"{statistics.mean(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def print_summary(title: str, s: Summary) -> None:
    print(f"\n## {title}: {s.questions} questions")
    recall = _interval(s.recall_hit, s.recall_total)
    print(f"  item recall, strong answers: {s.recall:.1%} ({s.recall_hit}/{s.recall_total}, {recall})")
    per_kind = ", ".join(f"{k} {s.false_rate([k]):.1%} ({s.false_hit[k]}/{s.false_total[k]})" for k in KINDS)
    false = _interval(sum(s.false_hit.values()), sum(s.false_total.values()))
    print(f"  false hits: {s.false_rate():.1%} overall ({false}); {per_kind}")
    print("  coverage, mean (min-max): " + ", ".join(f"{k} {_spread(s.coverage[k])}" for k in KINDS))
    order = (
        "every question" if not s.disordered else f"not for {len(s.disordered)}: " + "; ".join(s.disordered)
    )
    print(f"  strong > partial > weak: {order}")


def print_details(scored: Sequence[Scored], bank: QuestionBank) -> None:
    for one in scored:
        a = one.answer
        question = bank.find(a.question)
        wrong = []
        for item in one.report.checklist:
            covered = a.labels[item.id]
            if covered and not item.hit:
                wrong.append(f"    MISSED  {item.id}: {item.label}")
            elif item.hit and not covered:
                ev = item.evidence
                assert ev is not None
                wrong.append(f'    FALSE   {item.id}: "{ev.text}" [{ev.match} {ev.phrase}]')
        if wrong:
            print(f"  {a.id} ({question.id}, coverage {one.report.coverage:.2f})")
            print("\n".join(wrong))


# --------------------------------------------------------------------------------------------- audio


def _transcribe_all(
    answers: Sequence[Answer], bank: QuestionBank, workdir: Path, prompt: str
) -> dict[str, Transcript]:
    from opsprep_voice.asr.base import TranscribeOptions
    from opsprep_voice.asr.registry import create_transcriber
    from opsprep_voice.audio.io import load_audio
    from opsprep_voice.core.matching import recognition_prompt
    from tests.support.speech import synthesize

    transcriber = None
    out: dict[str, Transcript] = {}
    audio_s = wall_s = 0.0
    for i, a in enumerate(answers):
        voice, rate = VOICES[i % len(VOICES)], RATES[(i // len(VOICES)) % len(RATES)]
        question = bank.find(a.question)
        text_prompt = {
            "app": recognition_prompt(question),
            "question": question.text,
            "named": _named_prompt(question),
            "none": "",
        }[prompt]
        wav = workdir / "wav" / f"{a.id}-{voice}-{rate}-{_digest(a.text)}.wav"
        if not wav.exists():
            synthesize(a.text, wav, voice=voice, rate_wpm=rate)
        cached = workdir / "transcripts" / f"{wav.stem}-{_digest('faster-whisper base ' + text_prompt)}.json"
        if cached.exists():
            out[a.id] = Transcript.from_dict(json.loads(cached.read_text(encoding="utf-8")))
            continue
        if transcriber is None:
            transcriber = create_transcriber("faster-whisper", None)
        audio = load_audio(wav)
        t0 = time.perf_counter()
        options = TranscribeOptions(prompt=(text_prompt or None) if transcriber.uses_prompt else None)
        transcript = transcriber.transcribe(audio, options)
        wall_s += time.perf_counter() - t0
        audio_s += len(audio) / 16000
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_text(json.dumps(transcript.to_dict()), encoding="utf-8")
        out[a.id] = transcript
        print(f"  transcribed {a.id} ({voice}, {rate} wpm): {len(audio) / 16000:.0f} s", file=sys.stderr)
    if wall_s:
        print(
            f"  transcription: {audio_s:.0f} s of audio in {wall_s:.0f} s ({audio_s / wall_s:.1f}x)",
            file=sys.stderr,
        )
    return out


def _named_prompt(question: Question) -> str:
    """A prompt candidate: the question, then the names and jargon of its checklist (up to 3 per item)."""
    from opsprep_voice.core.phrases import NAMED, compile_phrase

    terms: list[str] = []
    for item in question.checklist:
        phrases = [p for p in (compile_phrase(t) for t in item.phrases) if p is not None]
        named = [p for p in phrases if p.specificity == NAMED and (p.fuzzy or p.text != p.text.lower())]
        terms += [p.text for p in named[:3] if p.text not in terms]
    return question.text + " Interview answer about " + ", ".join(terms) + "."


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


def _wer(scored_text: dict[str, str], transcripts: dict[str, Transcript]) -> float | None:
    try:
        import jiwer
    except ImportError:
        return None
    from opsprep_voice.core.text import normalize

    ids = sorted(transcripts)
    return float(
        jiwer.wer([normalize(scored_text[i]) for i in ids], [normalize(transcripts[i].text) for i in ids])
    )


# --------------------------------------------------------------------------------------------- main


def score_all(
    answers: Sequence[Answer], bank: QuestionBank, transcripts: dict[str, Transcript] | None
) -> list[Scored]:
    out = []
    for a in answers:
        transcript = Transcript.from_text(a.text) if transcripts is None else transcripts[a.id]
        out.append(Scored(a, score_answer(bank.find(a.question), transcript)))
    return out


def timing(answers: Sequence[Answer], bank: QuestionBank) -> tuple[float, float]:
    """Median and worst ms per score_answer on the answers' text (phrases compiled beforehand)."""
    questions: dict[int, Question] = {a.question: bank.find(a.question) for a in answers}
    transcripts = [(questions[a.question], Transcript.from_text(a.text)) for a in answers]
    for q, t in transcripts:
        score_answer(q, t)
    times = []
    for q, t in transcripts:
        t0 = time.perf_counter()
        score_answer(q, t)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), max(times)


def agreement(answers: Sequence[Answer], bank: QuestionBank, held_out_round: int) -> None:
    """How far two careful people agree: a second annotator's labels (``roundN/labels_second`` of the
    held-out round) scored against the first one's as if they were the matcher, next to the matcher on
    the same answers."""
    second: dict[str, dict[str, bool]] = {}
    for path in sorted((ROUNDS[held_out_round - 1] / "labels_second").glob("q*.json")):
        second.update(json.loads(path.read_text(encoding="utf-8"))["labels"])
    shared = [a for a in answers if a.id in second]
    if not shared:
        print("\nno second annotator's labels found")
        return
    questions = sorted({a.question for a in shared})
    print(f"\n# agreement: {len(shared)} held-out answers of {len(questions)} questions labelled twice")

    def coverage(a: Answer, covered: dict[str, bool]) -> float:
        weights = {item.id: item.weight for item in bank.find(a.question).checklist}
        return sum(w for item, w in weights.items() if covered[item]) / sum(weights.values())

    as_second = [(a, second[a.id], coverage(a, second[a.id])) for a in shared]
    print_summary("second annotator, scored against the first", summarise_decisions(as_second))
    print_summary("the matcher (text), on the same answers", summarise(score_all(shared, bank, None)))
    same = sum(second[a.id][item] == covered for a in shared for item, covered in a.labels.items())
    total = sum(len(a.labels) for a in shared)
    print(f"  the two annotators agree on {same}/{total} item decisions ({same / total:.1%})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--audio", action="store_true", help="also speak the answers and transcribe them")
    parser.add_argument(
        "--prompt",
        choices=("app", "question", "named", "none"),
        default="app",
        help="recognition prompt for --audio: the app's (default), the question only, the question and "
        "the checklist's names and jargon, none",
    )
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/opsprep-bench-paraphrase"))
    parser.add_argument("--details", action="store_true", help="list misses and false hits (tune set)")
    parser.add_argument("--details-held-out", action="store_true", help="also for the held-out set")
    parser.add_argument(
        "--half", choices=("tune", "held-out", "both"), default="both", help="which set to report"
    )
    parser.add_argument(
        "--round1-split", action="store_true", help="round 1 alone, odd questions tune, even held out"
    )
    parser.add_argument(
        "--held-out-round",
        type=int,
        choices=range(2, len(ROUNDS) + 1),
        default=HELD_OUT_ROUND,
        help=f"the round reported as held out (default {HELD_OUT_ROUND}); earlier rounds are the tune set",
    )
    parser.add_argument(
        "--only", type=lambda v: {int(n) for n in v.split(",")}, help="question numbers, e.g. 3,5"
    )
    parser.add_argument(
        "--agreement", action="store_true", help="also score a second annotator against the first"
    )
    parser.add_argument("--json", type=Path, help="write the numbers to this file")
    parser.add_argument("--gold", choices=("first", "majority"), default="first", help="see GOLD")
    args = parser.parse_args(argv)
    GOLD["name"] = args.gold

    bank = load_bank()
    halves = ("tune", "held-out") if args.half == "both" else (args.half,)
    answers = [
        a
        for a in load_answers(bank, args.round1_split, args.held_out_round)
        if a.half in halves and (args.only is None or a.question in args.only)
    ]
    runs: list[tuple[str, dict[str, Transcript] | None]] = [("text", None)]
    if args.audio:
        print(f"speaking and transcribing {len(answers)} answers (cached in {args.workdir})", file=sys.stderr)
        runs.append(
            (
                f"audio (faster-whisper base, prompt: {args.prompt})",
                _transcribe_all(answers, bank, args.workdir, args.prompt),
            )
        )
    results: dict[str, dict[str, object]] = {}
    for name, transcripts in runs:
        scored = score_all(answers, bank, transcripts)
        print(f"\n# {name}")
        if transcripts is not None:
            wer = _wer({a.id: a.text for a in answers}, transcripts)
            if wer is not None:
                print(f"  WER of the transcripts against the written answers: {wer:.1%}")
        for half in halves:
            part = [s for s in scored if s.answer.half == half]
            summary = summarise(part)
            print_summary(f"{name}, {half}", summary)
            if args.details and (half == "tune" or args.details_held_out):
                print_details(part, bank)
            results[f"{name}/{half}"] = {
                "recall_strong": summary.recall,
                "false_hit_rate": summary.false_rate(),
                "false_hit_rate_by_kind": {k: summary.false_rate([k]) for k in KINDS},
                "coverage_mean": {k: statistics.mean(v) for k, v in summary.coverage.items() if v},
                "disordered": summary.disordered,
            }
    if args.agreement:
        agreement([a for a in answers if a.half == "held-out"], bank, args.held_out_round)
    median_ms, worst_ms = timing(answers, bank)
    print(
        f"\nscoring time per answer (text, {len(answers)} answers): "
        f"median {median_ms:.1f} ms, worst {worst_ms:.1f} ms"
    )
    if args.json:
        results["timing_ms"] = {"median": median_ms, "worst": worst_ms}
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
