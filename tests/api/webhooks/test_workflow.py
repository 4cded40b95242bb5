"""Webhook rules: retry schedule, giving an endpoint up, URLs and addresses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.webhooks import workflow as wf

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def test_the_retry_schedule_is_5s_5min_30min_2h_5h_10h_10h_then_failed():
    waits = []
    for attempt in range(1, 8):
        status, at = wf.after_attempt(attempt, False, now=NOW)
        assert status == wf.DeliveryStatus.RETRYING
        waits.append(at - NOW)
    assert waits == [timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
                     timedelta(hours=5), timedelta(hours=10), timedelta(hours=10)]  # fmt: skip
    assert wf.after_attempt(8, False, now=NOW) == (wf.DeliveryStatus.FAILED, None)
    assert wf.after_attempt(3, True, now=NOW) == (wf.DeliveryStatus.SUCCEEDED, None)


def test_an_endpoint_is_given_up_after_five_days_of_failures():
    assert not wf.should_disable(None, now=NOW)
    assert not wf.should_disable(NOW - timedelta(days=5) + timedelta(seconds=1), now=NOW)
    assert wf.should_disable(NOW - timedelta(days=5), now=NOW)


@pytest.mark.parametrize(
    "url",
    ["http://example.com/hook", "ftp://example.com/", "https://", "https://user:pw@example.com/",
     "https://example.com/#x", "https://example.com:99999/", "javascript:alert(1)"],
)  # fmt: skip
def test_urls_refused_in_production(url):
    with pytest.raises(wf.UnsafeUrl):
        wf.check_url(url, require_https=True)


def test_http_is_accepted_only_when_https_is_not_required():
    assert wf.check_url("http://example.com/h", require_https=False) == ("http", "example.com", 80)
    assert wf.check_url("https://Example.com:8443/h", require_https=True) == ("https", "example.com", 8443)


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "127.3.4.5", "::1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
     "fe80::1", "fd00:ec2::254", "0.0.0.0",  # noqa: S104
     "100.64.0.1", "::ffff:127.0.0.1", "224.0.0.1", "240.0.0.1"],
)  # fmt: skip
def test_private_loopback_link_local_and_metadata_addresses_are_refused(address):
    assert wf.refused_address(address, host="h.example", allowed_names=frozenset(), allowed_networks=())


def test_public_addresses_pass_and_the_allow_list_lets_names_addresses_and_networks_through():
    assert not wf.refused_address("93.184.216.34", host="example.com", allowed_names=frozenset(),
                                  allowed_networks=())  # fmt: skip
    names, networks = wf.parse_allow_list(["receiver.local", "127.0.0.1", "10.8.0.0/16", " "])
    assert names == {"receiver.local"}
    assert not wf.refused_address("192.168.3.3", host="receiver.local", allowed_names=names,
                                  allowed_networks=networks)  # fmt: skip
    assert not wf.refused_address("127.0.0.1", host="x", allowed_names=names, allowed_networks=networks)
    assert not wf.refused_address("10.8.200.1", host="x", allowed_names=names, allowed_networks=networks)
    assert wf.refused_address("10.9.0.1", host="x", allowed_names=names, allowed_networks=networks)


def test_a_subscription_needs_known_event_types():
    known = ["a.b", "c.d"]
    assert wf.event_types_problem([], known)
    assert "x.y" in wf.event_types_problem(["a.b", "x.y"], known)
    assert wf.event_types_problem(["c.d"], known) is None
