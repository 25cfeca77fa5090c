"""What a limit search may be asked for (docs/api.md, "Find the limit"): the goals, the seconds
of each run and the number of seeds, each checked with a problem naming its field."""

from dataclasses import dataclass
from typing import Any

from apps.challenges.goals import Goal
from apps.challenges.limit import DEFAULT_GOALS, goal_from_text
from apps.topology.validation import Problem, TopologyError, number_text

FIELDS = ("goals", "seconds", "seeds")
SECONDS = (3.0, 30.0)  # each run's length: long enough to measure, short enough for ten steps
DEFAULT_SECONDS = 10.0
SEEDS = (1, 3)  # runs a step (seeds 1, 2, 3): the verdict is the whole 95 % interval over them
DEFAULT_SEEDS = 2
MAX_GOALS = 8
MAX_NAME = 80


@dataclass(frozen=True)
class LimitRequest:
    goals: tuple[Goal, ...]
    seconds: float
    seeds: tuple[int, ...]


def goal_text(goal: Goal) -> str:
    """The goal as the command line writes it: `p95_ms:signup<=200`."""
    where = f":{goal.node}" if goal.node else ""
    op, bound = ("<=", goal.at_most) if goal.at_most is not None else (">=", goal.at_least)
    return f"{goal.metric}{where}{op}{number_text(bound)}"


def _goal(raw: Any, path: str, node_ids: set[str], problems: list[Problem]) -> Goal | None:
    """A goal from text (`p95_ms<=200`) or an object {metric, node?, at_most | at_least, name?}."""
    if isinstance(raw, str):
        try:
            goal = goal_from_text(raw)
        except ValueError as exc:
            problems.append(Problem(path, str(exc)))
            return None
        raw = goal.as_dict()
    if not isinstance(raw, dict):
        problems.append(Problem(path, "a goal is text (p95_ms<=200) or {metric, node?, at_most | at_least, name?}"))
        return None
    unknown = sorted(set(raw) - {"name", "metric", "node", "at_most", "at_least"})
    if unknown:
        problems.append(
            Problem(f"{path}.{unknown[0]}", "unknown field; a goal has metric, node, at_most, at_least, name")
        )
        return None
    node = raw.get("node")
    if node is not None and not (isinstance(node, str) and node in node_ids):
        problems.append(Problem(f"{path}.node", f"no node {node!r} in the scenario"))
        return None
    name = raw.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME):
        problems.append(Problem(f"{path}.name", f"a non-empty text of at most {MAX_NAME} characters"))
        return None
    found = Goal.problems({**raw, "name": name or "goal"}, path, node_ids)
    if found:
        problems.extend(found)
        return None
    goal = Goal.parse({**raw, "name": name or "goal"})
    return Goal(goal.name if name else goal_text(goal), goal.metric, goal.node, goal.at_most, goal.at_least)


def _number(body: dict[str, Any], name: str, bounds: tuple[float, float], default: float, integer: bool) -> Any:
    value = body.get(name, default)
    kind = "an integer" if integer else "a number"
    ok = isinstance(value, int) if integer else isinstance(value, int | float)
    if isinstance(value, bool) or not ok or not bounds[0] <= value <= bounds[1]:
        got = f" (got {number_text(value)})" if ok and not isinstance(value, bool) else ""
        return Problem(f"$.{name}", f"must be {kind} from {number_text(bounds[0])} to {number_text(bounds[1])}{got}")
    return value


def limit_request(body: Any, *, document: dict[str, Any]) -> LimitRequest:
    """The request's settings, defaults filled in; TopologyError with every problem otherwise."""
    if not isinstance(body, dict):
        raise TopologyError([Problem("$", "must be a JSON object: {goals?, seconds?, seeds?}")])
    problems: list[Problem] = []
    for name in sorted(set(body) - set(FIELDS)):
        problems.append(Problem(f"$.{name}", f"unknown field; a search takes {', '.join(FIELDS)}"))
    seconds = _number(body, "seconds", SECONDS, DEFAULT_SECONDS, integer=False)
    seeds = _number(body, "seeds", SEEDS, DEFAULT_SEEDS, integer=True)
    problems.extend(value for value in (seconds, seeds) if isinstance(value, Problem))
    goals: tuple[Goal, ...] = DEFAULT_GOALS
    raw_goals = body.get("goals")
    if raw_goals is not None:
        if not isinstance(raw_goals, list) or not 1 <= len(raw_goals) <= MAX_GOALS:
            problems.append(Problem("$.goals", f"a list of 1 to {MAX_GOALS} goals (leave it out for the defaults)"))
        else:
            node_ids = {node["id"] for node in document.get("nodes", [])}
            parsed = [_goal(raw, f"$.goals[{i}]", node_ids, problems) for i, raw in enumerate(raw_goals)]
            goals = tuple(goal for goal in parsed if goal is not None)
    if problems:
        raise TopologyError(problems)
    return LimitRequest(goals=goals, seconds=float(seconds), seeds=tuple(range(1, int(seeds) + 1)))
