"""``neurolink export RECORDING.xdf --nwb OUT.nwb``: a recorded session as an NWB file."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``export`` subcommand."""
    p = sub.add_parser(
        "export",
        help="export a recorded session to NWB (for NWB/DANDI)",
        description=(
            "Write a recording (XDF + sidecar) as NWB: raw ElectricalSeries with its electrode "
            "table, detected spikes as units, decoded and intended kinematics, commands, "
            "device replies, trials, markers, and the config and versions. Needs pynwb "
            "(pip install 'neurolink[nwb]')."
        ),
    )
    p.add_argument("recording", metavar="RECORDING.xdf", help="the recording")
    p.add_argument("--nwb", required=True, metavar="OUT.nwb", help="the NWB file to write")
    p.add_argument(
        "--geometry",
        metavar="POSITIONS.npy",
        help="electrode positions (n_channels, 2) in µm (default: the sidecar's, if any)",
    )
    p.add_argument("--force", action="store_true", help="replace an existing OUT.nwb")
    return p


def run(args: argparse.Namespace) -> int:
    """Run the ``export`` subcommand; returns the exit code."""
    import numpy as np

    from neurolink.errors import FileFormatError
    from neurolink.loop.recording.nwb import export_nwb

    geometry = None
    if args.geometry:
        try:
            geometry = np.load(args.geometry, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise FileFormatError(f"{args.geometry}: not a readable .npy array ({exc})") from None
    out = export_nwb(args.recording, args.nwb, geometry=geometry, overwrite=args.force)
    print(f"wrote {out}")
    return 0
