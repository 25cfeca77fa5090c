"""A run's websocket under a real daphne (the server's log must hold no traceback).

A viewer that stops reading its socket skips ahead (a gap in `seq`) and its last frame is the
newest, instead of getting every frame in order ever later.

daphne's `send` never waits (Twisted buffers what the socket cannot take), so only the outbox
asking the connection how much it has not sent yet (apps/live/backlog.py) holds frames back.
The viewer here is a raw websocket client with a tiny receive buffer that reads the snapshot,
then nothing while frames are published for ~3 s, then everything it was sent.
"""

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from apps.engine.runtime.plan import compile_plan
from apps.engine.runtime.redis import client
from apps.engine.stream import RunStream, frame_key, publisher
from playground.embedded_redis import free_port
from tests.live.test_run_socket import idle_run, sample

pytestmark = [pytest.mark.engine, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
FRAMES = 90
RATE = 30.0  # frames a second: 3 s of frames while the viewer does not read


def database_url() -> str:
    """The test database, for the server process."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = quote(db.get("USER") or "") + (":" + quote(db["PASSWORD"]) if db.get("PASSWORD") else "")
    host = f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}"
    return f"postgres://{user}@{host}/{db['NAME']}"


@pytest.fixture
def daphne(transactional_db: None, tmp_path: Path) -> Iterator[int]:
    """A daphne on a free port, on the test database and the suite's Redis; yields the port."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "playground.settings",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_DEBUG": "0",
    }
    log = open(tmp_path / "daphne.log", "wb")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "playground.asgi:application"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"daphne did not start: {(tmp_path / 'daphne.log').read_text()}") from None
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    assert b"Traceback" not in (tmp_path / "daphne.log").read_bytes()


@pytest.fixture
def stream() -> Iterator[RunStream]:
    row = idle_run()
    yield RunStream(row.id, compile_plan(row.document), duration_s=row.duration_s)
    client().delete(frame_key(row.id))


def publish(stream: RunStream) -> None:
    started = time.monotonic()
    for i in range(FRAMES):
        time.sleep(max(0.0, started + i / RATE - time.monotonic()))
        stream.publish_sample(sample(0.2 * i, created=i + 1))
        publisher.flush()


async def slow_viewer(port: int, stream: RunStream) -> tuple[int, list[int], float]:
    """The snapshot's seq, the seqs read once the viewer reads again, and how long after that
    the newest frame came."""
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)  # the kernel's smallest
    raw.connect(("127.0.0.1", port))
    raw.setblocking(False)
    url = f"ws://127.0.0.1:{port}/ws/runs/{stream.run_id}/"
    async with connect(
        url, sock=raw, origin=f"http://127.0.0.1:{port}", compression=None, max_queue=1, max_size=None
    ) as socket_:
        snapshot = json.loads(await socket_.recv())
        await asyncio.to_thread(publish, stream)  # meanwhile the viewer reads nothing
        resumed = time.monotonic()
        seqs: list[int] = []
        newest_after = -1.0
        while True:
            try:
                message: dict[str, Any] = json.loads(await asyncio.wait_for(socket_.recv(), timeout=2))
            except TimeoutError:
                break
            seqs.append(int(message["seq"]))
            if message["seq"] == FRAMES and newest_after < 0:
                newest_after = time.monotonic() - resumed
        return int(snapshot["seq"]), seqs, newest_after


def test_a_viewer_that_does_not_read_skips_ahead_to_the_newest_frame(daphne: int, stream: RunStream) -> None:
    first, seqs, newest_after = asyncio.run(slow_viewer(daphne, stream))
    assert first == 0 and seqs, seqs
    assert seqs == sorted(set(seqs))  # never an old frame after a newer one
    assert seqs[-1] == FRAMES  # the newest frame came
    assert 0 <= newest_after < 1.0  # at once, not after a backlog
    missing = [seq for seq in range(1, FRAMES + 1) if seq not in seqs]
    assert len(missing) >= FRAMES // 2, seqs  # frames were skipped, not queued


async def reading_viewer(port: int, stream: RunStream) -> list[int]:
    url = f"ws://127.0.0.1:{port}/ws/runs/{stream.run_id}/"
    async with connect(url, origin=f"http://127.0.0.1:{port}", compression=None) as socket_:
        seqs = [int(json.loads(await socket_.recv())["seq"])]
        publishing = asyncio.create_task(asyncio.to_thread(publish, stream))
        while seqs[-1] < FRAMES:
            seqs.append(int(json.loads(await asyncio.wait_for(socket_.recv(), timeout=5))["seq"]))
        await publishing
        return seqs


def test_a_viewer_that_reads_gets_every_frame(daphne: int, stream: RunStream) -> None:
    assert asyncio.run(reading_viewer(daphne, stream)) == list(range(FRAMES + 1))


async def unknown_run(port: int) -> int | None:
    url = f"ws://127.0.0.1:{port}/ws/runs/nosuchrun/"
    async with connect(url, origin=f"http://127.0.0.1:{port}") as socket_:
        try:
            await asyncio.wait_for(socket_.recv(), timeout=5)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
    return None


def test_an_unknown_run_is_accepted_then_closed_with_4404(daphne: int) -> None:
    assert asyncio.run(unknown_run(daphne)) == 4404  # not a 403 on the handshake


async def malformed(port: int, stream: RunStream) -> tuple[list[dict[str, Any]], int | None]:
    url = f"ws://127.0.0.1:{port}/ws/runs/{stream.run_id}/"
    async with connect(url, origin=f"http://127.0.0.1:{port}", max_size=None) as socket_:
        await socket_.recv()  # the snapshot
        answers = []
        for message in ("not json", "", b"\x00\x01", b""):
            await socket_.send(message)
            answers.append(json.loads(await asyncio.wait_for(socket_.recv(), timeout=5)))
        await socket_.send("x" * 9000)
        try:
            await asyncio.wait_for(socket_.recv(), timeout=5)
        except ConnectionClosed as closed:
            return answers, closed.rcvd.code if closed.rcvd else None
    return answers, None


def test_malformed_messages_are_answered_and_an_oversized_one_closes_with_4413(daphne: int, stream: RunStream) -> None:
    answers, code = asyncio.run(malformed(daphne, stream))
    assert [answer["type"] for answer in answers] == ["error"] * 4
    assert code == 4413  # not 1011, and no traceback in the server's log (the fixture checks)
