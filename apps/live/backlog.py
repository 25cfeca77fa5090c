"""How far behind a websocket's reader is: the bytes written to its connection still in the server.

Under daphne a consumer's `send` never waits: Twisted takes the bytes at once and keeps what the
socket cannot take yet in its own write buffer, and the kernel keeps what the client's receive
window cannot take yet in the socket's send queue. A viewer that stops reading therefore still
gets every frame, in order, ever later. To skip ahead instead (apps/live/fanout.py `Outbox`,
apps/training/fanout.py `Mailbox`), the sender asks `backlog()` before each send and waits,
keeping only the newest message, while the previous ones have not left the server yet.

ASGI has no way to ask this, so `connection_backlog()` finds the connection's Twisted transport
itself: daphne runs each connection's application instance as an asyncio task (the one calling
`connection_backlog()` from a consumer's `connect`), and keeps it in its server's `connections`
by protocol; the protocol is its transport's, and the transports are the reactor's readers.
Outside daphne (tests' WebsocketCommunicator, another server) it returns None and sends are
not held.
"""

import asyncio
import logging
import struct
import sys
from collections.abc import Callable
from functools import partial
from typing import Any

try:
    import fcntl
except ImportError:  # not on Linux or another Unix: Twisted's own buffer only
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

SIOCOUTQNSD = 0x894B  # Linux: the bytes in a TCP socket's send queue not sent yet
BACKLOG_POLL_S = 0.05  # how often a held sender looks again whether its viewer caught up


def connection_backlog() -> Callable[[], int] | None:
    """For the daphne connection whose application instance is the running task: a function
    returning the bytes written to it not yet sent to the client. None when there is none."""
    reactor: Any = sys.modules.get("twisted.internet.reactor")  # never import it: that installs one
    task = asyncio.current_task()
    if reactor is None or task is None or not hasattr(reactor, "getReaders"):
        return None
    try:
        for transport in reactor.getReaders():
            protocol = getattr(transport, "protocol", None)
            protocol = getattr(protocol, "wrappedProtocol", protocol)  # behind TLS
            connections = getattr(getattr(protocol, "server", None), "connections", None)
            if not isinstance(connections, dict):
                continue
            details = connections.get(protocol)
            if isinstance(details, dict) and details.get("application_instance") is task:
                return partial(transport_backlog, transport)
    except Exception:  # another daphne or Twisted than we know: do without
        log.warning("could not find the websocket's transport", exc_info=True)
    return None


def transport_backlog(transport: Any) -> int:
    """Bytes in Twisted's write buffer of `transport` plus, on Linux, in its socket's send queue
    not sent yet (what the client's receive window does not take); 0 once it is closed."""
    if getattr(transport, "disconnected", True):
        return 0
    buffered = len(getattr(transport, "dataBuffer", b"")) - getattr(transport, "offset", 0)
    buffered += getattr(transport, "_tempDataLen", 0)  # written since the last write to the socket
    unsent = 0
    if fcntl is not None:
        try:
            unsent = struct.unpack("i", fcntl.ioctl(transport.fileno(), SIOCOUTQNSD, b"\0\0\0\0"))[0]
        except (OSError, ValueError):
            unsent = 0
    return int(buffered) + max(0, unsent)
