"""The challenges' pages: the list, a design in the editor with the challenge's bar, an attempt."""

import logging

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.challenges.format import Challenge, catalogue, challenge_get
from apps.challenges.goals import METRICS
from apps.challenges.models import Attempt
from apps.challenges.selectors import leaderboard
from apps.challenges.services import attempt_state
from apps.editor.context import editor_context
from apps.engine.models import Run
from apps.engine.theory import compare, predict
from apps.scenarios.markdown import render_markdown
from apps.scenarios.ownership import is_owner, remember_owner
from apps.scenarios.selectors import scenario_get
from apps.scenarios.services import scenario_create

log = logging.getLogger(__name__)


def _challenge_or_404(slug: str) -> Challenge:
    challenge = challenge_get(slug)
    if challenge is None:
        raise Http404("No such challenge")
    return challenge


def goal_text(goal: dict[str, object]) -> str:
    """ "p95 latency of signup ≤ 100 ms" """
    metric = METRICS[str(goal["metric"])]
    of = f" of {goal['node']}" if goal.get("node") else ""
    op, bound = ("≤", goal["at_most"]) if "at_most" in goal else ("≥", goal["at_least"])
    return f"{metric.label}{of} {op} {bound:g}{(' ' + metric.unit) if metric.unit else ''}"


def goal_rows(challenge: Challenge) -> list[dict[str, str]]:
    """Each goal's name, and its rule in figures ("p95 latency ≤ 100 ms") for a tooltip."""
    return [{"name": goal.name, "rule": goal_text(goal.as_dict())} for goal in challenge.goals]


@require_GET
def challenge_list_page(request: HttpRequest) -> HttpResponse:
    challenges = [
        {
            **challenge.listing(),
            "summary_html": render_markdown(challenge.summary),
            "goal_rows": goal_rows(challenge),
            "board": leaderboard(slug=challenge.slug, limit=3),
        }
        for challenge in catalogue().values()
    ]
    return render(request, "challenges/list.html", {"challenges": challenges})


@require_POST
def challenge_start(request: HttpRequest, slug: str) -> HttpResponse:
    """A copy of the challenge's starting design that is this browser's to edit, in the editor."""
    challenge = _challenge_or_404(slug)
    scenario, secret = scenario_create(document=challenge.start, note=f"Challenge {slug}")
    remember_owner(request, scenario, secret)
    return redirect("challenge-design", slug=slug, scenario_slug=scenario.slug)


@require_GET
def challenge_design(request: HttpRequest, slug: str, scenario_slug: str) -> HttpResponse:
    challenge = _challenge_or_404(slug)
    scenario = scenario_get(slug=scenario_slug)
    if scenario is None:
        raise Http404("No such design")
    if not is_owner(request, scenario):
        return render(request, "scenarios/not_owner.html", {"scenario": scenario}, status=403)
    context = editor_context(request, scenario=scenario, mode="edit")
    context["challenge"] = {
        **challenge.listing(),
        "goal_rows": goal_rows(challenge),
        "attempts_url": f"/api/challenges/{slug}/attempts/",
        "locked": list(challenge.locked),
    }
    return render(request, "challenges/editor.html", context)


@require_GET
def attempt_page(request: HttpRequest, attempt_id: str) -> HttpResponse:
    attempt = Attempt.objects.filter(pk=attempt_id).first()
    if attempt is None:
        raise Http404("No such attempt")
    challenge = challenge_get(attempt.challenge)
    state = attempt_state(attempt)
    by_name = {g.name: g for g in challenge.goals} if challenge else {}
    for goal in state["goals"]:
        known = by_name.get(goal["name"])
        goal["text"] = goal_text(known.as_dict()) if known else goal["name"]
        goal["unit"] = METRICS[goal["metric"]].unit
    design = attempt.scenario.slug if attempt.scenario else None
    context = {"attempt": attempt, "state": state, "challenge": challenge, "design_slug": design}
    context["board"] = leaderboard(slug=attempt.challenge)
    context["theory"] = theory_rows(attempt) if attempt.ended else []
    return render(request, "challenges/attempt.html", context)


def theory_rows(attempt: Attempt) -> list[dict[str, object]]:
    """Queueing theory's prediction beside what the first run measured, for each node that waits."""
    first = Run.objects.filter(pk=attempt.runs[0]).only("summary").first() if attempt.runs else None
    if first is None or not first.summary:
        return []
    try:
        rows = compare(predict(attempt.document), first.summary)
    except (ArithmeticError, KeyError, TypeError, ValueError):  # theory is an aside: never the page's end
        log.exception("attempt %s: no theory beside its measurement", attempt.id)
        return []
    return [row for row in rows if row["status"] in ("stable", "unstable") and len(row["figures"]) > 1]
