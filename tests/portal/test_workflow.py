"""The portal's rules: purposes, expiry, spent links, the reply address's tag."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from console.domain import DomainError
from portal import workflow as wf
from portal.workflow import LinkRefused, LinkState, PersonKind, Purpose

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
KEY = b"k" * 32


@pytest.mark.parametrize("purpose", list(Purpose))
def test_every_purpose_has_a_person_and_an_expiry_of_7_to_30_days(purpose):
    assert wf.PERSON_OF[purpose] in PersonKind
    assert 7 <= wf.EXPIRY_DAYS[purpose] <= 30
    assert wf.expiry(purpose, NOW) == NOW + timedelta(days=wf.EXPIRY_DAYS[purpose])


def test_a_purpose_is_for_the_right_kind_of_person():
    wf.ensure_person(Purpose.CERTIFICATE, PersonKind.PROVIDER)
    wf.ensure_person(Purpose.SATISFACTION, PersonKind.CLIENT)
    with pytest.raises(LinkRefused):
        wf.ensure_person(Purpose.CERTIFICATE, PersonKind.CLIENT)
    with pytest.raises(LinkRefused):
        wf.ensure_person(Purpose.COMPLAINT_REPLY, PersonKind.PROVIDER)
    with pytest.raises(LinkRefused):
        wf.purpose("everything")


def _state(purpose=Purpose.CERTIFICATE, *, used=None, revoked=None, now=NOW):
    return wf.link_state(
        purpose=purpose, expires_at=NOW + timedelta(days=1), used_at=used, revoked_at=revoked, now=now
    )


def test_link_states():
    assert _state() == LinkState.VALID
    assert _state(now=NOW + timedelta(days=1)) == LinkState.EXPIRED
    assert _state(used=NOW) == LinkState.USED
    assert _state(Purpose.COMPLAINT_REPLY, used=NOW) == LinkState.VALID  # a conversation goes on
    assert _state(revoked=NOW, used=NOW) == LinkState.REVOKED
    assert _state(revoked=NOW, now=NOW + timedelta(days=3)) == LinkState.REVOKED


def test_scores_are_1_to_5():
    assert [wf.score(v) for v in ("1", 5, " 3 ".strip())] == [1, 5, 3]
    for bad in ("0", "6", "", None, "trois", "2.5"):
        with pytest.raises(DomainError):
            wf.score(bad)


def test_the_reply_address_carries_an_hmac_tag_that_cannot_be_guessed():
    address = wf.reply_address("support@ekoklean.fr", KEY, "CMP-0001234")
    assert address.startswith("support+CMP-0001234.") and address.endswith("@ekoklean.fr")
    assert wf.read_reply_address(["someone@x.fr", address], KEY) == wf.ReplyTarget("CMP-0001234", True)
    assert wf.read_reply_address([address.upper()], KEY).valid  # mail systems may change case
    forged = address.replace("CMP-0001234", "CMP-0001235")
    assert wf.read_reply_address([forged], KEY) == wf.ReplyTarget("CMP-0001235", False)
    assert wf.read_reply_address([address], b"other" * 8).valid is False
    assert wf.read_reply_address(["support@ekoklean.fr"], KEY) == wf.ReplyTarget(None, False)
    assert wf.token_digest("abc") != wf.token_digest("abd") and len(wf.token_digest("abc")) == 64


def test_who_may_send_a_link_of_each_purpose():
    from console.domain import Role

    assert set(wf.SENDERS) == set(Purpose)
    wf.ensure_sender(Purpose.CERTIFICATE, {Role.VETTING_OFFICER})
    with pytest.raises(LinkRefused):
        wf.ensure_sender(Purpose.COMPLAINT_REPLY, {Role.VETTING_OFFICER})
    with pytest.raises(LinkRefused):
        wf.ensure_sender(Purpose.CERTIFICATE, {Role.SUPPORT_AGENT})
