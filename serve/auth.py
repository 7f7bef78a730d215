"""Who may call the API: a bearer token when one is set, same-site browsers only for writes, and (without a
token, on a loopback address) only requests addressed to this machine by name.

- Token: every `/api/` request needs `Authorization: Bearer TOKEN`, else 401 (compared in constant time).
- Origin: a browser sends `Origin` (and `Sec-Fetch-Site`) with a POST or DELETE; one from another site is refused
  (403), so a web page the user visits cannot upload to or delete from the library. Tools that send no Origin
  (curl, scripts) are not affected.
- Host: without a token the loopback server trusts whoever can reach it, so a page on another site must not reach
  it through DNS rebinding (a name of its own pointed at 127.0.0.1); the Host header must name a loopback address
  (403 otherwise).
"""
from __future__ import annotations

import hmac
import ipaddress
import json
from typing import Any, Awaitable, Callable, Iterable
from urllib.parse import urlsplit

Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Callable, Callable], Awaitable[None]]

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def is_loopback(host: str) -> bool:
    """Whether `host` (a name or address) is this machine only."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_name(value: str) -> str:
    """The name part of a Host header ("127.0.0.1:8000" -> "127.0.0.1", "[::1]:80" -> "::1")."""
    return (urlsplit(f"//{value}").hostname or "").lower()


class AccessGuard:
    """ASGI middleware applying the three checks above to `app`."""

    def __init__(self, app: ASGIApp, token: str | None, check_host: bool,
                 allowed_hosts: Iterable[str] = LOOPBACK_NAMES) -> None:
        self.app = app
        self.token = token
        self.check_host = check_host
        self.allowed_hosts = {h.lower() for h in allowed_hosts}

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        refusal = self._refusal(scope, headers)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        status, detail = refusal
        body = json.dumps({"detail": detail}).encode()
        extra = [(b"www-authenticate", b"Bearer")] if status == 401 else []
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                *extra]})
        await send({"type": "http.response.body", "body": body})

    def _refusal(self, scope: Scope, headers: dict[str, str]) -> tuple[int, str] | None:
        host = headers.get("host", "")
        if self.check_host:
            name = _host_name(host)
            if name not in self.allowed_hosts and not is_loopback(name):
                return 403, (f"Host {host!r} is not this machine's: the server answers only requests to "
                             "127.0.0.1 or localhost (start it with --token to serve other names)")
        if scope["method"] in _WRITES and self._cross_site(headers, host):
            return 403, "cross-site request refused: uploads and deletions come only from this server's own pages"
        if self.token and scope["path"].startswith("/api/"):
            given = headers.get("authorization", "")
            scheme, _, value = given.partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), self.token.encode()):
                return 401, "missing or wrong token: send the header Authorization: Bearer TOKEN"
        return None

    @staticmethod
    def _cross_site(headers: dict[str, str], host: str) -> bool:
        if headers.get("sec-fetch-site", "") == "cross-site":
            return True
        origin = headers.get("origin")
        if origin is None:
            return False
        if origin == "null":  # sandboxed frames and file:// pages
            return True
        return urlsplit(origin).netloc.lower() != host.lower()
