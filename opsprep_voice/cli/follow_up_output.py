"""What ``score ... --follow-up`` prints: the main answer merged with a follow-up answer to it.

JSON: the main answer's report as ``score`` prints it, plus ``follow_up`` (the follow-up answer's report,
with its delivery metrics, and ``probe``: the follow-up the app would ask after this main answer, or null),
``recovered`` and ``still_missed`` (checklist items as ``{"id", "label"}``) and ``coverage_with_follow_ups``;
``coverage`` stays the main answer's. Text: the main report, the follow-up's coverage and delivery, then
every checklist item as covered, recovered after the follow-up, or missed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from opsprep_voice.core.wording import plural

if TYPE_CHECKING:
    from opsprep_voice.core.bank import ChecklistItem, Question
    from opsprep_voice.practice.answer_files import ScoredWithFollowUp

_MARKS = {"covered": "[x]", "recovered": "[+]", "missed": "[ ]"}
_SAID = {
    "covered": "covered in the main answer",
    "recovered": "recovered after the follow-up",
    "missed": "missed",
}


def _items(items: tuple[ChecklistItem, ...]) -> list[dict[str, str]]:
    return [{"id": item.id, "label": item.label} for item in items]


def follow_up_json(
    scored: ScoredWithFollowUp, report_dict: Callable[[dict[str, Any]], dict[str, Any]]
) -> dict[str, Any]:
    """The JSON object; ``report_dict`` shapes each report as plain ``score`` does (audio or text)."""
    result = scored.follow_up.result
    data = report_dict(scored.main.report.to_dict())
    if scored.main.attempt_id is not None:
        data["attempt_id"] = scored.main.attempt_id
    follow = report_dict(scored.follow_up.report.to_dict())
    if scored.follow_up.attempt_id is not None:
        follow["attempt_id"] = scored.follow_up.attempt_id
    probe = scored.probe
    follow["probe"] = (
        None if probe is None else {"item_id": probe.item_id, "label": probe.label, "prompt": probe.prompt}
    )
    data["follow_up"] = follow
    data["recovered"] = _items(result.recovered)
    data["still_missed"] = _items(result.still_missed)
    data["coverage"] = result.coverage
    data["coverage_with_follow_ups"] = result.coverage_with_follow_ups
    return data


def follow_up_text(scored: ScoredWithFollowUp, question: Question) -> str:
    """The follow-up part of the readable report (printed after the main answer's report)."""
    result = scored.follow_up.result
    follow = scored.follow_up.report
    lines = ["", "Follow-up answer"]
    if scored.probe is not None:
        lines.append(f'  The app would ask: "{scored.probe.prompt}"')
    delivery = [f"Coverage on its own: {follow.coverage:.0%}"]
    if follow.duration_s > 0:
        delivery.append(f"length {_clock(follow.duration_s)}, {follow.word_count} words")
    else:
        delivery.append(f"{follow.word_count} words")
    if follow.wpm is not None:
        delivery.append(f"pace {follow.wpm:.0f} words/min ({follow.wpm_band})")
    per_min = "" if follow.fillers_per_min is None else f" ({follow.fillers_per_min:.1f}/min)"
    delivery.append(f"fillers {len(follow.fillers)}{per_min}")
    lines += ["  " + ", ".join(delivery), "", "Checklist with the follow-up:"]
    state = {i.id: "covered" for i in result.covered}
    state.update({i.id: "recovered" for i in result.recovered})
    for item in question.checklist:
        said = state.get(item.id, "missed")
        lines.append(f"  {_MARKS[said]} {item.label}  ({_SAID[said]})")
    lines += [
        "",
        f"Coverage: {result.coverage:.0%} in the main answer, "
        f"{result.coverage_with_follow_ups:.0%} with the follow-up "
        f"({plural(len(result.recovered), 'item')} recovered)",
    ]
    return "\n".join(lines)


def _clock(seconds: float) -> str:
    total = round(seconds)
    return f"{total // 60}:{total % 60:02d}"
