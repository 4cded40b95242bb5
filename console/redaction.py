"""Find payment card numbers in free text and replace them with `[card ••••1234]`.

Pure module (standard library only) so that it can be used from views, jobs and exports alike.

A card number is 13-19 digits, optionally with single spaces or dashes between digits, that passes
the Luhn check and starts with a known brand prefix allowed for its length. The scan works on maximal
runs of digit groups (`4970 1012-3456 7890`); inside a run, candidate numbers are made of consecutive
whole groups (a group is never split), scanned left to right, taking the longest valid window at each
start group and never overlapping.

Deliberately left alone:
- exactly 14 digits: a French SIRET is 14 digits and passes Luhn, so a 14-digit window is never a
  card. Trade-off: 14-digit Maestro numbers (and legacy 14-digit Diners Club ones) are not redacted;
- runs glued to a preceding letter (`FR76...`, `BKG0001234`) and anything inside an IBAN-like span;
- a run that is exactly a list of French phone numbers (`06 12 34 56 78 07 98 76 54 32`);
- a run without separators longer than 19 digits (it is a single group, never split).
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from console.domain import DomainError, _

# One row per brand: name, prefixes (a single prefix or an inclusive "low-high" range of prefixes
# of the same width), allowed total lengths (range(16, 20) is 16-19). When two rows match, the first
# one names the brand (Discover's 622126-622925 sits inside UnionPay's 62).
CARD_BRANDS: tuple[tuple[str, tuple[str, ...], range | tuple[int, ...]], ...] = (
    ("Visa", ("4",), (13, 16, 19)),
    ("Mastercard", ("51-55", "2221-2720"), (16,)),
    ("Amex", ("34", "37"), (15,)),
    ("Discover", ("6011", "644-649", "65", "622126-622925"), range(16, 20)),
    ("UnionPay", ("62",), range(16, 20)),
    ("JCB", ("3528-3589",), range(16, 20)),
    ("Diners", ("300-305", "36", "38", "39"), range(15, 20)),
    ("Maestro", ("5018", "5020", "5038", "5893", "6304", "6759", "6761", "6762", "6763"), range(13, 20)),
    ("Mir", ("2200-2204",), range(16, 20)),
)

# A French SIRET is 14 digits and passes Luhn: 14 digits is never treated as a card, at the cost of
# missing 14-digit Maestro numbers (the only 14-digit length left in the table; Diners is 15-19 here).
EXCLUDED_LENGTHS = frozenset({14})
MIN_LENGTH = 13

# Maximal runs of ASCII digit groups joined by a single space or dash. No nested quantifier can
# match the same text two ways, so matching stays linear even on "1 1 1 1 ..." megabytes.
_RUN = re.compile(r"[0-9]+(?:[ -][0-9]+)*")
_BRAND_START = re.compile(r"(?:^|[ -])[2-6]")  # every brand prefix starts with 2-6
# Upper case only: "ab12 word 4242 ..." must not pass for an IBAN and hide the card after it.
_IBAN = re.compile(r"\b[A-Z]{2}[0-9]{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?")
_NO_BREAK_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " "})
_PHONE = r"0[1-9](?:[ -]?[0-9]{2}){4}"
_PHONE_LIST = re.compile(rf"{_PHONE}(?:[ -]{_PHONE})+")

_DIGIT_VALUE = bytes.maketrans(b"0123456789", bytes(range(10)))
_LUHN_DOUBLE = bytes.maketrans(bytes(range(10)), bytes([0, 2, 4, 6, 8, 1, 3, 5, 7, 9]))
_BULLETS = "\u2022" * 4


@dataclass(frozen=True)
class Redaction:
    """A card number found at text[start:end] (span in the original text)."""

    start: int
    end: int
    last4: str
    brand: str


def _index_prefixes() -> dict[str, list[tuple[int, str, frozenset[int]]]]:
    """Every prefix of CARD_BRANDS, ranges expanded, to its (table row, brand, allowed lengths)."""
    index: dict[str, list[tuple[int, str, frozenset[int]]]] = {}
    for row, (brand, prefixes, lengths) in enumerate(CARD_BRANDS):
        for prefix in prefixes:
            low, _, high = prefix.partition("-")
            for value in range(int(low), int(high or low) + 1):
                entry = (row, brand, frozenset(lengths) - EXCLUDED_LENGTHS)
                index.setdefault(str(value).zfill(len(low)), []).append(entry)
    return index


_PREFIX_INDEX = _index_prefixes()
_PREFIX_WIDTHS = sorted({len(prefix) for prefix in _PREFIX_INDEX})
_HEAD_WIDTH = _PREFIX_WIDTHS[-1]


def mask(last4: str) -> str:
    """The replacement text of a card number ending in `last4`."""
    return f"[card {_BULLETS}{last4}]"


def find_card_numbers(text: str) -> list[Redaction]:
    """The card numbers in `text`, in order, non-overlapping."""
    # Text pasted from office software separates digit groups with no-break spaces: read them as
    # spaces (same length, so spans still index the original text).
    text = text.translate(_NO_BREAK_SPACES)
    ibans = _Spans([(m.start(), m.end()) for m in _IBAN.finditer(text)])
    found: list[Redaction] = []
    for run in _RUN.finditer(text):
        if _is_candidate_run(text, run):
            found.extend(_scan_run(run.group(), run.start(), ibans))
    return found


def redact_card_numbers(text: str) -> tuple[str, int]:
    """`text` with every card number replaced by its mask, and the number of replacements."""
    found = find_card_numbers(text)
    parts: list[str] = []
    position = 0
    for redaction in found:
        parts += [text[position : redaction.start], mask(redaction.last4)]
        position = redaction.end
    parts.append(text[position:])
    return "".join(parts), len(found)


def _is_candidate_run(text: str, run: re.Match[str]) -> bool:
    """Cheap filters: enough digits, not glued to a word, a group starts like a brand, not phones."""
    start, chunk = run.start(), run.group()
    if len(chunk) - chunk.count(" ") - chunk.count("-") < MIN_LENGTH:
        return False
    if start > 0 and text[start - 1].isalnum():  # "FR76 3000 ...", "BKG0001234"
        return False
    return _BRAND_START.search(chunk) is not None and _PHONE_LIST.fullmatch(chunk) is None


class _Spans:
    """Sorted, non-overlapping (start, end) spans with an overlap test."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.starts = [start for start, _ in spans]
        self.ends = [end for _, end in spans]

    def overlaps(self, start: int, end: int) -> bool:
        """Whether [start, end) overlaps one of the spans."""
        index = bisect.bisect_left(self.starts, end) - 1
        return index >= 0 and self.ends[index] > start


class _Run:
    """A run of digit groups: its digits, group boundaries and Luhn prefix sums."""

    def __init__(self, chunk: str, offset: int) -> None:
        lengths = [len(group) for group in chunk.replace("-", " ").split(" ")]
        self.offset = offset
        self.digits = chunk.replace(" ", "").replace("-", "")
        # group g is digits[digit_starts[g] : digit_starts[g + 1]]
        self.digit_starts = [0, *accumulate(lengths)]
        self.group_ending_at = dict(zip(self.digit_starts[1:], range(len(lengths)), strict=True))
        self.sums = _luhn_prefix_sums(self.digits)

    def span(self, first_group: int, last_group: int) -> tuple[int, int]:
        """Text span of groups first_group..last_group (one separator character between groups)."""
        start = self.offset + self.digit_starts[first_group] + first_group
        return start, self.offset + self.digit_starts[last_group + 1] + last_group

    def luhn_ok(self, start: int, end: int) -> bool:
        """Whether digits[start:end] passes the Luhn check (O(1))."""
        sums = self.sums[(end - 1) % 2]
        return (sums[end] - sums[start]) % 10 == 0


def _luhn_prefix_sums(digits: str) -> tuple[list[int], list[int]]:
    """Prefix sums of Luhn digit weights: [0] when the last digit sits at an even index, [1] odd."""
    plain = digits.encode("ascii").translate(_DIGIT_VALUE)
    doubled = plain.translate(_LUHN_DOUBLE)
    even_last, odd_last = bytearray(plain), bytearray(doubled)
    even_last[1::2], odd_last[1::2] = doubled[1::2], plain[1::2]
    return list(accumulate(even_last, initial=0)), list(accumulate(odd_last, initial=0))


def _scan_run(chunk: str, offset: int, ibans: _Spans) -> Iterator[Redaction]:
    """The card numbers in one run, taking the longest valid window at each start group."""
    run = _Run(chunk, offset)
    group, groups = 0, len(run.digit_starts) - 1
    while group < groups:
        window = _longest_card(run, group, ibans)
        if window is None:
            group += 1
            continue
        last_group, brand = window
        end = run.digit_starts[last_group + 1]
        yield Redaction(*run.span(group, last_group), last4=run.digits[end - 4 : end], brand=brand)
        group = last_group + 1


def _longest_card(run: _Run, group: int, ibans: _Spans) -> tuple[int, str] | None:
    """(last group, brand) of the longest card starting at `group`, or None."""
    first = run.digit_starts[group]
    for length, brand in _lengths_for(run.digits[first : first + _HEAD_WIDTH]):
        last_group = run.group_ending_at.get(first + length)
        if last_group is None or not run.luhn_ok(first, first + length):
            continue
        if not ibans.overlaps(*run.span(group, last_group)):
            return last_group, brand
    return None


@functools.lru_cache(maxsize=4096)
def _lengths_for(head: str) -> tuple[tuple[int, str], ...]:
    """(length, brand) pairs allowed for a number starting with `head`, longest first."""
    prefixes = [head[:width] for width in _PREFIX_WIDTHS if width <= len(head)]
    rows = [row for prefix in prefixes for row in _PREFIX_INDEX.get(prefix, ())]
    brands: dict[int, str] = {}
    for _prefix, brand, lengths in sorted(rows, key=lambda row: row[0]):  # the first row names it
        for length in lengths:
            brands.setdefault(length, brand)
    return tuple(sorted(brands.items(), reverse=True))


def redact_values(value: Any) -> Any:
    """`value` (text, or JSON-like lists and dicts of them) with every card number masked, in keys
    and values alike: the audit recorder passes each event's changes through it."""
    if isinstance(value, str):
        return redact_card_numbers(value)[0]
    if isinstance(value, dict):
        return {redact_values(key): redact_values(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_values(item) for item in value]
    return value


def clean_text(text: str | None, *, limit: int, what: str, required: bool = True) -> str | None:
    """Trimmed text, refused (never cut) when longer than `limit` once card numbers are masked
    (free text in rules: a complaint's subject, a moderation note...)."""
    text = (text or "").strip()
    if not text:
        if required:
            raise DomainError(_("The %(what)s is required.", what=what))
        return None
    stored = len(redact_card_numbers(text)[0])
    if stored > limit:
        raise DomainError(
            _(
                "The %(what)s is too long (%(length)s characters; at most %(limit)s).",
                what=what,
                length=stored,
                limit=limit,
            )
        )
    return text
