"""``opsprep-voice score AUDIO --question Q``: transcribe a recorded answer and score it."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from pathlib import Path
from typing import Any

from opsprep_voice.cli import CliError
from opsprep_voice.cli.common import add_questions_option, bank_from_args, find_question


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "score",
        help="transcribe a recorded answer and score it against the question's checklist",
        description="Transcribe AUDIO (WAV, FLAC, ...; any rate, mono or stereo) offline and score it.",
    )
    parser.add_argument("audio", type=Path, metavar="AUDIO", help="the recorded answer")
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


def run(args: argparse.Namespace) -> int:
    # Everything cheap is validated before the model is loaded, so mistakes fail fast.
    from opsprep_voice.asr.base import TranscribeOptions, TranscriptionError
    from opsprep_voice.asr.registry import create_transcriber
    from opsprep_voice.audio.io import AudioError, load_audio
    from opsprep_voice.core.matching import recognition_prompt
    from opsprep_voice.core.scoring import format_report, score_answer

    bank = bank_from_args(args)
    question = find_question(bank, args.question)
    try:
        audio = load_audio(args.audio)
    except AudioError as exc:
        raise CliError(str(exc)) from None

    interactive = sys.stderr.isatty()
    progress = _progress_printer(interactive)
    try:
        transcriber = create_transcriber(args.engine, args.model, progress=progress)
        options = TranscribeOptions(prompt=recognition_prompt(question) if transcriber.uses_prompt else None)
        if args.stream:
            transcript = _stream(transcriber, options, audio, question, to_stderr=args.json)
        else:
            transcript = transcriber.transcribe(audio, options, progress=progress, cancel=threading.Event())
    except TranscriptionError as exc:
        raise CliError(str(exc)) from None
    finally:
        if interactive:
            print("\r\033[K", end="", file=sys.stderr, flush=True)

    report = score_answer(question, transcript, engine=transcriber.engine, model=transcriber.model)
    data = report.to_dict()
    if args.save:
        from opsprep_voice.cli.history_cmd import save_cli_attempt
        from opsprep_voice.storage.repository import HistoryRepository

        with HistoryRepository.open_default() as repo:
            record = save_cli_attempt(repo, question, data, transcript.to_dict(), args.audio)
        data["attempt_id"] = record.id
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(format_report(report, question))
        if args.save:
            print(f"\nSaved as attempt {data['attempt_id']} (see 'opsprep-voice history').")
    return 0


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
        words = list(update.committed) + list(update.tentative)
        text = " ".join(w.text for w in words)
        if text == shown["text"]:
            return
        shown["text"] = text
        partial = Transcript.from_words(words, duration_s=words[-1].end if words else 0.0)
        hits = [i.label for i in score_answer(question, partial).checklist if i.hit]
        print(f"[{partial.duration_s:6.1f}s] {text}", file=out, flush=True)
        if hits:
            print(f"          ticked: {', '.join(hits)}", file=out, flush=True)

    return replay(audio, processor, realtime=True, on_update=on_update)
