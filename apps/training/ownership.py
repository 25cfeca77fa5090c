"""Who is who in a session: the instructor holds the session's secret, a participant its own
token. Each is presented by a header (scripts, benchmarks) or remembered in the browser's
session (pages), in which case an unsafe request must also pass CSRF."""

from typing import Any

from django.http import HttpRequest

from apps.scenarios.ownership import _csrf_passes
from apps.training.models import Participant, Session, hash_token
from apps.training.selectors import session_get

INSTRUCTOR_KEY = "training_instructor"  # code -> the instructor's secret
PARTICIPANT_KEY = "training_participants"  # code -> the participant's token
INSTRUCTOR_HEADER = "X-Instructor-Secret"
PARTICIPANT_HEADER = "X-Participant-Token"
MAX_REMEMBERED = 50


def _remember(store: Any, key: str, code: str, value: str) -> None:
    remembered: dict[str, str] = dict(store.get(key, {}))
    remembered.pop(code, None)
    remembered[code] = value
    while len(remembered) > MAX_REMEMBERED:
        remembered.pop(next(iter(remembered)))
    store[key] = remembered


def remember_instructor(request: HttpRequest, session: Session, secret: str) -> None:
    _remember(request.session, INSTRUCTOR_KEY, session.code, secret)


def remember_participant(request: HttpRequest, session: Session, token: str) -> None:
    _remember(request.session, PARTICIPANT_KEY, session.code, token)


def remembered(store: Any, key: str, code: str) -> str:
    value = (store.get(key) or {}).get(code, "") if store is not None else ""
    return value if isinstance(value, str) else ""


def _from_request(request: HttpRequest, header: str, key: str, code: str) -> tuple[str, bool]:
    """(the credential, whether it came from the browser session)."""
    value = request.headers.get(header, "")
    if value:
        return value, False
    return remembered(request.session, key, code), True


def is_instructor(request: HttpRequest, session: Session) -> bool:
    secret, from_session = _from_request(request, INSTRUCTOR_HEADER, INSTRUCTOR_KEY, session.code)
    if not session.instructor_matches(secret):
        return False
    return not from_session or request.method in ("GET", "HEAD") or _csrf_passes(request)


def participant_by_token(session: Session, token: str) -> Participant | None:
    if not token:
        return None
    return Participant.objects.filter(session=session, token_hash=hash_token(token)).first()


def current_participant(request: HttpRequest, session: Session) -> Participant | None:
    token, from_session = _from_request(request, PARTICIPANT_HEADER, PARTICIPANT_KEY, session.code)
    if from_session and request.method not in ("GET", "HEAD") and not _csrf_passes(request):
        return None
    return participant_by_token(session, token)


def participant_in(request: HttpRequest, code: str) -> Participant | None:
    """Who this request is in the session `code`, if it is one of its participants."""
    session = session_get(code=code)
    return current_participant(request, session) if session is not None else None
