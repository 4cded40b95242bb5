"""Every column header offered as a sort link sorts; columns the database cannot order are not offered."""

from __future__ import annotations

import pytest
from flask import url_for

from console.access import ALL_ROLES
from console.admin_base import ConsoleModelView, _unorderable
from console.audit.models import AuditEvent
from insurance.models import InsuranceSweep
from vetting.models import VettingSweep


def model_views(app):
    return [
        view for view in app.extensions["console_admin_views"].values() if isinstance(view, ConsoleModelView)
    ]


def test_no_view_offers_a_json_column_for_sorting(app):
    with app.test_request_context():
        for view in model_views(app):
            for name, column in view.get_sortable_columns().items():
                parts = column if isinstance(column, list) else [column]
                assert not any(_unorderable(part) for part in parts), (view.endpoint, name)


@pytest.mark.parametrize("model", [AuditEvent, InsuranceSweep, VettingSweep])
def test_json_columns_of_run_and_audit_lists_are_not_sortable(app, model):
    with app.test_request_context():
        views = [view for view in model_views(app) if view.model is model]
        assert views
        for view in views:
            json_names = {c.key for c in model.__table__.columns if _unorderable(c)}
            assert json_names
            assert not json_names & set(view.get_sortable_columns())


def test_every_sort_link_of_every_list_answers(app, client_as):
    client = client_as(*sorted(ALL_ROLES))
    failures = []
    for view in model_views(app):
        with app.test_request_context():
            url = url_for(f"{view.endpoint}.index_view")
            count = len(view.get_list_columns())
        for index in range(count):
            for extra in ({}, {"desc": "1"}):
                response = client.get(url, query_string={"sort": index, **extra})
                if response.status_code >= 500:
                    failures.append((view.endpoint, index, extra))
        for bad in ("99", "-1", "x"):
            if client.get(url, query_string={"sort": bad}).status_code >= 500:
                failures.append((view.endpoint, bad))
    assert failures == []
