"""The demo staff accounts (documented in the README; for local demos only)."""

from __future__ import annotations

from console.auth import services
from console.db import utcnow

DEMO_ACTOR = "system:demo-seed"

# Documented in the README; for local demos only.
DEMO_STAFF = [
    ("admin@demo.ekoklean.fr", "Alice Admin", ["admin"], "admin-demo-2026"),
    ("manager@demo.ekoklean.fr", "Marc Manager", ["manager"], "manager-demo-2026"),
    ("vetting@demo.ekoklean.fr", "Valérie Vetting", ["vetting_officer"], "vetting-demo-2026"),
    ("vetting2@demo.ekoklean.fr", "Victor Vetting", ["vetting_officer"], "vetting2-demo-2026"),
    ("support@demo.ekoklean.fr", "Sophie Support", ["support_agent"], "support-demo-2026"),
]


def seed_staff() -> list[str]:
    """Create the demo staff accounts that do not exist yet; return the e-mails created."""
    created = []
    for email, name, roles, password in DEMO_STAFF:
        if services.get_staff_by_email(email) is None:
            services.create_staff(
                email=email, full_name=name, roles=roles, password=password, actor=DEMO_ACTOR, now=utcnow()
            )
            created.append(email)
    return created
