"""The managers' RC Pro expiry board: whose cover ends soon, who has lapsed, who works uninsured.

The rows come from `insurance.reporting.build_board`, the same data the expiry report prints.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, current_app, request
from flask_admin import expose
from sqlalchemy.orm import selectinload

from console.access import Role
from console.admin_base import ConsoleBaseView, parse_id
from console.db import db
from console.domain import _
from console.i18n import lazy_gettext as _l
from console.spreadsheet import csv_lines
from insurance.board import tab_counts, tab_page
from insurance.models import InsurancePolicy
from insurance.reporting import ENDING_WINDOWS, EXPIRING_WINDOW, Board, board_tab, today
from insurance.workflow import Verification
from marketplace.models import Provider
from marketplace.reporting import provider_names

PAGE_SIZE = 50


def _window_label(index: int, days: int):
    if index == 0:
        return _l("Ends within %(days)s days", days=days)
    return _l("Within %(days)s days", days=days)


WINDOWS = {
    **{str(days): _window_label(i, days) for i, days in enumerate(ENDING_WINDOWS)},
    "expired": _l("Expired"),
    "exposure": _l("Uninsured with bookings"),
}
DEFAULT_WINDOW = EXPIRING_WINDOW


def _providers(ids: list[int]) -> dict[int, Provider]:
    """The providers on the page, with their active restrictions (shown next to each row)."""
    found: dict[int, Provider] = {}
    for start in range(0, len(ids), 1000):  # bounded IN lists
        query = (
            sa.select(Provider)
            .where(Provider.id.in_(ids[start : start + 1000]))
            .options(selectinload(Provider.active_restrictions))
        )
        found.update((p.id, p) for p in db.session.scalars(query))
    return found


def _pending_policies(provider_ids: list[int]) -> dict[int, int]:
    """The oldest pending policy of each provider on the page (a successor awaiting a decision)."""
    if not provider_ids:
        return {}
    query = (
        sa.select(InsurancePolicy.provider_id, sa.func.min(InsurancePolicy.id))
        .where(
            InsurancePolicy.provider_id.in_(provider_ids),
            InsurancePolicy.verification == Verification.PENDING,
        )
        .group_by(InsurancePolicy.provider_id)
    )
    return dict(db.session.execute(query).all())


def _csv(window: str, board):
    """The tab as a French spreadsheet reads it (`;`, BOM, dd/mm/yyyy, Paris times), line by line."""
    rows = board.rows[window]
    names = provider_names([r.provider_id for r in rows])
    if window == "exposure":
        titles = [_("Reference"), _("Provider"), _("Scheduled bookings"), _("Next booking")]
    else:
        label = _("Cover ended on") if window == "expired" else _("Cover ends on")
        titles = [_("Reference"), _("Provider"), label, _("Days"), _("Policy id")]
    lines = []
    for row in rows:
        if window == "exposure":
            cells = [row.bookings, row.next_booking]
        else:
            cells = [row.day, abs((row.day - board.today).days), row.policy_id or ""]
        lines.append((*names[row.provider_id], *cells))
    return csv_lines(titles, lines)


class ExpiryBoard(ConsoleBaseView):
    """Managers: whose cover ends soon, who has lapsed, who works uninsured."""

    roles = frozenset({Role.MANAGER})

    @staticmethod
    def _window() -> str:
        window = request.args.get("window", DEFAULT_WINDOW)
        return window if window in WINDOWS else DEFAULT_WINDOW

    @expose("/")
    def index(self):
        window, day = self._window(), today()
        seconds = current_app.config["BOARD_CACHE_SECONDS"]
        page = max(parse_id(request.args.get("page", "1")) or 1, 1)
        start = (page - 1) * PAGE_SIZE
        shown, total, computed_at = tab_page(day, window, start, start + PAGE_SIZE, seconds=seconds)
        pages = max(1, -(-total // PAGE_SIZE))
        if page > pages:  # past the end: the last page
            page = pages
            start = (page - 1) * PAGE_SIZE
            shown, total, computed_at = tab_page(day, window, start, start + PAGE_SIZE, seconds=seconds)
        ids = [r.provider_id for r in shown]
        return self.render(
            "insurance/expiry.html",
            window=window,
            windows=WINDOWS,
            board=Board(day, {window: shown}),
            counts=tab_counts(day, shown=window, shown_rows=total, seconds=seconds),
            rows=shown,
            providers=_providers(ids),
            pending=_pending_policies(ids),
            page=page,
            pages=pages,
            total=total,
            computed_at=computed_at,
        )

    @expose("/export.csv")
    def export(self):
        window, day = self._window(), today()
        board = Board(day, {window: board_tab(day, window)})
        filename = f"rc-pro-{window}-{board.today.isoformat()}.csv"
        return Response(
            "".join(_csv(window, board)),
            mimetype="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "no-store",
            },
        )
