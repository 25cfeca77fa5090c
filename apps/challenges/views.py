"""The challenges' pages: the list, a design in the editor with the challenge's bar, an attempt."""

import logging
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from apps.challenges.format import Challenge, catalogue, challenge_get
from apps.challenges.goals import METRICS
from apps.challenges.models import Attempt
from apps.challenges.selectors import goal_rows, goal_text, leaderboard
from apps.challenges.services import attempt_state
from apps.editor.context import editor_context
from apps.engine.models import Run
from apps.engine.theory import compare, predict
from apps.scenarios.markdown import render_markdown
from apps.scenarios.ownership import is_owner, remember_owner
from apps.scenarios.selectors import scenario_get
from apps.scenarios.services import scenario_create
from apps.training.ownership import participant_in

log = logging.getLogger(__name__)


def _challenge_or_404(slug: str) -> Challenge:
    challenge = challenge_get(slug)
    if challenge is None:
        raise Http404("No such challenge")
    return challenge


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


@require_POST
def attempt_reopen(request: HttpRequest, attempt_id: str) -> HttpResponse:
    """A copy of an attempt's design that is this browser's to edit (the graded copy is no one's:
    its runs must stay what was judged), in the challenge's editor."""
    attempt = Attempt.objects.filter(pk=attempt_id).select_related("session").first()
    if attempt is None or challenge_get(attempt.challenge) is None:
        raise Http404("No such attempt")
    scenario, secret = scenario_create(document=attempt.document, note=f"Challenge {attempt.challenge}")
    remember_owner(request, scenario, secret)
    url = reverse("challenge-design", kwargs={"slug": attempt.challenge, "scenario_slug": scenario.slug})
    return redirect(f"{url}?session={attempt.session.code}" if attempt.session else url)


@require_GET
def challenge_design(request: HttpRequest, slug: str, scenario_slug: str) -> HttpResponse:
    challenge = _challenge_or_404(slug)
    scenario = scenario_get(slug=scenario_slug)
    if scenario is None:
        raise Http404("No such design")
    if not is_owner(request, scenario):
        return render(request, "scenarios/not_owner.html", {"scenario": scenario}, status=403)
    context = editor_context(request, scenario=scenario, mode="edit")
    # The design checks look for single points of failure only where a goal asks for availability.
    targets = ",".join(challenge.availability_targets())
    context["editor_config"]["validate_url"] += f"?{urlencode({'goals': targets})}"
    in_class = class_of(request, challenge)
    context["challenge"] = {
        **challenge.listing(),
        "goal_rows": goal_rows(challenge),
        "attempts_url": in_class["attempts_url"] if in_class else f"/api/challenges/{slug}/attempts/",
        "locked": list(challenge.locked),
        "session": in_class,
    }
    return render(request, "challenges/editor.html", context)


def class_of(request: HttpRequest, challenge: Challenge) -> dict[str, str] | None:
    """The training session a design is made for (`?session=<code>`), when this browser is one
    of its participants and the class's challenge is this one: its attempts then go through the
    session, in the participant's name."""
    participant = participant_in(request, request.GET.get("session", ""))
    if participant is None:
        return None
    session = participant.session
    if not session.live or session.challenge != challenge.slug:
        return None
    return {
        "code": session.code,
        "name": participant.name,
        "page_url": reverse("session-page", args=[session.code]),
        "attempts_url": reverse("api-session-challenge-attempts", args=[session.code]),
    }


@require_GET
def attempt_page(request: HttpRequest, attempt_id: str) -> HttpResponse:
    attempt = Attempt.objects.filter(pk=attempt_id).select_related("session").first()
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
    context["class_code"] = attempt.session.code if attempt.session else None
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
