"""RC Pro screens: the register of policies."""

from __future__ import annotations

from console.access import Role
from console.admin_base import ConsoleModelView
from insurance.models import InsurancePolicy


class InsurancePolicyAdmin(ConsoleModelView):
    roles = frozenset({Role.VETTING_OFFICER, Role.MANAGER})
    export_roles = frozenset()
    column_list = [
        "provider",
        "insurer",
        "policy_number",
        "starts_on",
        "ends_on",
        "verification",
        "created_at",
    ]
    column_default_sort = ("id", True)


def register(admin) -> None:
    admin.add_view(
        InsurancePolicyAdmin(
            InsurancePolicy, name="RC Pro policies", endpoint="policies", category="Insurance"
        )
    )
