"""What happens in a session: start, join, runs, playbooks, questions, forks, spotlight, and
the challenge set for the class.

Every change is recorded on the session's timeline (SessionEvent) and, once committed, the
session's new public state (state.py) goes to every member through the session's group
(fanout.py). Faults go to the run through the engine's own service, validated as live faults.
"""

import copy
import json
import logging
import math
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.challenges.format import Challenge, catalogue, challenge_get
from apps.challenges.models import Attempt
from apps.challenges.services import attempt_start
from apps.engine.models import Run
from apps.engine.selectors import run_snapshot
from apps.engine.services import fault_fire, run_start, run_stop
from apps.scenarios.models import Scenario
from apps.scenarios.services import scenario_create, scenario_fork
from apps.topology.faults import FAULT_TYPES
from apps.topology.validation import Problem, TopologyError, validate_document
from apps.training.fanout import RELAY_TYPE, session_group
from apps.training.measure import pick_choice, read_figure, score_number
from apps.training.models import Answer, Participant, Question, Session, SessionEvent, hash_token, new_token
from apps.training.state import playbook_of, run_time

log = logging.getLogger(__name__)

MAX_PARTICIPANTS = 500
MAX_QUESTIONS = 200
MAX_ANSWER = 1e12


class SessionRefused(Exception):
    """An action the session's state does not allow now (the API answers `status`)."""

    def __init__(self, message: str, *, status: int = 409) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


# -- telling everyone ----------------------------------------------------------------------


def relay(code: str, kind: str, payload: dict[str, Any] | None) -> None:
    """Send one message to every member of the session (best effort, like the scenario's)."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        text = json.dumps(payload) if payload else None
        async_to_sync(layer.group_send)(session_group(code), {"type": RELAY_TYPE, "kind": kind, "text": text})
    except Exception:
        log.warning("could not tell session %s's members", code, exc_info=True)


def notify(session: Session) -> None:
    """After the transaction commits: tell the session's members its state changed (each web
    process then reads it once for all its members, apps/training/fanout.py)."""
    code = session.code
    transaction.on_commit(lambda: relay(code, "dirty", None))


def record(session: Session, kind: str, *, t: float | None = None, **data: Any) -> None:
    SessionEvent.objects.create(session=session, kind=kind, t=t, data=data)


def _live(session: Session) -> None:
    if not session.live:
        raise SessionRefused("the session has ended")


# -- the session and its members -----------------------------------------------------------


def session_start(*, scenario: Scenario, solo: bool = False) -> tuple[Session, str]:
    secret = new_token()
    for _ in range(5):  # a new code is unique all but always; retry the rare clash
        with transaction.atomic():
            session = Session(scenario=scenario, instructor_secret_hash=hash_token(secret), solo=solo)
            if not Session.objects.filter(code=session.code).exists():
                session.save()
                record(session, "started", scenario=scenario.slug, name=scenario.name)
                return session, secret
    raise SessionRefused("could not find a free session code; try again", status=503)


def session_end(*, session: Session) -> Session:
    _live(session)
    session.status = Session.Status.ENDED
    session.ended_at = timezone.now()
    session.save(update_fields=["status", "ended_at"])
    record(session, "ended")
    notify(session)
    return session


def participant_join(*, session: Session, name: Any) -> tuple[Participant, str]:
    _live(session)
    if not isinstance(name, str) or not name.strip():
        raise TopologyError([Problem("$.name", "a display name is needed (1–40 characters)")])
    name = " ".join(name.split())
    if len(name) > 40:
        raise TopologyError([Problem("$.name", f"must be at most 40 characters (got {len(name)})")])
    if session.participants.count() >= MAX_PARTICIPANTS:
        raise SessionRefused(f"the session is full ({MAX_PARTICIPANTS} participants)")
    token = new_token()
    participant = Participant.objects.create(session=session, name=name, token_hash=hash_token(token))
    record(session, "joined", participant=participant.id, name=name)
    notify(session)
    return participant, token


def presence_changed(*, session_id: int, participant_id: int | None, delta: int) -> None:
    """A member's websocket connected (+1) or closed (-1)."""
    session = Session.objects.select_related("scenario").filter(pk=session_id).first()
    if session is None:
        return
    if participant_id is None:
        Session.objects.filter(pk=session_id).update(instructor_connections=F("instructor_connections") + delta)
    else:
        Participant.objects.filter(pk=participant_id).update(connections=F("connections") + delta)
    notify(session)


# -- runs ----------------------------------------------------------------------------------


def session_run_start(*, session: Session, seed: Any = None, speed: Any = None, duration: Any = None) -> Run:
    """Start a run of the session's scenario; it becomes the session's run, and a loaded
    playbook starts again from its first step with it."""
    _live(session)
    run = run_start(scenario=session.scenario, seed=seed, speed=speed, duration=duration)
    session.run = run
    session.run_settings = {"seed": seed, "speed": speed, "duration": duration}
    fields = ["run", "run_settings"]
    if session.playbook:
        session.playbook = {**session.playbook, "index": 0, "fired": [], "active": [], "run_id": run.id}
        fields.append("playbook")
    session.save(update_fields=fields)
    record(session, "run_started", run_id=run.id, speed=speed, duration_s=run.duration_s)
    notify(session)
    return run


def session_run(session: Session, run_id: str) -> Run:
    if session.run_id != run_id:
        raise SessionRefused("that run is not this session's run", status=404)
    assert session.run is not None
    session.run.refresh_from_db()
    return session.run


def session_run_stop(*, session: Session, run: Run) -> Run:
    run = run_stop(run=run)
    record(session, "run_stopped", t=run_time(session), run_id=run.id)
    notify(session)
    return run


def session_fault(*, session: Session, run: Run, fault: Any) -> dict[str, Any]:
    fired = fault_fire(run=run, fault=fault)
    record(session, "fault", t=run_time(session), fault=fired)
    notify(session)
    return fired


# -- playbooks -----------------------------------------------------------------------------


def _progress(session: Session) -> dict[str, Any]:
    if not session.playbook:
        raise SessionRefused("no playbook is loaded; load one first")
    return dict(session.playbook)


def _steps(session: Session, progress: dict[str, Any]) -> list[dict[str, Any]]:
    playbook = playbook_of(session, progress["name"])
    if playbook is None:
        raise SessionRefused(f"the scenario no longer has a playbook {progress['name']!r}")
    return list(playbook.get("steps", []))


def _going(session: Session) -> Run:
    run = session.run
    if run is not None:
        run.refresh_from_db()
    if run is None or run.status not in (Run.Status.QUEUED, Run.Status.RUNNING):
        raise SessionRefused("start a run first: this step fires faults into the session's run")
    return run


def undo_fault(document: dict[str, Any], fault: dict[str, Any]) -> dict[str, Any] | None:
    """The live fault that ends `fault` (None when nothing needs undoing)."""
    base = {k: v for k, v in fault.items() if k not in ("at_s", "duration_s")}
    ending = FAULT_TYPES[fault["action"]].ending(base)
    if ending is None:
        return None
    action, values = ending
    node: dict[str, Any] = next((n for n in document.get("nodes", []) if n.get("id") == fault["target"]), {})
    for name, value in values.items():
        if value is None:  # back to the node's own value (a live fault carries a number)
            values[name] = float((node.get("props") or {}).get(name, 0))
    return {**values, "action": action}


def playbook_load(*, session: Session, name: Any) -> Session:
    _live(session)
    if not isinstance(name, str) or playbook_of(session, name) is None:
        names = [p.get("name") for p in session.scenario.document.get("playbooks") or []]
        known = ", ".join(repr(n) for n in names) or "none"
        raise TopologyError([Problem("$.name", f"the scenario has no playbook {name!r} (it has: {known})")])
    going = session.run is not None and session.run.status in (Run.Status.QUEUED, Run.Status.RUNNING)
    session.playbook = {
        "name": name,
        "index": 0,
        "playing": False,
        "run_id": session.run_id if going else None,
        "fired": [],
        "active": [],
    }
    session.save(update_fields=["playbook"])
    record(session, "playbook_loaded", name=name)
    notify(session)
    return session


def playbook_play(*, session: Session, playing: bool) -> Session:
    _live(session)
    progress = _progress(session)
    progress["playing"] = playing
    session.playbook = progress
    session.save(update_fields=["playbook"])
    record(session, "playbook_played" if playing else "playbook_paused", t=run_time(session), name=progress["name"])
    notify(session)
    return session


def _expect(progress: dict[str, Any], steps: list[dict[str, Any]], index: Any) -> dict[str, Any]:
    if not isinstance(index, int) or isinstance(index, bool):
        raise TopologyError([Problem("$.index", "must be the step's number (an integer)")])
    if progress["index"] >= len(steps):
        raise SessionRefused("the playbook has no steps left; rewind to play it again")
    if index != progress["index"]:
        raise SessionRefused(f"step {index} is not the next step (the next is step {progress['index']})")
    return steps[index]


def playbook_fire(*, session: Session, index: Any) -> Session:
    """Carry out the next step: its faults, its restore, its question, its reveal."""
    _live(session)
    with transaction.atomic():
        session = Session.objects.select_for_update().get(
            pk=session.pk
        )  # its relations load lazily: no outer join to lock
        progress = _progress(session)
        step = _expect(progress, _steps(session, progress), index)
        t = run_time(session)
        document = session.scenario.document
        active = list(progress.get("active", []))
        if step.get("faults") or step.get("restore"):
            run = _going(session)
            if step.get("restore"):
                for fault in active:
                    undo = undo_fault(document, fault)
                    if undo is not None:
                        fault_fire(run=run, fault=undo)
                active = []
            for fault in step.get("faults", []):
                fired = fault_fire(run=run, fault=copy.deepcopy(fault))
                if "duration_s" not in fault:
                    active.append(fired)
        if step.get("question"):
            question_ask(session=session, spec=step["question"])
        if step.get("reveal"):
            open_question = _open_question(session)
            if open_question is not None:
                try:
                    question_reveal(session=session, question=open_question)
                except SessionRefused as exc:  # not measured yet: the step goes on, the question stays open
                    record(session, "reveal_deferred", t=t, question=open_question.id, reason=exc.message)
        progress["index"] = index + 1
        progress["active"] = active
        progress["fired"] = [*progress.get("fired", []), {"index": index, "title": step["title"], "t": t}]
        session.playbook = progress
        session.save(update_fields=["playbook"])
        record(session, "step", t=t, index=index, title=step["title"], playbook=progress["name"])
        notify(session)
    return session


def playbook_skip(*, session: Session, index: Any) -> Session:
    _live(session)
    progress = _progress(session)
    step = _expect(progress, _steps(session, progress), index)
    t = run_time(session)
    progress["index"] = index + 1
    progress["fired"] = [*progress.get("fired", []), {"index": index, "title": step["title"], "t": t, "skipped": True}]
    session.playbook = progress
    session.save(update_fields=["playbook"])
    record(session, "step_skipped", t=t, index=index, title=step["title"], playbook=progress["name"])
    notify(session)
    return session


def playbook_rewind(*, session: Session) -> Session:
    """Stop the run (if it goes) and start it again, with the playbook from its first step."""
    _live(session)
    progress = _progress(session)
    run = session.run
    if run is not None:
        run.refresh_from_db()
        if not run.ended:
            run_stop(run=run)
    settings_ = session.run_settings or {}
    session.playbook = {**progress, "playing": True}
    session.save(update_fields=["playbook"])
    session_run_start(
        session=session, seed=settings_.get("seed"), speed=settings_.get("speed"), duration=settings_.get("duration")
    )
    record(session, "playbook_rewound", name=progress["name"])
    return session


# -- questions -----------------------------------------------------------------------------


def _question_problems(document: dict[str, Any], spec: dict[str, Any]) -> list[Problem]:
    """Validate a question as a playbook step's, against the scenario's nodes."""
    trial = copy.deepcopy(document)
    trial["playbooks"] = [{"name": "question", "steps": [{"title": "question", "wait": True, "question": spec}]}]
    prefix = "$.playbooks[0].steps[0].question"
    problems = []
    for problem in validate_document(trial).errors:
        if problem.path.startswith(prefix):
            problems.append(Problem("$" + problem.path[len(prefix) :], problem.message, target=problem.target))
        elif problem.path.startswith("$.playbooks"):
            problems.append(Problem("$", problem.message, target=problem.target))
    return problems


def _open_question(session: Session) -> Question | None:
    return session.questions.filter(revealed_at__isnull=True, closed=False).order_by("-asked_at", "-id").first()


def question_ask(*, session: Session, spec: Any) -> Question:
    _live(session)
    if not isinstance(spec, dict):
        raise TopologyError([Problem("$", "must be a JSON object: {prompt, kind, figure, choices?, unit?}")])
    problems = _question_problems(session.scenario.document, spec)
    if problems:
        raise TopologyError(problems)
    if session.questions.count() >= MAX_QUESTIONS:
        raise SessionRefused(f"a session takes at most {MAX_QUESTIONS} questions")
    session.questions.filter(revealed_at__isnull=True, closed=False).update(closed=True)
    question = Question.objects.create(
        session=session,
        prompt=spec["prompt"],
        kind=spec["kind"],
        unit=spec.get("unit", ""),
        figure=spec["figure"],
        choices=list(spec.get("choices", [])),
        run=session.run,
        asked_t=run_time(session),
    )
    record(session, "question", t=question.asked_t, question=question.id, prompt=question.prompt)
    notify(session)
    return question


def answer_submit(*, question: Question, participant: Participant, value: Any) -> Answer:
    if question.revealed_at is not None or question.closed:
        raise SessionRefused("this question is closed: its answer has been revealed")
    if question.kind == Question.Kind.CHOICE:
        if value not in question.choices:
            raise TopologyError([Problem("$.value", f"must be one of {', '.join(question.choices)}")])
    elif (
        not isinstance(value, int | float)
        or isinstance(value, bool)
        or not math.isfinite(value)
        or abs(value) > MAX_ANSWER
    ):
        raise TopologyError([Problem("$.value", f"must be a number between -{MAX_ANSWER:g} and {MAX_ANSWER:g}")])
    answer, _ = Answer.objects.update_or_create(question=question, participant=participant, defaults={"value": value})
    notify(question.session)
    return answer


def question_reveal(*, session: Session, question: Question) -> Question:
    """Read the figure from the run's current frame, score every answer, show it all."""
    if question.revealed_at is not None:
        raise SessionRefused("this question has already been revealed")
    run_id = session.run_id or question.run_id
    frame = run_snapshot(run_id=run_id) if run_id else None
    if not frame:
        raise SessionRefused("no run has measured anything yet: start a run, then reveal")
    figure = question.figure
    if question.kind == Question.Kind.CHOICE:
        correct, values = pick_choice(frame, figure, question.choices)
        if not correct:
            raise SessionRefused(f"the run has not measured {figure.get('metric')} for these nodes yet")
        question.correct, question.measured = correct, values
    else:
        value = read_figure(frame, figure)
        if value is None:
            where = f" of {figure['node']}" if figure.get("node") else ""
            raise SessionRefused(f"the run has not measured {figure.get('metric')}{where} yet; try again in a moment")
        question.measured = value
    measured = question.measured
    question.measured_t = float(frame.get("t") or 0.0)
    question.revealed_at = timezone.now()
    question.save(update_fields=["correct", "measured", "measured_t", "revealed_at"])
    for answer in question.answers.all():
        if question.kind == Question.Kind.CHOICE:
            answer.score = 100 if answer.value == question.correct else 0
        else:
            assert isinstance(measured, float)
            answer.score = score_number(float(answer.value), measured)
        answer.save(update_fields=["score"])
    record(
        session,
        "revealed",
        t=question.measured_t,
        question=question.id,
        prompt=question.prompt,
        measured=question.measured,
        correct=question.correct,
    )
    notify(session)
    return question


# -- trying it yourself --------------------------------------------------------------------


def participant_fork(*, participant: Participant) -> tuple[Scenario, str | None]:
    """The participant's own copy of the session's scenario (the same one on a second call:
    its secret is then already in their browser, so None)."""
    session = participant.session
    _live(session)
    if participant.fork is not None:
        return participant.fork, None
    fork, secret = scenario_fork(scenario=session.scenario)
    participant.fork = fork
    participant.save(update_fields=["fork"])
    record(session, "forked", participant=participant.id, name=participant.name, slug=fork.slug)
    notify(session)
    return fork, secret


def spotlight_set(*, session: Session, participant_id: Any) -> Session:
    _live(session)
    if participant_id is None:
        session.spotlight = None
    else:
        participant = session.participants.filter(pk=participant_id).select_related("fork").first()
        if participant is None:
            raise TopologyError([Problem("$.participant_id", f"no participant {participant_id!r} in this session")])
        if participant.fork is None:
            raise SessionRefused(f"{participant.name} has no copy of the scenario yet (Try it yourself)")
        session.spotlight = participant
    session.save(update_fields=["spotlight"])
    record(
        session,
        "spotlight",
        participant=participant_id,
        name=session.spotlight.name if session.spotlight else None,
    )
    notify(session)
    return session


# -- the class's challenge -----------------------------------------------------------------


def challenge_set(*, session: Session, slug: Any) -> Session:
    """Set a challenge (apps/challenges) for the class, or clear it with None."""
    _live(session)
    challenge = None
    if slug is not None:
        challenge = challenge_get(slug) if isinstance(slug, str) else None
        if challenge is None:
            known = ", ".join(catalogue())
            raise TopologyError([Problem("$.slug", f"no challenge {slug!r} (there are: {known})")])
    session.challenge = challenge.slug if challenge else ""
    session.save(update_fields=["challenge"])
    record(
        session,
        "challenge_set",
        slug=challenge.slug if challenge else None,
        title=challenge.title if challenge else None,
    )
    notify(session)
    return session


def _class_challenge(session: Session) -> Challenge:
    challenge = challenge_get(session.challenge) if session.challenge else None
    if challenge is None:
        raise SessionRefused("no challenge is set in this session")
    return challenge


def participant_challenge_design(*, session: Session, participant: Participant) -> tuple[Challenge, Scenario, str]:
    """A copy of the class's challenge's starting design, the participant's to edit (and its
    edit secret)."""
    _live(session)
    challenge = _class_challenge(session)
    note = f"Challenge {challenge.slug} in class {session.code}"
    scenario, secret = scenario_create(document=challenge.start, note=note)
    return challenge, scenario, secret


def session_attempt_start(*, session: Session, participant: Participant, document: Any, slug: Any = None) -> Attempt:
    """The participant submits a design for the class's challenge (which `slug`, when given,
    must still be): an attempt in their name and the session's. Raises ChallengeError and
    RunRefused as `attempt_start` does."""
    _live(session)
    challenge = _class_challenge(session)
    if slug is not None and slug != challenge.slug:
        raise SessionRefused(
            f"the class's challenge is now {challenge.title!r}, not {slug!r}: take it again from the session page"
        )
    attempt = attempt_start(challenge=challenge, document=document, participant=participant)
    record(
        session,
        "attempted",
        participant=participant.id,
        name=participant.name,
        attempt_id=attempt.id,
        challenge=challenge.slug,
        cost_per_hour=attempt.cost_per_hour,
    )
    if attempt.ended:  # over the budget: failed unrun
        _record_attempt_end(session, attempt)
    notify(session)
    return attempt


def _record_attempt_end(session: Session, attempt: Attempt) -> None:
    result = attempt.result or {}
    record(
        session,
        "attempt_ended",
        participant=attempt.participant_id,
        name=attempt.name,
        attempt_id=attempt.id,
        challenge=attempt.challenge,
        status=attempt.status,
        cost_per_hour=attempt.cost_per_hour,
        p95_ms=result.get("p95_ms"),
        over_budget=bool(result.get("over_budget")),
    )


def session_attempt_changed(*, attempt: Attempt) -> None:
    """An attempt moved on (one of its runs started, or it was graded): if it was made in a
    session, the class's board changed (apps/challenges/signals.py)."""
    if attempt.session_id is None:
        return
    session = Session.objects.filter(pk=attempt.session_id).first()
    if session is None:
        return
    if attempt.ended:
        _record_attempt_end(session, attempt)
    notify(session)
