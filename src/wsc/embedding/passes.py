"""Fused passes of the batch WSE solver over its n x r iterates, each reading and writing
its arrays once: the NumPy form made about 20 passes per trial, and above a few hundred
thousand rows the iterates no longer fit in cache (docs/scale.md, "Passes over memory at 1M")."""
from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def extrapolate(W: np.ndarray, W_prev: np.ndarray, LW: np.ndarray, LW_prev: np.ndarray,
                beta: float, Y: np.ndarray, LY: np.ndarray) -> float:
    """Y = W + beta (W - W_prev) and LY = LW + beta (LW - LW_prev) (L Y, as L is linear);
    returns tr(Y^T L Y)."""
    total = 0.0
    for i in range(W.shape[0]):
        for t in range(W.shape[1]):
            y = W[i, t] + beta * (W[i, t] - W_prev[i, t])
            ly = LW[i, t] + beta * (LW[i, t] - LW_prev[i, t])
            Y[i, t] = y
            LY[i, t] = ly
            total += y * ly
    return total


@numba.njit(cache=True, nogil=True)
def gradient_step(Y: np.ndarray, LY: np.ndarray, step: float, out: np.ndarray) -> None:
    """out = Y - step * grad, the graph term's gradient being 2 L Y."""
    for i in range(Y.shape[0]):
        for t in range(Y.shape[1]):
            out[i, t] = Y[i, t] - step * (2.0 * LY[i, t])


@numba.njit(cache=True, nogil=True)
def rotate(P: np.ndarray, M: np.ndarray, out: np.ndarray, out32: np.ndarray,
           with32: bool) -> None:
    """out = P M (M small, r x r), and its float32 copy into out32 when with32."""
    r = M.shape[0]
    row = np.empty(r)
    for i in range(P.shape[0]):
        for t in range(r):
            row[t] = 0.0
        for s in range(r):
            p = P[i, s]
            for t in range(r):
                row[t] += p * M[s, t]
        for t in range(r):
            out[i, t] = row[t]
            if with32:
                out32[i, t] = row[t]


@numba.njit(cache=True, nogil=True)
def trial_terms(W: np.ndarray, LW_in: np.ndarray, Y: np.ndarray, LY: np.ndarray,
                LW: np.ndarray) -> tuple[float, float, float]:
    """LW = LW_in in float64; returns tr(W^T L W), <L Y, W - Y> and ||W - Y||^2 (the terms
    of the backtracking test)."""
    f = 0.0
    cross = 0.0
    dist = 0.0
    for i in range(W.shape[0]):
        for t in range(W.shape[1]):
            lw = np.float64(LW_in[i, t])
            LW[i, t] = lw
            f += W[i, t] * lw
            d = W[i, t] - Y[i, t]
            cross += LY[i, t] * d
            dist += d * d
    return f, cross, dist
