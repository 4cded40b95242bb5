"""Small value makers for the demo data: weighted picks, slugs, SIRETs, phone and card numbers."""

from __future__ import annotations

import bisect
import random
import re
import unicodedata
from collections.abc import Iterable, Iterator

from stdnum import luhn


def _cumulative(weights: Iterable[float]) -> Iterator[float]:
    total = 0.0
    for weight in weights:
        total += weight
        yield total


def _pick(rng: random.Random, items: list, cum: list[float]):
    return items[bisect.bisect(cum, rng.random() * cum[-1])]


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _slug(text: str, sep: str) -> str:
    return re.sub(r"[^a-z0-9]+", sep, _ascii(text)).strip(sep)


def siret_for(index: int) -> str:
    """A valid, unique SIRET for a provider number: a Luhn SIREN, establishment 0001, check digit."""
    body = f"{(index * 7919 + 31_000_000) % 100_000_000:08d}"  # a bijection on 8 digits
    siren = body + luhn.calc_check_digit(body)
    nic = siren + "0001"
    return nic + luhn.calc_check_digit(nic)


def _mobile(rng: random.Random) -> str:
    """A French mobile number in E.164 (+336… or +337…, allocated ranges only)."""
    if rng.random() < 0.7:
        return f"+336{rng.choice('01245678')}{rng.randrange(10_000_000):07d}"
    return f"+337{rng.choice('3456789')}{rng.randrange(10_000_000):07d}"


def card_number(rng: random.Random, prefix: str, length: int = 16) -> str:
    """A Luhn-valid card number starting with `prefix`, grouped by four."""
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(length - len(prefix) - 1))
    digits = body + luhn.calc_check_digit(body)
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))
