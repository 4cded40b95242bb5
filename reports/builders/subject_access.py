"""Report 6: everything held about one client or provider (GDPR art. 15), readable, in French.

The data is the subject access export (privacy.reporting): the same content as the JSON file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import force_locale

from console.audit.labels import field_label, purpose_label
from console.db import utcnow
from console.domain import _
from console.formatting import format_datetime
from privacy import reporting as privacy
from reports.builders.common import Built, Progress
from reports.render import render_pdf

SECTIONS = (
    ("record", None),
    ("consents", None),
    ("consent_records", "given_at"),
    ("bookings", "reference"),
    ("complaints", "reference"),
    ("disputes", "reference"),
    ("reviews", "id"),
    ("vetting_cases", "reference"),
    ("restrictions", "id"),
    ("insurance_policies", "id"),
    ("notifications", "id"),
    ("access_log", "occurred_at"),
    ("requests", "id"),
)


@dataclass(frozen=True)
class Section:
    title: str
    items: list[tuple[str, list[tuple[str, str]]]]  # (heading, [(field, value)])


def section_title(key: str) -> str:
    return {
        "record": _("The record"),
        "consents": _("Consents today"),
        "consent_records": _("Consent records (recipient, purpose, source, wording, given, withdrawn)"),
        "bookings": _("Bookings"),
        "complaints": _("Complaints and their messages"),
        "disputes": _("Disputes"),
        "reviews": _("Reviews"),
        "vetting_cases": _("Vetting"),
        "restrictions": _("Restrictions"),
        "insurance_policies": _("RC Pro insurance"),
        "notifications": _("Messages sent"),
        "access_log": _("Who accessed these data"),
        "requests": _("Requests made under data protection law"),
    }[key]


def _value(key: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if key == "purpose":
        return purpose_label(value)
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        try:
            return format_datetime(datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, list):
        return "; ".join(_value(key, item) if not isinstance(item, dict) else _flat(item) for item in value)
    if isinstance(value, dict):
        return _flat(value)
    return str(value)


def _flat(item: dict[str, Any]) -> str:
    return ", ".join(f"{field_label(k)}: {_value(k, v)}" for k, v in item.items() if k != "messages")


def _fields(item: dict[str, Any]) -> list[tuple[str, str]]:
    return [(field_label(k), _value(k, v)) for k, v in item.items()]


def sections(data: dict[str, Any]) -> list[Section]:
    result = []
    for key, heading_key in SECTIONS:
        if key not in data:
            continue
        value = data[key]
        if heading_key is None:
            items = [("", _fields(value))] if value else []
        else:
            items = [(_value(heading_key, item.get(heading_key)), _fields(item)) for item in value]
        result.append(Section(section_title(key), items))
    return result


def build_subject_access(subject_type: str, subject_id: int, day: date, *, progress: Progress) -> Built:
    data = privacy.subject_export(subject_type, subject_id, now=utcnow())
    progress(40)
    return _built(data)


def _built(data: dict[str, Any]) -> Built:
    reference = data["subject"]["reference"]
    return Built(
        template="subject_access.html",
        period=reference,
        subject=_("Everything held about %(reference)s", reference=reference),
        data={"reference": reference, "sections": sections(data)},
    )


@dataclass(frozen=True)
class _Header:
    title: str
    subject: str
    kind: str
    period: str
    as_of: str
    generated_at: str
    reference: str


def render_subject_access(data: dict[str, Any]) -> bytes:
    """The PDF of an export, in French (`flask privacy export --pdf`)."""
    with force_locale("fr"):
        built = _built(data)
        now = format_datetime(utcnow())
        header = _Header(
            _("Subject access"), built.subject, "subject_access", built.period, now, now, built.period
        )
        return render_pdf(built.template, context={"header": header, "data": built.data}).pdf
