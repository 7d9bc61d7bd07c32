"""Numbers for the tokenizer: a number spelled in words, or written in digits, read to one canonical value.

``"ninety-nine point nine"`` and ``"99.9"`` both read ``"99.9"``, ``"ninety-fifth"`` reads ``"95"`` and is an
ordinal, ``"1,000"`` reads ``"1000"``, so a figure meets its other spelling. Used only by
:func:`opsprep_voice.core.text.tokenize`, which keeps the spans and decides what a value's token is. Pure.
"""

from __future__ import annotations

_UNITS = {
    "zero": 0, "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9,
}  # fmt: skip
_TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90,
}  # fmt: skip
SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_ORDINAL_UNITS = {
    "first": 1, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9,
}  # fmt: skip
_ORDINAL_TEENS = {
    "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
    "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
}  # fmt: skip
_ORDINAL_TENS = {
    "twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50, "sixtieth": 60, "seventieth": 70,
    "eightieth": 80, "ninetieth": 90, "hundredth": 100,
}  # fmt: skip
#: Every word that can start or continue a spelled number (the tokenizer asks before parsing).
NUMBER_WORDS = (
    set(_UNITS) | set(_TEENS) | set(_TENS) | set(SCALES) | {"hundred"}
    | set(_ORDINAL_UNITS) | set(_ORDINAL_TEENS) | set(_ORDINAL_TENS)
)  # fmt: skip


def format_number(value: float) -> str:
    """``5.0`` -> ``"5"``, ``99.9`` -> ``"99.9"``: no trailing zeros, at most six decimals."""
    if value == int(value):
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


def digits_value(raw: str) -> str:
    """A number written in digits read canonically: ``"1,000"`` -> ``"1000"``, ``"99.90"`` -> ``"99.9"``."""
    plain = raw.replace(",", "")
    if "." in plain:
        whole, frac = plain.split(".", 1)
        frac = frac.rstrip("0")
        return f"{int(whole)}.{frac}" if frac else str(int(whole))
    return str(int(plain))


def parse_spoken_number(words: list[str], i: int) -> tuple[int, str, bool] | None:
    """Read a number spelled in words starting at ``words[i]``.

    Returns (count of words used, canonical value, is_ordinal) or None if ``words[i]`` starts no number.
    """
    total = 0
    current = 0
    last: str | None = None  # "unit" | "teen" | "tens" | "hundred" | "scale"
    used = 0
    j = i
    ordinal = False
    n = len(words)
    while j < n:
        w = words[j]
        if w in _UNITS or w in _ORDINAL_UNITS:
            value = _UNITS.get(w, _ORDINAL_UNITS.get(w, 0))
            if last not in (None, "tens", "hundred", "scale") or (w == "oh" and last is None):
                break
            if value == 0 and last is not None:
                break
            current += value
            last = "unit"
            ordinal = w in _ORDINAL_UNITS
        elif w in _TEENS or w in _ORDINAL_TEENS:
            if last not in (None, "hundred", "scale"):
                break
            current += _TEENS.get(w, _ORDINAL_TEENS.get(w, 0))
            last = "teen"
            ordinal = w in _ORDINAL_TEENS
        elif w in _TENS or (w in _ORDINAL_TENS and w != "hundredth"):
            if last not in (None, "hundred", "scale"):
                break
            current += _TENS.get(w, _ORDINAL_TENS.get(w, 0))
            last = "tens"
            ordinal = w in _ORDINAL_TENS
        elif w in ("hundred", "hundredth"):
            if last not in ("unit", "teen", "tens", None) or (last is None and j == i):
                break
            current = (current or 1) * 100
            last = "hundred"
            ordinal = w == "hundredth"
        elif w in SCALES:
            if last is None:
                break
            total += (current or 1) * SCALES[w]
            current = 0
            last = "scale"
        elif w == "and" and last in ("hundred", "scale") and j + 1 < n and words[j + 1] in NUMBER_WORDS:
            j += 1
            continue
        elif w == "point" and last is not None and not ordinal and j + 1 < n and words[j + 1] in _UNITS:
            digits = ""
            k = j + 1
            while k < n and words[k] in _UNITS:
                digits += str(_UNITS[words[k]])
                k += 1
            decimal = format_number(total + current) + "." + digits
            return k - i, digits_value(decimal), False
        else:
            break
        j += 1
        used = j - i
        if ordinal:
            break
    if used == 0 or last is None:
        return None
    return used, format_number(total + current), ordinal
