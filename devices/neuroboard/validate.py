"""Checks of a network document before anything is allocated for it (issue 13, finding 6).

The board parses a NEURO_LOAD document only once its length is within ``max_network_bytes``
(:mod:`devices.neuroboard.loader`); then, before the chip sees it, :func:`check_document`
refuses what would exhaust the board: nesting deeper than :data:`MAX_DEPTH` (a document of
this format is 5 deep), and sizes beyond what the wire can address or the chip can hold — a
population of 2⁴⁰ neurons is refused from its ``size`` field, not after the chip tried to
allocate it. Each problem is a :class:`~devices.neuroboard.loader.LoadRefused` with the NACK
status and a line that says what was wrong.
"""

from __future__ import annotations

import json
from typing import Any

from devices.neuroboard.loader import LoadRefused
from neurolink.hal import wire

__all__ = ["MAX_DEPTH", "MAX_GROUPS", "MAX_INDEX", "check_document", "parse_document"]

MAX_DEPTH = 16
"""Deepest nesting of lists and objects accepted in a network document."""
MAX_GROUPS = 255
"""Most populations, and most input ports, the wire can number (u8)."""
MAX_INDEX = 65535
"""Largest neuron or axon index the wire can carry (u16)."""


def parse_document(document: bytes) -> dict[str, Any]:
    """The network document as a dict.

    Raises
    ------
    LoadRefused
        ``BAD_PAYLOAD``: not UTF-8 JSON, not an object, or nested deeper than :data:`MAX_DEPTH`.
    """
    try:
        network = json.loads(document.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise LoadRefused(wire.Status.BAD_PAYLOAD, f"network document is not JSON: {e}") from None
    except RecursionError:
        raise LoadRefused(
            wire.Status.BAD_PAYLOAD,
            f"network document is nested deeper than {MAX_DEPTH} levels",
        ) from None
    if not isinstance(network, dict):
        raise LoadRefused(wire.Status.BAD_PAYLOAD, "network document is not a JSON object")
    depth = _depth(network)
    if depth > MAX_DEPTH:
        raise LoadRefused(
            wire.Status.BAD_PAYLOAD,
            f"network document is nested {depth} levels deep; at most {MAX_DEPTH}",
        )
    return network


def _depth(obj: object) -> int:
    """Nesting depth of lists and dicts (iterative: no recursion on hostile input)."""
    deepest, stack = 0, [(obj, 1)]
    while stack:
        item, d = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, d)
        if d > MAX_DEPTH:
            return d
        stack.extend((c, d + 1) for c in children)
    return deepest


def _size(item: object, what: str, i: int) -> int:
    size = item.get("size") if isinstance(item, dict) else None
    if isinstance(size, bool) or not isinstance(size, int):
        raise LoadRefused(wire.Status.BAD_PAYLOAD, f"{what}[{i}].size must be an integer")
    return size


def check_document(network: dict[str, Any], limits: wire.NeuroLimits) -> None:
    """Refuse sizes the wire cannot address or the chip cannot hold, before allocation.

    Raises
    ------
    LoadRefused
        ``BAD_PAYLOAD`` for a missing or non-integer size or a section that is not a list;
        ``OUT_OF_LIMITS`` ``NETWORK_SIZE`` for more populations or ports than the wire numbers
        or a size beyond its indices; ``OUT_OF_LIMITS`` ``NETWORK_RESOURCES`` for more neurons
        than the chip has.
    """
    size_limit = wire.limit_detail(wire.Limit.NETWORK_SIZE)
    neurons = 0
    for key, what in (("populations", "population"), ("inputs", "input port")):
        items = network.get(key, [])
        if not isinstance(items, list):
            raise LoadRefused(wire.Status.BAD_PAYLOAD, f"network {key!r} must be a list")
        if len(items) > MAX_GROUPS:
            raise LoadRefused(
                wire.Status.OUT_OF_LIMITS,
                f"network too large: {len(items)} {what}s; the wire addresses at most {MAX_GROUPS}",
                size_limit,
            )
        for i, item in enumerate(items):
            size = _size(item, key, i)
            if not 1 <= size <= MAX_INDEX + 1:
                raise LoadRefused(
                    wire.Status.OUT_OF_LIMITS,
                    f"network too large: {key}[{i}] has {size} neurons/axons; the wire "
                    f"addresses 1..{MAX_INDEX + 1}",
                    size_limit,
                )
            if key == "populations":
                neurons += size
    capacity = limits.n_cores * limits.neurons_per_core
    if neurons > capacity:
        raise LoadRefused(
            wire.Status.OUT_OF_LIMITS,
            f"network does not fit: {neurons} neurons, the chip has {capacity}",
            wire.limit_detail(wire.Limit.NETWORK_RESOURCES),
        )
