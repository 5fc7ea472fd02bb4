"""Real-time measures for the engine thread: applied while the loop runs, undone after, and
said when they cannot be applied (no privilege)."""

from __future__ import annotations

import gc
import os

import pytest

from neurolink.config import parse_config
from neurolink.errors import ConfigError
from neurolink.loop.core.realtime import Realtime, RealtimeConfig


def test_the_collector_is_off_in_the_loop_and_back_after() -> None:
    assert gc.isenabled()
    rt = Realtime(RealtimeConfig(gc="off"))
    applied = rt.enter()
    try:
        assert not gc.isenabled() and gc.get_freeze_count() > 0
        assert applied["gc"] == "freeze, collector off in the loop"
    finally:
        rt.exit()
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_the_engine_thread_is_pinned_and_released() -> None:
    before = os.sched_getaffinity(0)
    cpu = max(before)
    rt = Realtime(RealtimeConfig(cpu=cpu))
    assert rt.enter()["cpu"] == f"applied: engine thread on CPU {cpu}"
    try:
        assert os.sched_getaffinity(0) == {cpu}
    finally:
        rt.exit()
    assert os.sched_getaffinity(0) == before


def test_a_cpu_that_is_not_allowed_is_said_not_applied() -> None:
    rt = Realtime(RealtimeConfig(cpu=4096))
    applied = rt.enter()
    rt.exit()
    assert applied["cpu"].startswith("not applied: CPU 4096 is not one of")


def test_sched_fifo_is_applied_or_says_which_privilege_is_missing() -> None:
    before = os.sched_getscheduler(0)
    rt = Realtime(RealtimeConfig(fifo_priority=10))
    applied = rt.enter()["fifo_priority"]
    try:
        if applied.startswith("applied"):
            assert os.sched_getscheduler(0) == os.SCHED_FIFO
            assert os.sched_getparam(0).sched_priority == 10
        else:
            assert "CAP_SYS_NICE" in applied
            assert os.sched_getscheduler(0) == before
    finally:
        rt.exit()
    assert os.sched_getscheduler(0) == before


def test_locked_memory_is_applied_or_says_why_not() -> None:
    rt = Realtime(RealtimeConfig(lock_memory=True))
    applied = rt.enter()["lock_memory"]
    rt.exit()
    assert applied == "applied: all pages locked in RAM" or (
        applied.startswith("not applied: mlockall failed") and "RLIMIT_MEMLOCK" in applied
    )


def test_the_config_section_is_checked() -> None:
    head = '[source]\nkind = "simulated"\n'
    cfg = parse_config(head + '[loop.realtime]\ncpu = 1\ngc = "off"\n', "x.toml")
    assert cfg.loop.realtime == RealtimeConfig(gc="off", cpu=1)
    with pytest.raises(ConfigError, match=r"x.toml:4: `loop.realtime.fifo_priority`"):
        parse_config(head + "[loop.realtime]\nfifo_priority = 120\n", "x.toml")
