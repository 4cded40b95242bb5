"""The home page: each staff member sees the screens of their own roles."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for

from console.domain import Role
from console.i18n import lazy_gettext as _l

ROLE_INTROS = {
    Role.VETTING_OFFICER: _l("Take providers from application to approval."),
    Role.SUPPORT_AGENT: _l("Resolve client complaints, disputes and review moderation."),
    Role.MANAGER: _l("Decide restrictions and large disputes; download compliance reports."),
    Role.ADMIN: _l("Manage staff accounts and settings; watch jobs and the audit trail."),
}


@dataclass(frozen=True)
class Link:
    title: str
    url: str
    badge: str | None = None  # a queue's size, when the view reports one


@dataclass(frozen=True)
class Section:
    role: Role
    intro: str
    links: list[Link]


def home_sections(user) -> list[Section]:
    """One section per role the user holds, listing the screens that role may open."""
    views = current_app.extensions["console_admin_views"].values()
    sections = []
    for role in sorted(user.roles):
        links = [
            Link(
                v.name,
                url_for(f"{v.endpoint}.index_view" if hasattr(v, "index_view") else f"{v.endpoint}.index"),
                v.home_badge() if hasattr(v, "home_badge") else None,
            )
            for v in views
            if v.endpoint != "admin" and getattr(v, "on_home", True) and role in v.roles_for("index")
        ]
        sections.append(Section(role, ROLE_INTROS[role], links))
    return sections
