"""The words of other packages' values, as the reports print them in the reader's language.

The domains' `reporting` modules hand the reports plain values (an enum's value such as
"partially_upheld", a fact label such as "Legal name"); the reports show them here, at display
time, with the label the value's own package gives it (its workflow's enum), so a French
requester's PDF has no English word left. An unknown value is shown as it is,
underscores as spaces (a new value shows up readable, and in the missing-translations list).
"""

from __future__ import annotations

from enum import Enum

from flask_babel import get_translations

from console.domain import _
from disputes.complaints.workflow import Category, Severity
from disputes.disputes.workflow import Outcome
from insurance.workflow import InsuranceStatus, Verification
from marketplace.models import ServiceKind, VettingStatus
from restrictions.workflow import REASONS, ProposalStatus, ReviewOutcome, Source, short_label
from vetting.workflow import B3Outcome, CaseStatus, CheckKind, CheckStatus, Round


def _labels(*enums: type[Enum]) -> dict[str, str]:
    """Each value's label, as its own package words it (one definition of every label)."""
    return {member.value: member.label for enum in enums for member in enum}


def _table() -> dict[str, dict[str, str]]:
    return {
        "category": _labels(Category),  # complaints
        "severity": _labels(Severity),
        "outcome": _labels(Outcome),  # disputes
        "booking": {  # a provider's bookings per status (the dossier's activity)
            "scheduled": _("Bookings scheduled"),
            "completed": _("Bookings completed"),
            "cancelled": _("Bookings cancelled"),
        },
        "vetting": _labels(CaseStatus, VettingStatus),  # the provider's status and its cases'
        "round": _labels(Round),
        "check": _labels(CheckKind),
        "check_status": _labels(CheckStatus),
        "b3": _labels(B3Outcome),
        "insurance": _labels(InsuranceStatus),  # RC Pro status today
        "verification": _labels(Verification),
        "reason": {code: short_label(code) for code in REASONS},  # restriction reasons, in a few words
        "source": _labels(Source),
        "proposal": _labels(ProposalStatus),
        "review": _labels(ReviewOutcome) | {"requested": _("requested")},
        "service": _labels(ServiceKind),
        "fact": {  # marketplace.reporting.provider_card
            "Reference": _("Reference"),
            "Legal name": _("Legal name"),
            "Trade name": _("Trade name"),
            "SIRET": _("SIRET"),
            "E-mail": _("E-mail"),
            "Phone": _("Phone"),
            "Address": _("Address"),
            "Services": _("Services"),
            "Joined on": _("Joined on"),
            "Vetting status": _("Vetting status"),
        },
        "not_bookable": {
            "not vetted yet": _("not vetted yet"),
            "vetting rejected": _("vetting rejected"),
        },
    }


_last: list = [None, None]  # the reader's catalogue and its table, for long reports (50,000 rows)


def _tables() -> dict[str, dict[str, str]]:
    catalogue = get_translations()
    if _last[0] is not catalogue:
        _last[:] = [catalogue, _table()]
    return _last[1]


def term(group: str, value: str | None) -> str:
    """`value` of `group` ("category", "severity", "reason"...) in the reader's language."""
    if value is None:
        return ""
    found = _tables()[group].get(value)
    return found if found is not None else value.replace("_", " ")


def restricted(code: str) -> str:
    """An issue or a reason not to book: "restricted: safety complaint"."""
    return _("restricted: %(reason)s", reason=term("reason", code))


def fact(label: str, value: str) -> tuple[str, str]:
    """A provider card's fact, its label and (for the words it holds) its value translated."""
    if label == "Vetting status":
        value = term("vetting", value.replace(" ", "_"))
    elif label == "Services" and value:
        value = ", ".join(term("service", s.replace(" ", "_")) for s in value.split(", "))
    return term("fact", label), value


def not_bookable(reason: str) -> str:
    """A reason from `Provider.not_bookable_reasons` ("restricted: safety complaint" included)."""
    if reason.startswith("restricted: "):
        return restricted(reason.removeprefix("restricted: ").replace(" ", "_"))
    return term("not_bookable", reason)
