"""The complaint page's "Possible duplicates" panel and its merge button (merge.py does the work)."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_admin import expose
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField
from wtforms.fields.choices import SelectChoice

from console.admin_base import attempt_decision, parse_id
from console.db import utcnow
from console.domain import _
from console.forms import form_errors
from console.i18n import lazy_gettext as _l
from disputes.complaints.merging import services as merge
from disputes.complaints.models import Complaint


class MergeForm(FlaskForm):
    other_id = HiddenField()
    expected_version = HiddenField()
    other_version = HiddenField()
    keep = RadioField(
        _l("Which complaint stays open"),
        choices=[SelectChoice("this", _l("this one")), SelectChoice("other", _l("the other one"))],
    )


class MergeMixin:
    """Mixed into the complaints view: `merge_panel` for the page, `merge` for the button."""

    def merge_panel(self, complaint: Complaint) -> list[merge.Suggestion]:
        return merge.suggestions(complaint)

    @expose("/merge/<int:complaint_id>", methods=("POST",))
    def merge(self, complaint_id: int):
        complaint, form = self.get_one(str(complaint_id)), MergeForm()
        other = self.get_one(form.other_id.data or "") if complaint is not None else None
        if complaint is None or other is None:
            abort(404)
        if not form.validate_on_submit():
            flash(form_errors(form), "danger")
            return redirect(url_for(".details_view", id=complaint.id))
        keep_this = form.keep.data == "this"
        survivor, merged = (complaint, other) if keep_this else (other, complaint)
        versions = [parse_id(form.expected_version.data) or -1, parse_id(form.other_version.data) or -1]
        survivor_version, merged_version = versions if keep_this else versions[::-1]
        references = {"merged": merged.reference, "survivor": survivor.reference}
        done = attempt_decision(
            lambda: merge.merge_complaints(
                merged,
                survivor,
                actor=current_user,
                now=utcnow(),
                merged_version=merged_version,
                survivor_version=survivor_version,
            ),
            _("%(merged)s was merged into %(survivor)s and closed.", **references),
        )
        return redirect(url_for(".details_view", id=survivor.id if done else complaint.id))
