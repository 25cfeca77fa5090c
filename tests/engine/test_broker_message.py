"""The hand-built task message of the lean publish path is the one Celery itself sends.

apps/runtime/broker.py writes `engine.step` messages straight into Redis inside a
step's commit. If a Celery or kombu upgrade changed the envelope, workers would reject or
misread every hop of every run: this pins the hand-built message to what `apply_async` of the
real task produces for the same arguments, captured at the transport (kombu's virtual channel,
whose envelope the Redis transport stores as JSON). Ids, delivery tags and the reply address
differ by nature and are checked for shape only.
"""

import base64
import json
import socket
from typing import Any
from unittest import mock

from kombu.transport import memory

from apps.engine.tasks import step
from apps.runtime import broker
from playground.celery import app


def celery_message(args: tuple[Any, ...]) -> tuple[str, dict[str, Any]]:
    """(queue, message) as Celery's `send_step` path would store it."""
    captured: list[tuple[str, dict[str, Any]]] = []

    def put(channel: memory.Channel, queue: str, message: dict[str, Any], **kwargs: Any) -> None:
        captured.append((queue, json.loads(json.dumps(message))))

    with (
        mock.patch.object(memory.Channel, "_put", autospec=True, side_effect=put),
        app.connection_for_write("memory://") as connection,
    ):
        step.apply_async(args, queue=broker.ENGINE_QUEUE, connection=connection)
    assert len(captured) == 1
    return captured[0]


def without_identities(message: dict[str, Any]) -> dict[str, Any]:
    copy = json.loads(json.dumps(message))
    task_id = copy["headers"]["id"]
    assert copy["headers"]["root_id"] == task_id
    assert copy["properties"]["correlation_id"] == task_id
    assert copy["headers"]["origin"].endswith("@" + socket.gethostname())
    assert isinstance(copy["properties"]["delivery_tag"], str)
    assert isinstance(copy["properties"]["reply_to"], str)  # Celery's app id; nothing replies to ignored results
    for key in ("id", "root_id", "origin"):
        copy["headers"][key] = "<varies>"
    for key in ("correlation_id", "delivery_tag", "reply_to"):
        copy["properties"][key] = "<varies>"
    return copy


def test_the_step_message_is_the_one_celery_sends() -> None:
    run = "3f2b9c1e-run"
    queue, sent = celery_message((run,))
    built = json.loads(broker.step_message(run))
    assert queue == broker.ENGINE_QUEUE == built["properties"]["delivery_info"]["routing_key"]
    assert without_identities(built) == without_identities(sent)


def test_the_body_decodes_to_the_same_call() -> None:
    run = "run-ünïcode-and-quotes-\"'"
    _, sent = celery_message((run,))
    built = json.loads(broker.step_message(run))
    decode = lambda m: json.loads(base64.b64decode(m["body"]))  # noqa: E731
    assert (
        decode(built)
        == decode(sent)
        == [[run], {}, {"callbacks": None, "errbacks": None, "chain": None, "chord": None}]
    )
    assert built["headers"]["argsrepr"] == sent["headers"]["argsrepr"]


def test_every_message_has_its_own_id() -> None:
    first, second = (json.loads(broker.step_message("r")) for _ in range(2))
    assert first["headers"]["id"] != second["headers"]["id"]
    assert first["properties"]["delivery_tag"] != second["properties"]["delivery_tag"]
