"""Split exchanges (``Link.begin`` / ``Link.finish``): the command is on the wire when begin
returns, its reply (and collected frames) come back from finish, a lost reply is resent with the
same seq, other requests wait for finish, and a device that never answers is lost."""

from __future__ import annotations

import threading
import time

import pytest

from neurolink.hal import wire
from neurolink.hal.errors import DeviceLost
from neurolink.hal.wire import MsgType, Status
from tests.hal.test_link import TIMEOUT, Peer, ack_everything, make_link  # noqa: F401


def test_begin_writes_and_returns_finish_gives_the_reply_and_collected_frames(
    make_link,  # noqa: F811
) -> None:
    gate = threading.Event()

    def script(peer: Peer, item) -> None:
        if isinstance(item, wire.Frame) and isinstance(item.message, wire.NeuroStepBatch):
            gate.wait(5)  # the device answers only once the test lets it
            for step in (1, 2):
                peer.send(wire.NeuroSpikes(step, ((0, (step,)),)))
        ack_everything(peer, item)

    peer, link = make_link(script)
    flight = link.begin(wire.NeuroStepBatch(((), ())), collect=(MsgType.NEURO_SPIKES,))
    # on the wire already, and no reply yet: begin did not wait for one
    deadline = time.monotonic() + 5
    while not peer.seqs(MsgType.NEURO_STEP_BATCH) and time.monotonic() < deadline:
        time.sleep(0.005)
    assert peer.seqs(MsgType.NEURO_STEP_BATCH) == [flight.pending.seq]
    assert flight.pending.reply is None
    gate.set()
    ex = link.finish(flight)
    assert ex.ok and ex.seq == flight.pending.seq and ex.attempts == 1
    assert [f.message.step for f in ex.collected] == [1, 2]
    assert ex.t_wire == flight.t_wire <= ex.t_reply
    assert link.request(wire.Heartbeat()).ok  # the link is free again
    assert link.stats.requests == 2


def test_a_lost_reply_is_resent_with_the_same_seq(make_link) -> None:  # noqa: F811
    answered: list[int] = []

    def script(peer: Peer, item) -> None:
        if isinstance(item, wire.Frame) and item.seq not in answered:
            answered.append(item.seq)  # the first attempt's ACK is "lost"
            return
        ack_everything(peer, item)

    peer, link = make_link(script)
    ex = link.finish(link.begin(wire.NeuroStepBatch(((),))))
    assert ex.ok and ex.attempts == 2
    assert peer.seqs(MsgType.NEURO_STEP_BATCH) == [ex.seq, ex.seq]
    assert link.stats.retries == 1


def test_another_thread_waits_for_finish(make_link) -> None:  # noqa: F811
    _, link = make_link()
    flight = link.begin(wire.NeuroStepBatch(((),)))
    done = threading.Event()
    other = threading.Thread(target=lambda: (link.request(wire.Heartbeat()), done.set()))
    other.start()
    assert not done.wait(3 * TIMEOUT)  # held by the batch until it is finished
    assert link.finish(flight).status is Status.OK
    assert done.wait(5)
    other.join(5)


def test_no_answer_is_device_lost_and_the_link_is_released(make_link) -> None:  # noqa: F811
    _, link = make_link(lambda peer, item: None, retries=1)
    flight = link.begin(wire.NeuroStepBatch(((),)))
    with pytest.raises(DeviceLost, match="after 2 attempt"):
        link.finish(flight)
    with pytest.raises(DeviceLost):  # loss is final, and begin says so at once
        link.begin(wire.NeuroStepBatch(((),)))
