"""Generate ``snntorch_lif.nir`` and ``snntorch_lif_run.npz`` with snnTorch (run once, by hand).

snnTorch (and torch) are too heavy for CI, so the files are committed; this script is how they
were made. In a throwaway venv (CPU only)::

    python3 -m venv /tmp/fwvenv && /tmp/fwvenv/bin/pip install torch==2.13.0 snntorch nir nirtorch
    /tmp/fwvenv/bin/python tests/data/nir/make_snntorch_nir.py

Network: 8 inputs → Linear (no bias) → Leaky(β = 0.9, threshold 1, reset to zero) → 20 neurons
→ Linear → Leaky(β = 0.8) → 4 outputs; seeded weights; a seeded Bernoulli(0.2) input raster of
400 steps. The run records both layers' spikes as snnTorch computes them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import snntorch as snn
import torch
from snntorch.export_nir import export_to_nir

HERE = Path(__file__).resolve().parent
T, N_IN, N_H, N_OUT = 400, 8, 20, 4


def main() -> None:
    torch.manual_seed(0)
    fc1 = torch.nn.Linear(N_IN, N_H, bias=False)
    fc2 = torch.nn.Linear(N_H, N_OUT, bias=False)
    with torch.no_grad():
        fc1.weight.copy_(torch.randn(N_H, N_IN) * 0.3 + 0.25)
        fc2.weight.copy_(torch.randn(N_OUT, N_H) * 0.3 + 0.3)
    lif1 = snn.Leaky(
        beta=torch.full((N_H,), 0.9),
        threshold=torch.ones(N_H),
        reset_mechanism="zero",
        init_hidden=True,
    )
    lif2 = snn.Leaky(
        beta=torch.full((N_OUT,), 0.8),
        threshold=torch.ones(N_OUT),
        reset_mechanism="zero",
        init_hidden=True,
        output=True,
    )
    net = torch.nn.Sequential(fc1, lif1, fc2, lif2)
    x = (torch.rand(T, N_IN, generator=torch.Generator().manual_seed(1)) < 0.2).float()
    graph = export_to_nir(net, x[:1], ignore_dims=[0])
    import nir

    nir.write(HERE / "snntorch_lif.nir", graph)
    lif1.reset_hidden()
    lif2.reset_hidden()
    hidden, out = [], []
    with torch.no_grad():
        for t in range(T):
            s1 = lif1(fc1(x[t : t + 1]))
            s2, _ = lif2(fc2(s1))
            hidden.append(s1[0].numpy())
            out.append(s2[0].numpy())
    np.savez_compressed(
        HERE / "snntorch_lif_run.npz",
        input=x.numpy().astype(np.uint8),
        hidden=np.array(hidden, dtype=np.uint8),
        out=np.array(out, dtype=np.uint8),
    )
    print("nodes", {k: type(v).__name__ for k, v in graph.nodes.items()}, "edges", graph.edges)
    print("rates hidden", np.mean(hidden), "out", np.mean(out))


if __name__ == "__main__":
    main()
