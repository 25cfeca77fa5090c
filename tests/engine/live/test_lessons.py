"""Every built-in template's lesson, rehearsed on the live engine: its steps' faults fire at
their run times (with the template's own scheduled faults, as in a session), and each
prediction's figure, read from the run's series at the step that reveals it, has a measured
value (and a choice, a right answer). A lesson whose question could never be answered fails here,
not in front of a class."""

import uuid
from typing import Any

import pytest

from apps.engine.simulation import load_topology, prepare
from apps.engine.stream import RunStream
from apps.library.services import ORDER
from apps.runtime.driver import Driver
from apps.training.measure import pick_choice, read_figure
from apps.training.services import undo_fault


def rehearsal(document: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[dict[str, Any], float]]]:
    """The document with its first playbook's faults scheduled, and each question with the run
    time of the step that reveals it."""
    out = dict(document)
    faults = list(out.get("faults", []))
    active: list[dict[str, Any]] = []
    questions: list[tuple[dict[str, Any], float]] = []
    open_question: dict[str, Any] | None = None
    t = 0.0
    for step in document["playbooks"][0]["steps"]:
        t = float(step.get("at_s", t))  # a step that waits for the instructor: at once, here
        if step.get("restore"):
            faults += [{**undo, "at_s": t} for fault in active if (undo := undo_fault(document, fault))]
            active = []
        for fault in step.get("faults", []):
            faults.append({**fault, "at_s": t})
            if "duration_s" not in fault:
                active.append(fault)
        if step.get("question"):
            open_question = step["question"]
        if step.get("reveal") and open_question is not None:
            questions.append((open_question, t))
            open_question = None
    out["faults"] = faults
    return out, questions


def series_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Run the document at max and return its series (a point every half second of run time)."""
    run = uuid.uuid4().hex[:12]
    driver = Driver(run, document, drain_timeout_s=60)
    stream = RunStream(run, driver.plan, duration_s=driver.duration_s)
    driver.on_sample = stream.on_sample
    try:
        driver.execute()
        return stream.finish("finished")
    finally:
        driver.cleanup()


@pytest.mark.parametrize("slug", ORDER)
def test_every_lesson_plays_and_each_prediction_is_measured(fleet: Any, slug: str) -> None:
    document, questions = rehearsal(load_topology(slug))
    assert questions, f"{slug}: its lesson reveals no prediction"
    series = series_of(prepare(document, settings=[], faults=[], speed="max"))
    for question, reveal_at in questions:
        point = next(p for p in series if p["t"] >= reveal_at)
        if question["kind"] == "choice":
            correct, values = pick_choice(point, question["figure"], question["choices"])
            assert correct, (slug, question["prompt"], values)
        else:
            value = read_figure(point, question["figure"])
            assert value is not None, (slug, question["prompt"], point["t"])
