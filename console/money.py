"""Money: integer cents parsed exactly from what people type, and shown back; an amount field for forms."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from wtforms import StringField
from wtforms.validators import InputRequired, Length

THIN_SPACE = "\u2009"
MAX_AMOUNT_EUROS = Decimal(10) ** 10
_SEPARATORS = re.compile(r"[ \u00a0\u2009\u202f']")  # thousands separators people type or paste
_AMOUNT = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")


def euros_to_cents(text: str | None, *, allow_zero: bool) -> int:
    """'1 500 000', '1500000.50' or '150,5' as integer cents, parsed exactly (no floats).

    Raises ValueError with a message for the form on anything else: not a number, negative,
    zero where it is not allowed, more than two decimals, absurdly large.
    """
    cleaned = _SEPARATORS.sub("", (text or "").strip()).replace(",", ".")
    if cleaned.startswith("-") and _AMOUNT.fullmatch(cleaned[1:]):
        raise ValueError("An amount cannot be negative.")
    if len(cleaned) > 20 or not _AMOUNT.fullmatch(cleaned):
        raise ValueError("Enter an amount in euros, digits only: 1500000 or 1 500 000,50.")
    amount = Decimal(cleaned)
    if amount.as_tuple().exponent < -2:
        raise ValueError("At most two decimals (cents).")
    if amount > MAX_AMOUNT_EUROS:
        raise ValueError("This amount is too large.")
    if amount == 0 and not allow_zero:
        raise ValueError("The amount must be more than zero.")
    return int(amount * 100)


def format_cents(cents: int | None, currency: str = "EUR") -> str:
    """12345678 -> '123 456.78 EUR', 150000000 -> '1 500 000 EUR' (thin-space thousands)."""
    if cents is None:
        return ""
    euros, rest = divmod(cents, 100)
    text = f"{euros:,}".replace(",", THIN_SPACE)
    return f"{text}.{rest:02d} {currency}" if rest else f"{text} {currency}"


class AmountField(StringField):
    """Euros typed as text; `cents` holds the exact value once the field validates."""

    def __init__(self, label: str, *, allow_zero: bool, **kwargs: Any):
        super().__init__(label, validators=[InputRequired(), Length(max=30)], **kwargs)
        self.allow_zero = allow_zero
        self.cents: int | None = None

    def post_validate(self, form, validation_stopped: bool) -> None:
        if validation_stopped or self.errors:
            return
        try:
            self.cents = euros_to_cents(self.data, allow_zero=self.allow_zero)
        except ValueError as exc:
            self.errors.append(str(exc))
