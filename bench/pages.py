"""The pages `make bench` times: every list with a search, a filter, a sort, page 50 and the
deepest reachable page (lists page through at most 10,000 rows), the queues and a few details."""

from __future__ import annotations

from console.admin_base import ConsoleModelView
from console.counts import COUNT_CAP

DEEPEST = COUNT_CAP // ConsoleModelView.page_size - 1  # the last page within the 10,000 rows
PROVIDER_PAGE = "provider page (2,000 bookings)"
PAGE_BUDGETS_MS = {PROVIDER_PAGE: 250.0}  # pages whose budget is tighter than the lists' 300 ms


def sort_query(app, endpoint: str, column: str, *, desc: bool = True) -> str:
    """The query string that sorts list `endpoint` by `column` (Flask-Admin's column index)."""
    view = app.extensions["console_admin_views"][endpoint]
    index = next(i for i, (name, _) in enumerate(view._list_columns) if name == column)
    return f"sort={index}&desc={int(desc)}"


def sort_queries(app) -> dict[str, str]:
    return {
        "sort_providers_city": sort_query(app, "providers", "city", desc=False),
        "sort_bookings_start": sort_query(app, "bookings", "scheduled_start", desc=False),
        "sort_reviews_rating": sort_query(app, "reviews", "rating", desc=False),
    }


def page_list(values: dict, q: dict) -> list[tuple[str, str]]:
    """The manager's pages: every list, search, filter and deep page, and the support queues."""
    pages = [
        ("/providers/", "/providers/"),
        ("/providers/ search last name", f"/providers/?search={values['last_name']}"),
        ("/providers/ search PRV-012345", "/providers/?search=PRV-012345"),
        ("/providers/ search SIRET", f"/providers/?search={values['siret']}"),
        ("/providers/ filter city", f"/providers/?{q['city']}"),
        ("/providers/ filter vetting", f"/providers/?{q['vetting']}"),
        ("/providers/ page 50", "/providers/?page=49"),
        ("/providers/ deepest page", f"/providers/?page={DEEPEST}"),
        ("/providers/ sort by city", f"/providers/?{q['sort_providers_city']}"),
        ("/providers/ not bookable", f"/providers/?{q['not_bookable']}"),
        ("/clients/", "/clients/"),
        ("/clients/ search name", f"/clients/?search={values['last_name']}"),
        ("/clients/ search e-mail", f"/clients/?search={values['email_fragment']}"),
        ("/clients/ search whole e-mail", f"/clients/?search={values['email']}"),
        ("/clients/ search one letter", "/clients/?search=a"),
        ("/clients/ deepest page", f"/clients/?page={DEEPEST}"),
        ("/bookings/", "/bookings/"),
        ("/bookings/ search PRV-000123", "/bookings/?search=PRV-000123"),
        ("/bookings/ search CLI-0001234", "/bookings/?search=CLI-0001234"),
        ("/bookings/ filter status", f"/bookings/?{q['status']}"),
        ("/bookings/ page 50", "/bookings/?page=49"),
        ("/bookings/ deepest page", f"/bookings/?page={DEEPEST}"),
        ("/bookings/ sort by date, oldest first", f"/bookings/?{q['sort_bookings_start']}"),
        ("/reviews/", "/reviews/"),
        ("/reviews/ search PRV-000123", "/reviews/?search=PRV-000123"),
        ("/reviews/ filter rating", f"/reviews/?{q['rating']}"),
        ("/reviews/ search text", "/reviews/?search=ponctuelle"),
        ("/reviews/ search two letters", "/reviews/?search=zz"),
        ("/reviews/ sort by rating", f"/reviews/?{q['sort_reviews_rating']}"),
        ("/reviews/ deepest page", f"/reviews/?page={DEEPEST}"),
        ("/proposals/", "/proposals/"),
        ("/restrictions/", "/restrictions/"),
        ("/restrictions/ active", f"/restrictions/?{q['active']}"),
        ("/policies/", "/policies/"),
        ("/policies/ search PRV-000123", "/policies/?search=PRV-000123"),
        ("/certificates/", "/certificates/"),
        ("/expiry/ within 30 days", "/expiry/?window=30"),
        ("/expiry/ expired", "/expiry/?window=expired"),
        ("/expiry/ exposure", "/expiry/?window=exposure"),
        # Support (issue 6): every queue and the dashboard, on 100,000 complaints.
        ("/support/ dashboard", "/support/"),
        ("/complaints/", "/complaints/"),
        ("/complaints/ search CMP-0012345", "/complaints/?search=CMP-0012345"),
        ("/complaints/ search CLI-0001234", "/complaints/?search=CLI-0001234"),
        ("/complaints/ filter status", f"/complaints/?{q['complaint_status']}"),
        ("/complaints/ page 50", "/complaints/?page=49"),
        ("/complaints/ deepest page", f"/complaints/?page={DEEPEST}"),
        ("/queue/mine/", "/queue/mine/"),
        ("/queue/unassigned/", "/queue/unassigned/"),
        ("/queue/at-risk/", "/queue/at-risk/"),
        ("/queue/breached/", "/queue/breached/"),
        ("/queue/waiting/", "/queue/waiting/"),
        ("/complaints/ one complaint", "/complaints/details/?id=54321"),
        ("/disputes/", "/disputes/"),
        ("/disputes-to-decide/", "/disputes-to-decide/"),
        ("/moderation/ reviews to moderate", "/moderation/"),
        ("/flags/ flagged reviews", "/flags/"),
        # The manager's home: queue cards (capped counts, oldest age) and charts (kept 5 minutes).
        ("/ home (manager)", "/"),
    ]
    return pages


def vetting_page_list(q: dict, case_id: int) -> list[tuple[str, str]]:
    """The vetting officers' queues, as the demo officer to whom the seed assigned checks."""
    vetting_pages = [
        ("/vetting_mine/ (my checks)", "/vetting_mine/"),
        ("/vetting_unassigned/", "/vetting_unassigned/"),
        ("/vetting_awaiting/", "/vetting_awaiting/"),
        ("/vetting_ready/", "/vetting_ready/"),
        ("/vetting_overdue/", "/vetting_overdue/"),
        ("/vetting_cases/", "/vetting_cases/"),
        ("/vetting_cases/ search PRV-012345", "/vetting_cases/?search=PRV-012345"),
        ("/vetting_cases/ filter in review", f"/vetting_cases/?{q['in_review']}"),
        ("/vetting_cases/ page 50", "/vetting_cases/?page=49"),
        ("/vetting_cases/ deepest page", f"/vetting_cases/?page={DEEPEST}"),
        ("case page (ready for decision)", f"/vetting_cases/details/?id={case_id}"),
        ("/ home (vetting officer)", "/"),
    ]
    return vetting_pages


def provider_page(provider_id: int) -> tuple[str, str]:
    """The provider page of a provider with 2,000 bookings (bench/provider_bench.py), its purpose given."""
    return PROVIDER_PAGE, f"/providers/details/?id={provider_id}&purpose=audit"
