"""JSON API for training sessions (docs/api.md). Errors are {"errors": [{"path", "message"}]}."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from apps.challenges.format import ChallengeError
from apps.engine.api import START_FIELDS, _optional_json, _started, refused_response, runs_listed
from apps.engine.services import RunRefused
from apps.scenarios.ownership import is_owner, remember_owner
from apps.scenarios.selectors import scenario_get
from apps.topology.http import api_methods, error, error_response, json_ok, read_json
from apps.topology.validation import Problem, TopologyError
from apps.training import services
from apps.training.models import Participant, Session
from apps.training.ownership import current_participant, is_instructor, remember_instructor, remember_participant
from apps.training.selectors import challenge_board, class_board, session_get
from apps.training.services import SessionRefused
from apps.training.state import question_public, question_revealed, session_state

View = Callable[..., JsonResponse]


def created_payload(request: HttpRequest, session: Session, secret: str) -> dict[str, Any]:
    return {
        "code": session.code,
        "join_url": request.build_absolute_uri(reverse("session-page", args=[session.code])),
        "instructor_url": request.build_absolute_uri(reverse("session-claim", args=[session.code, secret])),
        "instructor_secret": secret,
    }


def _guarded(view: View) -> View:
    """Map the services' refusals to their JSON answers."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        try:
            return view(request, *args, **kwargs)
        except TopologyError as exc:
            return error_response(exc.problems)
        except SessionRefused as exc:
            return error(exc.message, status=exc.status)
        except RunRefused as exc:
            return refused_response(exc)

    return wrapper


def _session_or_404(code: str) -> Session | JsonResponse:
    session = session_get(code=code)
    return session if session is not None else error(f"no session {code!r}", status=404)


def _instructor_only(what: str) -> JsonResponse:
    return error(
        f"{what} needs the instructor's secret (X-Instructor-Secret header, or the instructor's page)", status=403
    )


def session_api(what: str, *methods: str, role: str = "instructor") -> Callable[[View], View]:
    """A session endpoint for its instructor (the view gets the session) or for one of its
    participants (the view gets the session and the participant)."""

    def decorator(view: View) -> View:
        @csrf_exempt  # the header, or the browser session + CSRF (apps/training/ownership.py)
        @api_methods(*methods)
        @_guarded
        @wraps(view)
        def wrapper(request: HttpRequest, code: str, *args: Any, **kwargs: Any) -> JsonResponse:
            session = _session_or_404(code)
            if isinstance(session, JsonResponse):
                return session
            if role == "instructor":
                if not is_instructor(request, session):
                    return _instructor_only(what)
                return view(request, session, *args, **kwargs)
            participant = current_participant(request, session)
            if participant is None:
                return error(f"{what} needs a participant of the session: join it first", status=403)
            return view(request, session, participant, *args, **kwargs)

        return wrapper

    return decorator


def _object(body: Any, shape: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise TopologyError([Problem("$", f"must be a JSON object: {shape}")])
    return body


def _body(request: HttpRequest, shape: str) -> dict[str, Any]:
    body, failure = read_json(request)
    if failure is not None:
        raise _Answer(failure)
    return _object(body, shape)


class _Answer(Exception):
    def __init__(self, response: JsonResponse) -> None:
        self.response = response


def answers_early(view: View) -> View:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> JsonResponse:
        try:
            return view(*args, **kwargs)
        except _Answer as exc:
            return exc.response

    return wrapper


# -- creating, reading and joining ---------------------------------------------------------


@csrf_exempt  # the scenario owner's header, or session + CSRF (apps/scenarios/ownership.py)
@api_methods("POST")
@_guarded
def scenario_sessions(request: HttpRequest, slug: str) -> JsonResponse:
    scenario = scenario_get(slug=slug)
    if scenario is None:
        return error(f"no scenario {slug!r}", status=404)
    if not is_owner(request, scenario):
        return error("starting a session needs the scenario owner's edit secret (X-Edit-Secret header)", status=403)
    session, secret = services.session_start(scenario=scenario)
    remember_instructor(request, session, secret)
    return json_ok(created_payload(request, session, secret), status=201)


@api_methods("GET")
def session_detail(request: HttpRequest, code: str) -> JsonResponse:
    session = _session_or_404(code)
    if isinstance(session, JsonResponse):
        return session
    return json_ok(session_state(session))


@csrf_exempt  # anyone may join; nothing is edited on anyone's behalf
@api_methods("POST")
@_guarded
@answers_early
def session_participants(request: HttpRequest, code: str) -> JsonResponse:
    session = _session_or_404(code)
    if isinstance(session, JsonResponse):
        return session
    body = _body(request, '{"name": "your display name"}')
    participant, token = services.participant_join(session=session, name=body.get("name"))
    remember_participant(request, session, token)
    return json_ok({"participant_id": participant.id, "name": participant.name, "token": token}, status=201)


# -- the instructor's controls ------------------------------------------------------------


@session_api("starting a run", "GET", "POST")
@answers_early
def session_runs(request: HttpRequest, session: Session) -> JsonResponse:
    """GET: the scenario's latest runs (what the live view looks for on load); POST: start one."""
    if request.method == "GET":
        return runs_listed(session.scenario)
    body, failure = _optional_json(request)
    if failure is not None:
        return failure
    body = _object(body, "{seed?, speed?, duration_s?}")
    unknown = sorted(set(body) - set(START_FIELDS))
    if unknown:
        return error(f"unknown field {unknown[0]!r}; a run takes {', '.join(START_FIELDS)}", status=400)
    run = services.session_run_start(
        session=session, seed=body.get("seed"), speed=body.get("speed"), duration=body.get("duration_s")
    )
    return json_ok(_started(run), status=201)


@session_api("firing a fault", "POST")
@answers_early
def session_run_faults(request: HttpRequest, session: Session, run_id: str) -> JsonResponse:
    run = services.session_run(session, run_id)
    body, failure = read_json(request)
    if failure is not None:
        return failure
    fault = services.session_fault(session=session, run=run, fault=body)
    return json_ok({"run_id": run.id, "fault": fault}, status=202)


@session_api("stopping a run", "POST")
def session_run_stop(request: HttpRequest, session: Session, run_id: str) -> JsonResponse:
    run = services.session_run_stop(session=session, run=services.session_run(session, run_id))
    return json_ok({"run_id": run.id, "status": run.status}, status=202)


PLAYBOOK_ACTIONS = ("load", "play", "pause", "fire", "skip", "rewind")


@session_api("playing a playbook", "POST")
@answers_early
def session_playbook(request: HttpRequest, session: Session) -> JsonResponse:
    body = _body(request, '{"action": "load" | "play" | "pause" | "fire" | "skip" | "rewind", ...}')
    action = body.get("action")
    if action == "load":
        services.playbook_load(session=session, name=body.get("name"))
    elif action in ("play", "pause"):
        services.playbook_play(session=session, playing=action == "play")
    elif action == "fire":
        services.playbook_fire(session=session, index=body.get("index"))
    elif action == "skip":
        services.playbook_skip(session=session, index=body.get("index"))
    elif action == "rewind":
        services.playbook_rewind(session=session)
    else:
        return error(
            f"action must be one of {', '.join(PLAYBOOK_ACTIONS)} (got {action!r})", status=400, path="$.action"
        )
    fresh = session_get(code=session.code)
    assert fresh is not None
    return json_ok({"state": session_state(fresh)})


@session_api("asking a question", "POST")
@answers_early
def session_questions(request: HttpRequest, session: Session) -> JsonResponse:
    question = services.question_ask(session=session, spec=_body(request, "{prompt, kind, figure, choices?, unit?}"))
    return json_ok({"question": question_public(question, session.scenario.document, answered=0)}, status=201)


@session_api("revealing an answer", "POST")
def session_question_reveal(request: HttpRequest, session: Session, question_id: int) -> JsonResponse:
    question = session.questions.filter(pk=question_id).first()
    if question is None:
        return error(f"no question {question_id} in this session", status=404)
    question = services.question_reveal(session=session, question=question)
    return json_ok({"question": question_revealed(question, session.scenario.document)})


@session_api("putting a participant on screen", "POST")
@answers_early
def session_spotlight(request: HttpRequest, session: Session) -> JsonResponse:
    body = _body(request, '{"participant_id": id | null}')
    services.spotlight_set(session=session, participant_id=body.get("participant_id"))
    fresh = session_get(code=session.code)
    assert fresh is not None
    return json_ok({"state": session_state(fresh)})


@session_api("the class board", "GET")
def session_board(request: HttpRequest, session: Session) -> JsonResponse:
    return json_ok({"participants": class_board(session=session)})


@session_api("setting the class's challenge", "POST")
@answers_early
def session_challenge(request: HttpRequest, session: Session) -> JsonResponse:
    body = _body(request, '{"slug": a challenge\'s slug, or null to clear it}')
    if "slug" not in body:
        return error("slug is missing: a challenge's slug, or null to clear it", status=400, path="$.slug")
    services.challenge_set(session=session, slug=body["slug"])
    fresh = session_get(code=session.code)
    assert fresh is not None
    return json_ok({"state": session_state(fresh)})


@session_api("the challenge board", "GET")
def session_challenge_board(request: HttpRequest, session: Session) -> JsonResponse:
    return json_ok({"challenge": session.challenge or None, "rows": challenge_board(session=session)})


@session_api("ending the session", "POST")
def session_end(request: HttpRequest, session: Session) -> JsonResponse:
    services.session_end(session=session)
    return json_ok({"code": session.code, "status": session.status})


# -- the participants' actions -------------------------------------------------------------


@session_api("answering", "POST", role="participant")
@answers_early
def question_answers(
    request: HttpRequest, session: Session, participant: Participant, question_id: int
) -> JsonResponse:
    question = session.questions.filter(pk=question_id).first()
    if question is None:
        return error(f"no question {question_id} in this session", status=404)
    body = _body(request, '{"value": a number, or a node id for a choice}')
    if "value" not in body:
        return error("value is missing: a number, or a node id for a choice", status=400, path="$.value")
    answer = services.answer_submit(question=question, participant=participant, value=body["value"])
    return json_ok({"question_id": question.id, "value": answer.value}, status=201)


@session_api("trying it yourself", "POST", role="participant")
def session_fork(request: HttpRequest, session: Session, participant: Participant) -> JsonResponse:
    fork, secret = services.participant_fork(participant=participant)
    if secret is not None:
        remember_owner(request, fork, secret)
    return json_ok(
        {
            "slug": fork.slug,
            "view_url": request.build_absolute_uri(reverse("scenario-view", args=[fork.slug])),
            "edit_url": request.build_absolute_uri(
                reverse("scenario-claim", args=[fork.slug, secret])
                if secret
                else reverse("scenario-edit", args=[fork.slug])
            ),
            "edit_secret": secret,
        },
        status=201,
    )


@session_api("submitting a design for the class's challenge", "POST", role="participant")
def session_challenge_attempts(request: HttpRequest, session: Session, participant: Participant) -> JsonResponse:
    """The body is the topology, or {topology, challenge?}: the slug the page was opened for."""
    body, failure = read_json(request)
    if failure is not None:
        return failure
    document, slug = body, None
    if isinstance(body, dict) and "topology" in body and "format" not in body:
        document, slug = body["topology"], body.get("challenge")
    try:
        attempt = services.session_attempt_start(session=session, participant=participant, document=document, slug=slug)
    except ChallengeError as exc:
        return error_response(exc.problems)
    url = reverse("attempt-page", args=[attempt.id])
    return json_ok({"attempt_id": attempt.id, "status": attempt.status, "name": attempt.name, "url": url}, status=201)
