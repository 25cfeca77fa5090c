"""ASGI middleware for websockets: the connection quota, and a count of open connections.

Over its quota a connection is accepted and at once closed with code 4429 (a close before
the accept would reach the browser as a bare HTTP 403, without the code). The open
connections are counted per process, by kind (`runs`, `scenarios`, `sessions`), for /metrics.
"""

from collections import Counter
from typing import Any

from asgiref.sync import sync_to_async

from apps.ops import quotas
from apps.ops.clients import scope_client

CLOSE_OVER_QUOTA = 4429
viewers: Counter[str] = Counter()  # this process's open websocket connections, by kind


def socket_kind(path: str) -> str:
    parts = [part for part in path.split("/") if part]
    return parts[1] if len(parts) > 1 and parts[0] == "ws" else "other"


def _check(scope: dict[str, Any]) -> quotas.Refusal | None:
    return quotas.check("websocket", client=scope_client(scope))


class SocketGate:
    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        refusal = await sync_to_async(_check, thread_sensitive=False)(scope)
        if refusal is not None:
            await receive()  # websocket.connect
            await send({"type": "websocket.accept"})
            reason = f"over quota; try again in {refusal.retry_after} s"
            await send({"type": "websocket.close", "code": CLOSE_OVER_QUOTA, "reason": reason})
            return
        kind = socket_kind(scope.get("path", ""))
        accepted = False

        async def counting_send(message: dict[str, Any]) -> None:
            nonlocal accepted
            if message["type"] == "websocket.accept" and not accepted:
                accepted = True
                viewers[kind] += 1
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            if accepted:
                viewers[kind] -= 1
