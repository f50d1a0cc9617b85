"""Nearest-neighbour search behind one interface: exact blocked search or faiss HNSW."""
from __future__ import annotations

import numpy as np

METRICS = ("euclidean", "cosine")
# Above this many points `method="auto"` switches from exact to approximate search.
EXACT_MAX_N = 20_000
# Memory budget (bytes) of one block of search results.
BLOCK_BYTES = 1 << 28


def _prepare(X: np.ndarray, metric: str) -> np.ndarray:
    """float32 C-contiguous copy; rows L2-normalised for the cosine metric."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    X = np.ascontiguousarray(X, dtype=np.float32)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError("X must be a non-empty 2-D array (n_samples, n_features), "
                         f"got shape {X.shape}")
    if metric == "cosine":
        norms = np.linalg.norm(X, axis=1, keepdims=True)
        if np.any(norms == 0):
            raise ValueError(f"cosine metric: row {int(np.flatnonzero(norms == 0)[0])} is all zeros")
        X = X / norms
    return X


def _to_metric(sq: np.ndarray, metric: str) -> np.ndarray:
    """Squared Euclidean distances of prepared rows -> distances of the requested metric."""
    sq = np.maximum(sq, 0.0)
    return (sq / 2.0 if metric == "cosine" else np.sqrt(sq)).astype(np.float32)


def _drop_self(indices: np.ndarray, sqdist: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """From k+1 results per row keep k, removing the row itself (or the last if absent)."""
    n = indices.shape[0]
    is_self = indices == np.arange(n)[:, None]
    drop = np.where(is_self.any(axis=1), is_self.argmax(axis=1), k)
    keep = np.ones(indices.shape, dtype=bool)
    keep[np.arange(n), drop] = False
    return indices[keep].reshape(n, k).astype(np.int64), sqdist[keep].reshape(n, k)


def _search(index, X: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Query every row of X against a faiss index in blocks that bound the result memory."""
    n = X.shape[0]
    indices = np.empty((n, k), dtype=np.int64)
    sqdist = np.empty((n, k), dtype=np.float32)
    block = max(1024, BLOCK_BYTES // (12 * (k + 1)))
    for start in range(0, n, block):
        stop = min(n, start + block)
        d, i = index.search(X[start:stop], k + 1)
        i, d = _drop_self(np.where(i < 0, np.arange(start, stop)[:, None], i), d, k)
        indices[start:stop], sqdist[start:stop] = i, d
    return indices, sqdist


def _exact(X: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact kNN by brute force (faiss flat index: BLAS distances, blocked, bounded memory)."""
    import faiss

    index = faiss.IndexFlatL2(X.shape[1])
    index.add(X)
    return _search(index, X, k)


def _hnsw(X: np.ndarray, k: int, m: int = 32, ef_construction: int = 80
          ) -> tuple[np.ndarray, np.ndarray]:
    """Approximate kNN with a faiss HNSW index; its level generator has a fixed seed."""
    import faiss

    index = faiss.IndexHNSWFlat(X.shape[1], m)
    index.hnsw.efConstruction = ef_construction
    index.add(X)
    index.hnsw.efSearch = max(2 * (k + 1), 64)
    return _search(index, X, k)


def kneighbors(X: np.ndarray, n_neighbors: int, metric: str = "euclidean",
               method: str = "auto", random_state: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The n_neighbors nearest other points of every row, sorted by distance.

    Returns (indices int64 (n, k), distances float32 (n, k)); a point is never its own
    neighbour. method: 'exact' (blocked brute force), 'hnsw' (faiss), or 'auto'.
    Both backends are deterministic (HNSW uses a fixed internal seed), so random_state
    only exists for a uniform estimator interface and does not change the result.
    """
    X = _prepare(X, metric)
    n = X.shape[0]
    if not np.all(np.isfinite(X)):
        bad = np.argwhere(~np.isfinite(X))[0]
        raise ValueError(f"X has a NaN or infinite value at row {bad[0]}, column {bad[1]}")
    k = int(n_neighbors)
    if k < 1 or k >= n:
        raise ValueError(f"n_neighbors={k} needs at least {k + 1} points, got {n}")
    if method == "auto":
        method = "exact" if n <= EXACT_MAX_N else "hnsw"
    if method == "exact":
        indices, sq = _exact(X, k)
    elif method == "hnsw":
        indices, sq = _hnsw(X, k)
    else:
        raise ValueError(f"method must be 'auto', 'exact' or 'hnsw', got {method!r}")
    return indices, _to_metric(sq, metric)
