"""A run cut short says so: what was still open gets the outcome `cut`, counted, never lost."""

from typing import Any

from apps.engine.simulation import simulate
from apps.topology.blank import blank_document


def backlog_document() -> dict[str, Any]:
    """2,000 requests a second into one instance that serves 40: a backlog of thousands."""
    document = blank_document(name="A backlog")
    document["nodes"] = [
        {"id": "users", "kind": "client", "props": {"rate": 2000, "commands": ["Go"], "timeout_ms": 120000}},
        {
            "id": "slow",
            "kind": "service",
            "props": {"concurrency": 4, "latency": {"distribution": "fixed", "mean_ms": 100}},
        },
    ]
    document["edges"] = [{"id": "e1", "from": "users", "to": "slow", "props": {"timeout_ms": 120000}}]
    document["run"] = {"duration_s": 2, "seed": 3, "speed": "max"}
    return document


def test_a_drain_over_its_limit_is_cut_and_the_ledger_says_what_was_cut(fleet: Any) -> None:
    summary = simulate(backlog_document(), drain_timeout_s=0.3)
    cut = summary["cut"]
    assert cut is not None and cut["reason"] == "the drain took longer than 0.3 s"
    requests = summary["requests"]
    assert requests["cut"] == cut["requests"] > 1000
    assert requests["in_flight"] == 0
    assert summary["lost"] == 0  # every request has its one terminal record
    assert requests["completed"] + requests["failed"] + requests["timed_out"] + requests["cut"] == requests["created"]
    assert summary["drained"] is False
    # The cut ones say nothing about the architecture: availability is over the others.
    ended = requests["created"] - requests["cut"]
    assert summary["availability"] == round(requests["completed"] / ended, 6)
