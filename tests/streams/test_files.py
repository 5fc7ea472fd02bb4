"""Recording readers on the real files of ../shared/data and on small files written here.

Facts about the shared recordings (channel counts, rates, durations, annotation counts) come from
``../shared/data/README.md``, not from the code under test; sample values are compared with an
independent read (MNE directly, ``numpy.fromfile``).
"""

from __future__ import annotations

import struct
import sys
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

import mne
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neurolink.errors import FileFormatError
from neurolink.streams.events import MARKER_DTYPE
from neurolink.streams.files import FileFormat, Recording, read_recording

EDF = "eeg_motor_imagery_64ch.edf"
SET = "test_raw.set"
LOCUST = "locust_trial_01.raw"


@pytest.fixture(scope="module")
def edf(shared_data: Path) -> Recording:
    return read_recording(shared_data / EDF)


def label_counts(rec: Recording) -> dict[str, int]:
    labels, counts = np.unique(rec.markers["label"], return_counts=True)
    return {str(k): int(v) for k, v in zip(labels, counts, strict=True)}


# ------------------------------------------------------------------------- real recordings


def test_edf_motor_imagery(edf: Recording, shared_data: Path) -> None:
    # README: 64 EEG channels, 128 Hz, 124 s; annotations T0 ×19, T1 ×10, T2 ×9.
    assert edf.data.dtype == np.float32 and edf.data.flags.c_contiguous
    assert edf.n_channels == 64 and edf.rate == 128.0
    assert edf.n_samples == 124 * 128 and edf.duration == pytest.approx(124.0)
    assert label_counts(edf) == {"T0": 19, "T1": 10, "T2": 9}
    assert edf.unit == "microvolts" and edf.source == shared_data / EDF
    assert edf.markers.dtype == MARKER_DTYPE

    ref = mne.io.read_raw_edf(shared_data / EDF, preload=True, verbose="error")
    assert edf.channels == tuple(ref.ch_names)
    np.testing.assert_allclose(edf.data, ref.get_data().T * 1e6, rtol=1e-6, atol=1e-3)
    np.testing.assert_array_equal(edf.markers["label"], list(ref.annotations.description))
    np.testing.assert_allclose(edf.markers["timestamp"], ref.annotations.onset)
    np.testing.assert_array_equal(
        edf.markers["sample_index"], np.rint(ref.annotations.onset * 128).astype(np.int64)
    )


def test_eeglab_set(shared_data: Path) -> None:
    # README: 32 EEG channels, 128 Hz, 238.3 s, 154 events ('square' and 'rt').
    rec = read_recording(shared_data / SET)
    assert rec.n_channels == 32 and rec.rate == 128.0
    assert rec.duration == pytest.approx(238.3, abs=0.05)
    assert len(rec.markers) == 154
    assert set(label_counts(rec)) == {"square", "rt"}
    assert rec.unit == "microvolts"
    ref = mne.io.read_raw_eeglab(shared_data / SET, preload=True, verbose="error")
    np.testing.assert_allclose(rec.data, ref.get_data().T * 1e6, rtol=1e-6, atol=1e-3)
    assert np.all(np.diff(rec.markers["sample_index"]) >= 0)


def test_locust_raw(shared_data: Path) -> None:
    # README: int16 little-endian, 4 interleaved channels, 15 kHz, 431 548 samples.
    path = shared_data / LOCUST
    rec = read_recording(path, dtype="int16", n_channels=4, rate=15_000)
    assert rec.data.shape == (431_548, 4) and rec.rate == 15_000.0
    assert rec.duration == pytest.approx(28.77, abs=0.01)
    assert rec.channels == ("ch0", "ch1", "ch2", "ch3") and len(rec.markers) == 0
    ref = np.fromfile(path, dtype="<i2").reshape(-1, 4)
    np.testing.assert_array_equal(rec.data, ref.astype(np.float32))

    scaled = read_recording(path, "raw", dtype="<i2", n_channels=4, rate=15_000, scale=0.5,
                            channels=["a", "b", "c", "d"])  # fmt: skip
    assert scaled.channels == ("a", "b", "c", "d")
    np.testing.assert_array_equal(scaled.data, ref.astype(np.float32) * np.float32(0.5))


def test_select_channels_and_crop(edf: Recording, shared_data: Path) -> None:
    sub = read_recording(shared_data / EDF, channels=["Cz..", "Fc5."])
    assert sub.channels == ("Cz..", "Fc5.")
    np.testing.assert_array_equal(sub.data[:, 0], edf.data[:, edf.channels.index("Cz..")])
    np.testing.assert_array_equal(sub.data[:, 1], edf.data[:, 0])

    # samples 128..1023, holding the onsets 1.375 s (T1), 6.5 s (T0), 7.875 s (T2) (MNE's read)
    clip = edf.crop(1.0, 8.0)
    assert clip.n_samples == 7 * 128
    np.testing.assert_array_equal(clip.data, edf.data[128:1024])
    assert list(clip.markers["label"]) == ["T1", "T0", "T2"]
    np.testing.assert_array_equal(clip.markers["sample_index"], np.array([176, 832, 1008]) - 128)
    np.testing.assert_allclose(clip.markers["timestamp"], [0.375, 5.5, 6.875])


# ------------------------------------------------------------------------- files written here


def synthetic(n: int = 200, n_channels: int = 3, rate: float = 250.0) -> Recording:
    """Channel 0 holds the sample index, so any window can be located."""
    data = np.random.default_rng(0).normal(size=(n, n_channels)).astype(np.float32)
    data[:, 0] = np.arange(n)
    markers = np.zeros(3, dtype=MARKER_DTYPE)
    markers["timestamp"] = [0.0, 0.1, (n - 1) / rate]
    markers["label"] = ["start", "stim 1", "end"]
    markers["sample_index"] = [0, round(0.1 * rate), n - 1]
    labels = tuple(f"C{i}" for i in range(n_channels))
    return Recording(data, rate, labels, markers, "microvolts", Path("synthetic"))


def test_npz_round_trip(tmp_path: Path) -> None:
    rec = synthetic()
    path = tmp_path / "clip.npz"
    np.savez(
        path,
        data=rec.data,
        rate=rec.rate,
        channels=list(rec.channels),
        unit=rec.unit,
        marker_onsets=rec.markers["timestamp"],
        marker_labels=rec.markers["label"],
    )
    back = read_recording(path)
    np.testing.assert_array_equal(back.data, rec.data)
    assert (back.rate, back.channels, back.unit) == (rec.rate, rec.channels, rec.unit)
    np.testing.assert_array_equal(back.markers, rec.markers)

    # the minimal set of keys (no markers, no unit)
    np.savez(tmp_path / "bare.npz", data=np.ones((4, 2)), rate=10.0, channels=["x", "y"])
    bare = read_recording(tmp_path / "bare.npz")
    assert bare.data.dtype == np.float32 and bare.channels == ("x", "y")
    assert len(bare.markers) == 0 and bare.unit == ""


@settings(max_examples=25, deadline=None)
@given(
    dtype=st.sampled_from(["<i2", "<u2", "<i4", "<f4", "<f8", "int16", "uint8", ">i2"]),
    n_channels=st.integers(1, 9),
    n_samples=st.integers(1, 300),
    seed=st.integers(0, 2**16),
)
def test_raw_round_trip(dtype: str, n_channels: int, n_samples: int, seed: int) -> None:
    dt = np.dtype(dtype)
    if dt.byteorder == "=":
        dt = dt.newbyteorder("<")  # the reader's promise for dtypes without a byte order
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 200, size=(n_samples, n_channels)).astype(dt)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.raw"
        values.tofile(path)
        rec = read_recording(path, dtype=dtype, n_channels=n_channels, rate=1000.0)
    np.testing.assert_array_equal(rec.data, values.astype(np.float32))


# A minimal XDF 1.0 writer (pyxdf only reads, and ../shared/data holds no XDF file). It writes the
# chunk layout of the XDF specification (magic, FileHeader, StreamHeader, Samples, StreamFooter)
# with 8-byte lengths and explicit timestamps on every sample. It is a test helper, not a
# conforming recorder (no ClockOffset or Boundary chunks).


def _chunk(tag: int, content: bytes) -> bytes:
    body = struct.pack("<H", tag) + content
    return b"\x08" + struct.pack("<Q", len(body)) + body


def _varlen(n: int) -> bytes:
    return b"\x08" + struct.pack("<Q", n)


def write_xdf(path: Path, streams: list[dict]) -> None:
    """Each stream: name, type, rate, fmt (``float32``/``int16``/``string``), labels, unit,
    stamps (n,), values ((n, n_channels) numbers, or n lists of str)."""
    out = [b"XDF:", _chunk(1, b'<?xml version="1.0"?><info><version>1.0</version></info>')]
    for sid, s in enumerate(streams, start=1):
        chans = "".join(
            f"<channel><label>{escape(lab)}</label><unit>{s['unit']}</unit></channel>"
            for lab in s["labels"]
        )
        xml = (
            f'<?xml version="1.0"?><info><name>{escape(s["name"])}</name><type>{s["type"]}'
            f"</type><channel_count>{len(s['labels'])}</channel_count><nominal_srate>"
            f"{s['rate']}</nominal_srate><channel_format>{s['fmt']}</channel_format>"
            f"<created_at>0</created_at><desc><channels>{chans}</channels></desc></info>"
        )
        out.append(_chunk(2, struct.pack("<I", sid) + xml.encode()))
    for sid, s in enumerate(streams, start=1):
        body = [struct.pack("<I", sid), _varlen(len(s["stamps"]))]
        for t, row in zip(s["stamps"], s["values"], strict=True):
            body.append(b"\x08" + struct.pack("<d", t))
            if s["fmt"] == "string":
                body.extend(_varlen(len(v.encode())) + v.encode() for v in row)
            else:
                body.append(np.asarray(row, dtype=np.dtype(s["fmt"]).newbyteorder("<")).tobytes())
        out.append(_chunk(3, b"".join(body)))
    for sid, s in enumerate(streams, start=1):
        footer = (
            f'<?xml version="1.0"?><info><first_timestamp>{s["stamps"][0]}</first_timestamp>'
            f"<last_timestamp>{s['stamps'][-1]}</last_timestamp>"
            f"<sample_count>{len(s['stamps'])}</sample_count></info>"
        )
        out.append(_chunk(6, struct.pack("<I", sid) + footer.encode()))
    path.write_bytes(b"".join(out))


def test_xdf_round_trip(tmp_path: Path) -> None:
    rec = synthetic(n=250, n_channels=3, rate=100.0)
    t0 = 5000.25
    stamps = t0 + np.arange(rec.n_samples) / rec.rate
    aux = np.arange(40, dtype=np.int16).reshape(20, 2)
    marker_idx = [0, 57, 249]
    streams = [
        dict(name="markers", type="Markers", rate=0, fmt="string", labels=["m"], unit="",
             stamps=stamps[marker_idx], values=[["go"], ["stim, 1"], ["end"]]),
        dict(name="eeg", type="EEG", rate=100.0, fmt="float32", labels=list(rec.channels),
             unit="microvolts", stamps=stamps, values=rec.data),
        dict(name="aux", type="AUX", rate=10.0, fmt="int16", labels=["a0", "a1"], unit="",
             stamps=t0 + np.arange(20) / 10.0, values=aux),
    ]  # fmt: skip
    path = tmp_path / "session.xdf"
    write_xdf(path, streams)

    back = read_recording(path)  # the first continuous stream: "eeg"
    np.testing.assert_array_equal(back.data, rec.data)
    assert back.rate == 100.0 and back.channels == rec.channels and back.unit == "microvolts"
    assert list(back.markers["label"]) == ["go", "stim, 1", "end"]
    np.testing.assert_array_equal(back.markers["sample_index"], marker_idx)
    np.testing.assert_allclose(back.markers["timestamp"], np.array(marker_idx) / 100.0, atol=1e-6)

    other = read_recording(path, stream="aux")
    np.testing.assert_array_equal(other.data, aux.astype(np.float32))
    assert other.channels == ("a0", "a1") and other.rate == 10.0
    with pytest.raises(FileFormatError, match="no continuous numeric stream named 'nope'"):
        read_recording(path, stream="nope")


# ------------------------------------------------------------------------------ bad input


def one_line_error(excinfo: pytest.ExceptionInfo[FileFormatError], path: Path) -> str:
    msg = str(excinfo.value)
    assert "\n" not in msg and str(path) in msg
    return msg


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nothing.edf"
    with pytest.raises(FileFormatError, match="no such file") as ei:
        read_recording(path)
    one_line_error(ei, path)


def test_unknown_extension_and_format(tmp_path: Path) -> None:
    path = tmp_path / "data.foo"
    path.write_bytes(b"\0" * 8)
    with pytest.raises(FileFormatError, match="cannot tell the format from the extension") as ei:
        read_recording(path)
    one_line_error(ei, path)
    with pytest.raises(FileFormatError, match="unknown format 'wav'"):
        read_recording(path, "wav")
    assert read_recording(path, FileFormat.RAW, dtype="<i2", n_channels=2, rate=1).n_samples == 2


def test_raw_without_parameters(tmp_path: Path) -> None:
    path = tmp_path / "x.raw"
    np.zeros((10, 2), "<i2").tofile(path)
    with pytest.raises(FileFormatError, match="needs dtype, n_channels and rate; missing rate"):
        read_recording(path, dtype="<i2", n_channels=2)
    with pytest.raises(FileFormatError, match="missing dtype, n_channels, rate") as ei:
        read_recording(path)
    one_line_error(ei, path)
    with pytest.raises(FileFormatError, match="numeric numpy dtype"):
        read_recording(path, dtype="U4", n_channels=2, rate=1.0)


def test_raw_params_on_other_formats(shared_data: Path) -> None:
    with pytest.raises(FileFormatError, match="only apply to raw binary files"):
        read_recording(shared_data / EDF, rate=100.0)


def test_truncated_raw(tmp_path: Path) -> None:
    path = tmp_path / "cut.raw"
    path.write_bytes(np.arange(4 * 10, dtype="<i2").tobytes() + b"\x01")  # one byte too many
    with pytest.raises(FileFormatError, match="81 bytes is not a whole number of 8-byte") as ei:
        read_recording(path, dtype="int16", n_channels=4, rate=15_000)
    one_line_error(ei, path)
    (tmp_path / "empty.raw").write_bytes(b"")
    with pytest.raises(FileFormatError, match="size 0 bytes"):
        read_recording(tmp_path / "empty.raw", dtype="int16", n_channels=4, rate=15_000)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("bad.edf", "cannot read as EDF"),
        ("bad.bdf", "cannot read as BDF"),
        ("bad.set", "cannot read as EEGLAB"),
        ("bad.xdf", r"not an XDF file \(no .XDF:. magic\)"),
        ("bad.npz", r"not an \.npz archive \(an \.npz is a zip of \.npy arrays\)"),
    ],
)
def test_corrupt_files(tmp_path: Path, name: str, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"this is not a recording\n" * 40)
    with pytest.raises(FileFormatError, match=message) as ei:
        read_recording(path)
    one_line_error(ei, path)


def test_npz_missing_keys(tmp_path: Path) -> None:
    np.savez(tmp_path / "k.npz", data=np.ones((3, 1)))
    with pytest.raises(FileFormatError, match=r"missing key\(s\) \['channels', 'rate'\]"):
        read_recording(tmp_path / "k.npz")


def test_unknown_channel_selection(shared_data: Path) -> None:
    with pytest.raises(FileFormatError, match=r"unknown channel\(s\) \['Cz'\]"):
        read_recording(shared_data / EDF, channels=["Cz"])


def test_missing_optional_dependency(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # sys.modules[name] = None makes ``import name`` fail as when the package is not installed.
    monkeypatch.setitem(sys.modules, "pyxdf", None)
    path = tmp_path / "x.xdf"
    path.write_bytes(b"XDF:")
    with pytest.raises(FileFormatError, match=r"needs pyxdf: pip install pyxdf$"):
        read_recording(path)
