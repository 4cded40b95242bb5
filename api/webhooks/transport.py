"""One HTTP POST to a webhook endpoint, safe against SSRF: the host name is resolved once, every
address checked, and the connection made to a checked address (no second lookup to rebind);
timeouts, no redirects followed, the response body read up to a cap."""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from api.webhooks import workflow as wf
from console.domain import _

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
MAX_RESPONSE_BYTES = 64 * 1024


@dataclass(frozen=True)
class Outcome:
    status: int | None  # the HTTP status, None when no answer came
    duration_ms: int
    error: str | None  # why it failed (None on a 2xx)

    @property
    def succeeded(self) -> bool:
        return self.status is not None and self.status in wf.SUCCESS


@dataclass(frozen=True)
class Policy:
    require_https: bool
    allowed_names: frozenset[str]
    allowed_networks: tuple

    @classmethod
    def from_config(cls, config) -> Policy:
        names, networks = wf.parse_allow_list(config.get("WEBHOOK_ALLOWED_HOSTS", ()))
        return cls(bool(config.get("WEBHOOK_REQUIRE_HTTPS", True)), names, networks)


def resolve_checked(url: str, policy: Policy) -> tuple[str, str, int, str]:
    """(scheme, host, port, address to connect to); raise UnsafeUrl if the URL or any address
    the name resolves to is refused."""
    scheme, host, port = wf.check_url(url, require_https=policy.require_https)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise wf.UnsafeUrl(_("The host name %(host)s does not resolve.", host=host)) from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    for address in addresses:
        if wf.refused_address(
            address, host=host, allowed_names=policy.allowed_names, allowed_networks=policy.allowed_networks
        ):
            raise wf.UnsafeUrl(
                _(
                    "%(host)s resolves to %(address)s, a private, loopback or link-local address: "
                    "refused unless allow-listed (WEBHOOK_ALLOWED_HOSTS).",
                    host=host,
                    address=address,
                )
            )
    return scheme, host, port, addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address, whatever the host name resolves to now."""

    def __init__(self, host: str, port: int, address: str, **kwargs):
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), CONNECT_TIMEOUT)
        self.sock.settimeout(READ_TIMEOUT)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    default_port = 443  # the Host header names the port only when it is not this one

    def connect(self) -> None:
        super().connect()
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str], policy: Policy) -> Outcome:
    """POST `body` to `url`; never raises for network trouble (the outcome says what happened)."""
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        scheme, host, port, address = resolve_checked(url, policy)
    except wf.UnsafeUrl as exc:
        return Outcome(None, elapsed(), str(exc))
    connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(host, port, address, timeout=READ_TIMEOUT)
    target = _path_of(url)
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        response.read(MAX_RESPONSE_BYTES)  # drained up to the cap, never kept
        status = response.status
    except (OSError, http.client.HTTPException, ssl.SSLError) as exc:
        return Outcome(None, elapsed(), f"{type(exc).__name__}: {exc}"[:500])
    finally:
        connection.close()
    if status in wf.SUCCESS:
        return Outcome(status, elapsed(), None)
    if 300 <= status < 400:
        return Outcome(status, elapsed(), _("redirect not followed (HTTP %(status)s)", status=status))
    return Outcome(status, elapsed(), _("HTTP %(status)s", status=status))


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
