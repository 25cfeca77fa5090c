"""Who is asking: the client's address and browser session, for HTTP requests and websockets.

Behind PLAYGROUND_PROXY_HOPS trusted proxies the address is the one the outermost of them saw
(the entry that many from the right of X-Forwarded-For); with none, the socket's peer address.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest


@dataclass(frozen=True)
class Client:
    address: str
    session: str | None  # the browser session's key, when the browser has one


def _forwarded(header: str, peer: str) -> str:
    hops = int(settings.PLAYGROUND_PROXY_HOPS)
    if hops <= 0 or not header:
        return peer
    entries = [entry.strip() for entry in header.split(",") if entry.strip()]
    return entries[-hops] if len(entries) >= hops else (entries[0] if entries else peer)


def request_client(request: HttpRequest) -> Client:
    peer = str(request.META.get("REMOTE_ADDR") or "unknown")
    address = _forwarded(str(request.META.get("HTTP_X_FORWARDED_FOR", "")), peer)
    session = getattr(request, "session", None)
    return Client(address, getattr(session, "session_key", None) or None)


def scope_client(scope: dict[str, Any]) -> Client:
    """The same for a websocket's ASGI scope (after Channels' cookie middleware)."""
    peer = str((scope.get("client") or ["unknown"])[0])
    headers = dict(scope.get("headers") or [])
    address = _forwarded(headers.get(b"x-forwarded-for", b"").decode("latin-1"), peer)
    session = (scope.get("cookies") or {}).get(settings.SESSION_COOKIE_NAME) or None
    return Client(address, session)
