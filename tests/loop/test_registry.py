"""The node registry: every kind builds from a minimal config, and a class that does not declare
everything a kind needs is refused when it registers."""

from __future__ import annotations

import dataclasses
from collections import deque
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from neurolink.config import parse_config
from neurolink.decode import EEGClassDecoder, WienerFilter
from neurolink.errors import ConfigError
from neurolink.loop.core.build import build_graph, warm_up
from neurolink.loop.core.ports import Port, Stage
from neurolink.loop.core.registry import (
    NodeDeclarationError,
    fix_for,
    node_kinds,
    register_node,
)
from tests.decode._data import synthetic_epochs

FS = 16000.0
CHANNELS = [f"C{i}" for i in range(4)]
HEAD = '[source]\nkind = "simulated"\n'


def _chain_to(kind: str) -> list[str]:
    """The shortest chain of registered kinds from the source's samples to one that ``kind``
    accepts (breadth-first over the registry's declared ports)."""
    kinds = node_kinds()
    todo: deque[tuple[Port, list[str]]] = deque([(Port.SAMPLES, [])])
    seen = {Port.SAMPLES}
    while todo:
        port, path = todo.popleft()
        if port in kinds[kind].inputs:
            return path
        for k, cls in kinds.items():
            if port in cls.inputs and cls.output not in seen:
                seen.add(cls.output)
                todo.append((cls.output, [*path, k]))
    raise AssertionError(f"no chain of node kinds reaches {kind!r}")


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A model file per calibration mode a node kind may declare."""
    d = tmp_path_factory.mktemp("models")
    X, y = synthetic_epochs(n_trials=10, fs=FS, n_channels=4, duration_s=2.0)
    dec = EEGClassDecoder(FS, window_s=1.0, n_components=None)
    dec.fit(X, y, channels=CHANNELS).save(d / "classes.npz")
    rng = np.random.default_rng(0)
    counts = rng.poisson(2.0, (200, 4)).astype(np.float64)
    WienerFilter().fit(counts, rng.normal(size=(200, 2)), channels=CHANNELS).save(
        d / "kinematics.npz"
    )
    return {"classes": d / "classes.npz", "kinematics": d / "kinematics.npz"}


def _node_toml(kind: str, name: str, models: dict[str, Path]) -> str:
    text = f'[[loop.nodes]]\nname = "{name}"\nkind = "{kind}"\n'
    mode = getattr(node_kinds()[kind], "calibrates", None)
    if mode is not None:
        text += f'{kind}.model = "{models[mode].as_posix()}"\n'
    return text


@pytest.mark.parametrize("kind", sorted(node_kinds()))
def test_every_registered_kind_builds_from_a_minimal_config(
    kind: str, models: dict[str, Path]
) -> None:
    kinds = node_kinds()
    chain = [*_chain_to(kind), kind]
    text = HEAD + "".join(_node_toml(k, f"n{i}", models) for i, k in enumerate(chain))
    target = f"n{len(chain) - 1}"
    if kinds[kind].output is Port.COMMANDS:
        text += f'[[loop.sinks]]\nname = "out"\ndevice = "null"\ninput = "{target}"\n'
    cfg = parse_config(text, "minimal.toml", base_dir=Path.cwd())
    parts = build_graph(cfg.loop, channels=CHANNELS, fs=FS, limits={})
    node = parts.graph[target]
    assert type(node) is kinds[kind]
    params = cfg.loop.node(target).params
    given = {k: v for k, v in dataclasses.asdict(params).items() if k == "model"}
    assert params == kinds[kind].Params(**given)  # every other parameter at its declared default
    warm_up(parts.graph, len(CHANNELS), FS, seconds=2.0, chunk=256)
    for close in parts.closers:
        close()


def _declared(**overrides: object) -> type:
    """A node class with a full declaration, less or changed by ``overrides``."""

    @dataclasses.dataclass(frozen=True)
    class Params:
        gain: float = 1.0

    attrs: dict[str, object] = {
        "kind": "probe_kind",
        "Params": Params,
        "inputs": (Port.STATE,),
        "output": Port.STATE,
        "stage": Stage.BIN_DECODE,
        "from_config": classmethod(lambda cls, ctx: cls()),
    }
    for key, value in overrides.items():
        if value is None:
            del attrs[key]
        else:
            attrs[key] = value
    return type("ProbeNode", (), attrs)


@pytest.mark.parametrize(
    ("missing", "needle"),
    [
        ("kind", "declare `kind`"),
        ("Params", "declare `Params`"),
        ("inputs", "declare `inputs`"),
        ("output", "declare `output`"),
        ("stage", "declare `stage`"),
        ("from_config", "declare `from_config(ctx)`"),
    ],
)
def test_a_kind_without_params_ports_or_stage_is_refused(missing: str, needle: str) -> None:
    with pytest.raises(NodeDeclarationError, match=needle.replace("(", r"\(").replace(")", r"\)")):
        register_node(_declared(**{missing: None}))
    assert "probe_kind" not in node_kinds()


def test_a_mapper_must_say_which_devices_it_drives_and_kinds_are_unique() -> None:
    with pytest.raises(NodeDeclarationError, match="a mapper declares `devices`"):
        register_node(_declared(output=Port.COMMANDS))
    with pytest.raises(NodeDeclarationError, match="already"):
        register_node(_declared(kind=next(iter(node_kinds()))))
    with pytest.raises(NodeDeclarationError, match="declare `Params`"):
        register_node(_declared(Params=dict))


def test_a_network_step_shorter_than_a_sample_names_the_key() -> None:
    text = HEAD + '[[loop.nodes]]\nname = "d"\nkind = "detect"\n'
    text += '[[loop.nodes]]\nname = "b"\nkind = "burst"\nburst.dt_ms = 0.5\n'
    cfg = parse_config(text, "x.toml", base_dir=Path.cwd())
    with pytest.raises(ConfigError) as info:
        build_graph(cfg.loop, channels=CHANNELS, fs=1000.0, limits={})
    assert str(info.value) == (
        "`loop.nodes` node 'b' (burst): `burst.dt_ms`: a network step of 0.5 ms is shorter "
        "than one sample at 1000 Hz; use dt_ms >= 1"
    )


def test_a_band_the_source_cannot_hold_names_the_key() -> None:
    text = HEAD + '[[loop.nodes]]\nname = "hp"\nkind = "filter"\n'
    cfg = parse_config(text, "x.toml", base_dir=Path.cwd())
    with pytest.raises(ConfigError, match=r"^`loop.nodes` node 'hp' \(filter\): `filter.band`: "):
        build_graph(cfg.loop, channels=CHANNELS, fs=1000.0, limits={})


def test_port_fixes_are_derived_from_the_declared_ports() -> None:
    kinds = node_kinds()
    for kind, cls in kinds.items():
        for got in Port:
            fix = fix_for(kind, got, kinds)
            if got in cls.inputs or not fix:
                continue
            steps = fix.split(" and a ")
            port = got
            for step in steps:
                assert port in kinds[step].inputs, (kind, got, fix)
                port = kinds[step].output
            assert port in cls.inputs, (kind, got, fix)


class _Unregistered:
    kind: ClassVar[str] = "never_registered"


def test_the_config_schema_has_one_parameter_table_per_registered_kind() -> None:
    from neurolink.loop.core.config import NodeConfig

    fields = {f.name for f in dataclasses.fields(NodeConfig)}
    assert set(node_kinds()) <= fields
    assert _Unregistered.kind not in fields
