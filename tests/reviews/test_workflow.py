"""Review rules, without a database: moderation steps, flag rules, the rating alert."""

from __future__ import annotations

import pytest

from console.domain import DomainError
from reviews import workflow as wf
from reviews.workflow import FlagRule, ModerationStatus

MODERATION_EXPECTED = {
    (ModerationStatus.PENDING, "publish"): ModerationStatus.PUBLISHED,
    (ModerationStatus.PENDING, "hide"): ModerationStatus.HIDDEN,
    (ModerationStatus.PUBLISHED, "hide"): ModerationStatus.HIDDEN,
    (ModerationStatus.HIDDEN, "restore"): ModerationStatus.PUBLISHED,
}


@pytest.mark.parametrize("status", list(ModerationStatus))
@pytest.mark.parametrize("event", wf.MODERATION_EVENTS)
def test_every_moderation_status_and_event(status, event):
    if (status, event) in MODERATION_EXPECTED:
        assert wf.next_moderation(status, event) == MODERATION_EXPECTED[status, event]
    else:
        with pytest.raises(wf.TransitionNotAllowed):
            wf.next_moderation(status, event)


def test_hiding_needs_a_known_reason():
    assert wf.hide_reason("insulting") == "insulting"
    for code in (None, "", "because"):
        with pytest.raises(DomainError, match="reason"):
            wf.hide_reason(code)


@pytest.mark.parametrize(
    ("text", "rules"),
    [
        ("Très bien, ponctuelle et soignée.", set()),
        ("Appelez-moi au 06 12 34 56 78 pour du travail au noir", {FlagRule.CONTACT_DETAILS}),
        ("écrivez à jean.dupont@example.fr", {FlagRule.CONTACT_DETAILS}),
        ("Quel connard, une vraie arnaque", {FlagRule.INSULT}),
        ("Je lui ai donné ma carte [card ••••7890]", {FlagRule.CARD_NUMBER}),
        ("carte 4970 1012 3456 7893 débitée", {FlagRule.CARD_NUMBER}),
        ("SIRET 73282932000074 affiché", set()),
    ],
)
def test_flag_rules(text, rules):
    assert set(wf.flag_rules(text)) == rules


def test_rating_alert_needs_ten_published_ratings_below_three_and_a_half():
    assert not wf.rating_alert([1] * 9)
    assert wf.rating_alert([3, 3, 3, 3, 3, 4, 4, 4, 4, 3])  # 3.4
    assert not wf.rating_alert([3, 4] * 5)  # 3.5 exactly is not below
    assert not wf.rating_alert([5] * 10 + [1] * 10)  # only the last ten count
