"""Every built-in template carries a guided lesson: explain, predict, break, reveal."""

import re
from typing import Any

import pytest

from tests.library.test_templates_valid import SLUGS, load


def lesson(slug: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    doc = load(slug)
    assert doc.get("playbooks"), "the template has a playbook"
    return doc, doc["playbooks"][0]["steps"]


def window(start: float, fault: dict[str, Any], end: float) -> tuple[float, float]:
    return start, start + fault["duration_s"] if "duration_s" in fault else end


@pytest.mark.parametrize("slug", SLUGS)
def test_the_lesson_opens_with_the_concept(slug: str) -> None:
    _, steps = lesson(slug)
    assert 4 <= len(steps) <= 8
    first = steps[0]
    assert first["at_s"] == 0 and first["say"] and first["watch"]
    sentences = re.findall(r"[.!?](?:\s|$)", first["say"])
    assert 1 <= len(sentences) <= 3, "the opening says the concept in 1-3 short sentences"


@pytest.mark.parametrize("slug", SLUGS)
def test_predict_before_the_fault_and_reveal_while_it_lasts(slug: str) -> None:
    doc, steps = lesson(slug)
    end = doc["run"]["duration_s"]
    asks = next(i for i, step in enumerate(steps) if step.get("question"))
    assert steps[asks].get("wait") is True, "a prediction waits for the instructor"
    fires = next(i for i, step in enumerate(steps) if step.get("faults"))
    assert asks < fires, "the question comes before the fault it is about"
    reveal = next(step for step in steps[fires:] if step.get("reveal"))
    start = steps[fires]["at_s"]
    assert any(
        window(start, fault, end)[0] <= reveal["at_s"] < window(start, fault, end)[1]
        for fault in steps[fires]["faults"]
    ), "the reveal reads the figure while the fault is in effect"


@pytest.mark.parametrize("slug", SLUGS)
def test_playbook_faults_fit_the_run_and_are_undone(slug: str) -> None:
    doc, steps = lesson(slug)
    end = doc["run"]["duration_s"]
    restored_later = False
    for step in reversed(steps):
        restored_later = restored_later or bool(step.get("restore"))
        for fault in step.get("faults", []):
            assert "at_s" in step, "a fault step fires at a known run time"
            assert step["at_s"] + fault.get("duration_s", 0) <= end
            assert "duration_s" in fault or restored_later, "every fault is undone"


@pytest.mark.parametrize("slug", SLUGS)
def test_playbook_faults_leave_the_scheduled_ones_alone(slug: str) -> None:
    """A session's run fires the scheduled faults too: the lesson never acts on the same target
    (the same instance of it) while one of them is in effect."""
    doc, steps = lesson(slug)
    end = doc["run"]["duration_s"]
    scheduled = [((f["target"], f.get("instance")), window(f["at_s"], f, end)) for f in doc.get("faults", [])]
    for step in steps:
        for fault in step.get("faults", []):
            start, stop = window(step["at_s"], fault, end)
            for target, (busy_from, busy_to) in scheduled:
                same = target == (fault["target"], fault.get("instance"))
                assert not same or stop <= busy_from or start >= busy_to, (step["title"], target)
