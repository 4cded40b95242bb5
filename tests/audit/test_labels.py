"""The audit trail in words: every action the code records has a label, and the trail's page says
actions, objects, purposes and changed fields in the reader's language (the codes stay on hover)."""

from __future__ import annotations

import ast
import re

from console.audit import services as audit
from console.audit.labels import ACTIONS, purpose_label
from console.db import db, utcnow
from console.events import EVENT_TYPES
from disputes.complaints.workflow import TRANSITIONS as COMPLAINT_TRANSITIONS
from restrictions.workflow import ProposalStatus
from reviews.workflow import MODERATION_TRANSITIONS
from tests.conftest import PROJECT_ROOT, sign_in
from tests.factories import make_provider, make_staff
from tests.test_architecture import PACKAGES
from vetting.workflow import CheckStatus

CODE = re.compile(r"[a-z_]+\.[a-z_]*[a-z]")  # not "x.y_", the start of an f-string
NOT_ACTIONS = {"booking.id", "client.id", "complaint.id", "dispute.id", "notification.id", "provider.id",
               "restriction.id", "review.id", "api_client.id", "webhook_endpoint.id",
               "cancellation_terms.id",  # a foreign key's target
               "policy.resume_campaigns"}  # a periodic job's name  # fmt: skip


def _constants(tree: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def recorded_actions() -> set[str]:
    """The action codes of the sources: the literal ones given to `audit.record`, every constant of
    the same form with one of their prefixes (codes handed to helpers that record them), and those
    built from the workflows' events."""
    trees = [
        ast.parse(path.read_text(encoding="utf-8"))
        for package in PACKAGES
        for path in (PROJECT_ROOT / package).rglob("*.py")
    ]
    direct = {
        call.args[1].value
        for tree in trees
        for call in ast.walk(tree)
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "record"
        and isinstance(call.func.value, ast.Name)
        and call.func.value.id == "audit"
        and len(call.args) > 1
        and isinstance(call.args[1], ast.Constant)
    }
    prefixes = {code.split(".")[0] for code in direct}
    found = {
        c for tree in trees for c in _constants(tree) if CODE.fullmatch(c) and c.split(".")[0] in prefixes
    }
    found = (found | direct) - NOT_ACTIONS - set(EVENT_TYPES)  # the integration events' names
    found |= {f"complaint.{event}" for (_state, event) in COMPLAINT_TRANSITIONS}
    found |= {f"review.{event}" for (_state, event) in MODERATION_TRANSITIONS}
    found |= {f"restriction.proposal_{s.value}" for s in ProposalStatus if s != ProposalStatus.OPEN}
    found |= {f"vetting.check_{s.value}" for s in (CheckStatus.PASSED, CheckStatus.FAILED)}
    found |= {"complaint.macro_create", "complaint.macro_edit"}
    found |= {
        f"booking.{event}" for event in ("complete", "reschedule", "cancel")
    }  # marketplace.change_booking
    return found


def test_every_recorded_action_has_words():
    missing = sorted(recorded_actions() - set(ACTIONS))
    assert not missing, f"audit actions without a label in console/audit/labels.py: {missing}"


def test_the_audit_page_says_actions_objects_and_purposes_in_french(app):
    provider = make_provider()
    manager = make_staff("manager", language="fr")
    audit.record(manager, "provider.update", provider, changes={"city": {"before": "Lyon", "after": "Nice"}},
                 now=utcnow())  # fmt: skip
    audit.record(manager, "file.download", provider, purpose="verification", now=utcnow())
    db.session.commit()
    client = app.test_client()
    assert sign_in(client, manager.email).status_code == 302
    page = client.get("/audit/").get_data(as_text=True)
    visible = re.sub(r'title="[^"]*"', "", page)
    assert "Prestataire modifié" in visible and "Document téléchargé" in visible
    assert "Ville : Lyon → Nice" in visible.replace("\u202f", " ").replace("\u00a0", " ")
    assert "Vérification de l" in visible  # the purpose, in words
    assert "provider.update" not in visible and "file.download" not in visible
    assert 'title="provider.update"' in page  # the code stays for engineers


def test_the_audit_page_shows_recorded_times_in_paris_time(app):
    provider = make_provider()
    manager = make_staff("manager", language="fr")
    audit.record(manager, "provider.update", provider, now=utcnow(), changes={
        "due_at": "2026-12-06 15:21:34.120159+00:00",
        "effective_at": {"before": "2026-07-01T08:00:00+00:00", "after": "2026-12-01T08:00:00+00:00"},
    })  # fmt: skip
    db.session.commit()
    client = app.test_client()
    assert sign_in(client, manager.email).status_code == 302
    visible = re.sub(r"<[^>]*>", "", client.get("/audit/").get_data(as_text=True))
    assert "06/12/2026 16:21" in visible and "01/07/2026 10:00 → 01/12/2026 09:00" in visible
    assert "+00:00" not in visible and "2026-12-06" not in visible


def test_an_unknown_purpose_is_shown_as_stored_and_a_report_is_named():
    assert purpose_label("typed by hand") == "typed by hand"
    assert purpose_label("report RPT-000042") == "report RPT-000042"
    assert purpose_label(None) == ""
