"""The weak-label term of the WSE objective: class-balanced within-group scatter."""
from __future__ import annotations

import numba
import numpy as np
import pandas as pd
import scipy.sparse as sp

from wsc.labels import unknown_mask


def encode_groups(y) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (-1 = missing) and the group values, for labels of any hashable type.

    Missing: the project's unknown labels (`wsc.labels`: None, NaN, empty, -1, 999).
    """
    s = pd.Series(np.asarray(y, dtype=object).ravel())
    missing = unknown_mask(s.to_numpy())
    codes = np.full(len(s), -1, dtype=np.int64)
    if (~missing).any():
        c, uniques = pd.factorize(s[~missing], sort=True)
        codes[~missing] = c
        return codes, np.asarray(uniques, dtype=object)
    return codes, np.empty(0, dtype=object)


@numba.njit(cache=True, nogil=True)
def _group_means(W: np.ndarray, codes: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """(G, r) mean row of each group (codes per row, -1 = none), one pass over the rows."""
    means = np.zeros((sizes.size, W.shape[1]))
    for i in range(W.shape[0]):
        g = codes[i]
        if g >= 0:
            for t in range(W.shape[1]):
                means[g, t] += W[i, t]
    for g in range(sizes.size):
        for t in range(W.shape[1]):
            means[g, t] /= sizes[g]
    return means


@numba.njit(cache=True, nogil=True)
def _scatter_value(W: np.ndarray, codes: np.ndarray, sizes: np.ndarray,
                   weights: np.ndarray) -> float:
    means = _group_means(W, codes, sizes)
    total = 0.0
    for i in range(W.shape[0]):
        g = codes[i]
        if g >= 0:
            row = 0.0
            for t in range(W.shape[1]):
                d = W[i, t] - means[g, t]
                row += d * d
            total += weights[g] * row
    return total


@numba.njit(cache=True, nogil=True)
def _scatter_prox(V: np.ndarray, codes: np.ndarray, sizes: np.ndarray, weights: np.ndarray,
                  step: float, out: np.ndarray) -> None:
    """out = the prox of V (out may be V: the means are taken first)."""
    means = _group_means(V, codes, sizes)
    for i in range(V.shape[0]):
        g = codes[i]
        if g >= 0:
            beta = 2.0 * step * weights[g]
            for t in range(V.shape[1]):
                out[i, t] = (V[i, t] + beta * means[g, t]) / (1.0 + beta)
        else:
            for t in range(V.shape[1]):
                out[i, t] = V[i, t]


class GroupScatter:
    """sum_g (m / (G n_g)) ||W_g - mean(W_g)||^2 and its exact proximal operator.

    m is the number of labelled rows; unlabelled rows (code -1) are in no group. value and
    prox are compiled passes over the rows; the group means for `MultiGroupScatter` go
    through a sparse row-to-group indicator.
    """

    def __init__(self, codes: np.ndarray) -> None:
        codes = np.asarray(codes, dtype=np.int64)
        self.labelled = codes >= 0
        self.rows = np.flatnonzero(self.labelled)
        self.codes = codes[self.rows]
        self.n_groups = int(self.codes.max()) + 1 if self.rows.size else 0
        self.sizes = np.bincount(self.codes, minlength=self.n_groups).astype(np.float64)
        self.weights = self.rows.size / (self.n_groups * self.sizes)  # m / (G n_g)
        self._row_codes = np.where(self.labelled, codes, -1)
        self._indicator = sp.csr_matrix(
            (np.ones(self.rows.size), (self.codes, np.arange(self.rows.size))),
            shape=(self.n_groups, self.rows.size))

    def _means(self, W: np.ndarray) -> np.ndarray:
        """Per-group row means of the labelled rows of W, (G, r)."""
        return (self._indicator @ W[self.rows]) / self.sizes[:, None]

    def value(self, W: np.ndarray) -> float:
        """The term's value (without lambda). Compiled, like prox: one pass for the group
        means and one for the deviations (the gathers and temporaries of the NumPy form were
        a third of a large WSE solve, docs/scale.md)."""
        return float(_scatter_value(np.ascontiguousarray(W, dtype=np.float64), self._row_codes,
                                    self.sizes, self.weights))

    def prox(self, V: np.ndarray, step: float, out: np.ndarray | None = None) -> np.ndarray:
        """argmin_W ||W - V||^2 / (2 step) + value(W): keep each group mean, shrink deviations.

        W_g = (V_g + beta_g 1 mean(V_g)) / (1 + beta_g), beta_g = 2 step m / (G n_g).
        out: a C-contiguous float64 array of V's shape to write into (V itself allowed).
        """
        V = np.ascontiguousarray(V, dtype=np.float64)
        out = np.empty_like(V) if out is None else out
        _scatter_prox(V, self._row_codes, self.sizes, self.weights, float(step), out)
        return out


class MultiGroupScatter:
    """Joint multi-label term: sum_j sum_g (m_j / (G_j n_g)) ||W_g - mean(W_g)||^2 over columns j.

    One `GroupScatter` per label column (each with its own labelled rows m_j, groups G_j).
    The term is tr(W^T A W) with A = sum_j A_j, A_j the column's class-balanced centring
    operator (PSD, applied in O(n r)). Its proximal operator solves (I + 2 step A) W = V;
    the columns' partitions overlap, so there is no closed form: it is solved by
    conjugate gradients on all r right-hand sides at once, preconditioned by the diagonal
    of I + 2 step A, to a relative residual of `rtol` (exact to rounding for the solver).
    """

    def __init__(self, codes: np.ndarray, rtol: float = 1e-10, max_iter: int = 500) -> None:
        codes = np.asarray(codes, dtype=np.int64)
        if codes.ndim != 2:
            raise ValueError(f"codes must be 2-D (n, m), got shape {codes.shape}")
        self.columns = [GroupScatter(codes[:, j]) for j in range(codes.shape[1])]
        self.rtol = rtol
        self.max_iter = max_iter
        diag = np.zeros(codes.shape[0])
        for g in self.columns:   # diagonal of A_j: w_g (1 - 1/n_g) on labelled rows
            diag[g.rows] += g.weights[g.codes] * (1.0 - 1.0 / g.sizes[g.codes])
        self._diag = diag
        self.n_iter_ = 0

    def value(self, W: np.ndarray) -> float:
        """The term's value (without lambda): the sum of the columns' scatters."""
        return float(sum(g.value(W) for g in self.columns))

    def apply(self, W: np.ndarray) -> np.ndarray:
        """A W = sum_j A_j W (half the gradient of value)."""
        out = np.zeros_like(W)
        for g in self.columns:
            dev = W[g.rows] - g._means(W)[g.codes]
            out[g.rows] += g.weights[g.codes][:, None] * dev
        return out

    def prox(self, V: np.ndarray, step: float, out: np.ndarray | None = None) -> np.ndarray:
        """argmin_W ||W - V||^2 / (2 step) + value(W), i.e. (I + 2 step A) W = V, by PCG
        (written into out when given)."""
        W = self._solve(np.asarray(V, dtype=np.float64), step)
        if out is None:
            return W
        out[...] = W
        return out

    def _solve(self, V: np.ndarray, step: float) -> np.ndarray:
        """The PCG solve of (I + 2 step A) W = V."""
        if step == 0.0 or not self.columns:
            return V.copy()
        precond = 1.0 / (1.0 + 2.0 * step * self._diag)[:, None]
        W = V * precond
        R = V - W - 2.0 * step * self.apply(W)
        Z = precond * R
        P = Z.copy()
        rz = np.einsum("ij,ij->j", R, Z)
        target = self.rtol * np.maximum(np.linalg.norm(V, axis=0), 1e-300)
        it = 0
        for it in range(1, self.max_iter + 1):
            if np.all(np.linalg.norm(R, axis=0) <= target):
                it -= 1
                break
            AP = P + 2.0 * step * self.apply(P)
            pAp = np.einsum("ij,ij->j", P, AP)
            alpha = np.where(pAp > 0, rz / np.where(pAp > 0, pAp, 1.0), 0.0)
            W += alpha * P
            R -= alpha * AP
            Z = precond * R
            rz_new = np.einsum("ij,ij->j", R, Z)
            beta = np.where(rz > 0, rz_new / np.where(rz > 0, rz, 1.0), 0.0)
            P = Z + beta * P
            rz = rz_new
        self.n_iter_ = it
        return W
