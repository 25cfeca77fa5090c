"""The challenge format: every built-in challenge reads; a broken one is refused with paths;
a submission gets the challenge's traffic and fault script back and keeps its locked nodes."""

import copy
from typing import Any

import pytest

from apps.challenges.format import ChallengeError, catalogue, parse_challenge, solution
from apps.challenges.submission import judged_document


def raw(slug: str = "buffer-a-burst") -> dict[str, Any]:
    import json

    from apps.challenges.format import CATALOGUE_DIR

    return dict(json.loads((CATALOGUE_DIR / f"{slug}.json").read_text()))


def test_every_built_in_challenge_reads_and_has_a_reference_and_a_naive_design() -> None:
    challenges = catalogue()
    assert "buffer-a-burst" in challenges
    for slug, challenge in challenges.items():
        assert challenge.slug == slug and challenge.goals and len(challenge.seeds) >= 2
        for which in ("reference", "naive"):
            judged_document(challenge, solution(slug, which))  # both are designs the challenge accepts


@pytest.mark.parametrize(
    ("change", "path", "said"),
    [
        (lambda c: c.update(format="x"), "$.format", "architecture-playground/challenge"),
        (lambda c: c.update(slug="Bad Slug"), "$.slug", "lowercase"),
        (lambda c: c["run"].update(seeds=[1]), "$.run.seeds", "an interval needs two"),
        (lambda c: c["run"].update(duration_s=0), "$.run.duration_s", "from 1 to"),
        (lambda c: c["goals"][0].update(metric="speed"), "$.goals[0].metric", "one of p50_ms"),
        (lambda c: c["goals"][0].update(at_least=1), "$.goals[0]", "exactly one bound"),
        (lambda c: c["goals"][0].update(node="nope"), "$.goals[0].node", "no node 'nope'"),
        (lambda c: c["goals"][1].update(node="signup"), "$.goals[1].node", "the whole run's"),
        (lambda c: c.update(budget_per_hour=-1), "$.budget_per_hour", "above 0"),
        (lambda c: c.update(prices={"gold": 1}), "$.prices", "no price gold"),
        (lambda c: c.update(locked=["ghost"]), "$.locked", "no such node"),
        (lambda c: c["start"]["nodes"][0].update(kind="teapot"), "$.start.nodes[0].kind", ""),
    ],
)
def test_a_broken_challenge_is_refused_with_the_path_and_the_reason(change: Any, path: str, said: str) -> None:
    challenge = raw()
    change(challenge)
    with pytest.raises(ChallengeError) as refused:
        parse_challenge(challenge)
    assert any(p.path == path and said in p.message for p in refused.value.problems), refused.value.problems


def test_the_traffic_fault_script_and_run_are_the_challenges_whatever_was_sent() -> None:
    challenge = parse_challenge(raw())
    design = solution("buffer-a-burst", "reference")
    design["nodes"][0]["props"]["rate"] = 1  # an easier traffic: not taken
    design["faults"] = []
    design["run"] = {"duration_s": 5, "seed": 9, "speed": 1}
    judged = judged_document(challenge, design)
    users = next(n for n in judged["nodes"] if n["id"] == "users")
    assert users["props"] == challenge.start["nodes"][0]["props"]
    assert judged["faults"] == challenge.start["faults"]
    assert judged["run"] == {"duration_s": 20.0, "seed": 1, "speed": "max"}


def test_a_submission_may_not_drop_the_traffic_add_some_or_change_a_locked_node() -> None:
    base = raw()
    base["locked"] = ["email"]
    challenge = parse_challenge(base)
    start = copy.deepcopy(challenge.start)

    without_users = copy.deepcopy(start)
    without_users["nodes"] = [n for n in start["nodes"] if n["id"] != "users"]
    without_users["edges"] = [e for e in start["edges"] if e["from"] != "users"]
    more_traffic = copy.deepcopy(start)
    more_traffic["nodes"].append({**copy.deepcopy(start["nodes"][0]), "id": "bots"})
    more_traffic["edges"].append({"id": "bots-signup", "from": "bots", "to": "signup"})
    bigger_email = copy.deepcopy(start)
    bigger_email["nodes"][2]["props"]["replicas"] = 9
    for design, said in (
        (without_users, "users is the traffic"),
        (more_traffic, "remove the client(s) bots"),
        (bigger_email, "email is locked"),
    ):
        with pytest.raises(ChallengeError) as refused:
            judged_document(challenge, design)
        assert any(said in p.message for p in refused.value.problems), refused.value.problems
    with pytest.raises(ChallengeError):
        judged_document(challenge, {"nodes": "nope"})  # not a topology: the validator's problems


def test_a_locked_property_may_not_change_though_the_rest_of_its_node_may() -> None:
    base = raw()
    base["locked"] = ["email.latency.mean_ms"]
    challenge = parse_challenge(base)
    resized = copy.deepcopy(challenge.start)
    resized["nodes"][2]["props"]["replicas"] = 2  # the node may change…
    judged_document(challenge, resized)
    faster = copy.deepcopy(challenge.start)
    faster["nodes"][2]["props"]["latency"]["mean_ms"] = 1  # …not the locked property
    with pytest.raises(ChallengeError) as refused:
        judged_document(challenge, faster)
    assert [p.message for p in refused.value.problems] == ["email's latency.mean_ms is locked: keep it as it was"]


def test_the_catalogue_has_twelve_challenges_in_the_curriculums_order() -> None:
    from apps.challenges.format import ORDER, catalogue

    assert len(catalogue()) >= 12
    assert list(catalogue()) == list(ORDER)  # every challenge has its place in the curriculum
