"""``neurolink devices``: BrainFlow boards known to this install and LSL streams visible now."""

from __future__ import annotations

import argparse

from neurolink.cli.options import nonnegative_seconds


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``devices`` subcommand."""
    p = sub.add_parser("devices", help="list BrainFlow boards and the LSL streams visible now")
    p.add_argument(
        "--timeout",
        type=nonnegative_seconds,
        default=1.0,
        metavar="S",
        help="seconds to wait for LSL streams (default 1)",
    )
    p.add_argument("--no-boards", action="store_true", help="only list LSL streams")
    return p


def _board_row(name: str, bid: int) -> str:
    from brainflow.board_shim import BoardShim
    from brainflow.exit_codes import BrainFlowError

    try:
        descr = BoardShim.get_board_descr(bid)
    except BrainFlowError:  # no description of its own (playback, streaming: the master's)
        descr = {}
    rate = f"{descr['sampling_rate']:g} Hz" if "sampling_rate" in descr else "(master board's)"
    n_eeg = len(descr.get("eeg_channels", []))
    return f"  {name:<32} id {bid:>4}  {rate:>18}  {n_eeg:>3} EEG rows"


def run(args: argparse.Namespace) -> int:
    """Run the ``devices`` subcommand; returns the exit code."""
    from brainflow.board_shim import BoardShim

    from neurolink.streams.boards import board_names
    from neurolink.streams.discovery import list_streams

    if not args.no_boards:
        BoardShim.disable_board_logger()
        boards = sorted(board_names().items(), key=lambda kv: kv[1])
        print(f"BrainFlow boards ({len(boards)}), use as brainflow:NAME:")
        for name, bid in boards:
            print(_board_row(name, bid))
    streams = list_streams(args.timeout)
    print(f"LSL streams visible now ({len(streams)}), use as lsl:NAME or lsl:source_id=ID:")
    for s in streams:
        print(
            f"  {s.name:<32} type {s.type or '-':<10} {s.n_channels:>4} ch "
            f"{s.rate:>9g} Hz {s.channel_format:<8} source_id {s.source_id or '-'} "
            f"host {s.hostname}"
        )
    return 0
