"""A design judged at once, in this process, by the engine's `simulate` (one run a seed, no
Run rows): what the tests and `manage.py challenge_check` use. The API's attempts use stored
runs instead (services.py); both judge the goals with the same code (goals.py)."""

import copy
import time
from typing import Any

from apps.challenges.cost import billed_cost, design_cost
from apps.challenges.format import Challenge
from apps.challenges.submission import judged_document
from apps.engine.simulation import simulate


def check_design(challenge: Challenge, document: Any) -> dict[str, Any]:
    """{passed, over_budget, cost_per_hour (what the runs used), goals, seconds}: raises ChallengeError for a design
    the challenge refuses. Needs the engine's fleet (runtime/fleet.py)."""
    started = time.monotonic()
    judged = judged_document(challenge, document)
    cost = design_cost(judged, challenge.prices).floor_per_hour
    over_budget = cost > challenge.budget_per_hour
    summaries = []
    for seed in [] if over_budget else challenge.seeds:
        run = copy.deepcopy(judged)
        run["run"]["seed"] = seed
        summaries.append(simulate(run))
    goals = [goal.judge(summaries) for goal in challenge.goals] if summaries else []
    if summaries:
        cost = billed_cost(judged, summaries, duration_s=challenge.duration_s, prices=challenge.prices).per_hour
        over_budget = cost > challenge.budget_per_hour
    return {
        "passed": not over_budget and all(goal["passed"] for goal in goals),
        "over_budget": over_budget,
        "cost_per_hour": cost,
        "goals": goals,
        "seconds": round(time.monotonic() - started, 1),
    }
