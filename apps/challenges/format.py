"""The challenge format (docs/challenges.md): a starting design, the traffic and the fault
script it is judged under, the goals, the budget, hints, and what a submission may change.

```json
{"format": "architecture-playground/challenge", "version": 1,
 "slug": "buffer-a-burst", "title": "Buffer a burst", "summary": "markdown", "lesson": "queue-buffering",
 "start": {<topology>},          # its clients are the traffic; its faults the fault script
 "run": {"duration_s": 20, "seeds": [1, 2, 3]},
 "goals": [{"name": "Signup answers fast", "metric": "p95_ms", "node": "signup", "at_most": 200}],
 "budget_per_hour": 1.2, "prices": {"service_instance": 0.05},
 "hints": ["…"], "locked": ["users"]}
```

A submission keeps the start's clients (the traffic), the start's faults and run settings: the
grader puts them back whatever was sent. `locked` nodes must stay as they are (kind and props); a
locked `"node.prop"` (dotted for nested ones) only that property. Everything else may change:
add, remove, re-wire, resize.
"""

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from apps.challenges.cost import PRICE_KEYS
from apps.challenges.goals import Goal
from apps.topology.validation import Problem, validate_document

FORMAT = "architecture-playground/challenge"
VERSION = 1
CATALOGUE_DIR = Path(__file__).with_name("catalogue")
SOLUTIONS_DIR = Path(__file__).with_name("solutions")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
MAX_SEEDS = 10
# The order the list shows them in: the curriculum's (docs/challenges.md); others follow by name.
ORDER = (
    "buffer-a-burst",
    "announce-an-order-once",
    "take-reads-off-the-write-model",
    "one-proxy-one-server",
    "share-the-load-fairly",
    "weights-cannot-see-a-slowdown",
    "survive-an-instance-loss",
    "three-nines-through-a-zone-loss",
    "fail-fast-with-a-breaker",
    "absorb-a-spike-within-budget",
    "fail-over-without-losing-orders",
    "charge-each-order-once",
    "keep-the-shop-open",
)
MAX_DURATION_S = 120


@dataclass(frozen=True)
class Challenge:
    slug: str
    title: str
    summary: str
    lesson: str
    start: dict[str, Any]
    duration_s: float
    seeds: tuple[int, ...]
    goals: tuple[Goal, ...]
    budget_per_hour: float
    prices: dict[str, float]
    hints: tuple[str, ...]
    locked: tuple[str, ...]

    def availability_targets(self) -> list[str]:
        """What the design checks' single-point-of-failure rule looks at (lint `goals`): the node
        an availability goal names, or every client for a goal on the whole run."""
        clients = [node["id"] for node in self.start["nodes"] if node["kind"] == "client"]
        targets: list[str] = []
        for goal in self.goals:
            if goal.metric == "availability":
                targets += [goal.node] if goal.node else clients
        return sorted(set(targets))

    def listing(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "title": self.title,
            "summary": self.summary,
            "lesson": self.lesson,
            "goals": [goal.as_dict() for goal in self.goals],
            "budget": {"per_hour": self.budget_per_hour, "currency": "USD"},
            "seeds": len(self.seeds),
            "duration_s": self.duration_s,
        }


class ChallengeError(ValueError):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in problems))
        self.problems = problems


def _problems(raw: Any) -> list[Problem]:
    if not isinstance(raw, dict):
        return [Problem("$", "a challenge is a JSON object")]
    problems = []
    if raw.get("format") != FORMAT or raw.get("version") != VERSION:
        problems.append(Problem("$.format", f'must be "{FORMAT}", version {VERSION}'))
    if not isinstance(raw.get("slug"), str) or not SLUG.match(raw["slug"]):
        problems.append(Problem("$.slug", "lowercase letters, digits and dashes, 2 to 63 of them"))
    for key in ("title", "summary"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            problems.append(Problem(f"$.{key}", "a non-empty text"))
    validation = validate_document(raw.get("start"))
    problems += [Problem("$.start" + p.path[1:], p.message) for p in validation.errors]
    start: dict[str, Any] = validation.document if validation.ok else {"nodes": []}
    node_ids = {n["id"] for n in start["nodes"]}
    if validation.ok and not any(n["kind"] == "client" for n in start["nodes"]):
        problems.append(Problem("$.start.nodes", "the start needs a client: its traffic is the challenge's"))
    run = raw.get("run")
    if not isinstance(run, dict):
        problems.append(Problem("$.run", "an object: {duration_s, seeds}"))
    else:
        duration = run.get("duration_s")
        if isinstance(duration, bool) or not isinstance(duration, int | float) or not 1 <= duration <= MAX_DURATION_S:
            problems.append(Problem("$.run.duration_s", f"a number of seconds from 1 to {MAX_DURATION_S}"))
        seeds = run.get("seeds")
        if not isinstance(seeds, list) or not 2 <= len(seeds) <= MAX_SEEDS or len(set(map(str, seeds))) != len(seeds):
            problems.append(Problem("$.run.seeds", f"2 to {MAX_SEEDS} different seeds (an interval needs two)"))
        elif not all(isinstance(s, int) and not isinstance(s, bool) and 0 <= s < 2**31 for s in seeds):
            problems.append(Problem("$.run.seeds", "each seed an integer from 0 to 2147483647"))
    goals = raw.get("goals")
    if not isinstance(goals, list) or not goals:
        problems.append(Problem("$.goals", "a list of at least one goal"))
    else:
        for i, goal in enumerate(goals):
            problems += Goal.problems(goal, f"$.goals[{i}]", node_ids)
    budget = raw.get("budget_per_hour")
    if isinstance(budget, bool) or not isinstance(budget, int | float) or budget <= 0:
        problems.append(Problem("$.budget_per_hour", "a price per hour above 0 (USD)"))
    prices = raw.get("prices", {})
    if not isinstance(prices, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in prices.values()
    ):
        problems.append(Problem("$.prices", "an object of price names to prices per hour (0 or more)"))
    elif unknown_prices := sorted(set(prices) - set(PRICE_KEYS)):
        problems.append(Problem("$.prices", f"no price {', '.join(unknown_prices)}; there are {', '.join(PRICE_KEYS)}"))
    hints = raw.get("hints", [])
    if not isinstance(hints, list) or not all(isinstance(h, str) and h.strip() for h in hints):
        problems.append(Problem("$.hints", "a list of texts"))
    locked = raw.get("locked", [])
    if not isinstance(locked, list) or not all(isinstance(n, str) for n in locked):
        problems.append(Problem("$.locked", "a list of node ids"))
    elif validation.ok and (unknown := sorted({n.partition(".")[0] for n in locked} - node_ids)):
        problems.append(Problem("$.locked", f"no such node in the start: {', '.join(unknown)}"))
    return problems


def parse_challenge(raw: Any) -> Challenge:
    """A checked Challenge, or ChallengeError naming every problem with its path."""
    problems = _problems(raw)
    if problems:
        raise ChallengeError(problems)
    return Challenge(
        slug=raw["slug"],
        title=raw["title"],
        summary=raw["summary"],
        lesson=str(raw.get("lesson", "")),
        start=raw["start"],
        duration_s=float(raw["run"]["duration_s"]),
        seeds=tuple(raw["run"]["seeds"]),
        goals=tuple(Goal.parse(goal) for goal in raw["goals"]),
        budget_per_hour=float(raw["budget_per_hour"]),
        prices={str(k): float(v) for k, v in raw.get("prices", {}).items()},
        hints=tuple(raw.get("hints", [])),
        locked=tuple(raw.get("locked", [])),
    )


@cache
def catalogue() -> dict[str, Challenge]:
    """The built-in challenges, by slug, in ORDER (then by name)."""
    out = {}
    rank = {slug: i for i, slug in enumerate(ORDER)}
    for path in sorted(CATALOGUE_DIR.glob("*.json"), key=lambda p: (rank.get(p.stem, len(ORDER)), p.stem)):
        challenge = parse_challenge(json.loads(path.read_text()))
        if challenge.slug != path.stem:
            raise ChallengeError([Problem("$.slug", f"{path.name} holds {challenge.slug!r}: name the file after it")])
        out[challenge.slug] = challenge
    return out


def challenge_get(slug: str) -> Challenge | None:
    return catalogue().get(slug)


def solution(slug: str, which: str) -> dict[str, Any]:
    """A built-in challenge's `reference` (passes) or `naive` (fails) design, for the tests."""
    return dict(json.loads((SOLUTIONS_DIR / f"{slug}.{which}.json").read_text()))
