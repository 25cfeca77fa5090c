"""The session report: its timeline in words, each question with what the run measured and
how close the class came, the leaderboard and the runs."""

from typing import Any

from django.db.models import Sum
from django.urls import reverse

from apps.engine.models import Run
from apps.training.models import Session, SessionEvent
from apps.training.state import node_label, question_revealed


def _figure(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


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
    }
    text = texts.get(event.kind)
    return text() if text else event.kind


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
        "timeline": [
            {"at": event.at, "t": event.t, "kind": event.kind, "text": event_text(event)}
            for event in session.events.order_by("at", "id")
        ],
        "questions": questions,
        "leaderboard": leaderboard,
        "participants": list(session.participants.order_by("joined_at").values("name", "joined_at")),
        "runs": runs,
    }
