"""Use cases of policy versions and cancellation terms (the campaign lives in policy/campaign.py)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from markdown_it import MarkdownIt
from markupsafe import Markup

from console.audit import services as audit
from console.db import db
from console.domain import DomainError, _, ensure_version
from policy import workflow
from policy.models import CancellationTerms, PolicyNotice, PolicyVersion
from policy.workflow import FeeTier, VersionStatus

# markdown-it-py (maintained by the Executable Books project, CommonMark compliant): the
# "js-default" preset turns raw HTML off (it is shown as text) and refuses javascript:/data: links,
# so no sanitiser pass is needed afterwards (bleach, the usual one, is deprecated since 2023).
_MARKDOWN = MarkdownIt("js-default")


def render_markdown(text: str) -> Markup:
    """The policy's Markdown as safe HTML (raw HTML escaped, unsafe links refused)."""
    return Markup(_MARKDOWN.render(text or ""))  # noqa: S704 - html is off in this renderer


def _clean_text(name: str, value: Any, limit: int | None = None) -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    if not text:
        raise DomainError(_("%(field)s is required.", field=name))
    if limit and len(text) > limit:
        raise DomainError(_("%(field)s is at most %(limit)s characters.", field=name, limit=limit))
    return text  # the column redacts card numbers


def draft_version(
    *,
    title: str,
    body: str,
    summary: str,
    effective_at: datetime,
    significant: bool,
    actor: Any,
    now: datetime,
) -> PolicyVersion:
    """A manager drafts the next numbered version."""
    number = (db.session.scalar(sa.select(sa.func.max(PolicyVersion.number))) or 0) + 1
    version = PolicyVersion(
        number=number,
        title=_clean_text(_("Title"), title, 200),
        body=_clean_text(_("Text"), body),
        summary=_clean_text(_("Summary of changes"), summary),
        effective_at=effective_at,
        significant=bool(significant),
        status=VersionStatus.DRAFT,
        drafted_by_id=actor.id,
        drafted_at=now,
    )
    db.session.add(version)
    db.session.flush()
    audit.record(
        actor, "policy.draft", version, now=now, changes={"number": number, "significant": significant}
    )
    return version


def edit_draft(
    version: PolicyVersion, *, fields: dict[str, Any], expected_version: int | None, actor: Any, now: datetime
) -> PolicyVersion:
    """Change a draft's text, summary, effective date or significance."""
    ensure_version(version, expected_version)
    if version.status != VersionStatus.DRAFT:
        raise workflow.TransitionNotAllowed(_("Only a draft can be edited."))
    limits = {"title": 200, "body": None, "summary": None}
    for name, limit in limits.items():
        if name in fields:
            setattr(version, name, _clean_text(name, fields[name], limit))
    if "effective_at" in fields:
        version.effective_at = fields["effective_at"]
    if "significant" in fields:
        version.significant = bool(fields["significant"])
    changes = audit.diff(version)
    db.session.flush()
    audit.record(actor, "policy.edit", version, changes=changes, now=now)
    return version


def submit_version(version: PolicyVersion, *, actor: Any, now: datetime) -> None:
    """The drafter hands the version over for review."""
    version.status = workflow.next_status(version.status, "submit")
    version.submitted_at = now
    db.session.flush()
    audit.record(actor, "policy.submit", version, now=now)


def return_version(version: PolicyVersion, *, actor: Any, now: datetime) -> None:
    """The reviewer sends the version back to draft."""
    version.status = workflow.next_status(version.status, "return")
    db.session.flush()
    audit.record(actor, "policy.return", version, now=now)


def publish_version(version: PolicyVersion, *, actor: Any, now: datetime) -> None:
    """A second manager publishes; a significant version must still be ahead of its effective date."""
    workflow.ensure_publisher(drafted_by_id=version.drafted_by_id, publisher_id=actor.id)
    new_status = workflow.next_status(version.status, "publish")
    if version.significant:
        workflow.ensure_effective_after(version.effective_at, now=now)
    version.status, version.published_by_id, version.published_at = new_status, actor.id, now
    db.session.flush()
    audit.record(actor, "policy.publish", version, now=now, changes={"number": version.number})


def published_version(number: int) -> PolicyVersion | None:
    return db.session.scalar(
        sa.select(PolicyVersion).where(
            PolicyVersion.number == number, PolicyVersion.status == VersionStatus.PUBLISHED
        )
    )


def previous_published(version: PolicyVersion) -> PolicyVersion | None:
    """The published version just before `version` (by number)."""
    return db.session.scalar(
        sa.select(PolicyVersion)
        .where(PolicyVersion.number < version.number, PolicyVersion.status == VersionStatus.PUBLISHED)
        .order_by(PolicyVersion.number.desc())
        .limit(1)
    )


def version_diff(version: PolicyVersion) -> list[workflow.DiffLine]:
    previous = previous_published(version)
    return workflow.text_diff(previous.body if previous else "", version.body)


# --- cancellation terms -----------------------------------------------------------------------


def _tiers(raw: Iterable[tuple[int, int]]) -> list[FeeTier]:
    try:
        return [FeeTier(int(hours), int(percent)) for hours, percent in raw]
    except (TypeError, ValueError) as exc:
        raise DomainError(_("A fee is a notice period in hours and a percentage.")) from exc


def create_terms(
    *,
    label: str,
    effective_at: datetime,
    tiers: Iterable[tuple[int, int]],
    no_show_percent: int,
    summary: str | None,
    actor: Any,
    now: datetime,
) -> CancellationTerms:
    """Record a cancellation-terms version as the marketplace publishes it (label like 2026-03)."""
    from marketplace.services import terms_version

    label = terms_version(label)
    fee_tiers = _tiers(tiers)
    workflow.check_tiers(fee_tiers, no_show_percent)
    if db.session.scalar(sa.select(CancellationTerms.id).where(CancellationTerms.label == label)):
        raise DomainError(_("Terms %(label)s already exist.", label=label))
    terms = CancellationTerms(
        label=label,
        effective_at=effective_at,
        published_at=now,
        fee_tiers=[{"notice_hours": t.notice_hours, "percent": t.percent} for t in fee_tiers],
        no_show_percent=no_show_percent,
        summary=summary.strip() if summary and summary.strip() else None,
        created_by_id=getattr(actor, "id", None),
        created_at=now,
    )
    db.session.add(terms)
    db.session.flush()
    audit.record(actor, "cancellation_terms.create", terms, now=now, changes={"label": label})
    return terms


def terms_in_force(at: datetime) -> CancellationTerms | None:
    """The terms version in force at `at` (the latest that took effect by then)."""
    return db.session.scalar(
        sa.select(CancellationTerms)
        .where(CancellationTerms.effective_at <= at)
        .order_by(CancellationTerms.effective_at.desc())
        .limit(1)
    )


def notice_by_id(notice_id: int | None) -> PolicyNotice | None:
    return db.session.get(PolicyNotice, notice_id) if notice_id else None


def acknowledge_notice(notice: PolicyNotice, *, actor: Any, now: datetime) -> PolicyNotice:
    """The client acknowledges the version they were told of (once; a second time changes nothing)."""
    if notice.acknowledged_at is None:
        notice.acknowledged_at = now
        db.session.flush()
        audit.record(actor, "policy.acknowledged", notice.policy_version,
                     changes={"notice": notice.id}, now=now)  # fmt: skip
    return notice


def latest_notice(client_id: int) -> PolicyNotice | None:
    """The latest version announcement a client was sent (what an acknowledgement link is about)."""
    return db.session.scalar(
        sa.select(PolicyNotice)
        .where(PolicyNotice.client_id == client_id)
        .order_by(PolicyNotice.id.desc())
        .limit(1)
    )
