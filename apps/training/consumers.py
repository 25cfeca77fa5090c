"""The session's websocket: everyone in the class listens; the instructor also moves
everyone's view and laser pointer (docs/api.md, "Session stream").

A member's role comes from its browser session (the instructor's secret or a participant's
token for this code) or from the query string (`?instructor=` / `?token=`, for scripts); with
neither it is a spectator. Messages reach the members through the process's fan-out
(fanout.py); the instructor's last view is also kept in Redis, for whoever joins next.
"""

import asyncio
import json
import logging
import math
import time
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer

from apps.live.socket_rules import CLOSE_NOT_FOUND, NOT_READ, LeavesOnClose, QuickDispatch, ReadsJson
from apps.runtime.redis import client
from apps.training.fanout import RELAY_TYPE, Mailbox, session_fanout, session_group
from apps.training.models import Session
from apps.training.ownership import INSTRUCTOR_KEY, PARTICIPANT_KEY, participant_by_token, remembered
from apps.training.selectors import session_get
from apps.training.services import presence_changed
from apps.training.state import session_state

MAX_SELECTION = 200
MAX_TAB = 40
RATE_PER_S = 60  # messages a connection may send per second (a burst of as many)
VIEW_TTL_S = 24 * 3600


def view_key(code: str) -> str:
    return f"training:{code}:view"


def _coordinate(value: Any) -> float | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    return float(value) if ok and abs(value) < 1e7 else None


def clean_area(area: Any) -> dict[str, float] | None:
    if not isinstance(area, dict):
        return None
    values = {name: _coordinate(area.get(name)) for name in ("x", "y", "width", "height")}
    if any(value is None for value in values.values()) or values["width"] <= 0 or values["height"] <= 0:  # type: ignore[operator]
        return None
    return {name: round(value, 2) for name, value in values.items() if value is not None}


class SessionConsumer(LeavesOnClose, ReadsJson, QuickDispatch, AsyncWebsocketConsumer):  # type: ignore[misc]
    example = '{"type": "view", ...}'
    session: Session | None = None
    role = "spectator"
    participant_id: int | None = None
    mailbox: Mailbox | None = None
    seq = 0
    allowance = float(RATE_PER_S)
    checked_at = 0.0
    publisher: "asyncio.Task[None] | None" = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pending: dict[str, dict[str, Any]] = {}  # kind -> the instructor's newest message
        self.last_view: dict[str, Any] = {}

    async def connect(self) -> None:
        code = self.scope["url_route"]["kwargs"]["code"]
        session = await database_sync_to_async(session_get)(code=code)
        await self.accept()
        if session is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.session = session
        self.role, self.participant_id = await database_sync_to_async(self._identify)(session)
        mailbox = Mailbox(self._send_text)
        await session_fanout().join(session.code, mailbox)
        self.mailbox = mailbox
        if self.role != "spectator":
            await database_sync_to_async(presence_changed)(
                session_id=session.id, participant_id=self.participant_id, delta=1
            )
        state = await database_sync_to_async(self._state)()
        view = await asyncio.to_thread(client().get, view_key(session.code))
        hello = {
            "type": "hello",
            "role": self.role,
            "participant_id": self.participant_id,
            "state": state,
            "view": json.loads(view) if view else None,
        }
        self.last_view = hello["view"] or {}
        await self.send(text_data=json.dumps(hello))
        mailbox.release()  # what was said meanwhile follows the hello, never precedes it

    def _identify(self, session: Session) -> tuple[str, int | None]:
        query = parse_qs(self.scope.get("query_string", b"").decode(errors="replace"))
        store = self.scope.get("session")
        secret = (query.get("instructor") or [""])[0] or remembered(store, INSTRUCTOR_KEY, session.code)
        if session.instructor_matches(secret):
            return "instructor", None
        token = (query.get("token") or [""])[0] or remembered(store, PARTICIPANT_KEY, session.code)
        participant = participant_by_token(session, token)
        return ("participant", participant.id) if participant else ("spectator", None)

    def _state(self) -> dict[str, Any]:
        assert self.session is not None
        fresh = session_get(code=self.session.code)
        return session_state(fresh) if fresh else {}

    async def disconnect(self, code: int) -> None:
        await self._leave()

    async def _leave(self) -> None:
        mailbox, self.mailbox = self.mailbox, None
        if mailbox is None or self.session is None:
            return
        mailbox.close()
        await session_fanout().leave(self.session.code, mailbox)
        if self.role != "spectator":
            await database_sync_to_async(presence_changed)(
                session_id=self.session.id, participant_id=self.participant_id, delta=-1
            )

    async def _send_text(self, text: str) -> None:
        await self.send(text_data=text)

    async def _error(self, message: str) -> None:
        await self.send(text_data=json.dumps({"type": "error", "message": message}))

    def _within_rate(self) -> bool:
        now = time.monotonic()
        self.allowance = min(float(RATE_PER_S), self.allowance + (now - self.checked_at) * RATE_PER_S)
        self.checked_at = now
        if self.allowance < 1:
            return False
        self.allowance -= 1
        return True

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.session is None or self.mailbox is None:
            return
        message = await self.read(text_data, bytes_data)
        if message is NOT_READ:
            return
        kind = message.get("type") if isinstance(message, dict) else None
        if kind not in ("view", "laser", "bring"):
            await self._error(f"unknown message type {kind!r}; the instructor sends view, laser or bring")
            return
        if self.role != "instructor":
            await self._error("only the instructor can move everyone's view or pointer")
            return
        if not self._within_rate():
            return  # the instructor's page sends far fewer; extra ones are dropped
        # Only the newest of each kind matters: keep it, and let one task publish them in turn,
        # so a burst never queues up here however slow the channel layer is for a moment.
        self.pending.pop(kind, None)
        self.pending[kind] = message
        if self.publisher is None or self.publisher.done():
            self.publisher = asyncio.get_running_loop().create_task(self._publish_pending())

    async def _publish_pending(self) -> None:
        while self.pending:
            kind = next(iter(self.pending))
            message = self.pending.pop(kind)
            try:
                if kind == "laser":
                    await self._laser(message)
                else:
                    await self._view(message, bring=kind == "bring")
            except Exception:
                logging.getLogger(__name__).warning("could not publish the instructor's %s", kind, exc_info=True)

    async def _publish(self, kind: str, payload: dict[str, Any]) -> str:
        assert self.session is not None
        self.seq += 1
        text = json.dumps({**payload, "seq": self.seq, "sent_at": round(time.time() * 1000, 1)})
        layer = get_channel_layer()
        await layer.group_send(session_group(self.session.code), {"type": RELAY_TYPE, "kind": kind, "text": text})
        return text

    async def _laser(self, message: dict[str, Any]) -> None:
        x, y = _coordinate(message.get("x")), _coordinate(message.get("y"))
        if message.get("x") is None:
            await self._publish("laser", {"type": "laser", "x": None, "y": None})
        elif x is None or y is None:
            await self._error("laser needs x and y as numbers (graph coordinates), or x: null to hide it")
        else:
            await self._publish("laser", {"type": "laser", "x": round(x, 1), "y": round(y, 1)})

    async def _view(self, message: dict[str, Any], *, bring: bool) -> None:
        assert self.session is not None
        last = self.last_view
        area = clean_area(message.get("area")) if not bring else last.get("area")
        if area is None:
            await self._error("view needs area {x, y, width, height} in graph coordinates, width and height > 0")
            return
        selection = message.get("selection", []) if not bring else last.get("selection", [])
        if not isinstance(selection, list) or not all(isinstance(s, str) and len(s) <= 40 for s in selection):
            await self._error("selection must be a list of node or edge ids")
            return
        tab = message.get("tab") if not bring else last.get("tab")
        if tab is not None and not (isinstance(tab, str) and len(tab) <= MAX_TAB):
            await self._error("tab must be the dock tab's id, or null")
            return
        count = int(last.get("bring", 0)) + (1 if bring else 0)
        payload = {"type": "view", "area": area, "selection": selection[:MAX_SELECTION], "tab": tab, "bring": count}
        self.last_view = payload
        text = await self._publish("view", payload)
        await asyncio.to_thread(client().set, view_key(self.session.code), text, ex=VIEW_TTL_S)
