"""The challenges' JSON API (docs/api.md, "Challenges")."""

from typing import Any

from django.http import HttpRequest, JsonResponse

from apps.challenges.format import ChallengeError, catalogue, challenge_get
from apps.challenges.models import Attempt
from apps.challenges.selectors import leaderboard
from apps.challenges.services import attempt_start, attempt_state
from apps.engine.api import refused_response
from apps.engine.services import RunRefused
from apps.topology.http import api_methods, error, error_response, json_ok, read_json


@api_methods("GET")
def challenge_list(request: HttpRequest) -> JsonResponse:
    return json_ok({"challenges": [challenge.listing() for challenge in catalogue().values()]})


@api_methods("GET")
def challenge_detail(request: HttpRequest, slug: str) -> JsonResponse:
    challenge = challenge_get(slug)
    if challenge is None:
        return error(f"no challenge {slug!r}", status=404)
    return json_ok(
        {
            **challenge.listing(),
            "start": challenge.start,
            "locked": list(challenge.locked),
            "prices": challenge.prices,
            "hints": len(challenge.hints),  # shown after a failed attempt
        }
    )


def _submission(body: Any) -> tuple[Any, str]:
    """(the topology, the participant's name): the body is the topology, or {topology, name}."""
    if isinstance(body, dict) and "topology" in body and "format" not in body:
        name = body.get("name")
        return body["topology"], name if isinstance(name, str) else ""
    return body, ""


@api_methods("POST")
def attempt_create(request: HttpRequest, slug: str) -> JsonResponse:
    challenge = challenge_get(slug)
    if challenge is None:
        return error(f"no challenge {slug!r}", status=404)
    body, problem = read_json(request)
    if problem is not None:
        return problem
    document, name = _submission(body)
    try:
        attempt = attempt_start(challenge=challenge, document=document, name=name)
    except ChallengeError as exc:
        return error_response(exc.problems)
    except RunRefused as exc:
        return refused_response(exc)
    return json_ok({"attempt_id": attempt.id, "status": attempt.status, "url": attempt_state(attempt)["url"]}, 201)


@api_methods("GET")
def attempt_detail(request: HttpRequest, attempt_id: str) -> JsonResponse:
    attempt = Attempt.objects.filter(pk=attempt_id).first()
    if attempt is None:
        return error(f"no attempt {attempt_id!r}", status=404)
    return json_ok(attempt_state(attempt))


@api_methods("GET")
def challenge_leaderboard(request: HttpRequest, slug: str) -> JsonResponse:
    if challenge_get(slug) is None:
        return error(f"no challenge {slug!r}", status=404)
    return json_ok({"challenge": slug, "leaderboard": leaderboard(slug=slug)})
