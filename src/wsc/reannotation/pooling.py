"""Pooling evidence: linear-pool weights chosen by the held-out weak-label likelihood.

The weights need no true labels: each source predicts the weak labels of rows it never saw,
and EM finds the mixture that makes those labels most likely.
"""
from __future__ import annotations

import numpy as np


def mixture_weights(probas: list[np.ndarray], codes: np.ndarray, n_iter: int = 200,
                    tol: float = 1e-7) -> np.ndarray:
    """Linear-pool weights of the sources maximising the held-out weak-label likelihood (EM),
    until no weight moves by tol (most columns stop well before n_iter)."""
    known = codes >= 0
    L = np.stack([p[known, codes[known]] for p in probas], axis=1)   # (n_known, S)
    w = np.full(L.shape[1], 1.0 / L.shape[1])
    for _ in range(n_iter):
        # the E and M steps as two products: mean_i L_is w_s / (L w)_i = w_s (L^T 1/(L w))_s / n
        w, previous = w * (L.T @ (1.0 / (L @ w))) / L.shape[0], w
        if np.abs(w - previous).max() < tol:
            break
    return w


def pool(probas: list[np.ndarray], weights: np.ndarray) -> np.ndarray:
    """The weighted linear pool sum_s w_s P_s (n, K)."""
    return sum(w * p for w, p in zip(weights, probas))
