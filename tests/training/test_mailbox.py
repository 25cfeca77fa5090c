"""A member's mailbox: held until its hello, newest text of each kind, each kind paced."""

import asyncio
import itertools

from apps.training.fanout import GAP_S, Mailbox


def test_a_held_mailbox_sends_nothing_then_only_the_newest_of_each_kind() -> None:
    sent: list[str] = []

    async def send(text: str) -> None:
        sent.append(text)

    async def body() -> None:
        mailbox = Mailbox(send)
        for n in range(5):
            mailbox.offer("laser", f"laser {n}")
        mailbox.offer("state", "state 1")
        await asyncio.sleep(0.01)
        assert sent == []  # held: the hello has not gone out yet
        mailbox.release()
        await asyncio.sleep(0.01)
        assert sent == ["laser 4", "state 1"]

    asyncio.run(body())


def test_the_laser_reaches_a_member_at_most_every_gap_however_often_it_moves() -> None:
    sent: list[tuple[float, str]] = []

    async def body() -> None:
        loop = asyncio.get_running_loop()

        async def send(text: str) -> None:
            sent.append((loop.time(), text))

        mailbox = Mailbox(send)
        mailbox.release()
        for n in range(30):  # 30 positions in 0.3 s
            mailbox.offer("laser", f"laser {n}")
            await asyncio.sleep(0.01)
        await asyncio.sleep(GAP_S["laser"] * 2)
        mailbox.close()

    asyncio.run(body())
    times = [at for at, _ in sent]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert 4 <= len(sent) <= 7, sent
    assert min(gaps) >= GAP_S["laser"] - 0.005
    assert sent[-1][1] == "laser 29"  # the last position always arrives


def test_a_kind_that_is_due_is_not_held_up_by_another_waiting_for_its_turn() -> None:
    sent: list[tuple[float, str]] = []

    async def body() -> float:
        loop = asyncio.get_running_loop()

        async def send(text: str) -> None:
            sent.append((loop.time(), text))

        mailbox = Mailbox(send)
        mailbox.release()
        mailbox.offer("laser", "laser 1")
        await asyncio.sleep(0.001)
        mailbox.offer("laser", "laser 2")  # waits for its turn (GAP_S)
        await asyncio.sleep(0.005)
        offered = loop.time()
        mailbox.offer("state", "state 1")  # due now
        await asyncio.sleep(GAP_S["laser"] * 1.5)
        mailbox.close()
        return offered

    offered = asyncio.run(body())
    state_at = next(at for at, text in sent if text == "state 1")
    assert state_at - offered < 0.01
    assert [text for _, text in sent] == ["laser 1", "state 1", "laser 2"]
