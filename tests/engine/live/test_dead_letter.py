"""A queue's `dead_letter`: a message whose handling fails `max_deliveries` times is
dead-lettered with a dead-letter queue, and dropped without one."""

from typing import Any

import pytest

from tests.engine.live.conftest import assert_conserved

POISON = ["users.rate=5", "email.error_rate=1", "welcome-emails.max_deliveries=2"]  # every handling fails


@pytest.mark.parametrize(("dead_letter", "outcome"), [("true", "dead_lettered"), ("false", "dropped")])
def test_poison_messages_go_to_the_dead_letter_queue_only_if_there_is_one(
    run_template: Any, dead_letter: str, outcome: str
) -> None:
    settings = [*POISON, f"welcome-emails.dead_letter={dead_letter}"]
    summary = run_template("queue-buffering", duration=4, seed=3, settings=settings)
    assert_conserved(summary)
    messages = summary["messages"]
    assert messages["published"] >= 10
    assert messages["delivered"] == 0
    other = "dropped" if outcome == "dead_lettered" else "dead_lettered"
    assert messages[outcome] == messages["published"] and messages[other] == 0, messages
