"""``opsprep-voice score AUDIO --question Q``: transcribe a recorded answer and score it;
``opsprep-voice score --text FILE|- --question Q``: score a written answer with the same scorer.

``--follow-up FOLLOW`` (``--follow-up-text FILE`` with ``--text``) adds an answer to the interviewer's
follow-up: scored against the same question and merged with the main answer, it reports the items it
recovered and the coverage with follow-ups (:mod:`.follow_up_output`); ``--save`` stores both, linked.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from opsprep_voice.cli import CliError
from opsprep_voice.cli.common import add_questions_option, bank_from_args, find_question


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "score",
        help="transcribe a recorded answer and score it against the question's checklist",
        description="Transcribe AUDIO (WAV, FLAC, ...; any rate, mono or stereo) offline and score it, "
        "or score a written answer with --text. Text reports have no timing fields ("
        + ", ".join(TEXT_ABSENT)
        + ").",
    )
    parser.add_argument("audio", type=Path, metavar="AUDIO", nargs="?", help="the recorded answer")
    parser.add_argument(
        "--text",
        metavar="FILE",
        default=None,
        help="score this UTF-8 text file instead of a recording ('-' reads standard input)",
    )
    parser.add_argument(
        "--follow-up",
        type=Path,
        metavar="FOLLOW",
        default=None,
        help="a recorded answer to the interviewer's follow-up: scored against the same question, it "
        "reports the items it recovered and the coverage with follow-ups",
    )
    parser.add_argument(
        "--follow-up-text",
        metavar="FILE",
        default=None,
        help="with --text: the follow-up answer as a UTF-8 text file ('-' reads standard input)",
    )
    parser.add_argument(
        "--question", "-q", required=True, metavar="Q", help="question number (1-based) or id"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a report")
    parser.add_argument("--engine", default=None, help="transcription engine (default: faster-whisper)")
    parser.add_argument("--model", default=None, metavar="NAME_OR_DIR", help="model name or folder")
    parser.add_argument(
        "--stream",
        action="store_true",
        help="replay the file in real time through the live transcriber and print partial results",
    )
    parser.add_argument("--save", action="store_true", help="store the scored attempt in the history")
    add_questions_option(parser)
    parser.set_defaults(func=run)


def _progress_printer(enabled: bool) -> Any:
    def show(fraction: float, message: str) -> None:
        if enabled:
            print(f"\r{message} {fraction * 100:5.1f}%", end="", file=sys.stderr, flush=True)

    return show


#: Report fields that only a recording has; a --text report leaves them out and lists them in "absent".
TEXT_ABSENT = (
    "words",
    "duration_s",
    "wpm",
    "wpm_band",
    "fillers.per_min",
    "long_pauses",
    "time_to_first_word_s",
)
#: A written answer longer than this is not an interview answer (a 5-minute answer is ~800 words).
TEXT_MAX_CHARS = 100_000


def run(args: argparse.Namespace) -> int:
    if args.text is not None:
        return _run_text(args)
    if args.follow_up_text is not None:
        raise CliError(
            f"--follow-up-text {args.follow_up_text}: goes with a written main answer (--text FILE); "
            "for recordings use --follow-up FOLLOW.wav"
        )
    if args.audio is None and args.follow_up is not None:
        raise CliError(
            f"--follow-up {args.follow_up}: no main answer to follow up; give the main recording first: "
            f"opsprep-voice score MAIN.wav --follow-up {args.follow_up} --question Q"
        )
    if args.audio is None:
        raise CliError("nothing to score: give a recorded answer (AUDIO) or a written one (--text FILE)")
    if args.follow_up is not None and args.stream:
        raise CliError("--stream replays one recording; leave it out when scoring a --follow-up")
    # Everything cheap is validated before the model is loaded, so mistakes fail fast.
    from opsprep_voice.asr.base import TranscribeOptions, TranscriptionError
    from opsprep_voice.asr.long_audio import transcribe_blocks
    from opsprep_voice.asr.registry import create_transcriber
    from opsprep_voice.audio.io import AudioError, AudioFile, load_audio
    from opsprep_voice.core.matching import recognition_prompt
    from opsprep_voice.core.scoring import format_report
    from opsprep_voice.practice.answer_files import score_and_save_file
    from opsprep_voice.practice.attempts import ScoredAttempt, score

    bank = bank_from_args(args)
    question = find_question(bank, args.question)
    try:
        # --stream replays the recording in real time and holds it whole (its length is the wait); a plain
        # score reads and transcribes it a few seconds at a time, so memory stays flat for any length.
        audio = load_audio(args.audio) if args.stream else None
        source = AudioFile(args.audio)
    except AudioError as exc:
        raise CliError(str(exc)) from None
    follow_source = None
    if args.follow_up is not None:
        try:
            follow_source = AudioFile(args.follow_up)
        except AudioError as exc:
            raise CliError(f"follow-up answer: {exc}") from None

    interactive = sys.stderr.isatty()
    progress = _progress_printer(interactive)
    try:
        transcriber = create_transcriber(args.engine, args.model, progress=progress)
        options = TranscribeOptions(prompt=recognition_prompt(question) if transcriber.uses_prompt else None)
        if args.stream:
            transcript = _stream(transcriber, options, audio, question, to_stderr=args.json)
        else:
            transcript = transcribe_blocks(
                transcriber, source.blocks(), options, total_s=source.duration_s, progress=progress,
                cancel=threading.Event(),
            )  # fmt: skip
        follow_transcript = None
        if follow_source is not None:
            follow_transcript = transcribe_blocks(
                transcriber, follow_source.blocks(), options, total_s=follow_source.duration_s,
                progress=progress, cancel=threading.Event(),
            )  # fmt: skip
    except (TranscriptionError, AudioError) as exc:
        raise CliError(str(exc)) from None
    finally:
        if interactive:
            print("\r\033[K", end="", file=sys.stderr, flush=True)

    if follow_transcript is not None:
        from opsprep_voice.practice.answer_files import score_with_follow_up

        both = score_with_follow_up(
            question,
            transcript,
            follow_transcript,
            transcriber,
            save=args.save,
            main_audio=args.audio,
            follow_up_audio=args.follow_up,
        )
        return _print_follow_up(args, question, both, lambda data: {"source": "audio", **data})
    if args.save:
        scored = score_and_save_file(question, transcript, args.audio, transcriber)
    else:
        scored = ScoredAttempt(score(question, transcript, transcriber))
    report, data = scored.report, {"source": "audio", **scored.report.to_dict()}
    if scored.attempt_id is not None:
        data["attempt_id"] = scored.attempt_id
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(format_report(report, question))
        if "attempt_id" in data:
            print(f"\nSaved as attempt {data['attempt_id']} (see 'opsprep-voice history').")
    if scored.save_error is not None:
        raise CliError(f"the answer was scored but not saved: {scored.save_error}")
    return 0


def _run_text(args: argparse.Namespace) -> int:
    from opsprep_voice.core.scoring import format_report
    from opsprep_voice.core.transcript import Transcript
    from opsprep_voice.practice.attempts import score

    if args.audio is not None:
        raise CliError(f"give either a recording ({args.audio}) or --text, not both")
    if args.follow_up is not None:
        raise CliError(
            f"--follow-up {args.follow_up}: takes a recording; with --text give the follow-up answer as "
            "--follow-up-text FILE"
        )
    if args.text == "-" and args.follow_up_text == "-":
        raise CliError("--text and --follow-up-text cannot both read standard input; put one in a file")
    for flag, given in (("--stream", args.stream), ("--save", args.save), ("--engine", args.engine),
                        ("--model", args.model)):  # fmt: skip
        if given:
            raise CliError(f"{flag} works on a recording; --text scores a written answer without one")
    bank = bank_from_args(args)
    question = find_question(bank, args.question)
    text = _read_text(args.text)
    if args.follow_up_text is not None:
        from opsprep_voice.practice.answer_files import score_with_follow_up

        follow = Transcript.from_text(_read_text(args.follow_up_text))
        both = score_with_follow_up(question, Transcript.from_text(text), follow)
        return _print_follow_up(args, question, both, text_report_dict)
    report = score(question, Transcript.from_text(text))
    if args.json:
        print(json.dumps(text_report_dict(report.to_dict()), indent=2, ensure_ascii=False))
    else:
        print(format_report(report, question))
    return 0


def _print_follow_up(
    args: argparse.Namespace,
    question: Any,
    both: Any,
    report_dict: Callable[[dict[str, Any]], dict[str, Any]],
) -> int:
    """Print a main answer merged with its follow-up (JSON or text); a failed save exits 2 after it."""
    from opsprep_voice.cli.follow_up_output import follow_up_json, follow_up_text
    from opsprep_voice.core.scoring import format_report

    if args.json:
        print(json.dumps(follow_up_json(both, report_dict), indent=2, ensure_ascii=False))
    else:
        print(format_report(both.main.report, question))
        print(follow_up_text(both, question))
        if both.main.attempt_id is not None:
            print(
                f"\nSaved as attempt {both.main.attempt_id} with its follow-up {both.follow_up.attempt_id} "
                "(see 'opsprep-voice history')."
            )
    if both.main.save_error is not None:
        raise CliError(f"the answers were scored but not saved: {both.main.save_error}")
    return 0


def text_report_dict(data: dict[str, Any]) -> dict[str, Any]:
    """A report of a written answer: the fields only a recording has are left out and named."""
    out = {"source": "text", **data}
    for name in TEXT_ABSENT:
        head, _, sub = name.partition(".")
        if sub:
            out[head] = {k: v for k, v in out[head].items() if k != sub}
        else:
            out.pop(head, None)
    out["absent"] = list(TEXT_ABSENT)
    return out


def _read_text(source: str) -> str:
    """The answer's text from a file or standard input ('-'); every problem is one CliError line."""
    where = "standard input" if source == "-" else source
    try:
        raw = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except FileNotFoundError:
        raise CliError(f"{where}: file not found; check the path") from None
    except IsADirectoryError:
        raise CliError(f"{where}: is a folder; pass a text file") from None
    except OSError as exc:
        raise CliError(f"{where}: cannot be read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CliError(
            f"{where}: is not UTF-8 text; --text takes a written answer (pass a recording as AUDIO)"
        ) from None
    if "\x00" in text:
        raise CliError(
            f"{where}: is binary, not text; --text takes a written answer (pass a recording as AUDIO)"
        )
    if len(text) > TEXT_MAX_CHARS:
        raise CliError(f"{where}: is {len(text):,} characters; an answer is at most {TEXT_MAX_CHARS:,}")
    if not any(c.isalnum() for c in text):
        raise CliError(f"{where}: has no words to score")
    return text


def _stream(transcriber: Any, options: Any, audio: Any, question: Any, *, to_stderr: bool) -> Any:
    """Replay ``audio`` in real time through the live processor, printing partial text and ticks."""
    from opsprep_voice.asr.streaming import StreamingTranscriber
    from opsprep_voice.cli.replay import replay
    from opsprep_voice.core.scoring import score_answer
    from opsprep_voice.core.transcript import Transcript

    out = sys.stderr if to_stderr else sys.stdout
    processor = StreamingTranscriber(transcriber, options)
    shown = {"text": ""}

    def on_update(update: Any) -> None:
        words = list(update.shown)
        text = update.text
        if text == shown["text"]:
            return
        shown["text"] = text
        partial = Transcript.from_words(words, duration_s=words[-1].end if words else 0.0)
        hits = [i.label for i in score_answer(question, partial).checklist if i.hit]
        print(f"[{partial.duration_s:6.1f}s] {text}", file=out, flush=True)
        if hits:
            print(f"          ticked: {', '.join(hits)}", file=out, flush=True)

    return replay(audio, processor, realtime=True, on_update=on_update)
