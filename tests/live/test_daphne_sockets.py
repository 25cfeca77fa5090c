"""A run's websocket under a real daphne (the server's log must hold no traceback).

A viewer that reads gets every frame in order; one that acknowledges frames and stops reading
for a while is then sent the newest frame, not a backlog; an unknown run is closed with 4404; malformed
messages are answered and an oversized one closes the socket with 4413, all without a
traceback in the server's log.
"""

import asyncio
import json
import os
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

from apps.engine.stream import RunStream, frame_key, publisher
from apps.live.fanout import ACK_WINDOW
from apps.runtime.plan import compile_plan
from apps.runtime.redis import client
from playground.local_daphne import local_daphne
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
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "playground.settings",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_DEBUG": "0",
    }
    with local_daphne(log_path=tmp_path / "daphne.log", env=env) as server:
        yield server.port
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


async def stalled_viewer(port: int, stream: RunStream) -> list[dict[str, Any]]:
    """Acknowledges what it handles, but handles nothing while the frames are published."""
    url = f"ws://127.0.0.1:{port}/ws/runs/{stream.run_id}/"
    async with connect(url, origin=f"http://127.0.0.1:{port}", compression=None) as socket_:
        snapshot = json.loads(await socket_.recv())
        await socket_.send(json.dumps({"type": "ack", "seq": snapshot["seq"]}))
        await asyncio.to_thread(publish, stream)  # 3 s of frames, none read
        frames: list[dict[str, Any]] = []
        while not frames or frames[-1]["seq"] < FRAMES:
            frames.append(json.loads(await asyncio.wait_for(socket_.recv(), timeout=5)))
            await socket_.send(json.dumps({"type": "ack", "seq": frames[-1]["seq"]}))
        return frames


def test_an_acknowledging_viewer_that_stops_reading_gets_the_newest_frame_not_a_backlog(
    daphne: int, stream: RunStream
) -> None:
    frames = asyncio.run(stalled_viewer(daphne, stream))
    seqs = [frame["seq"] for frame in frames]
    gaps = [i for i in range(1, len(seqs)) if seqs[i] > seqs[i - 1] + 1]
    assert len(seqs) <= ACK_WINDOW + 3, seqs  # what was sent before it stalled, then the newest
    assert seqs == sorted(seqs) and seqs[-1] == FRAMES and gaps, seqs
    assert frames[gaps[0]]["type"] == "frame"  # whole after the gap: the frames between were skipped


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


async def malformed(port: int, stream: RunStream) -> list[tuple[str, int | None]]:
    """Each malformed message on a socket of its own: (what the server said, its close code)."""
    url = f"ws://127.0.0.1:{port}/ws/runs/{stream.run_id}/"
    outcomes = []
    for message in ("not json", "", b"\x00\x01", b"", "x" * 9000):
        async with connect(url, origin=f"http://127.0.0.1:{port}", max_size=None) as socket_:
            await socket_.recv()  # the snapshot
            await socket_.send(message)
            said = ""
            try:
                while True:
                    said = json.loads(await asyncio.wait_for(socket_.recv(), timeout=5)).get("message", said)
            except ConnectionClosed as closed:
                outcomes.append((said, closed.rcvd.code if closed.rcvd else None))
    return outcomes


def test_malformed_messages_close_with_4400_and_an_oversized_one_with_4413(daphne: int, stream: RunStream) -> None:
    outcomes = asyncio.run(malformed(daphne, stream))
    assert [code for _, code in outcomes] == [4400, 4400, 4400, 4400, 4413]  # not 1011
    assert all(said for said, _ in outcomes[:4])  # each told what was wrong first
    # and no traceback in the server's log (the fixture checks)
