"""``neurolink snn import|export``: move networks between NIR files and neurolink specs."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``snn`` subcommand with its ``import`` and ``export`` actions."""
    p = sub.add_parser(
        "snn",
        help="import a NIR graph onto a chip profile, or export a network to NIR",
        description=(
            "import: read a NIR file (snnTorch, Norse, Rockpool, Sinabs, Spyx ...), quantize it "
            "onto the loihi or xylo profile and write the spec as JSON; --report compares it "
            "with the float network on random input. export: write a network spec JSON, or a "
            "golden file (golden/loihi, golden/xylo), as a NIR file. Needs the nir extra."
        ),
    )
    acts = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    imp = acts.add_parser("import", help="NIR file → quantized spec JSON")
    imp.add_argument("nir_file", metavar="FILE.nir")
    imp.add_argument("--profile", choices=("loihi", "xylo"), required=True)
    imp.add_argument("--dt", type=float, default=1e-4, help="step in seconds (default 1e-4)")
    imp.add_argument("--out", metavar="SPEC.json", help="where to write the spec")
    imp.add_argument("--report", action="store_true", help="print the quantization report")
    exp = acts.add_parser("export", help="spec JSON or golden file → NIR file")
    exp.add_argument("source", metavar="CONFIG_OR_SPEC", help="spec JSON or golden JSON file")
    exp.add_argument("--nir", metavar="OUT.nir", required=True)
    exp.add_argument("--dt", type=float, default=1e-4, help="step in seconds (default 1e-4)")
    return p


def _spec_of(path: str):  # -> NetworkSpec
    import json
    from pathlib import Path

    from neurolink.snn import NetworkSpec
    from neurolink.snn.errors import SpecError

    file = Path(path)
    if not file.is_file():
        raise SpecError(f"snn export: {path!r} does not exist")
    try:
        doc = json.loads(file.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise SpecError(f"snn export: {path!r} is not JSON ({e})") from None
    if isinstance(doc, dict) and "populations" in doc:
        return NetworkSpec.from_dict(doc)
    if isinstance(doc, dict) and "config" in doc:
        from neurolink.snn import golden, golden_xylo

        if doc.get("profile") == "xylo":
            return golden_xylo.spec_from_config(doc["config"])
        return golden.spec_from_config(doc["config"])
    raise SpecError(f"snn export: {path!r} is neither a network spec nor a golden file")


def run(args: argparse.Namespace) -> int:
    """Import or export; print what was written. 0 on success."""
    import json

    import numpy as np

    from neurolink.snn import nir as snir

    if args.action == "export":
        import nir

        spec = _spec_of(args.source)
        nir.write(args.nir, snir.to_nir(spec, dt=args.dt))
        print(f"wrote {args.nir}: {len(spec.populations)} populations, "
              f"{len(spec.connections)} connections (profile {spec.profile})")  # fmt: skip
        return 0
    q = snir.quantize_nir(args.nir_file, args.profile, dt=args.dt)
    spec = q.spec
    sizes = ", ".join(f"{p.name} {p.n}" for p in spec.populations)
    print(f"imported {args.nir_file} onto {args.profile}: {sizes}")
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(spec.to_dict(), f)
        print(f"wrote {args.out}")
    if args.report:
        T = 1000
        rng = np.random.default_rng(0)
        x = {p.name: rng.random((T, p.n)) < 0.1 for p in spec.inputs}
        print(f"report (random input, 10 % per axon and step, {T} steps, seed 0):")
        print(q.report(x, T).summary())
    return 0
