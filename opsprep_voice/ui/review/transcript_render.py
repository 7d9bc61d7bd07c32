"""The transcript written into a text document with its feedback marked inline, and where everything landed.

* checklist hits: tinted background (green for exact/stem matches, amber for approximate ones); the tooltip
  names the checklist item and how the words matched;
* filler words: struck through in a muted colour;
* figures (numbers, percentages, durations): bold, in an accent colour;
* long pauses: inline ``⏸ 2.4 s`` markers.

:func:`render_transcript` returns a :class:`TranscriptLayout`: the words with their document spans, the
inserted markers and the tooltips, which :class:`~opsprep_voice.ui.review.transcript_view.TranscriptView`
maps clicks, keys and tooltips back through.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtGui import QBrush, QFont, QTextBlockFormat, QTextCharFormat, QTextCursor, QTextFormat
from PySide6.QtWidgets import QTextEdit

from opsprep_voice.ui.review import report_data as rd
from opsprep_voice.ui.review.style import ReviewColours, pause_glyph

if TYPE_CHECKING:
    from opsprep_voice.core.scoring import ScoreReport

APPROXIMATE_MATCHES = frozenset({"fuzzy", "phonetic"})
MATCH_WORDING = {
    "exact": "exact wording",
    "stem": "same word stem",
    "concept": "said in other words",
    "fuzzy": "close spelling (likely misheard)",
    "phonetic": "sounds alike (likely misheard)",
}


@dataclass(slots=True)
class _Segment:
    """Attributes of a run of transcript characters."""

    hit_label: str | None = None
    hit_match: str | None = None
    also_hit: list[tuple[str, str]] = field(default_factory=list)
    filler: bool = False
    figure: bool = False


@dataclass(slots=True)
class TranscriptLayout:
    """Where everything ended up in the document (filled by :func:`render_transcript`)."""

    text: str = ""
    words: list[rd.TimedWord] = field(default_factory=list)
    starts: list[float] = field(default_factory=list)
    doc_spans: list[tuple[int, int]] = field(default_factory=list)
    inserts: list[tuple[int, int]] = field(default_factory=list)  # (text offset, inserted length)
    tooltips: list[tuple[int, int, str]] = field(default_factory=list)  # (doc start, doc end, tip)
    pause_doc_spans: list[tuple[int, int]] = field(default_factory=list)

    def doc_pos(self, text_offset: int, *, end: bool = False) -> int:
        """Document position of a transcript-text character offset (markers inserted before it counted)."""
        shift = 0
        for pos, length in self.inserts:
            if pos < text_offset or (pos == text_offset and not end):
                shift += length
            else:
                break
        return text_offset + shift


def render_transcript(
    edit: QTextEdit, report: ScoreReport | None, colours: ReviewColours
) -> TranscriptLayout:
    """Write ``report``'s transcript into ``edit``'s document with its marks (None leaves it empty)."""
    edit.setExtraSelections([])
    document = edit.document()
    document.clear()
    if report is None:
        return TranscriptLayout()
    text = report.transcript
    words = rd.timed_words(report)
    n = len(text)

    hits: list[tuple[int, int, str, str]] = []  # start, end, label, match
    for entry in report.checklist:
        ev = entry.evidence
        if entry.hit and ev is not None:
            start, end = max(0, ev.char_start), min(n, ev.char_end)
            if start < end:
                hits.append((start, end, entry.label, ev.match))
    fillers = [(s.char_start, min(n, s.char_end)) for s in report.fillers if s.char_start < n]
    figures = [(s.char_start, min(n, s.char_end)) for s in report.figures_mentioned if s.char_start < n]

    # Pause markers go before the first word that starts after the pause (or at the end).
    starts = [w.start for w in words]
    glyph = pause_glyph(edit.font())
    marker_at: dict[int, list[str]] = {}
    for pause in report.long_pauses:
        j = bisect.bisect_left(starts, pause.end - 0.05)
        if not words:
            offset = n
        elif j < len(words):
            offset = words[j].char_start
        else:
            offset = n
        marker_at.setdefault(offset, []).append(f"{glyph}\u00a0{pause.duration:.1f}\u00a0s")

    inserts: list[tuple[int, int]] = []
    boundaries = {0, n, *marker_at}
    for s, e, *_ in hits:
        boundaries.update((s, e))
    for s, e in (*fillers, *figures):
        boundaries.update((s, e))
    edges = sorted(b for b in boundaries if 0 <= b <= n)

    base_fmt = QTextCharFormat()
    base_fmt.setForeground(QBrush(colours.text))
    pause_fmt = QTextCharFormat()
    pause_fmt.setForeground(QBrush(colours.muted))
    pause_fmt.setBackground(QBrush(colours.pause_bg))
    pause_fmt.setFontPointSize(max(6.0, edit.font().pointSizeF() * 0.85))
    pause_fmt.setProperty(QTextFormat.Property.UserProperty, "pause")

    cursor = QTextCursor(document)
    cursor.beginEditBlock()
    block = QTextBlockFormat()
    block.setLineHeight(140, QTextBlockFormat.LineHeightTypes.ProportionalHeight.value)
    cursor.setBlockFormat(block)
    tooltips: list[tuple[int, int, str]] = []
    pause_spans: list[tuple[int, int]] = []

    def put_markers(offset: int) -> None:
        for marker in marker_at.get(offset, []):
            leading = " " if offset == n and offset > 0 else ""
            trailing = " " if offset < n else ""
            if leading:
                cursor.insertText(leading, base_fmt)
            begin = cursor.position()
            cursor.insertText(marker, pause_fmt)
            pause_spans.append((begin, cursor.position()))
            shown = marker.replace("\u00a0", " ")[2:]
            tooltips.append((begin, cursor.position(), f"Long pause: {shown} of silence"))
            if trailing:
                cursor.insertText(trailing, base_fmt)
            inserts.append((offset, len(leading) + len(marker) + len(trailing)))

    for a, b in itertools.pairwise(edges):
        put_markers(a)
        seg = _Segment()
        # Evidence can overlap (a concept spans several words): every item said here is listed.
        here = [(label, match) for s, e, label, match in hits if s <= a < e]
        if here:
            seg.hit_label, seg.hit_match = here[0]
            seg.also_hit = here[1:]
        seg.filler = any(s <= a < e for s, e in fillers)
        seg.figure = any(s <= a < e for s, e in figures)
        fmt = QTextCharFormat(base_fmt)
        tips: list[str] = []
        if seg.hit_label is not None:
            approximate = seg.hit_match in APPROXIMATE_MATCHES
            fmt.setBackground(QBrush(colours.hit_fuzzy_bg if approximate else colours.hit_bg))
            for label, match in [(seg.hit_label, seg.hit_match), *seg.also_hit]:
                tips.append(f"✓ Checklist: {label} ({MATCH_WORDING.get(match or '', match or '')})")
        if seg.filler:
            fmt.setForeground(QBrush(colours.muted))
            fmt.setFontStrikeOut(True)
            tips.append("Filler word")
        if seg.figure:
            fmt.setFontWeight(QFont.Weight.Bold)
            fmt.setForeground(QBrush(colours.figure))
            tips.append("Figure: concrete numbers make an answer credible")
        begin = cursor.position()
        cursor.insertText(text[a:b], fmt)
        if tips:
            tooltips.append((begin, cursor.position(), "\n".join(tips)))
    put_markers(n)
    cursor.endEditBlock()

    layout = TranscriptLayout(
        text=text, words=words, starts=starts, inserts=sorted(inserts), tooltips=tooltips
    )
    layout.pause_doc_spans = pause_spans
    layout.doc_spans = [(layout.doc_pos(w.char_start), layout.doc_pos(w.char_end, end=True)) for w in words]
    edit.moveCursor(QTextCursor.MoveOperation.Start)
    return layout
