"""The session report: its timeline in words, each question with what the run measured and
how close the class came, the leaderboard, the challenge boards and the runs."""

from typing import Any

from django.db.models import Sum
from django.urls import reverse

from apps.challenges.format import challenge_get
from apps.challenges.models import Attempt
from apps.engine.models import Run
from apps.training.models import Session, SessionEvent
from apps.training.selectors import challenge_board
from apps.training.state import node_label, question_revealed


def _figure(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def _title(slug: Any) -> str:
    challenge = challenge_get(slug) if isinstance(slug, str) else None
    return challenge.title if challenge else str(slug)


def _attempt_ended_text(data: dict[str, Any]) -> str:
    name, title = data.get("name"), _title(data.get("challenge"))
    if data.get("status") == "passed":
        p95 = data.get("p95_ms")
        figures = f"${data.get('cost_per_hour') or 0:.2f}/h" + (f", p95 {_figure(p95)} ms" if p95 is not None else "")
        return f"{name}'s design passed “{title}” ({figures})"
    if data.get("status") == "failed":
        why = " (over the budget)" if data.get("over_budget") else ""
        return f"{name}'s design did not pass “{title}”{why}"
    return f"{name}'s design for “{title}” could not be graded"


def event_text(event: SessionEvent) -> str:
    data = event.data
    texts = {
        "started": lambda: f"Session started on “{data.get('name', '')}”",
        "ended": lambda: "Session ended",
        "joined": lambda: f"{data.get('name')} joined",
        "run_started": lambda: f"Run {data.get('run_id', '')[:8]} started (speed {data.get('speed') or 'default'})",
        "run_stopped": lambda: f"Run {data.get('run_id', '')[:8]} stopped",
        "fault": lambda: f"Fault fired: {data.get('fault', {}).get('action')} on {data.get('fault', {}).get('target')}",
        "playbook_loaded": lambda: f"Playbook “{data.get('name')}” loaded",
        "playbook_played": lambda: f"Playbook “{data.get('name')}” playing",
        "playbook_paused": lambda: f"Playbook “{data.get('name')}” paused",
        "playbook_rewound": lambda: f"Playbook “{data.get('name')}” rewound: a new run",
        "step": lambda: f"Step {data.get('index', 0) + 1}: {data.get('title')}",
        "step_skipped": lambda: f"Step {data.get('index', 0) + 1} skipped: {data.get('title')}",
        "question": lambda: f"Question: {data.get('prompt')}",
        "revealed": lambda: f"Revealed: {data.get('prompt')} → {_figure(data.get('correct') or data.get('measured'))}",
        "reveal_deferred": lambda: f"Reveal put off: {data.get('reason')}",
        "forked": lambda: f"{data.get('name')} made their own copy",
        "spotlight": lambda: (
            f"On everyone's screen: {data.get('name')}" if data.get("name") else "Back to the instructor"
        ),
        "challenge_set": lambda: (
            f"Challenge set for the class: “{data.get('title')}”" if data.get("slug") else "Challenge cleared"
        ),
        "attempted": lambda: f"{data.get('name')} submitted a design for “{_title(data.get('challenge'))}”",
        "attempt_ended": lambda: _attempt_ended_text(data),
    }
    text = texts.get(event.kind)
    return text() if text else event.kind


def challenge_boards(session: Session) -> list[dict[str, Any]]:
    """Each challenge the class made attempts at (or has set), with the board of those who tried."""
    slugs = list(Attempt.objects.filter(session=session).order_by("created_at").values_list("challenge", flat=True))
    boards = []
    for slug in dict.fromkeys([*slugs, *([session.challenge] if session.challenge else [])]):
        challenge = challenge_get(slug)
        rows = [row for row in challenge_board(session=session, slug=slug) if row["attempts"]]
        boards.append({"slug": slug, "title": challenge.title if challenge else slug, "rows": rows})
    return boards


def session_report(*, session: Session) -> dict[str, Any]:
    document = session.scenario.document
    questions = []
    for question in session.questions.exclude(revealed_at=None).order_by("asked_at", "id"):
        revealed = question_revealed(question, document)
        if question.kind == "choice":
            revealed["measured_text"] = revealed["correct_label"]
            revealed["values"] = [
                {"label": node_label(document, node_id), "value": value}
                for node_id, value in (question.measured or {}).items()
            ]
        else:
            revealed["measured_text"] = f"{_figure(question.measured)} {question.unit}".strip()
        questions.append(revealed)
    leaderboard = [
        {"name": row["name"], "score": row["total"] or 0}
        for row in session.participants.annotate(total=Sum("answers__score"))
        .order_by("-total", "name")
        .values("name", "total")
    ]
    run_ids = [e.data.get("run_id") for e in session.events.filter(kind="run_started")]
    runs = [
        {
            "run_id": run.id,
            "status": run.status,
            "created_at": run.created_at,
            "report_url": reverse("run-report", args=[run.id]),
        }
        for run in Run.objects.filter(pk__in=run_ids).defer("document", "series", "summary").order_by("created_at")
    ]
    return {
        "session": session,
        "scenario": session.scenario,
        "challenges": challenge_boards(session),
        "timeline": [
            {"at": event.at, "t": event.t, "kind": event.kind, "text": event_text(event)}
            for event in session.events.order_by("at", "id")
        ],
        "questions": questions,
        "leaderboard": leaderboard,
        "participants": list(session.participants.order_by("joined_at").values("name", "joined_at")),
        "runs": runs,
    }
