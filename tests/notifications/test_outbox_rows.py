"""The outbox shows each role only the messages of its own work (list, count, details, export)."""

from __future__ import annotations

import pytest

from console.db import db
from console.domain import Role
from console.notifications import services, workflow
from console.notifications.models import Notification, NotificationStatus

TEMPLATES = {
    "complaint_message": "Complaint answer OUTBOX-CMP",
    "dispute_decided": "Dispute decision OUTBOX-DSP",
    "vetting_rejected": "Vetting rejection OUTBOX-VET",
    "insurance_reminder": "Insurance reminder OUTBOX-INS",
    "review_hidden": "Review hidden OUTBOX-REV",
    "restriction_started": "Restriction OUTBOX-RST",
    "message": "Other message OUTBOX-OTH",
}
SEES = {
    "vetting_officer": {"vetting_rejected", "insurance_reminder"},
    "support_agent": {"complaint_message", "dispute_decided", "review_hidden"},
    "manager": set(TEMPLATES),
    "admin": set(TEMPLATES),
}


@pytest.fixture
def outbox(app, now):
    rows = {}
    for template, subject in TEMPLATES.items():
        rows[template] = Notification(
            created_at=now,
            recipient=f"{template}@example.com",
            template=template,
            subject=subject,
            body=f"Body of {subject}",
            status=NotificationStatus.FAILED,
        )
        db.session.add(rows[template])
    db.session.commit()
    return rows


def test_the_rule_reads_the_kind_from_the_template():
    assert workflow.message_kind("complaint_sla_breached") == "complaint"
    assert workflow.message_kind("vetting_rejected") == "vetting"
    assert workflow.message_kind("unknown") == "other"
    assert not workflow.may_read({Role.VETTING_OFFICER}, "complaint_message")
    assert not workflow.may_read({Role.VETTING_OFFICER}, "dispute_decided")
    assert not workflow.may_read({Role.SUPPORT_AGENT}, "vetting_rejected")
    assert workflow.may_read({Role.SUPPORT_AGENT, Role.VETTING_OFFICER}, "vetting_rejected")
    assert workflow.may_read({Role.MANAGER}, "anything_at_all")


@pytest.mark.parametrize("role", sorted(SEES))
def test_list_details_export_and_count_show_only_the_roles_messages(outbox, client_as, role):
    client = client_as(role)
    listing = client.get("/outbox/").get_data(as_text=True)
    exported = client.get("/outbox/export/csv/").get_data(as_text=True)
    for template, subject in TEMPLATES.items():
        visible = template in SEES[role]
        assert (subject in listing) is visible, (role, template)
        assert (subject in exported) is visible, (role, template)
        details = client.get(f"/outbox/details/?id={outbox[template].id}")
        if visible:
            assert details.status_code == 200 and f"Body of {subject}" in details.get_data(as_text=True)
        else:
            assert details.status_code == 302  # "record does not exist": nothing of it shown
            assert subject not in client.get(details.location).get_data(as_text=True)
    assert services.failed_count({Role(role)}) == len(SEES[role])


def test_a_search_does_not_reach_other_roles_messages(outbox, client_as):
    page = client_as("support_agent").get("/outbox/?search=OUTBOX-VET").get_data(as_text=True)
    assert "Vetting rejection OUTBOX-VET" not in page
    page = client_as("vetting_officer").get("/outbox/?search=OUTBOX-DSP").get_data(as_text=True)
    assert "Dispute decision OUTBOX-DSP" not in page


def test_an_underscore_in_a_template_name_is_not_a_wildcard(app, now, client_as):
    db.session.add(
        Notification(
            created_at=now,
            recipient="x@example.com",
            template="complaintXmessage",
            subject="Lookalike OUTBOX-LK",
            body="b",
            status=NotificationStatus.FAILED,
        )
    )
    db.session.commit()
    assert "OUTBOX-LK" not in client_as("support_agent").get("/outbox/").get_data(as_text=True)
