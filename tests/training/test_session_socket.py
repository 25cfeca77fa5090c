"""The session's websocket: roles, the instructor's view and laser reaching participants,
presence, and refusals (docs/api.md, "Session stream")."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator

from playground.asgi import application
from tests.training.helpers import Member, join, queued_document, start_session

pytestmark = [pytest.mark.engine, pytest.mark.django_db(transaction=True)]

ORIGIN = [(b"origin", b"http://localhost")]
AREA = {"x": 10, "y": 20, "width": 800, "height": 450}


@pytest.fixture(autouse=True)
def fresh_channel_layer() -> Iterator[None]:
    """A channel layer per test: each test body runs on an event loop of its own."""
    channel_layers.backends = {}
    yield
    channel_layers.backends = {}


def socket(code: str, query: str = "") -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/ws/sessions/{code}/{query}", headers=ORIGIN)


async def until(member: WebsocketCommunicator, kind: str, timeout: float = 5) -> dict[str, Any]:
    """The next message of this type (state messages come and go between)."""
    while True:
        message = json.loads(await member.receive_from(timeout=timeout))
        if message["type"] == kind:
            return message


def run(test: Any) -> Any:
    return async_to_sync(test)()


def test_the_instructor_moves_everyones_view_and_laser() -> None:
    _instructor, session = start_session(queued_document())
    code, secret = session["code"], session["instructor_secret"]
    _, ada = join(code, "Ada")

    async def body() -> tuple[dict[str, Any], ...]:
        teacher = socket(code, f"?instructor={secret}")
        student = socket(code, f"?token={ada['token']}")
        assert (await teacher.connect())[0] and (await student.connect())[0]
        teacher_hello = await until(teacher, "hello")
        hello = await until(student, "hello")
        await teacher.send_to(
            text_data=json.dumps({"type": "view", "area": AREA, "selection": ["api"], "tab": "charts"})
        )
        view = await until(student, "view")
        await teacher.send_to(text_data=json.dumps({"type": "laser", "x": 100.5, "y": 40}))
        laser = await until(student, "laser")
        await teacher.send_to(text_data=json.dumps({"type": "bring"}))
        brought = await until(student, "view")
        late = socket(code, f"?token={ada['token']}")  # a second tab joins late: it gets the last view
        await late.connect()
        late_hello = await until(late, "hello")
        for member in (teacher, student, late):
            await member.disconnect()
        return teacher_hello, hello, view, laser, brought, late_hello

    teacher_hello, hello, view, laser, brought, late_hello = run(body)
    assert teacher_hello["role"] == "instructor"
    assert hello["role"] == "participant" and hello["participant_id"] == ada["participant_id"]
    assert hello["state"]["code"] == code
    assert view["area"] == {"x": 10, "y": 20, "width": 800, "height": 450}
    assert view["selection"] == ["api"] and view["tab"] == "charts" and view["bring"] == 0
    assert (laser["x"], laser["y"]) == (100.5, 40)
    assert brought["bring"] == 1 and brought["area"] == view["area"]
    assert late_hello["view"]["bring"] == 1


def test_presence_follows_the_connections() -> None:
    _instructor, session = start_session(queued_document())
    code = session["code"]
    _, ada = join(code, "Ada")

    async def body() -> None:
        student = socket(code, f"?token={ada['token']}")
        await student.connect()
        await until(student, "hello")
        await student.disconnect()

    state = Member().get(f"/api/sessions/{code}/").json()
    assert state["participants"][0]["present"] is False
    run(body)
    assert Member().get(f"/api/sessions/{code}/").json()["participants"][0]["present"] is False

    async def stay() -> bool:
        student = socket(code, f"?token={ada['token']}")
        await student.connect()
        await until(student, "hello")
        present = await _present(code)
        await student.disconnect()
        return present

    assert run(stay) is True


async def _present(code: str) -> bool:
    from channels.db import database_sync_to_async

    state = await database_sync_to_async(lambda: Member().get(f"/api/sessions/{code}/").json())()
    return bool(state["participants"][0]["present"])


def test_wrong_messages_are_answered_and_malformed_ones_close_the_socket() -> None:
    _instructor, session = start_session(queued_document())
    code = session["code"]
    _, ada = join(code, "Ada")

    async def body() -> tuple[list[str], list[tuple[str, int]]]:
        student = socket(code, f"?token={ada['token']}")
        await student.connect()
        await until(student, "hello")
        errors = []
        for frame in (json.dumps({"type": "view", "area": AREA}), json.dumps({"type": "dance"})):
            await student.send_to(text_data=frame)  # well-formed, not accepted: answered, still open
            errors.append((await until(student, "error"))["message"])
        await student.disconnect()
        closed = []
        for malformed in ({"text_data": "not json"}, {"bytes_data": b"\x00\x01"}, {"text_data": "x" * 9000}):
            student = socket(code, f"?token={ada['token']}")
            await student.connect()
            await until(student, "hello")
            await student.send_to(**malformed)
            said = ""
            while (output := await student.receive_output(timeout=5))["type"] == "websocket.send":
                said = json.loads(output["text"]).get("message", said)
            closed.append((said, output.get("code")))
            await student.disconnect()
        return errors, closed

    errors, closed = run(body)
    assert "only the instructor" in errors[0]
    assert "unknown message type" in errors[1]
    assert closed[0][1] == 4400 and "not JSON" in closed[0][0]
    assert closed[1][1] == 4400 and "not binary" in closed[1][0]
    assert closed[2][1] == 4413


def test_an_instructors_bad_view_is_refused_and_an_unknown_code_closed_4404() -> None:
    _instructor, session = start_session(queued_document())
    code, secret = session["code"], session["instructor_secret"]

    async def body() -> tuple[str, Any]:
        teacher = socket(code, f"?instructor={secret}")
        await teacher.connect()
        await until(teacher, "hello")
        await teacher.send_to(
            text_data=json.dumps({"type": "view", "area": {"x": 0, "y": 0, "width": -1, "height": 1}})
        )
        error = (await until(teacher, "error"))["message"]
        await teacher.disconnect()
        nobody = socket("ZZZZZZ")
        await nobody.connect()
        closed = await nobody.receive_output(timeout=5)
        return error, closed

    error, closed = run(body)
    assert "width and height > 0" in error
    assert closed == {"type": "websocket.close", "code": 4404}


def test_a_burst_of_joins_reaches_a_member_as_few_whole_states() -> None:
    _, session = start_session(queued_document())
    code = session["code"]
    _, ada = join(code, "Ada")

    async def body() -> list[dict[str, Any]]:
        from channels.db import database_sync_to_async

        student = socket(code, f"?token={ada['token']}")
        await student.connect()
        await until(student, "hello")
        await database_sync_to_async(lambda: [join(code, f"Student {n}") for n in range(20)])()
        states = []
        while not await student.receive_nothing(timeout=1, interval=0.05):
            message = json.loads(await student.receive_from())
            if message["type"] == "state":
                states.append(message["state"])
        await student.disconnect()
        return states

    states = run(body)
    assert states and len(states[-1]["participants"]) == 21
    assert len(states) <= 10  # 20 joins (and a presence change) came as a few states, not 21
