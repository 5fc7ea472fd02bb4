"""docs/protocol.md cannot drift: its example frames and layout tables are checked here.

Every ```` ```wire-example ```` block states a message type, a seq, the field values (JSON) and
the bytes: ``frame`` (header | payload | CRC, before COBS) and ``encoded`` (on the wire). The
test builds the message from the stated fields, encodes it and compares both byte strings, then
decodes the bytes back to the same message. Blocks with ``error:`` must fail with that error.
Each layout table (``| offset | size | type | field | ... |`` under a message's or block's
heading) must list the fields of the codec's layout, in order, at the right offsets and types.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from neurolink.hal import wire
from neurolink.hal.wire.fields import Bytes, EnumOf, FlagOf, Float, SInt, UInt

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
TEXT = DOC.read_text(encoding="utf-8")


def _blocks() -> list[dict[str, str]]:
    out = []
    for body in re.findall(r"```wire-example\n(.*?)```", TEXT, flags=re.S):
        entry: dict[str, str] = {}
        key = ""
        for line in body.splitlines():
            m = re.match(r"(\w+):\s*(.*)$", line)
            if m and not line[0].isspace():
                key = m[1]
                entry[key] = m[2].strip()
            elif line.strip():
                entry[key] += " " + line.strip()
        out.append(entry)
    return out


BLOCKS = _blocks()
GOOD = [b for b in BLOCKS if "error" not in b]
BAD = [b for b in BLOCKS if "error" in b]


def _hex(s: str) -> bytes:
    return bytes.fromhex(s.replace("|", " "))


def message_from_fields(cls: type, fields: dict[str, Any]) -> wire.Message:
    """Build a message from the doc's JSON: nested blocks are dicts, ``data`` is text."""
    f = dict(fields)
    if cls is wire.Info:
        lim = dict(f["limits"])
        kind = wire.DeviceKind[f["device_kind"]]
        if kind is wire.DeviceKind.PROSTHESIS:
            lim["dofs"] = [wire.DofLimits(**d) for d in lim["dofs"]]
        f["limits"] = wire.LIMITS_OF_KIND[kind](**lim)
    if cls is wire.ChannelLimits:
        f["channels"] = [wire.ChannelLimit(**c) for c in f["channels"]]
    if cls is wire.PulseLog:
        f["pulses"] = [wire.DeliveredPulse(**p) for p in f["pulses"]]
    if cls is wire.NeuroLoad:
        f["data"] = f["data"].encode("utf-8")
    return cls(**f)


def _id(b: dict[str, str]) -> str:
    return f"{b['message']}-seq{b['seq']}"


def test_the_doc_has_examples_of_every_message_type() -> None:
    assert {b["message"] for b in GOOD} == {t.name for t in wire.MsgType}
    assert BAD, "the doc should show bad frames too"


@pytest.mark.parametrize("block", GOOD, ids=_id)
def test_example_encodes_to_the_documented_bytes(block: dict[str, str]) -> None:
    cls = wire.MESSAGES[wire.MsgType[block["message"]]]
    seq = int(block["seq"], 0)
    msg = message_from_fields(cls, json.loads(block["fields"]))
    frame, encoded = _hex(block["frame"]), _hex(block["encoded"])
    assert wire.encode(msg, seq).hex(" ") == encoded.hex(" ")
    assert wire.cobs_decode(encoded[:-1]).hex(" ") == frame.hex(" ")
    # the documented frame is laid out as its header says
    assert frame[:4] == bytes([wire.PROTOCOL_VERSION, cls.TYPE]) + seq.to_bytes(2, "little")
    assert int.from_bytes(frame[-2:], "little") == wire.crc16(frame[:-2])
    # and the documented bytes decode to the documented fields
    assert wire.decode(encoded) == wire.Frame(seq, msg)
    assert wire.FrameDecoder().feed(encoded) == [wire.Frame(seq, msg)]


@pytest.mark.parametrize("block", BAD, ids=lambda b: b["error"])
def test_bad_example_fails_as_documented(block: dict[str, str]) -> None:
    error = getattr(wire, block["error"])
    encoded = _hex(block["encoded"])
    with pytest.raises(error):
        wire.decode(encoded)
    [err] = wire.FrameDecoder().feed(encoded)
    assert type(err) is error
    assert err.status is wire.Status[block["status"]]


def _wire_name(t: object) -> str:
    if isinstance(t, Bytes):
        return "bytes"
    if isinstance(t, EnumOf | FlagOf):
        t = t.width
    if isinstance(t, UInt):
        return f"u{t.bits}"
    if isinstance(t, SInt):
        return f"i{t.bits}"
    assert isinstance(t, Float)
    return f"f{t.bits}"


def _table_after(heading: str) -> list[tuple[int, str, str]]:
    """(offset, type, field) rows of the first layout table after ``heading``."""
    at = TEXT.index(heading)
    end = TEXT.find("\n#", at + len(heading))
    section = TEXT[at : end if end > 0 else None]
    rows = []
    for line in section.splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and cells[0].isdigit():
            rows.append((int(cells[0]), cells[2], cells[3]))
    return rows


FIXED = [c for c in wire.MESSAGES.values() if issubclass(c, wire.FixedMessage)]
BLOCK_CLASSES = [wire.StimulatorLimits, wire.DofLimits, wire.ChannelLimit, wire.DeliveredPulse]


@pytest.mark.parametrize("cls", FIXED + BLOCK_CLASSES, ids=lambda c: c.__name__)
def test_layout_tables_match_the_codec(cls: type) -> None:
    if issubclass(cls, wire.Message):
        heading = f"### `0x{cls.TYPE:02X}` {cls.TYPE.name}"
    else:
        heading = f"#### Block `{cls.__name__}`"
    expected, offset = [], 0
    for name, t in cls.LAYOUT.fields.items():
        expected.append((offset, _wire_name(t), name))
        offset += _size(t)
    documented = _table_after(heading)
    if not cls.LAYOUT.fields:
        assert documented == [] and "empty" in TEXT[TEXT.index(heading) :].split("\n#")[0]
        return
    assert documented == expected


def _size(t: object) -> int:
    if isinstance(t, Bytes):
        return t.size
    return int(_wire_name(t)[1:]) // 8


def _fields_of(message: str) -> list[dict[str, Any]]:
    return [json.loads(b["fields"]) for b in GOOD if b["message"] == message]


def test_the_documented_macs_are_hmac_sha256_of_the_documented_nonces() -> None:
    """§7 AUTH / AUTH_OK: secret 01..20, the HELLO nonce and the INFO challenge shown there."""
    import hashlib
    import hmac

    secret = bytes(range(1, 33))
    assert "`01 02 03 … 20` (the 32 bytes 1 to 32)" in TEXT
    (hello,) = _fields_of("HELLO")
    info = next(f for f in _fields_of("INFO") if f["nonce"] == hello["nonce"])
    nonce, challenge = bytes.fromhex(hello["nonce"]), bytes.fromhex(info["device_nonce"])
    (auth,) = _fields_of("AUTH")
    (ok,) = _fields_of("AUTH_OK")
    by_hand = hmac.new(secret, b"neurolink/2 host" + nonce + challenge, hashlib.sha256)
    assert bytes.fromhex(auth["mac"]) == by_hand.digest()
    by_hand = hmac.new(secret, b"neurolink/2 device" + nonce + challenge, hashlib.sha256)
    assert bytes.fromhex(ok["mac"]) == by_hand.digest()
    assert wire.auth.host_mac(secret, nonce, challenge) == bytes.fromhex(auth["mac"])
