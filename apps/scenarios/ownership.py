"""Who may edit a scenario: whoever presents its edit secret, by header or from their session.

The owner's session remembers the secrets of the scenarios it created, forked or claimed
through an edit link. A session-based claim on an unsafe request must also pass CSRF.
"""

from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware

from apps.scenarios.models import Scenario

SESSION_KEY = "owned_scenarios"
MAX_REMEMBERED = 200
SECRET_HEADER = "X-Edit-Secret"  # noqa: S105 - a header name, not a secret


def owned_slugs(request: HttpRequest) -> list[str]:
    return list(request.session.get(SESSION_KEY, {}))


def remember_owner(request: HttpRequest, scenario: Scenario, secret: str) -> None:
    owned: dict[str, str] = dict(request.session.get(SESSION_KEY, {}))
    owned.pop(scenario.slug, None)
    owned[scenario.slug] = secret
    while len(owned) > MAX_REMEMBERED:
        owned.pop(next(iter(owned)))
    request.session[SESSION_KEY] = owned


def session_secret(request: HttpRequest, scenario: Scenario) -> str:
    value = request.session.get(SESSION_KEY, {}).get(scenario.slug, "")
    return value if isinstance(value, str) else ""


def _csrf_passes(request: HttpRequest) -> bool:
    return CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {}) is None  # type: ignore[arg-type]


def is_owner(request: HttpRequest, scenario: Scenario) -> bool:
    header = request.headers.get(SECRET_HEADER, "")
    if header:
        return scenario.secret_matches(header)
    if not scenario.secret_matches(session_secret(request, scenario)):
        return False
    return _csrf_passes(request)
