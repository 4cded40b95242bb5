"""The words of other packages' values, as the reports print them in the reader's language.

The domains' `reporting` modules hand the reports plain values (an enum's value such as
"partially_upheld", a fact label such as "Legal name"); the reports translate them here, at display
time, so a French requester's PDF has no English word left. An unknown value is shown as it is,
underscores as spaces (a new value shows up readable, and in the missing-translations list).
"""

from __future__ import annotations

from flask_babel import get_translations

from console.domain import _


def _table() -> dict[str, dict[str, str]]:
    return {
        "category": {  # complaints
            "safety": _("safety"),
            "injury": _("injury"),
            "theft": _("theft"),
            "harassment": _("harassment"),
            "damage": _("damage"),
            "no_show": _("no show"),
            "quality": _("quality"),
            "lateness": _("lateness"),
            "billing": _("billing"),
            "question": _("question"),
            "feedback": _("feedback"),
        },
        "severity": {
            "critical": _("critical"),
            "high": _("high"),
            "medium": _("medium"),
            "low": _("low"),
        },
        "outcome": {  # disputes
            "upheld": _("upheld"),
            "partially_upheld": _("partially upheld"),
            "rejected": _("rejected"),
        },
        "booking": {  # a provider's bookings per status (the dossier's activity)
            "scheduled": _("Bookings scheduled"),
            "completed": _("Bookings completed"),
            "cancelled": _("Bookings cancelled"),
        },
        "vetting": {  # the provider's vetting status and its cases' statuses
            "not_vetted": _("not vetted"),
            "approved": _("approved"),
            "rejected": _("rejected"),
            "open": _("open"),
            "in_review": _("in review"),
            "awaiting_provider": _("awaiting provider"),
            "ready_for_decision": _("ready for decision"),
            "withdrawn": _("withdrawn"),
        },
        "round": {"initial": _("initial"), "renewal": _("renewal")},
        "check": {
            "background": _("Background check"),
            "skills": _("Skills check"),
            "references": _("References check"),
        },
        "check_status": {
            "pending": _("pending"),
            "in_progress": _("in progress"),
            "passed": _("passed"),
            "failed": _("failed"),
        },
        "b3": {"compatible": _("compatible"), "incompatible": _("incompatible")},
        "insurance": {  # RC Pro status today
            "valid": _("valid"),
            "expiring": _("expiring"),
            "expired": _("expired"),
            "none": _("none"),
        },
        "verification": {
            "pending": _("pending"),
            "verified": _("verified"),
            "rejected": _("rejected"),
        },
        "reason": {  # restriction reason codes
            "insurance_lapsed": _("insurance lapsed"),
            "safety_complaint": _("safety complaint"),
            "low_rating": _("low rating"),
            "revetting_overdue": _("revetting overdue"),
            "vetting_withdrawn": _("vetting withdrawn"),
            "terms_breach": _("terms breach"),
            "other": _("other"),
        },
        "source": {
            "insurance": _("insurance"),
            "safety": _("safety"),
            "quality": _("quality"),
            "vetting": _("vetting"),
            "manual": _("manual"),
        },
        "proposal": {"open": _("open"), "confirmed": _("confirmed"), "dismissed": _("dismissed")},
        "review": {"upheld": _("upheld"), "lifted": _("lifted"), "requested": _("requested")},
        "service": {
            "regular_cleaning": _("regular cleaning"),
            "deep_cleaning": _("deep cleaning"),
            "end_of_tenancy": _("end of tenancy"),
            "windows": _("windows"),
            "ironing": _("ironing"),
            "office_cleaning": _("office cleaning"),
        },
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
        "object": {  # audit events' object types (the dossier's audit trail)
            "Provider": _("Provider"),
            "InsurancePolicy": _("RC Pro policy"),
            "Restriction": _("Restriction"),
            "RestrictionProposal": _("Restriction proposal"),
            "VettingCase": _("Vetting case"),
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
