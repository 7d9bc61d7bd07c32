"""The transcript model: recognised words with timings, and their places in the text.

A :class:`Transcript` is what every engine returns and what scoring, storage and the UI consume.
Its ``text`` is built from its words, so every word has a known character span in ``text``;
that is how a checklist hit found in the text is mapped back to a time in the recording.

Whisper's "words" are pieces of written text: "99.9 %" comes as ``" 99"``, ``".9"``, ``" %"`` and
"point-in-time" as ``" point"``, ``"-in"``, ``"-time"``. A piece without a leading space continues the word
before it. Engines keep that as :attr:`Word.joined` (:meth:`Word.from_asr`) and :func:`join_words` writes
the words back as text, so transcripts, reviews, History and exports read "99.9 %", not "99 .9 %".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Word:
    """One recognised word. ``text`` has no surrounding whitespace; times are seconds from the start.

    ``joined``: written straight after the previous word, with no space (".9" after "99", "-in" after
    "point", "'s" after "it").
    """

    text: str
    start: float
    end: float
    probability: float = 1.0
    joined: bool = False

    @classmethod
    def from_asr(cls, raw: str, start: float, end: float, probability: float = 1.0) -> Word:
        """A word as Whisper writes it (``" point"``, ``"-in"``): a piece with no leading space that starts
        with punctuation continues the previous word. One that starts with a letter or digit is a word of
        its own even without its space: inside a segment Whisper never splits a word there, so only a
        segment's first word can look like that, and it is not glued to the previous segment."""
        text = raw.strip()
        joined = bool(text) and not raw[:1].isspace() and not text[0].isalnum()
        return cls(text, start, end, probability, joined)

    def shifted(self, offset_s: float) -> Word:
        return Word(self.text, self.start + offset_s, self.end + offset_s, self.probability, self.joined)

    def to_dict(self) -> dict[str, float | str | bool]:
        data: dict[str, float | str | bool] = {
            "word": self.text,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "probability": round(self.probability, 3),
        }
        if self.joined:  # only the continuation pieces say so: stored words stay small, old ones read back
            data["joined"] = True
        return data


def join_words(words: Iterable[Word]) -> str:
    """The words as written text: a space before each word except the first and the joined pieces."""
    parts: list[str] = []
    for w in words:
        if parts and not w.joined:
            parts.append(" ")
        parts.append(w.text)
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class Transcript:
    """Words in order plus the text they spell (:func:`join_words`: single spaces, none before a joined
    piece).

    ``duration_s`` is the length of the audio that was transcribed (not the time of the last word).
    A transcript made from plain text (no timings) has ``words == ()`` and ``text`` as given.
    """

    text: str
    words: tuple[Word, ...] = ()
    duration_s: float = 0.0
    language: str = "en"
    _spans: tuple[tuple[int, int], ...] = field(default=(), repr=False, compare=False)

    @classmethod
    def from_words(cls, words: Iterable[Word], duration_s: float, language: str = "en") -> Transcript:
        cleaned = tuple(
            w
            for w in (Word(w.text.strip(), w.start, w.end, w.probability, w.joined) for w in words)
            if w.text
        )
        spans: list[tuple[int, int]] = []
        pos = 0
        for i, w in enumerate(cleaned):
            if i and not w.joined:
                pos += 1  # the space join_words writes before it
            spans.append((pos, pos + len(w.text)))
            pos += len(w.text)
        text = join_words(cleaned)
        return cls(text=text, words=cleaned, duration_s=duration_s, language=language, _spans=tuple(spans))

    @classmethod
    def from_text(cls, text: str, duration_s: float = 0.0) -> Transcript:
        return cls(text=" ".join(text.split()), words=(), duration_s=duration_s)

    @property
    def has_timings(self) -> bool:
        return bool(self.words)

    def word_spans(self) -> Sequence[tuple[int, int]]:
        """Character span of each word in :attr:`text` (empty when there are no timed words)."""
        return self._spans

    def time_of_span(self, start: int, end: int) -> tuple[float, float] | None:
        """Start and end time of the words overlapping characters ``[start, end)`` (None without timings)."""
        hits = [w for w, (s, e) in zip(self.words, self._spans, strict=True) if s < end and e > start]
        if not hits:
            return None
        return hits[0].start, hits[-1].end

    def word_index_at(self, char_pos: int) -> int | None:
        """Index of the word covering ``char_pos`` (or the next word after a space)."""
        for i, (_, e) in enumerate(self._spans):
            if char_pos < e:
                return i
        return None

    def to_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "words": [w.to_dict() for w in self.words],
            "duration_s": round(self.duration_s, 3),
            "language": self.language,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Transcript:
        raw_words = data.get("words") or []
        assert isinstance(raw_words, list)
        words = [
            Word(
                str(w["word"]),
                float(w["start"]),
                float(w["end"]),
                float(w.get("probability", 1.0)),
                bool(w.get("joined", False)),
            )
            for w in raw_words
        ]
        duration = float(data.get("duration_s", 0.0))  # type: ignore[arg-type]
        if words:
            return cls.from_words(words, duration, str(data.get("language", "en")))
        return cls.from_text(str(data.get("text", "")), duration)
