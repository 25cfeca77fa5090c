"""The Content-Security-Policy header, on every page in every environment.

The pages load scripts only from our own static files: data for scripts comes in
`json_script` blocks (data, not code), and the few inline event handlers the templates keep
are allowed one by one by the hash of their source (`'unsafe-hashes'`), so no other inline
script can run. Styles may be inline (style attributes, the `<style>` of printable reports,
and the libraries' own injected styles). Images may be `data:`/`blob:` URLs (the canvas's PNG
and SVG export). Websockets go to our own host (`'self'` covers ws: and wss: to it).

Downloads (`Content-Disposition: attachment`, e.g. a run's offline report, which carries its
scripts inline) are left alone: a browser saves them instead of rendering them here.
"""

import base64
import hashlib
from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import sync_and_async_middleware

# The source of every inline event handler in templates/ (tests/test_security_headers.py checks
# that this list and the templates agree). Prefer a listener in a static module to a new entry.
INLINE_HANDLERS = (
    "this.form.submit()",  # library/gallery.html: importing a file submits its form
    "window.print()",  # training/_report.html: the Print button
)


def _hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


def content_security_policy() -> str:
    handlers = " ".join(_hash(source) for source in INLINE_HANDLERS)
    directives = {
        "default-src": "'self'",
        "script-src": f"'self' 'unsafe-hashes' {handlers}",
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data: blob:",
        "font-src": "'self' data:",
        "connect-src": "'self'",
        "worker-src": "'self' blob:",
        # A training session shows a participant's copy of a scenario in a frame of our own
        # (X-Frame-Options stays DENY everywhere else).
        "frame-ancestors": "'self'",
        "form-action": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


CONTENT_SECURITY_POLICY = content_security_policy()


def _add_policy(response: HttpResponse) -> HttpResponse:
    disposition = response.get("Content-Disposition", "")
    if "Content-Security-Policy" not in response and not disposition.startswith("attachment"):
        response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


@sync_and_async_middleware
def content_security_policy_middleware(get_response: Callable[..., Any]) -> Callable[..., Any]:
    """Adds the policy to every response that does not set its own (no thread hop under ASGI)."""
    if iscoroutinefunction(get_response):

        async def middleware(request: HttpRequest) -> HttpResponse:
            return _add_policy(await get_response(request))

    else:

        def middleware(request: HttpRequest) -> HttpResponse:  # type: ignore[misc]
            return _add_policy(get_response(request))

    return middleware
