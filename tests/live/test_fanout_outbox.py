"""A viewer's outbox (apps/live/fanout.py): the newest offered frame waits, older ones are
skipped, nothing leaves while it is held (before and during a snapshot), and offering never
waits for the socket."""

import asyncio

from apps.live.fanout import ACK_WINDOW, Offer, Outbox, frame_delta


class Socket:
    """Records what was sent; blocks each send while `gate` is clear."""

    def __init__(self, *, open_gate: bool = True) -> None:
        self.sent: list[str] = []
        self.gate = asyncio.Event()
        if open_gate:
            self.gate.set()

    async def send(self, text: str) -> None:
        self.sent.append(text)
        await self.gate.wait()


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_nothing_leaves_before_the_snapshot_then_only_newer_frames() -> None:
    async def body() -> list[str]:
        socket = Socket()
        outbox = Outbox(socket.send, channel_name="unused")
        outbox.offer(3, "f3")
        outbox.offer(5, "f5")
        await settle()
        assert socket.sent == []  # held: the snapshot has not gone out yet
        outbox.release(5)  # the snapshot was seq 5: f5 is not sent again
        await settle()
        outbox.offer(4, "f4")  # older than sent
        outbox.offer(6, "f6")
        await settle()
        outbox.offer(6, "f6 again")
        await settle()
        return socket.sent

    assert asyncio.run(body()) == ["f6"]


def test_a_slow_socket_gets_the_frame_in_flight_then_the_newest() -> None:
    async def body() -> list[str]:
        socket = Socket(open_gate=False)
        outbox = Outbox(socket.send, channel_name="unused")
        outbox.release(0)
        for seq in range(1, 11):
            outbox.offer(seq, f"f{seq}")  # returns at once although the socket is stuck
            await settle()
        assert socket.sent == ["f1"] and outbox.waiting == Offer(10, "f10", None)  # one frame waiting, no backlog
        socket.gate.set()
        await settle()
        return socket.sent

    assert asyncio.run(body()) == ["f1", "f10"]


def test_held_during_a_snapshot_and_no_older_frame_after_it() -> None:
    async def body() -> list[str]:
        socket = Socket()
        outbox = Outbox(socket.send, channel_name="unused")
        outbox.release(0)
        outbox.offer(1, "f1")
        await settle()
        outbox.hold()  # a snapshot is being read
        outbox.offer(2, "f2")
        outbox.offer(3, "f3")
        await settle()
        assert socket.sent == ["f1"]
        outbox.release(3)  # the snapshot was seq 3
        outbox.offer(4, "f4")
        await settle()
        return socket.sent

    assert asyncio.run(body()) == ["f1", "f4"]


def test_a_closed_outbox_sends_nothing() -> None:
    async def body() -> list[str]:
        socket = Socket()
        outbox = Outbox(socket.send, channel_name="unused")
        outbox.release(0)
        outbox.close()
        outbox.offer(1, "f1")
        outbox.release(0)
        await settle()
        return socket.sent

    assert asyncio.run(body()) == []


def test_a_viewer_gets_the_delta_when_it_holds_its_base_else_the_whole_frame() -> None:
    async def body() -> list[str]:
        socket = Socket()
        outbox = Outbox(socket.send, channel_name="unused")
        outbox.release(0)
        outbox.offer(1, "whole 1", (0, "changes since 0"))
        await settle()
        outbox.offer(3, "whole 3", (2, "changes since 2"))  # it never got 2
        await settle()
        outbox.offer(4, "whole 4", (3, "changes since 3"))
        await settle()
        return socket.sent

    assert asyncio.run(body()) == ["changes since 0", "whole 3", "changes since 3"]


def test_a_delta_carries_the_small_fields_and_only_the_entries_that_changed() -> None:
    before = {"seq": 4, "type": "delta", "t": 1.0, "nodes": {"a": {"rps": 1}, "b": {"rps": 2}}, "edges": {"e": {}}}
    after = {"seq": 5, "type": "delta", "t": 1.2, "nodes": {"a": {"rps": 1}, "b": {"rps": 3}}, "edges": {"e": {}}}
    delta = frame_delta(before, after)
    assert delta == {"seq": 5, "type": "delta", "base": 4, "t": 1.2, "nodes": {"b": {"rps": 3}}, "edges": {}}
    merged = {**before, **delta, "nodes": {**before["nodes"], **delta["nodes"]}, "edges": before["edges"]}
    assert {k: v for k, v in merged.items() if k != "base"} == after


def test_an_acknowledging_viewer_is_sent_no_more_than_it_keeps_up_with() -> None:
    async def body() -> list[str]:
        socket = Socket()  # sends never wait: like daphne, which buffers what the viewer has not read
        outbox = Outbox(socket.send, channel_name="unused")
        outbox.release(0)
        outbox.acknowledge(0)  # the snapshot: from now on the viewer is paced by its acks
        for seq in range(1, 21):
            outbox.offer(seq, f"f{seq}")
            await settle()
        window = [f"f{seq}" for seq in range(1, ACK_WINDOW + 1)]
        assert socket.sent == window  # ACK_WINDOW unacknowledged: the rest waits
        assert outbox.waiting == Offer(20, "f20", None)  # only the newest
        outbox.acknowledge(1)
        await settle()
        assert socket.sent == [*window, "f20"]  # a gap in seq: the newest, not a backlog
        outbox.acknowledge(99)  # an ack beyond what was sent clears the window, nothing more
        outbox.offer(21, "f21")
        await settle()
        outbox.offer(22, "f22")
        await settle()
        return socket.sent

    assert asyncio.run(body())[ACK_WINDOW:] == ["f20", "f21", "f22"]


def test_a_viewer_that_never_acknowledges_is_not_paced() -> None:
    async def body() -> list[str]:
        socket = Socket()
        outbox = Outbox(socket.send, channel_name="unused")
        outbox.release(0)
        for seq in range(1, 6):
            outbox.offer(seq, f"f{seq}")
            await settle()
        return socket.sent

    assert asyncio.run(body()) == [f"f{seq}" for seq in range(1, 6)]
