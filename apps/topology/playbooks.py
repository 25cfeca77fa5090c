"""Playbooks: guided lessons a topology document carries in its optional `playbooks` field.

A playbook is a list of steps an instructor plays over a run of the scenario. A step happens
at a run time (`at_s`) or waits for the instructor to press Continue (`wait: true`); it may
explain (`say`, `watch`), fire faults (shaped like the document's scheduled faults, without
`at_s`; `duration_s` undoes one that much later), undo what the playbook fired (`restore`),
ask the audience to predict a figure (`question`) and reveal the measured answer (`reveal`).

This module declares the limits and the figures a question can be about: `RUN_METRICS` and
`NODE_METRICS` (the session backend measures them from the run's live frame at the reveal),
and checks the rules JSON Schema cannot say. schema.py builds the schema from the same
declarations; docs/topology-format.md describes the field and lists the figures.
"""

from dataclasses import dataclass
from typing import Any, Protocol

MAX_PLAYBOOKS = 10
MAX_STEPS = 40
MAX_STEP_FAULTS = 10
MAX_PLAYBOOK_NAME = 80
MAX_TITLE = 80
MAX_SUMMARY = 300
MAX_SAY = 2000
MAX_WATCH = 300
MAX_PROMPT = 200
MAX_UNIT = 20
MIN_CHOICES = 2
MAX_CHOICES = 8
QUESTION_KINDS = ("number", "choice")
PICKS = ("max", "min")  # a choice question's right answer: the choice measuring highest, or lowest


@dataclass(frozen=True)
class Metric:
    """A figure a question can ask for, as the run's live frame shows it at the reveal."""

    name: str
    label: str
    unit: str
    help: str


def _declare(*metrics: Metric) -> dict[str, Metric]:
    return {metric.name: metric for metric in metrics}


# Figures of the whole run: a question about one of these names no node.
RUN_METRICS: dict[str, Metric] = _declare(
    Metric("p50_ms", "Median latency", "ms", "end to end, over the last run second"),
    Metric("p95_ms", "p95 latency", "ms", "end to end, over the last run second"),
    Metric("p99_ms", "p99 latency", "ms", "end to end, over the last run second"),
    Metric("created", "Requests created", "requests", "sent by the clients since the start"),
    Metric("completed", "Requests completed", "requests", "answered successfully since the start"),
    Metric("failed", "Requests failed", "requests", "ended with an error since the start"),
    Metric("timed_out", "Requests timed out", "requests", "given up by their client since the start"),
    Metric("rejected", "Requests rejected", "requests", "turned away (rate limit, full queue) since the start"),
    Metric("in_flight", "Requests in flight", "requests", "created and not ended yet"),
    Metric("availability", "Availability", "%", "completed ÷ (completed + failed + timed out + rejected), 0–100"),
    Metric("queued", "Messages queued", "messages", "waiting in every queue and bus right now"),
    Metric("published", "Messages published", "messages", "put on queues and buses since the start"),
    Metric(
        "delivered",
        "Messages delivered",
        "deliveries",
        "settled by a consumer since the start (one per bus subscriber)",
    ),
    Metric(
        "duplicates_applied",
        "Handled twice",
        "messages",
        "delivered again after their ack was lost, and applied again by a consumer that is not idempotent",
    ),
)

# Figures of one node: a question about one of these names the node (a choice: its choices).
NODE_METRICS: dict[str, Metric] = _declare(
    Metric("p50_ms", "Median latency", "ms", "the node's, over the last run second"),
    Metric("p95_ms", "p95 latency", "ms", "the node's, over the last run second"),
    Metric("p99_ms", "p99 latency", "ms", "the node's, over the last run second"),
    Metric("depth", "Depth", "items", "requests in its waiting lines and messages held in a queue or bus, right now"),
    Metric("processed", "Processed", "items", "requests and messages handled since the start"),
    Metric("errors", "Errors", "items", "requests and messages that failed here since the start"),
    Metric("rps", "Throughput", "per s", "handled per second, over the last run second"),
    Metric("replicas", "Active instances", "instances", "alive, standbys not counted"),
    Metric("busy", "Busy slots", "slots", "requests being served right now, over all instances"),
    Metric(
        "duplicates_applied",
        "Handled twice",
        "messages",
        "messages it handled a second time and applied again (an idempotent consumer ignores them)",
    ),
)

METRICS: tuple[str, ...] = tuple(sorted(set(RUN_METRICS) | set(NODE_METRICS)))


class Checker(Protocol):
    """What the document validator lends the playbook rules (validation.py's semantic check)."""

    node_by_id: dict[str, dict[str, Any]]
    duration_s: float

    def error(self, path: str, message: str, target: str | None = None) -> None: ...

    def warn(self, path: str, message: str, target: str | None = None) -> None: ...

    def check_fault(self, base: str, fault: dict[str, Any], at_s: float | None, at_path: str | None) -> None: ...


def check_playbooks(check: Checker, playbooks: list[dict[str, Any]]) -> None:
    """The rules beyond the schema. The document has passed the schema, so shapes are right."""
    names: dict[str, int] = {}
    for index, playbook in enumerate(playbooks):
        base = f"$.playbooks[{index}]"
        name = playbook["name"]
        if name in names:
            check.error(f"{base}.name", f"duplicate playbook name {name!r} (also at $.playbooks[{names[name]}])")
        names.setdefault(name, index)
        _check_steps(check, base, playbook["steps"])


def _check_steps(check: Checker, base: str, steps: list[dict[str, Any]]) -> None:
    last_timed: tuple[int, float] | None = None  # (index, at_s) of the latest timed step
    open_question: int | None = None  # the step whose question is asked and not yet revealed
    fires_faults = False
    for index, step in enumerate(steps):
        path = f"{base}.steps[{index}]"
        at_s: float | None = step.get("at_s")
        waits = step.get("wait") is True
        if at_s is not None and waits:
            check.error(path, "has both at_s and wait: a step either happens at a run time or waits for Continue")
        elif at_s is None and not waits:
            check.error(f"{path}.at_s", "is required, unless the step waits for the instructor (wait: true)")
        if at_s is not None:
            if last_timed is not None and at_s < last_timed[1]:
                before = "the step before" if last_timed[0] == index - 1 else f"steps[{last_timed[0]}]"
                check.error(f"{path}.at_s", f"must not be earlier than {before} ({last_timed[1]:g} s)")
            elif at_s >= check.duration_s:
                check.warn(f"{path}.at_s", f"happens at {at_s:g} s, after the run ends ({check.duration_s:g} s)")
            if last_timed is None or at_s >= last_timed[1]:
                last_timed = (index, at_s)
        when = None if waits else at_s  # a waiting step's faults fire whenever Continue is pressed
        for fault_index, fault in enumerate(step.get("faults") or []):
            check.check_fault(f"{path}.faults[{fault_index}]", fault, when, None)
        if step.get("restore") and not fires_faults:  # a step restores before it fires its own faults
            check.warn(f"{path}.restore", "no earlier step fires a fault: there is nothing to restore")
        fires_faults = fires_faults or bool(step.get("faults"))
        question = step.get("question")
        if question is not None:
            _check_question(check, f"{path}.question", question)
            if open_question is not None:
                message = f"asks while the question of steps[{open_question}] is open: asking closes it unrevealed"
                check.warn(f"{path}.question", message)
            open_question = index
        if step.get("reveal") and question is not None:
            check.error(f"{path}.reveal", "a step cannot ask and reveal at once: reveal in a later step")
        elif step.get("reveal"):
            if open_question is None:
                check.warn(f"{path}.reveal", "no question is open here: ask one in an earlier step")
            open_question = None


def _check_question(check: Checker, path: str, question: dict[str, Any]) -> None:
    figure = question["figure"]
    metric, node = figure["metric"], figure.get("node")
    choices = question.get("choices")
    if question["kind"] == "number":
        if choices is not None:
            check.error(f"{path}.choices", "only a choice question has choices")
        if "pick" in figure:
            check.error(f"{path}.figure.pick", "only a choice question picks the highest or lowest of its choices")
        if node is None:
            if metric not in RUN_METRICS:
                check.error(f"{path}.figure.node", f"{metric!r} is measured per node: name the node")
        elif metric not in NODE_METRICS:
            message = f"{metric!r} is measured for the whole run: leave out node"
            check.error(f"{path}.figure.node", message, node if node in check.node_by_id else None)
        else:
            _check_node(check, f"{path}.figure.node", node)
        return
    if "unit" in question:
        check.error(f"{path}.unit", "only a number question has a unit")
    if node is not None:
        check.error(f"{path}.figure.node", "a choice question measures each of its choices: leave out node")
    if "pick" not in figure:
        check.error(f"{path}.figure.pick", "a choice question needs pick: max or min (which choice is right)")
    if metric not in NODE_METRICS:
        message = f"{metric!r} is measured for the whole run; a choice compares nodes: use {', '.join(NODE_METRICS)}"
        check.error(f"{path}.figure.metric", message)
    if choices is None:
        check.error(
            f"{path}.choices", f"a choice question needs {MIN_CHOICES} to {MAX_CHOICES} node ids to choose from"
        )
        return
    seen: dict[str, int] = {}
    for index, choice in enumerate(choices):
        if choice in seen:
            message = f"repeats {choice!r} (also at choices[{seen[choice]}])"
            check.error(f"{path}.choices[{index}]", message, choice if choice in check.node_by_id else None)
            continue
        seen[choice] = index
        _check_node(check, f"{path}.choices[{index}]", choice)


def _check_node(check: Checker, path: str, node_id: str) -> None:
    node = check.node_by_id.get(node_id)
    if node is None:
        check.error(path, f"no node has id {node_id!r}")
    elif node["kind"] == "zone":
        check.error(path, f"{node_id!r} is a zone, which has no figures of its own: name a node in it", node_id)
