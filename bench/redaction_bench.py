"""The card-number redactor on 1 MB of awkward text (run by bench/bench.py)."""

from __future__ import annotations

import statistics
import time

REDACTION_LIMIT_S = 2.0
MEGABYTE = 1024 * 1024
_MIXED = (
    "Client 06 12 34 56 78, IBAN FR76 3000 6000 0112 3456 7890 189, carte 4242 4242 4242 4242 exp 12/27, "
    "SIRET 732 829 320 00074, le 25/11/2026 pour 1 250,00 € (BKG-0001234, PRV-000123).\n"
)
REDACTION_INPUTS = {
    "mixed text": _MIXED * (MEGABYTE // len(_MIXED)),
    "1-space": "1 " * (MEGABYTE // 2),
    "4-2-dash": "4-2-" * (MEGABYTE // 4),
    "digit blob": "4" * MEGABYTE,
}


def time_redaction() -> list[str]:
    """The card-number redactor on 1 MB of awkward text: median of 3 runs each, budget 2 s."""
    from console.redaction import redact_card_numbers

    print(f"\ncard-number redaction of 1 MB (median of 3, budget {REDACTION_LIMIT_S:.0f} s)")
    failures = []
    for label, text in REDACTION_INPUTS.items():
        times = []
        for _ in range(3):
            started = time.perf_counter()
            redact_card_numbers(text)
            times.append(time.perf_counter() - started)
        median = statistics.median(times)
        print(f"  {label:<12} {median * 1000:8.0f} ms")
        if median > REDACTION_LIMIT_S:
            failures.append(f"SLOW: redaction of 1 MB ({label}) {median:.1f} s")
    return failures
