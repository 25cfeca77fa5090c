"""Rules for how a rate limiter, a search index and a scheduler are set up (beyond the schema).

- A rate limiter with the sliding window admits `rate_per_s × window_s` calls per window: below
  one, it would admit nothing at all.
- A search index is fed by events: with no delivery edge from a queue or a bus nothing is ever
  indexed, and every search finds nothing (a warning).
- A scheduler needs at least one job, and fires first at `start_s`: at or after the run's end
  it never fires in that run (a warning).
"""

from typing import Any, Protocol

from apps.topology.kinds import KINDS


class Checker(Protocol):
    """What the document validator lends these rules (validation.py's semantic check)."""

    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    node_by_id: dict[str, dict[str, Any]]
    duration_s: float

    def error(self, path: str, message: str, target: str | None = None) -> None: ...

    def warn(self, path: str, message: str, target: str | None = None) -> None: ...


def _props(node: dict[str, Any]) -> dict[str, Any]:
    """The node's props over its kind's defaults (top-level names only: these kinds have no nesting)."""
    return {**KINDS[node["kind"]].defaults(), **(node.get("props") or {})}


def check_flow_rules(check: Checker) -> None:
    for index, node in enumerate(check.nodes):
        if node["kind"] == "rate_limiter":
            check_rate_limiter(check, index, node)
        elif node["kind"] == "search_index":
            check_search_index(check, index, node)
        elif node["kind"] == "scheduler":
            check_scheduler(check, index, node)


def check_rate_limiter(check: Checker, index: int, node: dict[str, Any]) -> None:
    props = _props(node)
    if props["algorithm"] != "sliding_window":
        return
    rate, window = props["rate_per_s"], props["window_s"]
    if not isinstance(rate, int | float) or not isinstance(window, int | float):
        return  # the schema reports a wrong type
    if rate * window < 1:
        message = (
            f"a sliding window of {window:g} s at {rate:g} req/s admits {rate * window:g} calls per window, "
            "fewer than one: raise the rate or the window"
        )
        check.error(f"$.nodes[{index}].props.window_s", message, node["id"])


def check_search_index(check: Checker, index: int, node: dict[str, Any]) -> None:
    sources = [check.node_by_id.get(edge["from"]) for edge in check.edges if edge["to"] == node["id"]]
    if not any(source is not None and KINDS[source["kind"]].messaging for source in sources):
        message = "no queue or event bus delivers to this search index: nothing is ever indexed"
        check.warn(f"$.nodes[{index}]", message, node["id"])


def check_scheduler(check: Checker, index: int, node: dict[str, Any]) -> None:
    props = _props(node)
    base = f"$.nodes[{index}].props"
    if not props["jobs"]:
        check.error(f"{base}.jobs", "a scheduler needs at least one job to fire", node["id"])
    start = props["start_s"]
    if isinstance(start, int | float) and start >= check.duration_s:
        message = f"first fires at {start:g} s, at or after the run's end ({check.duration_s:g} s): it never fires"
        check.warn(f"{base}.start_s", message, node["id"])
