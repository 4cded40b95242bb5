"""The provider page shows insurance and restriction events in order."""

from __future__ import annotations

from datetime import timedelta

from console.db import db
from insurance import services
from insurance import sweep as insurance_sweep
from restrictions import services as restrictions
from tests.factories import make_provider, make_staff
from tests.insurance.test_services import TODAY, _certificate, _fields


def test_the_provider_page_lists_insurance_events_newest_first(client_as, now):
    provider, officer, manager = make_provider(), make_staff("vetting_officer"), make_staff("manager")
    policy = services.register_policy(
        provider,
        fields=_fields(provider, ends_on=TODAY - timedelta(days=2)),
        certificate=_certificate(),
        actor="system:tests",
        now=now - timedelta(days=3),
    )
    services.verify_policy(policy, actor=officer, now=now - timedelta(days=2))
    insurance_sweep.sweep_policies(today=TODAY, now=now - timedelta(hours=1))
    proposal = db.session.scalars(restrictions.open_proposals_query()).first()
    restrictions.confirm_proposal(proposal, actor=manager, now=now)
    db.session.commit()
    body = client_as("manager").get(f"/providers/details/?id={provider.id}").get_data(as_text=True)
    order = [
        f"Restricted (insurance lapsed) by {manager.full_name}",
        "Reminder sent for policy",
        f"Policy {policy.policy_number} verified",
        f"Policy {policy.policy_number} (AXA France",
    ]
    positions = [body.index(text) for text in order]
    assert positions == sorted(positions), positions
