"""The weak-label term of the WSE objective: class-balanced within-group scatter."""
from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp


def encode_groups(y) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (-1 = missing) and the group values, for labels of any hashable type.

    Missing: None, NaN and the number -1.
    """
    s = pd.Series(np.asarray(y, dtype=object).ravel())
    missing = s.isna().to_numpy() | (pd.to_numeric(s, errors="coerce") == -1).to_numpy()
    codes = np.full(len(s), -1, dtype=np.int64)
    if (~missing).any():
        c, uniques = pd.factorize(s[~missing], sort=True)
        codes[~missing] = c
        return codes, np.asarray(uniques, dtype=object)
    return codes, np.empty(0, dtype=object)


class GroupScatter:
    """sum_g (m / (G n_g)) ||W_g - mean(W_g)||^2 and its exact proximal operator.

    m is the number of labelled rows; unlabelled rows (code -1) are in no group. All
    operations are vectorised through a sparse row-to-group indicator (no loop over groups).
    """

    def __init__(self, codes: np.ndarray) -> None:
        codes = np.asarray(codes, dtype=np.int64)
        self.labelled = codes >= 0
        self.rows = np.flatnonzero(self.labelled)
        self.codes = codes[self.rows]
        self.n_groups = int(self.codes.max()) + 1 if self.rows.size else 0
        self.sizes = np.bincount(self.codes, minlength=self.n_groups).astype(np.float64)
        self.weights = self.rows.size / (self.n_groups * self.sizes)  # m / (G n_g)
        self._indicator = sp.csr_matrix(
            (np.ones(self.rows.size), (self.codes, np.arange(self.rows.size))),
            shape=(self.n_groups, self.rows.size))

    def _means(self, W: np.ndarray) -> np.ndarray:
        """Per-group row means of the labelled rows of W, (G, r)."""
        return (self._indicator @ W[self.rows]) / self.sizes[:, None]

    def value(self, W: np.ndarray) -> float:
        """The term's value (without lambda)."""
        dev = W[self.rows] - self._means(W)[self.codes]
        per_row = np.einsum("ij,ij->i", dev, dev)
        return float(np.dot(self.weights[self.codes], per_row))

    def prox(self, V: np.ndarray, step: float) -> np.ndarray:
        """argmin_W ||W - V||^2 / (2 step) + value(W): keep each group mean, shrink deviations.

        W_g = (V_g + beta_g 1 mean(V_g)) / (1 + beta_g), beta_g = 2 step m / (G n_g).
        """
        W = V.copy()
        beta = (2.0 * step * self.weights)[self.codes][:, None]
        W[self.rows] = (V[self.rows] + beta * self._means(V)[self.codes]) / (1.0 + beta)
        return W
