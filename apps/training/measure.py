"""A question's answer as the run measured it: one figure read from the run's live frame.

The frame (apps/engine/stream.py) is what every viewer sees at that moment, so the revealed
value is the number on everyone's screen, taken from what the workers did. Metric names are
the playbook format's (apps/topology/playbooks.py); a figure the run has not produced yet
(no latency before the first request ends) reads as None.
"""

from collections.abc import Callable
from typing import Any

Frame = dict[str, Any]
Reader = Callable[[Frame], float | None]


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _latency(source: Any, percentile: str) -> float | None:
    return _number(source.get(percentile)) if isinstance(source, dict) else None


def _requests(name: str) -> Reader:
    return lambda frame: _number((frame.get("requests") or {}).get(name))


def _messages(name: str) -> Reader:
    return lambda frame: _number((frame.get("messages") or {}).get(name))


def _availability(frame: Frame) -> float | None:
    """Completed out of the requests that ended, in percent (as the run summary counts it)."""
    requests = frame.get("requests") or {}
    ended = sum(int(requests.get(name) or 0) for name in ("completed", "failed", "timed_out", "rejected"))
    return round(100.0 * int(requests.get("completed") or 0) / ended, 3) if ended else None


RUN_READERS: dict[str, Reader] = {
    "p50_ms": lambda frame: _latency(frame.get("latency_ms"), "p50"),
    "p95_ms": lambda frame: _latency(frame.get("latency_ms"), "p95"),
    "p99_ms": lambda frame: _latency(frame.get("latency_ms"), "p99"),
    "created": _requests("created"),
    "completed": _requests("completed"),
    "failed": _requests("failed"),
    "timed_out": _requests("timed_out"),
    "rejected": _requests("rejected"),
    "in_flight": _requests("in_flight"),
    "availability": _availability,
    "queued": _messages("queued"),
    "published": _messages("published"),
    "delivered": _messages("delivered"),
    "duplicates_applied": _messages("duplicates_applied"),
}


def _node_field(name: str) -> Callable[[dict[str, Any]], float | None]:
    return lambda node: _number(node.get(name))


NODE_READERS: dict[str, Callable[[dict[str, Any]], float | None]] = {
    "p50_ms": lambda node: _latency(node, "p50"),
    "p95_ms": lambda node: _latency(node, "p95"),
    "p99_ms": lambda node: _latency(node, "p99"),
    **{
        name: _node_field(name)
        for name in ("depth", "processed", "errors", "rps", "replicas", "busy", "duplicates_applied")
    },
}


def read_figure(frame: Frame, figure: dict[str, Any], node: str | None = None) -> float | None:
    """The figure's value in the frame; `node` overrides the figure's own (for choices)."""
    metric = figure.get("metric", "")
    node = node or figure.get("node")
    if node is None:
        reader = RUN_READERS.get(metric)
        return reader(frame) if reader else None
    node_reader = NODE_READERS.get(metric)
    entry = (frame.get("nodes") or {}).get(node)
    return node_reader(entry) if node_reader and isinstance(entry, dict) else None


def pick_choice(frame: Frame, figure: dict[str, Any], choices: list[str]) -> tuple[str, dict[str, float | None]]:
    """The right choice (the node with the highest, or lowest, measured figure) and each
    choice's value. Nodes without a value never win; with none at all the answer is ''."""
    values = {choice: read_figure(frame, figure, node=choice) for choice in choices}
    measured = {choice: value for choice, value in values.items() if value is not None}
    if not measured:
        return "", values
    best = max if figure.get("pick", "max") == "max" else min
    return best(measured, key=lambda choice: measured[choice]), values


def score_number(answer: float, measured: float) -> int:
    """100 for the exact value, falling linearly to 0 at 100% off (or 1 unit off for tiny values)."""
    scale = max(abs(measured), 1.0)
    return max(0, round(100 * (1 - abs(answer - measured) / scale)))
