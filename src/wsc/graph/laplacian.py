"""Graph Laplacians of a sparse affinity, as float32 CSR."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

KINDS = ("unnormalized", "random_walk", "symmetric")


def laplacian(A: sp.spmatrix, kind: str = "symmetric") -> sp.csr_matrix:
    """L = D - A ('unnormalized'), I - D^-1 A ('random_walk') or I - D^-1/2 A D^-1/2 ('symmetric').

    Isolated points (degree 0) get an all-zero row and column, so no graph term acts on
    them and nothing is divided by zero.
    """
    if kind not in KINDS:
        raise ValueError(f"laplacian must be one of {KINDS}, got {kind!r}")
    A = sp.csr_matrix(A, dtype=np.float64)
    deg = np.asarray(A.sum(axis=1)).ravel()
    connected = deg > 0
    if kind == "unnormalized":
        L = sp.diags(deg) - A
    else:
        inv = np.zeros_like(deg)
        if kind == "random_walk":
            inv[connected] = 1.0 / deg[connected]
            L = sp.diags(connected.astype(float)) - sp.diags(inv) @ A
        else:
            inv[connected] = 1.0 / np.sqrt(deg[connected])
            L = sp.diags(connected.astype(float)) - sp.diags(inv) @ A @ sp.diags(inv)
    L = sp.csr_matrix(L, dtype=np.float32)
    L.eliminate_zeros()
    return L


def symmetric_part(L: sp.spmatrix) -> sp.csr_matrix:
    """(L + L^T) / 2: tr(W^T L W) depends on it only, and its gradient is 2 Ls W."""
    L = sp.csr_matrix(L)
    if abs(L - L.T).max() <= 1e-6 * abs(L).max():
        return L
    return sp.csr_matrix((L + L.T) * 0.5, dtype=L.dtype)
