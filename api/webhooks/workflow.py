"""Webhook rules: delivery states, the retry schedule, when an endpoint is given up, which URLs
and addresses may be called. Pure Python: time is passed in."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from console.domain import DomainError, _

# Waits after the 1st, 2nd... failed attempt (DESIGN §9); after the last one the delivery fails.
RETRY_SCHEDULE = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
DISABLE_AFTER = timedelta(days=5)  # an endpoint failing this long is disabled, managers told
SUCCESS = range(200, 300)


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    RETRYING = "retrying"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {
            DeliveryStatus.PENDING: _("pending"),
            DeliveryStatus.RETRYING: _("retrying"),
            DeliveryStatus.SUCCEEDED: _("succeeded"),
            DeliveryStatus.FAILED: _("failed"),
        }[self]


UNFINISHED = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


def after_attempt(attempts: int, succeeded: bool, *, now: datetime) -> tuple[DeliveryStatus, datetime | None]:
    """The status and next attempt time after attempt number `attempts` (1 for the first)."""
    if succeeded:
        return DeliveryStatus.SUCCEEDED, None
    if attempts > len(RETRY_SCHEDULE):
        return DeliveryStatus.FAILED, None
    return DeliveryStatus.RETRYING, now + RETRY_SCHEDULE[attempts - 1]


def should_disable(failing_since: datetime | None, *, now: datetime) -> bool:
    """An endpoint failing without a success for DISABLE_AFTER is disabled."""
    return failing_since is not None and now - failing_since >= DISABLE_AFTER


# --- URLs and addresses (SSRF) --------------------------------------------------------------


class UnsafeUrl(DomainError):
    """The URL may not be called (scheme, host, or an address the console refuses)."""


def check_url(url: str, *, require_https: bool) -> tuple[str, str, int]:
    """(scheme, host, port) of an acceptable endpoint URL; raise UnsafeUrl otherwise."""
    url = (url or "").strip()
    if len(url) > 2000:
        raise UnsafeUrl(_("The URL is too long (at most 2000 characters)."))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl(_("This is not a valid URL.")) from exc
    allowed = ("https",) if require_https else ("https", "http")
    if parts.scheme not in allowed:
        raise UnsafeUrl(_("The URL must start with https://.") if require_https else _("Use an http(s) URL."))
    if not parts.hostname:
        raise UnsafeUrl(_("The URL has no host name."))
    if parts.username or parts.password:
        raise UnsafeUrl(_("The URL may not carry a user name or password."))
    if parts.fragment:
        raise UnsafeUrl(_("The URL may not carry a fragment (#...)."))
    return parts.scheme, parts.hostname.lower(), port or (443 if parts.scheme == "https" else 80)


def parse_allow_list(entries: Iterable[str]) -> tuple[frozenset[str], tuple]:
    """Split WEBHOOK_ALLOWED_HOSTS entries into host names and networks (CIDRs or addresses)."""
    names, networks = set(), []
    for entry in entries:
        entry = entry.strip().lower()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            names.add(entry.rstrip("."))
    return frozenset(names), tuple(networks)


def refused_address(address: str, *, host: str, allowed_names: frozenset[str], allowed_networks) -> bool:
    """Whether the console refuses to connect to `address` (resolved from `host`): loopback,
    private, link-local (cloud metadata at 169.254.169.254 included), multicast, reserved and
    unspecified addresses, unless the host name or the address is allow-listed."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if host.rstrip(".") in allowed_names or any(ip in net for net in allowed_networks):
        return False
    return not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local


def event_types_problem(types: Iterable[str], known: Iterable[str]) -> str | None:
    """Why a subscription list is not acceptable (None when it is)."""
    types, known = list(types), set(known)
    if not types:
        return _("Choose at least one event type.")
    unknown = sorted(set(types) - known)
    if unknown:
        return _("Unknown event types: %(types)s.", types=", ".join(unknown))
    return None
