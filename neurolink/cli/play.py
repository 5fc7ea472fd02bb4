"""``neurolink play FILE``: replay a recording as a live LSL stream (plus its markers)."""

from __future__ import annotations

import argparse
from collections import Counter
from typing import TYPE_CHECKING

from neurolink.cli.options import add_duration, add_interval, milliseconds, seconds

if TYPE_CHECKING:
    from neurolink.streams.files import Recording
    from neurolink.streams.player import FilePlayer

#: The values of :class:`neurolink.streams.files.FileFormat`, spelled out so that building the
#: parser does not import the file readers (and numpy); a test keeps the two in step.
FORMATS = ("edf", "bdf", "eeglab", "xdf", "raw", "npz")

_LINGER = 5.0  # s: after the last push, wait this long at most for consumers to disconnect


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``play`` subcommand."""
    p = sub.add_parser(
        "play",
        help="replay a recording (EDF/BDF, EEGLAB, XDF, raw, npz) as a live LSL stream",
        description=(
            "Publish a recording on LSL, paced in real time (default) or as fast as possible, "
            "with its annotations on a second stream NAME-markers. In --fast mode nothing is "
            "pushed until every stream has a consumer (LSL drops data sent before an inlet "
            "connects). Ctrl-C stops."
        ),
    )
    p.add_argument("file", metavar="FILE", help="the recording")
    p.add_argument("--format", choices=FORMATS, help="default: by suffix")
    p.add_argument("--name", help="LSL stream name (default: the file stem)")
    p.add_argument(
        "--type",
        help="LSL content type (default: Extracellular at 10 kHz and above, else EEG)",
    )
    p.add_argument(
        "--source-id",
        help="LSL source id (default: stable for the file, from its name and content hash)",
    )
    p.add_argument("--dtype", help="raw only: sample type, e.g. int16 or <f4")
    p.add_argument("--channels", type=int, metavar="N", help="raw only: interleaved channels")
    p.add_argument("--rate", type=float, metavar="HZ", help="raw only: sampling rate")
    p.add_argument("--labels", help="comma-separated channel labels (raw) or selection (others)")
    p.add_argument("--scale", type=float, default=1.0, help="multiply every value (default 1)")
    p.add_argument("--stream", help="XDF only: name of the stream to play")
    p.add_argument("--fast", action="store_true", help="push as fast as possible")
    p.add_argument("--loop", action="store_true", help="start again at the end")
    add_duration(p, default_text="the whole file, or until Ctrl-C with --loop")
    p.add_argument("--chunk-ms", type=milliseconds, default=20.0, help="ms of data per chunk (20)")
    p.add_argument("--no-markers", action="store_true", help="do not publish the markers")
    p.add_argument(
        "--wait-for-consumer",
        type=seconds,
        metavar="S",
        help="fail unless consumers connect within S s (default: --fast waits without limit)",
    )
    add_interval(p, default=5.0)
    return p


def _describe(rec: Recording, player: FilePlayer) -> list[str]:
    unit = rec.unit or "file units"
    lines = [
        f"publishing {player.name!r} (type {player.stype}, source id {player.source_id}): "
        f"{rec.n_channels} channels at {rec.rate:g} Hz, float32 {unit}, {rec.n_samples} "
        f"samples ({rec.duration:.2f} s) from {rec.source}",
    ]
    if player.publishes_markers:
        counts = Counter(str(x) for x in rec.markers["label"])
        top = ", ".join(f"{k} ×{v}" for k, v in counts.most_common(8))
        more = ", …" if len(counts) > 8 else ""
        lines.append(f"markers on {player.marker_name!r}: {len(rec.markers)} ({top}{more})")
    else:
        lines.append(f"markers: {len(rec.markers)} in the file, none published")
    pace = "in real time" if player.realtime else "as fast as possible"
    if player.total is None:
        extent = "looping until stopped"
    elif player.loop or player.total < rec.n_samples:
        extent = f"{player.total} samples ({player.total / rec.rate:.2f} s)"
        extent += ", looping" if player.loop else ""
    else:
        extent = "the whole file once"
    lines.append(f"playing {pace}, {extent}; Ctrl-C stops")
    if not player.realtime:
        lines.append("waiting for a consumer on every stream before pushing")
    return lines


def _status(player: FilePlayer, t0: float) -> str:
    from neurolink.clock import now

    rate = player.recording.rate
    return (
        f"pushed {player.n_pushed} samples ({player.n_pushed / rate:.2f} s of data), "
        f"{player.n_markers_pushed} markers, {now() - t0:.1f} s elapsed"
    )


def run(args: argparse.Namespace) -> int:
    """Run the ``play`` subcommand; returns the exit code."""
    from neurolink.clock import now
    from neurolink.streams.files import read_recording
    from neurolink.streams.player import FilePlayer

    labels = [s.strip() for s in args.labels.split(",")] if args.labels else None
    rec = read_recording(
        args.file,
        args.format,
        dtype=args.dtype,
        n_channels=args.channels,
        rate=args.rate,
        channels=labels,
        scale=args.scale,
        stream=args.stream,
    )
    player = FilePlayer(
        rec,
        args.name or rec.source.stem,
        args.source_id,
        realtime=not args.fast,
        loop=args.loop,
        chunk_ms=args.chunk_ms,
        duration=args.duration,
        wait_for_consumer=args.wait_for_consumer,
        stype=args.type,
        markers=not args.no_markers,
    )
    for line in _describe(rec, player):
        print(line, flush=True)
    t0 = now()
    interrupted = False
    try:
        player.start()
        while not player.done.wait(args.interval):
            print(_status(player, t0), flush=True)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        # Stop first (closes outlets, re-raises a thread error); after a complete playback,
        # give consumers a moment to drain what is in transit.
        player.stop(linger=0.0 if interrupted else _LINGER)
    what = "stopped by Ctrl-C" if interrupted else "done"
    print(f"{what}: {_status(player, t0)}", flush=True)
    return 0
