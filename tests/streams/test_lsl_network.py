"""LSL reach and stream identity (issue 13, finding 8), with real outlets on this machine.

Two outlets of the same name (and even the same source id) make a query ambiguous: resolving
refuses and lists both (host, source id) unless the query pins one. Discovery stays on this
machine unless NEUROLINK_LSL_NETWORK=lan: checked in fresh interpreters by the sockets liblsl
opens and the configuration it was given."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pylsl
import pytest

from neurolink.errors import ConfigError, SourceError, StreamMismatchError, StreamNotFoundError
from neurolink.loop.stages.inlet import PortInlet
from neurolink.lsl_network import config_text
from neurolink.streams.discovery import AmbiguousStreamError, resolve_stream
from neurolink.streams.factory import config_from_spec
from neurolink.streams.lsl_source import LSLSource, UnitWarning

HOST = socket.gethostname()


def _outlet(name: str, source_id: str) -> pylsl.StreamOutlet:
    return pylsl.StreamOutlet(pylsl.StreamInfo(name, "EEG", 2, 100.0, "float32", source_id))


@pytest.fixture
def twins():
    """Two live outlets named alike, with source ids A and B."""
    name = f"twin-{uuid.uuid4().hex[:8]}"
    outlets = [_outlet(name, f"{name}-A"), _outlet(name, f"{name}-B")]
    yield name
    del outlets


def test_a_name_matched_by_two_outlets_is_refused_with_both_listed(twins) -> None:
    with pytest.raises(AmbiguousStreamError) as ei:
        resolve_stream(name=twins, timeout=5.0)
    message = str(ei.value)
    assert f"2 LSL outlets match name={twins!r}" in message
    for sid in ("A", "B"):
        assert f"host {HOST!r} source_id '{twins}-{sid}'" in message
    assert "pin one with source_id and/or hostname" in message
    assert "\n" not in message
    source = LSLSource(name=twins, resolve_timeout=5.0)
    with pytest.raises(AmbiguousStreamError, match="2 LSL outlets match"):
        source.open()
    assert not source.is_open


def test_ambiguity_is_said_before_what_the_first_answer_lacks(twins) -> None:
    """The inlet connects to the first answer while resolving listens for a second: when both
    happen, two outlets matching is the error, not the first one's channel count."""
    source = LSLSource(name=twins, expected_channels=5, resolve_timeout=5.0)
    with pytest.raises(AmbiguousStreamError, match="2 LSL outlets match"):
        source.open()
    assert not source.is_open
    pinned = LSLSource(name=twins, source_id=f"{twins}-A", expected_channels=5)
    with pytest.raises(SourceError, match="5") as ei:
        pinned.open()
    assert not isinstance(ei.value, AmbiguousStreamError) and not pinned.is_open


def test_a_node_port_inlet_refuses_an_ambiguous_query_too(twins) -> None:
    """``neurolink node``'s inlet describes the first answer while resolving listens on: two
    outlets matching is the error, not that neither is a port stream."""
    with pytest.raises(AmbiguousStreamError, match="2 LSL outlets match"):
        PortInlet(name=twins, resolve_timeout=5.0).describe()
    with pytest.raises(StreamMismatchError):
        PortInlet(source_id=f"{twins}-A", resolve_timeout=5.0).describe()


def test_a_source_id_pins_one_of_them(twins) -> None:
    info = resolve_stream(name=twins, source_id=f"{twins}-B", timeout=5.0)
    assert info.source_id() == f"{twins}-B" and info.hostname() == HOST
    with (
        pytest.warns(UnitWarning),
        LSLSource(name=twins, source_id=f"{twins}-A", resolve_timeout=5.0) as src,
    ):
        assert src.is_open and src.hostname == HOST


def test_a_spoof_with_the_same_name_and_source_id_is_refused_even_when_pinned() -> None:
    name = f"spoof-{uuid.uuid4().hex[:8]}"
    real, spoof = _outlet(name, f"{name}-id"), _outlet(name, f"{name}-id")
    with pytest.raises(AmbiguousStreamError) as ei:
        resolve_stream(name=name, source_id=f"{name}-id", hostname=HOST, timeout=5.0)
    message = str(ei.value)
    assert message.count(f"host {HOST!r} source_id '{name}-id'") == 2
    assert "they share source id and host: stop the one that should not be there" in message
    del real, spoof


def test_a_hostname_pin_selects_by_host() -> None:
    name = f"host-{uuid.uuid4().hex[:8]}"
    out = _outlet(name, f"{name}-id")
    assert resolve_stream(name=name, hostname=HOST, timeout=5.0).source_id() == f"{name}-id"
    with pytest.raises(StreamNotFoundError, match="LSL discovery on this machine only"):
        resolve_stream(name=name, hostname="no-such-host.invalid", timeout=0.5)
    cfg = config_from_spec(f"lsl:name={name}&hostname={HOST}")
    assert cfg.hostname == HOST and cfg.name == name
    del out


_PROBE = textwrap.dedent(
    """
    import json, os, sys, time
    import neurolink.streams, pylsl
    from neurolink import lsl_network
    net = lsl_network.current()
    out = {"scope": net.scope, "cfg": os.environ.get("LSLAPICFG"), "problem": net.problem}
    out["text"] = open(out["cfg"]).read() if out["cfg"] else None
    try:
        from neurolink.streams.lsl_outlet import MarkerOutlet
        outlet = MarkerOutlet(sys.argv[1], sys.argv[1] + "-id")
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
    time.sleep(0.3)
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            link = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    socks = []
    for proto in ("udp", "tcp", "udp6", "tcp6"):
        for line in open(f"/proc/self/net/{proto}").read().splitlines()[1:]:
            f = line.split()
            if f[9] in inodes:
                addr, port = f[1].rsplit(":", 1)
                socks.append([proto, addr, int(port, 16)])
    out["sockets"] = socks
    print(json.dumps(out))
    """
)


def _probe(env: dict[str, str]) -> dict:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LSLAPICFG", "NEUROLINK_LSL"))}
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, f"probe-{uuid.uuid4().hex[:8]}"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**base, **env},
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


_LOOPBACK = "0100007F"  # 127.0.0.1 as /proc/net/udp writes it
_ANY = "00000000"


def test_by_default_discovery_stays_on_this_machine() -> None:
    r = _probe({})
    assert r["scope"] == "local" and "error" not in r
    text = r["text"]
    for line in ("ResolveScope = machine", "ListenAddress = 127.0.0.1", "IPv6 = disable"):
        assert line in text
    assert "KnownPeers = {}" in text and "MulticastMinRTT = 0.1" in text
    multicast = [s for s in r["sockets"] if s[0] == "udp" and s[2] == 16571]
    assert multicast and all(s[1] == _LOOPBACK for s in multicast), r["sockets"]
    assert not [s for s in r["sockets"] if s[0].endswith("6")], r["sockets"]


def test_lan_leaves_liblsl_its_network_defaults() -> None:
    r = _probe({"NEUROLINK_LSL_NETWORK": "lan"})
    assert r["scope"] == "lan" and r["cfg"] is None and "error" not in r
    multicast = [s for s in r["sockets"] if s[0] == "udp" and s[2] == 16571]
    assert any(s[1] == _ANY for s in multicast), r["sockets"]


def test_lan_with_peers_writes_them_as_known_peers() -> None:
    r = _probe({"NEUROLINK_LSL_NETWORK": "lan", "NEUROLINK_LSL_PEERS": "rig-a, 10.0.0.7"})
    assert r["scope"] == "lan"
    assert "KnownPeers = {rig-a, 10.0.0.7}" in r["text"] and "ResolveScope = site" in r["text"]


def test_a_users_lslapicfg_is_left_alone(tmp_path) -> None:
    cfg = tmp_path / "mine.cfg"
    cfg.write_text("[multicast]\nResolveScope = link\n")
    r = _probe({"LSLAPICFG": str(cfg)})
    assert r["scope"] == "user" and r["cfg"] == str(cfg)


def test_an_invalid_setting_publishes_nothing() -> None:
    r = _probe({"NEUROLINK_LSL_NETWORK": "everywhere"})
    assert r["error"] == (
        "ConfigError: NEUROLINK_LSL_NETWORK='everywhere': expected 'local' (the default) or 'lan'"
    )
    assert r["scope"] == "local"  # and liblsl still stays on this machine
    assert ConfigError.__name__ in r["error"]


def test_a_clock_offset_on_this_machine_takes_probes_5_ms_apart() -> None:
    """liblsl reads the generated tuning: its default sends 8 clock probes 64 ms apart (an
    inlet's first ``time_correction`` cannot return before 0.51 s); 5 ms apart it takes ~0.17 s.
    The offset between two processes' views of one clock is ~0, either way."""
    assert "TimeProbeInterval = 0.005" in (config_text("local") or "")
    name = f"probe-{uuid.uuid4().hex[:8]}"
    outlet = _outlet(name, name)
    inlet = pylsl.StreamInlet(resolve_stream(source_id=name, timeout=5.0))
    t0 = time.monotonic()
    offset = inlet.time_correction(timeout=5.0)
    took = time.monotonic() - t0
    assert took < 0.45 and abs(offset) < 1e-3, (took, offset)
    del inlet, outlet
