"""Sparse kNN affinity matrices: symmetrisation and Gaussian weights."""
from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp

from wsc.graph.knn import kneighbors


def _directed(indices: np.ndarray, values: np.ndarray, n: int) -> sp.csr_matrix:
    """Sparse n x n matrix with values[i, j] at (i, indices[i, j])."""
    k = indices.shape[1]
    rows = np.repeat(np.arange(n, dtype=np.int64), k)
    return sp.csr_matrix((values.ravel().astype(np.float64), (rows, indices.ravel())), shape=(n, n))


def gaussian_weights(indices: np.ndarray, distances: np.ndarray, sigma: str | float = "median",
                     n_local: int = 7) -> np.ndarray:
    """Weights exp(-d^2 / (2 s_i s_j)) of the directed kNN edges.

    sigma='median': one global s = median of the n*k real neighbour distances (the
    reference takes the median over a dense matrix full of zeros, which shrinks it);
    sigma='local': self-tuning s_i = distance to the i-th point's n_local-th neighbour
    (Zelnik-Manor & Perona); a float: that global s.
    """
    d = distances.astype(np.float64)
    if sigma == "median":
        positive = d[d > 0]
        s = float(np.median(positive)) if positive.size else 1.0
        return np.exp(-(d ** 2) / (2.0 * s * s))
    if sigma == "local":
        col = min(n_local, d.shape[1]) - 1
        s = d[:, col]
        floor = np.median(s[s > 0]) if np.any(s > 0) else 1.0
        s = np.where(s > 0, s, floor)  # duplicates: fall back to a typical scale
        return np.exp(-(d ** 2) / (2.0 * s[:, None] * s[indices]))
    if isinstance(sigma, (int, float)) and sigma > 0:
        return np.exp(-(d ** 2) / (2.0 * float(sigma) ** 2))
    raise ValueError(f"sigma must be 'median', 'local' or a positive number, got {sigma!r}")


def knn_affinity(X: np.ndarray | None = None, n_neighbors: int = 10, *,
                 symmetrize: str = "mutual", sigma: str | float = "local",
                 metric: str = "euclidean", method: str = "auto", random_state: int = 0,
                 neighbors: tuple[np.ndarray, np.ndarray] | None = None) -> sp.csr_matrix:
    """Symmetric kNN affinity (float32 CSR, no self loops) of the rows of X.

    symmetrize='mutual' keeps an edge only when each point is among the other's
    neighbours (the reference); 'union' keeps it when either is. Pass `neighbors`
    (indices, distances) from `kneighbors` to reuse a search.
    """
    if neighbors is None:
        if X is None:
            raise ValueError("knn_affinity needs X or neighbors")
        neighbors = kneighbors(X, n_neighbors, metric=metric, method=method,
                               random_state=random_state)
    indices, distances = neighbors
    n = indices.shape[0]
    W = _directed(indices, gaussian_weights(indices, distances, sigma), n)
    if symmetrize == "mutual":
        A = W.minimum(W.T)
    elif symmetrize == "union":
        A = W.maximum(W.T)
    else:
        raise ValueError(f"symmetrize must be 'mutual' or 'union', got {symmetrize!r}")
    A.setdiag(0)
    A.eliminate_zeros()
    A = A.astype(np.float32).tocsr()
    n_iso = int(isolated_points(A).size)
    if n_iso:
        warnings.warn(f"{n_iso} of {n} points have no {symmetrize} neighbour; the graph term "
                      "ignores them (only the label term places them)", stacklevel=2)
    return A


def isolated_points(A: sp.spmatrix) -> np.ndarray:
    """Indices of the points with no edge in the affinity A."""
    return np.flatnonzero(np.diff(sp.csr_matrix(A).indptr) == 0)
