"""The session's public state: what every member's page is drawn from (docs/api.md).

Answers of an open question are never in it, only how many there are: a prediction stays
hidden until the reveal.
"""

from typing import Any

from django.db.models import Count, Q, Sum
from django.urls import reverse

from apps.challenges.format import challenge_get
from apps.challenges.models import Attempt
from apps.challenges.selectors import goal_rows
from apps.engine.models import Run
from apps.engine.selectors import run_live
from apps.training.models import Participant, Question, Session

STEP_FIELDS = ("title", "at_s", "wait", "say", "watch", "reveal", "restore", "faults")


def node_label(document: dict[str, Any], node_id: str) -> str:
    for node in document.get("nodes", []):
        if node.get("id") == node_id:
            return str(node.get("label") or node_id)
    return node_id


def run_time(session: Session) -> float | None:
    """The run time the session's run has reached (its latest frame), if one is going."""
    if session.run is None:
        return None
    frame = run_live(run=session.run)
    return float(frame["t"]) if frame and isinstance(frame.get("t"), int | float) else None


def playbook_of(session: Session, name: str) -> dict[str, Any] | None:
    for playbook in session.scenario.document.get("playbooks") or []:
        if playbook.get("name") == name:
            return dict(playbook)
    return None


def _playbook_state(session: Session) -> dict[str, Any] | None:
    progress = session.playbook
    if not progress:
        return None
    playbook = playbook_of(session, progress["name"]) or {"steps": []}
    steps = [
        {**{key: step[key] for key in STEP_FIELDS if key in step}, "has_question": "question" in step}
        for step in playbook.get("steps", [])
    ]
    return {
        "name": progress["name"],
        "summary": playbook.get("summary", ""),
        "index": progress["index"],
        "playing": progress["playing"],
        "run_id": progress.get("run_id"),
        "steps": steps,
        "fired": progress.get("fired", []),
    }


def choice_list(document: dict[str, Any], choices: list[str]) -> list[dict[str, str]]:
    return [{"id": node_id, "label": node_label(document, node_id)} for node_id in choices]


def question_public(question: Question, document: dict[str, Any], *, answered: int) -> dict[str, Any]:
    return {
        "id": question.id,
        "prompt": question.prompt,
        "kind": question.kind,
        "unit": question.unit,
        "figure": question.figure,
        "choices": choice_list(document, question.choices),
        "answered": answered,
        "revealed": question.revealed_at is not None,
        "run_id": question.run_id,
        "asked_t": question.asked_t,
    }


def question_revealed(question: Question, document: dict[str, Any]) -> dict[str, Any]:
    answers = list(question.answers.select_related("participant").order_by("-score", "participant__name"))
    out = question_public(question, document, answered=len(answers))
    if question.kind == Question.Kind.CHOICE:
        distribution: Any = {choice: 0 for choice in question.choices}
        for answer in answers:
            if answer.value in distribution:
                distribution[answer.value] += 1
    else:
        distribution = sorted(answer.value for answer in answers if isinstance(answer.value, int | float))
    out.update(
        measured=question.measured,
        measured_t=question.measured_t,
        correct=question.correct or None,
        correct_label=node_label(document, question.correct) if question.correct else None,
        distribution=distribution,
        answers=[
            {"participant_id": a.participant_id, "name": a.participant.name, "value": a.value, "score": a.score}
            for a in answers
        ],
    )
    return out


def _spotlight(session: Session) -> dict[str, Any] | None:
    participant = session.spotlight
    if participant is None or participant.fork is None:
        return None
    slug = participant.fork.slug
    return {
        "participant_id": participant.id,
        "name": participant.name,
        "slug": slug,
        "view_url": reverse("scenario-view", args=[slug]),
    }


def _challenge(session: Session) -> dict[str, Any] | None:
    """The challenge set for the class, what a participant needs to take it, and how many
    attempts the class made at it (the board itself is the instructor's: selectors.py)."""
    challenge = challenge_get(session.challenge) if session.challenge else None
    if challenge is None:
        return None
    attempts = Attempt.objects.filter(session=session, challenge=challenge.slug).aggregate(
        made=Count("id"),
        running=Count("id", filter=Q(status=Attempt.Status.RUNNING)),
        passed=Count("id", filter=Q(status=Attempt.Status.PASSED)),
        people=Count("participant", distinct=True),
    )
    return {
        "slug": challenge.slug,
        "title": challenge.title,
        "summary": challenge.summary,
        "goals": goal_rows(challenge),
        "budget": {"per_hour": challenge.budget_per_hour, "currency": "USD"},
        "seeds": len(challenge.seeds),
        "duration_s": challenge.duration_s,
        "take_url": reverse("session-challenge-take", args=[session.code]),
        "attempts": attempts,
    }


def session_runs(session: Session) -> list[dict[str, Any]]:
    """Every run the session started, oldest first, with its status and report."""
    run_ids = [event.data.get("run_id") for event in session.events.filter(kind="run_started").order_by("at", "id")]
    statuses = dict(Run.objects.filter(pk__in=run_ids).values_list("id", "status"))
    return [
        {"run_id": run_id, "status": statuses[run_id], "report_url": reverse("run-report", args=[run_id])}
        for run_id in run_ids
        if run_id in statuses
    ]


def participant_rows(session: Session) -> list[dict[str, Any]]:
    rows = (
        Participant.objects.filter(session=session)
        .annotate(total=Sum("answers__score"))
        .values("id", "name", "connections", "total", "fork_id")
    )
    return [
        {
            "id": row["id"],
            "name": row["name"],
            "present": row["connections"] > 0,
            "score": row["total"] or 0,
            "forked": row["fork_id"] is not None,
        }
        for row in rows
    ]


def session_state(session: Session) -> dict[str, Any]:
    document = session.scenario.document
    questions = list(session.questions.annotate(answered=Count("answers")).order_by("asked_at", "id"))
    open_question = next((q for q in reversed(questions) if q.revealed_at is None and not q.closed), None)
    run = session.run
    return {
        "code": session.code,
        "status": session.status,
        "solo": session.solo,
        "scenario": {"slug": session.scenario.slug, "name": session.scenario.name},
        "join_url": reverse("session-page", args=[session.code]),
        "report_url": reverse("session-report", args=[session.code]),
        "instructor": {"present": session.instructor_connections > 0},
        "participants": participant_rows(session),
        "run": {"run_id": run.id, "stream": f"/ws/runs/{run.id}/", "status": run.status} if run else None,
        "runs": session_runs(session),
        "playbook": _playbook_state(session),
        "question": question_public(open_question, document, answered=open_question.answered)  # type: ignore[attr-defined]
        if open_question
        else None,
        "revealed": [question_revealed(q, document) for q in questions if q.revealed_at is not None],
        "spotlight": _spotlight(session),
        "challenge": _challenge(session),
    }
