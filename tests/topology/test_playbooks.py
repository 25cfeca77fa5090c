"""Playbooks in the topology document: a valid one passes; each broken rule names its path."""

from typing import Any

from apps.topology.playbooks import NODE_METRICS, RUN_METRICS
from apps.topology.schema import build_schema
from apps.topology.validation import Problem, validate_document
from tests.factories import edge, node, small_document

P = "$.playbooks[0]"


def document(*steps: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """users → lb → web1/web2, plus a queue feeding a mailer; one playbook with `steps`."""
    doc = small_document()
    doc["nodes"] += [node("jobs", "queue", 660, 0), node("mailer", "service", 880, 0)]
    doc["edges"] += [edge("e4", "web1", "jobs"), edge("e5", "jobs", "mailer")]
    doc["run"] = {"duration_s": 40}
    doc["playbooks"] = [{"name": "Lesson", "steps": list(steps), **extra}]
    return doc


def lesson() -> list[dict[str, Any]]:
    return [
        {"title": "Steady state", "at_s": 0, "say": "The queue **buffers**.", "watch": "Depth of Jobs."},
        {
            "title": "Predict",
            "wait": True,
            "question": {
                "prompt": "How many jobs will wait?",
                "kind": "number",
                "unit": "jobs",
                "figure": {"metric": "depth", "node": "jobs"},
            },
        },
        {"title": "Stop the mailer", "at_s": 10, "faults": [{"action": "stop_consumer", "target": "mailer"}]},
        {"title": "Reveal", "at_s": 18, "reveal": True},
        {
            "title": "Which is slower?",
            "wait": True,
            "question": {
                "prompt": "Which server has the higher p95?",
                "kind": "choice",
                "figure": {"metric": "p95_ms", "pick": "max"},
                "choices": ["web1", "web2"],
            },
        },
        {"title": "Slow web1", "at_s": 20, "faults": [{"action": "add_latency", "target": "web1", "latency_ms": 200}]},
        {"title": "Reveal again", "at_s": 25, "reveal": True},
        {"title": "Restore all", "at_s": 30, "restore": True},
    ]


def found(doc: dict[str, Any]) -> list[Problem]:
    return validate_document(doc).problems


def only(doc: dict[str, Any]) -> tuple[str, str, str | None]:
    problems = found(doc)
    assert len(problems) == 1, [(p.path, p.message) for p in problems]
    return problems[0].path, problems[0].message, problems[0].target


def test_a_valid_playbook_passes_without_warnings() -> None:
    assert found(document(*lesson(), summary="Stop a consumer, predict the backlog.")) == []


def test_the_schema_carries_playbooks_and_the_metric_names() -> None:
    schema = build_schema()["properties"]["playbooks"]
    step = schema["items"]["properties"]["steps"]["items"]
    figure = step["properties"]["question"]["properties"]["figure"]
    assert set(figure["properties"]["metric"]["enum"]) == set(RUN_METRICS) | set(NODE_METRICS)
    assert "at_s" not in step["properties"]["faults"]["items"]["properties"]


def test_shape_errors_name_the_path() -> None:
    steps = lesson()
    steps[0]["title"] = ""
    steps[3]["colour"] = "red"
    steps[1]["question"]["figure"]["metric"] = "speed"
    paths = {p.path: p.message for p in found(document(*steps))}
    assert paths[f"{P}.steps[0].title"] == "must not be empty"
    assert paths[f"{P}.steps[3]"] == "unknown property: 'colour'"
    assert paths[f"{P}.steps[1].question.figure.metric"].startswith("must be one of ")


def test_a_step_fault_has_no_at_s() -> None:
    steps = lesson()
    steps[2]["faults"][0]["at_s"] = 10
    assert only(document(*steps))[:2] == (f"{P}.steps[2].faults[0]", "unknown property: 'at_s'")


def test_limits() -> None:
    doc = document(*lesson())
    doc["playbooks"][0]["steps"] = []
    assert only(doc)[:2] == (f"{P}.steps", "must have at least 1 item (got 0)")
    doc["playbooks"] = [{"name": f"P{i}", "steps": [{"title": "t", "at_s": 0}]} for i in range(11)]
    assert only(doc)[:2] == ("$.playbooks", "must have at most 10 items (got 11)")


def test_names_are_unique() -> None:
    doc = document(*lesson())
    doc["playbooks"].append(dict(doc["playbooks"][0]))
    assert only(doc)[:2] == ("$.playbooks[1].name", "duplicate playbook name 'Lesson' (also at $.playbooks[0])")


def test_a_step_has_at_s_or_waits() -> None:
    steps = lesson()
    steps[0].pop("at_s")
    steps[1]["at_s"] = 5
    problems = {p.path: p.message for p in found(document(*steps))}
    assert problems[f"{P}.steps[0].at_s"].startswith("is required, unless the step waits")
    assert problems[f"{P}.steps[1]"].startswith("has both at_s and wait")


def test_at_s_never_goes_back() -> None:
    steps = lesson()
    steps[3]["at_s"] = 8
    assert only(document(*steps))[:2] == (f"{P}.steps[3].at_s", "must not be earlier than the step before (10 s)")
    steps = lesson()
    steps[5]["at_s"] = 12  # a waiting step lies between: the message names the timed one
    assert only(document(*steps))[:2] == (f"{P}.steps[5].at_s", "must not be earlier than steps[3] (18 s)")


def test_step_faults_are_checked_like_scheduled_faults() -> None:
    steps = lesson()
    steps[2]["faults"] = [
        {"action": "kill_zone", "target": "mailer"},
        {"action": "add_latency", "target": "web1"},
        {"action": "kill_instance", "target": "web2", "instance": 3},
        {"action": "stop_consumer", "target": "nobody"},
    ]
    problems = {(p.path, p.message, p.target) for p in found(document(*steps)) if p.severity == "error"}
    base = f"{P}.steps[2].faults"
    assert problems == {
        (f"{base}[0].target", "zone outage applies to zone, not to a service", "mailer"),
        (f"{base}[1]", "add latency needs 'latency_ms'", None),
        (f"{base}[2].instance", "'web2' has instances 0 to 0", "web2"),
        (f"{base}[3].target", "no node has id 'nobody'", None),
    }


def test_timing_warnings() -> None:
    steps = lesson()
    steps[2]["faults"][0]["duration_s"] = 35
    steps[7]["at_s"] = 45
    problems = [(p.path, p.message, p.severity) for p in found(document(*steps))]
    assert problems == [
        (f"{P}.steps[2].faults[0].duration_s", "is undone after the run ends (40 s)", "warning"),
        (f"{P}.steps[7].at_s", "happens at 45 s, after the run ends (40 s)", "warning"),
    ]


def test_question_nodes_must_exist() -> None:
    steps = lesson()
    steps[1]["question"]["figure"]["node"] = "ghost"
    steps[4]["question"]["choices"] = ["web1", "nobody", "web1"]
    problems = {(p.path, p.message, p.target) for p in found(document(*steps))}
    assert problems == {
        (f"{P}.steps[1].question.figure.node", "no node has id 'ghost'", None),
        (f"{P}.steps[4].question.choices[1]", "no node has id 'nobody'", None),
        (f"{P}.steps[4].question.choices[2]", "repeats 'web1' (also at choices[0])", "web1"),
    }


def test_metric_scope() -> None:
    steps = lesson()
    steps[1]["question"]["figure"] = {"metric": "created", "node": "jobs"}
    assert only(document(*steps)) == (
        f"{P}.steps[1].question.figure.node",
        "'created' is measured for the whole run: leave out node",
        "jobs",
    )
    steps[1]["question"]["figure"] = {"metric": "depth"}
    assert only(document(*steps))[:2] == (
        f"{P}.steps[1].question.figure.node",
        "'depth' is measured per node: name the node",
    )
    steps[1]["question"]["figure"] = {"metric": "p95_ms"}
    assert found(document(*steps)) == []


def test_choice_rules() -> None:
    steps = lesson()
    question = steps[4]["question"]
    question.update(unit="ms", figure={"metric": "availability", "node": "web1"})
    del question["choices"]
    problems = {p.path: p.message for p in found(document(*steps))}
    q = f"{P}.steps[4].question"
    assert problems == {
        f"{q}.unit": "only a number question has a unit",
        f"{q}.figure.node": "a choice question measures each of its choices: leave out node",
        f"{q}.figure.pick": "a choice question needs pick: max or min (which choice is right)",
        f"{q}.figure.metric": problems[f"{q}.figure.metric"],
        f"{q}.choices": "a choice question needs 2 to 8 node ids to choose from",
    }
    assert problems[f"{q}.figure.metric"].startswith("'availability' is measured for the whole run")


def test_number_rules() -> None:
    steps = lesson()
    steps[1]["question"]["choices"] = ["web1", "web2"]
    steps[1]["question"]["figure"]["pick"] = "max"
    problems = {p.path: p.message for p in found(document(*steps))}
    assert problems == {
        f"{P}.steps[1].question.choices": "only a choice question has choices",
        f"{P}.steps[1].question.figure.pick": "only a choice question picks the highest or lowest of its choices",
    }


def test_a_zone_has_no_figures() -> None:
    steps = lesson()
    doc = document(*steps)
    doc["nodes"].append(
        {"id": "zone-a", "kind": "zone", "position": {"x": 0, "y": 300}, "size": {"width": 200, "height": 100}}
    )
    steps[4]["question"]["choices"] = ["web1", "zone-a"]
    path, message, target = only(doc)
    assert (path, target) == (f"{P}.steps[4].question.choices[1]", "zone-a")
    assert "is a zone" in message


def test_ask_restore_and_reveal_order() -> None:
    steps = lesson()
    steps[1]["reveal"] = True
    assert only(document(*steps))[:2] == (
        f"{P}.steps[1].reveal",
        "a step cannot ask and reveal at once: reveal in a later step",
    )
    steps = [{"title": "Start", "at_s": 0, "restore": True, "reveal": True}, *lesson()[1:3], *lesson()[4:]]
    problems = [(p.path, p.message, p.severity) for p in found(document(*steps))]
    assert problems == [
        (f"{P}.steps[0].restore", "no earlier step fires a fault: there is nothing to restore", "warning"),
        (f"{P}.steps[0].reveal", "no question is open here: ask one in an earlier step", "warning"),
        (
            f"{P}.steps[3].question",
            "asks while the question of steps[1] is open: asking closes it unrevealed",
            "warning",
        ),
    ]
