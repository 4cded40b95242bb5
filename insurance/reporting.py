"""Read-only insurance figures other packages may use (the package's public face)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from console.db import db
from insurance.models import InsurancePolicy
from insurance.workflow import Verification

# --- for disputes (damage claims) ---


@dataclass(frozen=True)
class PolicySummary:
    """An RC Pro policy as a dispute shows it."""

    id: int
    insurer: str
    policy_number: str
    starts_on: date
    ends_on: date

    def __str__(self) -> str:
        return f"{self.insurer} {self.policy_number}"


def verified_policy_covering(provider_id: int, day: date) -> int | None:
    """The id of the provider's verified RC Pro policy covering `day` (the latest-ending), if any."""
    return db.session.scalar(
        sa.select(InsurancePolicy.id)
        .where(
            InsurancePolicy.provider_id == provider_id,
            InsurancePolicy.verification == Verification.VERIFIED,
            InsurancePolicy.starts_on <= day,
            InsurancePolicy.ends_on >= day,
        )
        .order_by(InsurancePolicy.ends_on.desc())
        .limit(1)
    )


def policy_summary(policy_id: int | None) -> PolicySummary | None:
    """A policy's insurer, number and dates, or None when there is no such policy."""
    if policy_id is None:
        return None
    row = db.session.execute(
        sa.select(
            InsurancePolicy.id,
            InsurancePolicy.insurer,
            InsurancePolicy.policy_number,
            InsurancePolicy.starts_on,
            InsurancePolicy.ends_on,
        ).where(InsurancePolicy.id == policy_id)
    ).one_or_none()
    return PolicySummary(*row) if row else None
