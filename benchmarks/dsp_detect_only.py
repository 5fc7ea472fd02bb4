"""Benchmark: spike detection alone on pre-filtered data, 1 ms blocks, one core.

Same figures as ``dsp_filter_detect.py`` (which holds the shared code), without the filter::

    NUMBA_NUM_THREADS=1 python benchmarks/dsp_detect_only.py [--seconds 10] [--method ...]
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dsp_filter_detect import main

if __name__ == "__main__":
    main(filtered=True)
