"""A submitted design as it is judged: the challenge's traffic, fault script and run settings
put back whatever was sent, its locked nodes checked (docs/challenges.md)."""

import copy
from typing import Any

from apps.challenges.format import Challenge, ChallengeError
from apps.topology.kinds.base import get_path
from apps.topology.validation import Problem, validate_document


def _nodes(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {node["id"]: node for node in document["nodes"]}


def _locked_properties(
    challenge: Challenge, start: dict[str, dict[str, Any]], mine: dict[str, dict[str, Any]]
) -> list[Problem]:
    """Locks of one property, `"node.prop.path"`: the node may change, that property may not."""
    problems = []
    for lock in challenge.locked:
        node_id, _, prop = lock.partition(".")
        if not prop:
            continue
        path = tuple(prop.split("."))
        theirs = mine.get(node_id)
        kept = theirs is not None and get_path(theirs.get("props", {}), path) == get_path(
            start[node_id].get("props", {}), path
        )
        if not kept:
            problems.append(Problem("$.nodes", f"{node_id}'s {prop} is locked: keep it as it was"))
    return problems


def judged_document(challenge: Challenge, submitted: Any) -> dict[str, Any]:
    """The document the runs use, or ChallengeError naming what the submission may not do."""
    validation = validate_document(submitted)
    if not validation.ok:
        raise ChallengeError(validation.errors)
    document = copy.deepcopy(validation.document)
    start, mine = _nodes(challenge.start), _nodes(document)
    problems = []
    problems += _locked_properties(challenge, start, mine)
    for node_id, node in start.items():
        if node["kind"] == "client" or node_id in challenge.locked:
            theirs = mine.get(node_id)
            what = "the traffic" if node["kind"] == "client" else "locked"
            if theirs is None or theirs["kind"] != node["kind"]:
                problems.append(Problem("$.nodes", f"{node_id} is {what}: keep a {node['kind']} with that id"))
            elif node["kind"] == "client":
                theirs["props"] = copy.deepcopy(node.get("props", {}))  # the challenge's traffic, whatever was sent
            elif theirs.get("props", {}) != node.get("props", {}):
                problems.append(Problem("$.nodes", f"{node_id} is locked: keep its properties as they were"))
    extra = sorted(n["id"] for n in document["nodes"] if n["kind"] == "client" and n["id"] not in start)
    if extra:
        problems.append(Problem("$.nodes", f"the traffic is the challenge's: remove the client(s) {', '.join(extra)}"))
    targets = sorted({f["target"] for f in challenge.start.get("faults", []) if f.get("target") not in mine})
    if targets:
        problems.append(Problem("$.nodes", f"the fault script acts on {', '.join(targets)}: keep them"))
    if problems:
        raise ChallengeError(problems)
    document["faults"] = copy.deepcopy(challenge.start.get("faults", []))
    document["run"] = {"duration_s": challenge.duration_s, "seed": challenge.seeds[0], "speed": "max"}
    document.pop("playbooks", None)
    checked = validate_document(document)
    if not checked.ok:
        raise ChallengeError(checked.errors)
    return document
