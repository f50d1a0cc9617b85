"""Neighbours in an embedding without searching it: re-rank the shared feature neighbours."""
from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _nearest(E: np.ndarray, rows: np.ndarray, candidates: np.ndarray, k: int) -> np.ndarray:
    """Row by row: squared distances to the candidates, the k nearest by a stable sort
    (ties keep the candidates' order). No (rows, c, r) temporaries: the NumPy form spent
    its time writing them."""
    c, r = candidates.shape[1], E.shape[1]
    out = np.empty((rows.size, k), dtype=candidates.dtype)
    d = np.empty(c)
    for i in range(rows.size):
        row = rows[i]
        for j in range(c):
            b = candidates[row, j]
            s = 0.0
            for t in range(r):
                diff = E[b, t] - E[row, t]
                s += diff * diff
            d[j] = s
        order = np.argsort(d, kind="mergesort")
        for j in range(k):
            out[i, j] = candidates[row, order[j]]
    return out


def nearest_candidates(E: np.ndarray, rows: np.ndarray, candidates: np.ndarray,
                       k: int) -> np.ndarray:
    """The k of each row's candidates (its feature neighbours, candidates[row]) nearest to
    it in E, nearest first, in the candidates' integer type: O(n c r) instead of a search
    of E per embedding (a search of a 10-d embedding costs more than the 128-d feature
    search at scale, docs/scale.md)."""
    if k > candidates.shape[1]:
        raise ValueError(f"{k} nearest asked of {candidates.shape[1]} candidates")
    return _nearest(np.ascontiguousarray(E, dtype=np.float64),
                    np.ascontiguousarray(rows, dtype=np.int64),
                    np.ascontiguousarray(candidates), int(k))
