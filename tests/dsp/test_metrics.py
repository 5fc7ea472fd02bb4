"""One-to-one matching of detected and true spike times."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_array
from scipy.sparse.csgraph import maximum_bipartite_matching

from neurolink.dsp import match_pairs, match_spikes, precision, recall


def test_hand_cases() -> None:
    # true 100 matches 103 (tol 4); 200 has 198 and 201 in range: one match, one FP; 300 missed
    tp, fp, fn = match_spikes([103, 198, 201, 500], [100, 200, 300], tol_samples=4)
    assert (tp, fp, fn) == (2, 2, 1)
    assert recall(tp, fn) == pytest.approx(2 / 3)
    assert precision(tp, fp) == pytest.approx(0.5)
    # greedy-by-nearest would take 104 for 102 and leave 106 unmatched; maximum matching is 2
    dp, _ = match_pairs([104, 99], [102, 106], tol_samples=3)
    assert len(dp) == 2
    assert match_spikes([], [], 3) == (0, 0, 0) and recall(0, 0) == 1.0
    with pytest.raises(ValueError):
        match_spikes([1], [1], -1)


@settings(max_examples=80, deadline=None)
@given(
    det=st.lists(st.integers(0, 200), max_size=30),
    true=st.lists(st.integers(0, 200), max_size=30),
    tol=st.integers(0, 8),
)
def test_maximum_matching(det: list[int], true: list[int], tol: int) -> None:
    dp, tp_ = match_pairs(np.array(det), np.array(true), tol)
    # a valid one-to-one matching within tolerance ...
    assert len(set(dp.tolist())) == len(dp) and len(set(tp_.tolist())) == len(tp_)
    assert np.all(np.abs(np.array(det)[dp] - np.array(true)[tp_]) <= tol) if len(dp) else True
    # ... of maximum size (compare with a general bipartite matching)
    if det and true:
        adj = np.abs(np.subtract.outer(np.array(det), np.array(true))) <= tol
        m = maximum_bipartite_matching(csr_array(adj.astype(np.int8)), perm_type="column")
        assert len(dp) == int(np.sum(m >= 0))
    else:
        assert len(dp) == 0
