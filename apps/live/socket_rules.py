"""What every websocket of the site shares: how a consumer is left, how its messages are
dispatched, and what a client may send.

A client sends JSON text of at most MAX_MESSAGE_BYTES. A longer message closes the socket with
CLOSE_TOO_BIG; a binary, empty or non-JSON one is answered with `{"type": "error", "message"}`
saying what was wrong, then the socket is closed with CLOSE_BAD_MESSAGE. Neither is a 1011 nor
a traceback in the server's log. (A well-formed message the consumer does not accept, such as
an unknown type, is the consumer's to answer; the socket stays open.)
"""

import json
from typing import Any

from channels.consumer import get_handler_name

MAX_MESSAGE_BYTES = 8 * 1024
CLOSE_BAD_MESSAGE = 4400  # like HTTP 400 (under daphne an application may close only with 1000 or 3000-4999)
CLOSE_NOT_FOUND = 4404  # an unknown scenario, run or session: accepted, then closed with this code
CLOSE_TOO_BIG = 4413  # like HTTP 413
NOT_READ = object()  # what `read` returns for a message that closed the socket


class LeavesOnClose:
    """A consumer that always runs its `_leave`, also when the server drops the connection
    without a disconnect (a consumer's `disconnect` is then never called)."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)  # type: ignore[misc]
        finally:
            await self._leave()

    async def _leave(self) -> None:
        raise NotImplementedError


class QuickDispatch:
    """Handles each message as channels' consumers do, without the thread hop before it.

    Channels closes stale database connections before every message, through `sync_to_async`:
    a thread hop that cost ~150 µs of CPU per message here (measured with a run socket's acks),
    for messages that mostly never touch the database. These consumers reach the database only
    through `database_sync_to_async`, which closes stale connections itself, in its thread."""

    async def dispatch(self, message: dict[str, Any]) -> None:
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)


class ReadsJson:
    """`read`: a client's message as JSON, or NOT_READ after refusing it (module docstring).
    Mixed into an AsyncWebsocketConsumer; `example` is shown to a client that sent no JSON."""

    example = '{"type": "snapshot"}'
    refused = False  # a message closed the socket: what follows is not read

    async def read(self, text_data: str | None, bytes_data: bytes | None) -> Any:
        if self.refused:
            return NOT_READ
        size = len(bytes_data or b"") if text_data is None else len(text_data)
        if size > MAX_MESSAGE_BYTES or (text_data is not None and len(text_data.encode()) > MAX_MESSAGE_BYTES):
            return await self._refuse(CLOSE_TOO_BIG)
        if text_data is None:
            return await self._refuse(CLOSE_BAD_MESSAGE, "send JSON text, not binary frames")
        try:
            return json.loads(text_data)
        except ValueError:
            return await self._refuse(CLOSE_BAD_MESSAGE, f"not JSON: send an object such as {self.example}")

    async def _refuse(self, code: int, problem: str = "") -> Any:
        self.refused = True
        if problem:
            await self.send(text_data=json.dumps({"type": "error", "message": problem}))  # type: ignore[attr-defined]
        await self.close(code=code)  # type: ignore[attr-defined]
        return NOT_READ
