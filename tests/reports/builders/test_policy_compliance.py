"""Report 1's builder: the promises' verdicts follow the data and the configured targets."""

from __future__ import annotations

from datetime import timedelta

from reports.builders.policy_compliance import build_policy_compliance
from reports.workflow import Period, Verdict


def test_policy_compliance_verdicts_follow_the_data(world):
    period = Period(world.today - timedelta(days=40), world.today)
    data = build_policy_compliance(period, progress=lambda p: None).data
    promises = {p.number: p for p in data.promises}
    assert (
        promises[4].verdict == Verdict.NOT_MET
    )  # 2 of 3 active providers insured today; an uninsured booking
    assert dict(promises[4].evidence)["Active providers insured on the last day"] == "2 of 3"
    assert dict(promises[4].evidence)["Bookings served or scheduled while uninsured (exposure)"] == "1"
    assert promises[5].verdict == Verdict.NOT_MET  # 3 reviews, none moderated
    assert promises[6].verdict == Verdict.NO_DATA  # no complaint resolved
    assert promises[8].verdict == Verdict.NOT_APPLICABLE and promises[8].measured == "not applicable"
    assert promises[7].verdict == Verdict.MET


def test_targets_are_configurable(world, app):
    period = Period(world.today - timedelta(days=40), world.today)
    app.config["REPORT_TARGETS"] = {"reviews_moderated_pct": [0, 0], "insured_pct": [60, 5]}
    try:
        data = build_policy_compliance(period, progress=lambda p: None).data
    finally:
        app.config.pop("REPORT_TARGETS")
    promises = {p.number: p for p in data.promises}
    assert promises[5].verdict == Verdict.MET
    assert promises[4].target.startswith("≥ 60%")  # English here; French writes "≥ 60 %"
