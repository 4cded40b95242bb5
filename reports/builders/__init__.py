"""Gather each report's figures as plain data (dataclasses), for the templates: one module per report.

Builders read other packages only through their `reporting` modules; they never change anything.
"""

from reports.builders.common import Built, Missing
from reports.builders.complaints import build_complaints
from reports.builders.dossier import UnknownProvider, build_provider_dossier
from reports.builders.expiry import build_insurance_expiry
from reports.builders.policy_compliance import build_policy_compliance
from reports.builders.register import build_provider_register
from reports.builders.subject_access import build_subject_access

__all__ = [
    "Built",
    "Missing",
    "UnknownProvider",
    "build_complaints",
    "build_insurance_expiry",
    "build_policy_compliance",
    "build_provider_dossier",
    "build_provider_register",
    "build_subject_access",
]
