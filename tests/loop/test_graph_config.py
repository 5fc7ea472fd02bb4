"""Graphs from config: the examples load, mistakes are named with file, line, node and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from neurolink.decode import EEGClassDecoder
from neurolink.errors import ConfigError
from neurolink.loop.core.build import DeviceLimits, build_graph
from neurolink.loop.core.graph import Graph, GraphError
from neurolink.loop.core.registry import node_kinds
from neurolink.loop.nodes.bin import BinNode
from neurolink.loop.nodes.burst import BurstNode
from neurolink.loop.nodes.classify import ClassifyNode
from neurolink.loop.nodes.decode import DecodeNode
from neurolink.loop.nodes.detect import DetectNode
from neurolink.loop.nodes.discrete import DiscreteMapper
from neurolink.loop.nodes.features import FeaturesNode
from neurolink.loop.nodes.filter import FilterNode
from neurolink.loop.nodes.relay import SNNNode
from neurolink.loop.nodes.reref import RerefNode
from neurolink.loop.nodes.stim import StimMapper
from neurolink.loop.nodes.velocity import VelocityMapper
from neurolink.loop.nodes.wta import WTANode
from neurolink.loop.session.config import load_config, parse_config
from tests.decode._data import synthetic_epochs

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CLASSES = [
    FilterNode,
    RerefNode,
    DetectNode,
    BinNode,
    FeaturesNode,
    DecodeNode,
    ClassifyNode,
    SNNNode,
    BurstNode,
    WTANode,
    VelocityMapper,
    StimMapper,
    DiscreteMapper,
]

HEAD = '[source]\nkind = "simulated"\n'
CHAIN = """
[[loop.nodes]]
name = "hp"
kind = "filter"

[[loop.nodes]]
name = "spikes"
kind = "detect"

[[loop.nodes]]
name = "counts"
kind = "bin"

[[loop.nodes]]
name = "dec"
kind = "decode"

[[loop.nodes]]
name = "vel"
kind = "velocity"

[[loop.sinks]]
name = "arm"
device = "prosthesis"
input = "vel"
"""


def test_every_node_class_is_the_registered_class_of_its_kind() -> None:
    kinds = node_kinds()
    assert {c.kind for c in CLASSES} == set(kinds)
    for c in CLASSES:
        assert kinds[c.kind] is c, c.kind


@pytest.mark.parametrize("name", ["center_out.toml", "responsive_stim.toml"])
def test_example_configs_load_and_build(name: str) -> None:
    cfg = load_config(EXAMPLES / name)
    limits = {"velocity": DeviceLimits(2, 1.0, 4.0)}
    parts = build_graph(cfg.loop, channels=[f"ch{i}" for i in range(96)], fs=30000.0, limits=limits)
    assert [n.name for n in parts.graph.nodes] == [n.name for n in cfg.loop.nodes]
    assert parts.graph.mappers


def test_default_inputs_chain_the_nodes_and_the_task_finds_its_parts() -> None:
    cfg = parse_config(HEAD + CHAIN + "[loop.task]\n", "x.toml")
    assert [n.input for n in cfg.loop.nodes] == ["source", "hp", "spikes", "counts", "dec"]
    assert (cfg.loop.task.prosthesis, cfg.loop.task.decoder) == ("arm", "dec")
    assert cfg.loop.node("spikes").detect.threshold == 4.5  # defaults filled in


def error(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "graph.toml")
    return str(info.value)


def line_of(text: str, needle: str) -> int:
    return next(i for i, t in enumerate(text.splitlines(), 1) if needle in t)


def test_a_node_fed_the_wrong_data_is_named_with_its_line_and_a_fix() -> None:
    text = HEAD + CHAIN.replace(
        'name = "dec"\nkind = "decode"', 'name = "dec"\nkind = "decode"\ninput = "spikes"'
    )
    msg = error(text + "[loop.task]\n")
    line = line_of(text, 'input = "spikes"')
    assert msg.startswith(f"graph.toml:{line}:")
    assert "`loop.nodes[3].input`" in msg
    assert "node 'dec' (decode) takes counts" in msg and "gives events" in msg
    assert "put a bin node before it" in msg


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (('input = "vel"', 'input = "nowhere"'), "input 'nowhere' is not a node"),
        (('input = "vel"', 'input = "counts"'), "input 'counts' is a 'bin' node"),
        (('device = "prosthesis"', 'device = "stimulator"'), "a stimulator cannot take"),
        (('name = "counts"', 'name = "hp"'), "node name 'hp' is used twice"),
        (
            ('kind = "bin"', 'kind = "bin"\ninput = "later"'),
            "input 'later' is not 'source' or a node",
        ),
        (('kind = "detect"', 'kind = "detect"\nfilter.order = 3'), "a `filter` table belongs to"),
        (('kind = "detect"', 'kind = "detect"\ndetect.threshold = -1'), "must be > 0"),
        (('kind = "filter"', 'kind = "filtre"'), "did you mean 'filter'"),
    ],
)
def test_graph_mistakes_name_the_node_and_key(edit: tuple[str, str], needle: str) -> None:
    text = HEAD + CHAIN.replace(*edit, 1)
    msg = error(text + "[loop.task]\n")
    assert needle in msg
    assert msg.startswith("graph.toml:")


def test_a_decoder_needs_a_model_or_a_task_and_the_task_a_prosthesis() -> None:
    msg = error(HEAD + CHAIN)
    assert "decode node 'dec' has no model file" in msg and "`loop.nodes[3].decode.model`" in msg
    no_arm = CHAIN.replace('device = "prosthesis"', 'device = "null"')
    msg = error(HEAD + no_arm + "[loop.task]\n")
    assert "the task needs a prosthesis sink" in msg and "loop.task.prosthesis" in msg


def test_a_model_file_that_does_not_exist_is_refused() -> None:
    text = HEAD + CHAIN.replace('kind = "decode"', 'kind = "decode"\ndecode.model = "no.npz"')
    assert "file not found" in error(text)


def test_build_names_the_node_when_the_device_does_not_fit() -> None:
    cfg = parse_config(HEAD + CHAIN + "[loop.task]\n", "x.toml")
    with pytest.raises(ConfigError, match=r"node 'vel' \(velocity\).*3 degrees of freedom"):
        build_graph(
            cfg.loop, channels=["a", "b"], fs=30000.0, limits={"vel": DeviceLimits(3, 1.0, 4.0)}
        )


def test_graph_refuses_wiring_mistakes_made_in_code() -> None:
    f = FilterNode("f", 2, 30000.0)
    with pytest.raises(GraphError, match="takes events"):
        Graph([f, BinNode("b", 2, 600)], ["source", "f"])
    with pytest.raises(GraphError, match="not the source or a node"):
        Graph([f], ["x"])


def test_a_class_model_fitted_at_another_rate_is_refused(tmp_path: Path) -> None:
    channels = [f"C{i}" for i in range(4)]
    X, y = synthetic_epochs(n_trials=10, fs=128.0, n_channels=4, duration_s=2.0)
    EEGClassDecoder(128.0, window_s=1.0, n_components=None).fit(X, y, channels=channels).save(
        tmp_path / "mi.npz"
    )
    text = HEAD + '[[loop.nodes]]\nname = "mi"\nkind = "classify"\nclassify.model = "mi.npz"\n'
    cfg = parse_config(text, "x.toml", base_dir=tmp_path)
    parts = build_graph(cfg.loop, channels=channels, fs=128.0, limits={})
    assert isinstance(parts.graph["mi"], ClassifyNode)
    with pytest.raises(ConfigError) as info:
        build_graph(cfg.loop, channels=channels, fs=256.0, limits={})
    assert str(info.value) == (
        "`loop.nodes` node 'mi' (classify): `classify.model`: "
        f"{tmp_path.resolve() / 'mi.npz'} was fitted at 128 Hz, the source runs at 256 Hz; "
        "calibrate a model at this rate"
    )
