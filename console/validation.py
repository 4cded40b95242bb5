"""Field rules for marketplace records. Pure: each returns the normalised value or raises."""

from __future__ import annotations

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum import exceptions as stdnum_errors
from stdnum.fr import siret as stdnum_siret

from console.domain import DomainError, _
from console.redaction import redact_card_numbers

POSTCODE_RE = re.compile(r"^(?:0[1-9]|[1-8]\d|9[0-8])\d{3}$")
NAME_MAX, ADDRESS_MAX, CITY_MAX = 200, 200, 100
CURRENCIES = frozenset({"EUR"})


class InvalidField(DomainError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def siret(value: str) -> str:
    """A valid French SIRET, as 14 digits."""
    try:
        return stdnum_siret.validate(value or "")
    except stdnum_errors.ValidationError as exc:
        raise InvalidField(
            "siret", _("This is not a valid SIRET (14 digits with a valid checksum).")
        ) from exc


def email(value: str) -> str:
    if redact_card_numbers(value or "")[1]:
        raise InvalidField("email", _("This looks like a card number, not an e-mail address."))
    try:
        return validate_email((value or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidField("email", _("This is not a valid e-mail address: %(error)s", error=exc)) from exc


def phone(value: str) -> str:
    """A phone number in E.164 (French numbers may be typed as 06 12 34 56 78)."""
    try:
        number = phonenumbers.parse((value or "").strip()[:40], "FR")
    except phonenumbers.NumberParseException as exc:
        raise InvalidField("phone", _("This is not a phone number.")) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidField("phone", _("This is not a valid phone number."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def postcode(value: str) -> str:
    """A French postcode: five digits, département 01-98."""
    value = (value or "").strip()
    if not POSTCODE_RE.match(value):
        raise InvalidField("postcode", _("This is not a French postcode (five digits, e.g. 75011)."))
    return value


def text(field: str, value: str | None, *, limit: int, required: bool = True) -> str | None:
    """Trimmed text within `limit` characters as it will be stored (card numbers masked)."""
    value = (value or "").strip()
    if not value:
        if required:
            raise InvalidField(field, _("This field is required."))
        return None
    stored = len(redact_card_numbers(value)[0])
    if stored > limit:
        raise InvalidField(
            field, _("Too long: %(count)s characters, at most %(limit)s.", count=stored, limit=limit)
        )
    return value


def price_cents(value: object) -> int:
    """A price in whole cents, zero or more (never a float)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidField("price_cents", _("A price is a whole number of cents."))
    if value < 0:
        raise InvalidField("price_cents", _("A price cannot be negative."))
    return value


def rating(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise InvalidField("rating", _("A rating is a whole number from 1 to 5."))
    return value


def no_such_record(term: str) -> str:
    return _("Nothing matches %(term)s.", term=term)


def exact_term(shape: str, term: str) -> str | None:
    """`term` as stored when it has the whole shape of a value looked up exactly ("siret": 14
    digits, spaces allowed; "email": an address, compared in lower case), or None."""
    term = (term or "").strip()
    if shape == "siret" and re.fullmatch(r"[\d ]+", term) and len(digits := term.replace(" ", "")) == 14:
        return digits
    if shape == "email" and re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", term):
        return term.lower()
    return None


def parse_reference(term: str, prefix: str) -> int | None:
    """The id inside a reference such as `PRV-000123` (or `prv 123`), or None."""
    match = re.fullmatch(rf"\s*{prefix}[\s-]*0*(\d{{1,10}})\s*", term or "", re.IGNORECASE)
    return int(match.group(1)) if match and 0 < int(match.group(1)) < 2**31 else None
