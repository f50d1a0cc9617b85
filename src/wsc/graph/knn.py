"""Nearest-neighbour search behind one interface: exact blocked search, faiss HNSW or IVF."""
from __future__ import annotations

import time
from typing import Callable

import numpy as np

Report = Callable[[int, int, float], None]

METRICS = ("euclidean", "cosine")
# Above this many points `method="auto"` switches from exact to approximate search.
EXACT_MAX_N = 20_000
# `method="auto"` above EXACT_MAX_N: HNSW up to this many dimensions (embeddings, whose
# rows bunch into few tight groups that IVF cells split badly), IVF above (features).
HNSW_MAX_DIM = 32
# Cells an IVF search visits (docs/scale.md: recall 0.996 at 128-d, k = 100, 100k rows).
IVF_PROBES = 16
# k-means steps of the IVF training: 10 instead of faiss's 25 gave the same recall (0.9958 at
# k = 100, 100k rows; docs/scale.md) in a third of the training time.
IVF_TRAIN_ITER = 10
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


def _drop_self(indices: np.ndarray, sqdist: np.ndarray, rows: np.ndarray, k: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """From k+1 results per queried row keep k, removing the row itself (or the last if absent)."""
    m = indices.shape[0]
    is_self = indices == rows[:, None]
    drop = np.where(is_self.any(axis=1), is_self.argmax(axis=1), k)
    keep = np.ones(indices.shape, dtype=bool)
    keep[np.arange(m), drop] = False
    return indices[keep].reshape(m, k).astype(np.int64), sqdist[keep].reshape(m, k)


def _ivf(X: np.ndarray, n_probe: int, train_iter: int):
    """An inverted-file index (`ivf_trained`): at 128-d it builds and searches far faster
    than HNSW."""
    index = ivf_trained(X, train_iter)
    index.add(X)
    index.nprobe = n_probe
    return index


def _two_level_centroids(sample: np.ndarray, n_list: int, n_iter: int) -> np.ndarray:
    """n_list k-means centroids of sample in two levels: sqrt(n_list) coarse clusters, then
    each split into a share of n_list proportional to its size (fixed seeds)."""
    import faiss

    d = sample.shape[1]
    quiet = dict(niter=n_iter, min_points_per_centroid=1)     # no few-points warnings
    n_coarse = max(1, int(np.sqrt(n_list)))
    coarse = faiss.Kmeans(d, n_coarse, seed=0, **quiet)
    coarse.train(sample)
    assign = coarse.index.search(sample, 1)[1].ravel()
    sizes = np.bincount(assign, minlength=n_coarse)
    shares = np.diff(np.cumsum(sizes) * n_list // sizes.sum(), prepend=0)
    parts = []
    for c in np.flatnonzero(shares):
        rows = sample[assign == c]
        if rows.shape[0] <= shares[c]:
            parts.append(rows)
            continue
        fine = faiss.Kmeans(d, int(shares[c]), seed=int(c), **quiet)
        fine.train(rows)
        parts.append(fine.centroids)
    return np.ascontiguousarray(np.vstack(parts), dtype=np.float32)


def ivf_trained(X: np.ndarray, train_iter: int = IVF_TRAIN_ITER):
    """An empty IVF index of about 4 sqrt(n) cells (also the shared quantizer of the sharded
    search, `wsc.graph.dask`), its cells from a two-level k-means of a fixed-seed sample of
    64 rows per cell, train_iter steps per level: a small share of the time of a flat
    k-means of every cell against the whole sample, for the same recall (docs/scale.md)."""
    import faiss

    n, d = X.shape
    n_list = int(np.clip(4 * np.sqrt(n), 16, 16384))
    sample = X[np.random.default_rng(0).choice(n, min(n, 64 * n_list), replace=False)]
    centroids = _two_level_centroids(sample, n_list, train_iter)
    quantizer = faiss.IndexFlatL2(d)
    quantizer.add(centroids)
    index = faiss.IndexIVFFlat(quantizer, d, centroids.shape[0])
    index.is_trained = True
    return index


def _index(X: np.ndarray, method: str, m: int = 32, ef_construction: int = 80,
           n_probe: int = IVF_PROBES, train_iter: int = IVF_TRAIN_ITER):
    """A faiss index holding every row of X: flat (exact), HNSW (its level generator has a
    fixed seed, so the search is deterministic) or IVF (fixed-seed k-means)."""
    import faiss

    if method == "ivf":
        return _ivf(X, n_probe, train_iter)
    if method == "exact":
        index = faiss.IndexFlatL2(X.shape[1])
    elif method == "hnsw":
        index = faiss.IndexHNSWFlat(X.shape[1], m)
        index.hnsw.efConstruction = ef_construction
    else:
        raise ValueError(f"method must be 'auto', 'exact', 'hnsw' or 'ivf', got {method!r}")
    index.add(X)
    return index


def _search(index, X: np.ndarray, rows: np.ndarray, k: int, report: Report | None = None
            ) -> tuple[np.ndarray, np.ndarray]:
    """Query the given rows of X against a faiss index in blocks that bound the result memory;
    report(blocks done, blocks, seconds left) after each block."""
    if hasattr(index, "hnsw"):
        index.hnsw.efSearch = max(2 * (k + 1), 64)
    indices = np.empty((rows.size, k), dtype=np.int64)
    sqdist = np.empty((rows.size, k), dtype=np.float32)
    block = max(1024, BLOCK_BYTES // (12 * (k + 1)))
    n_blocks, began = -(-rows.size // block), time.perf_counter()
    for done, start in enumerate(range(0, rows.size, block), 1):
        chunk = rows[start:start + block]
        d, i = index.search(X[chunk], k + 1)
        i, d = _drop_self(np.where(i < 0, chunk[:, None], i), d, chunk, k)
        indices[start:start + chunk.size], sqdist[start:start + chunk.size] = i, d
        if report is not None:
            elapsed = time.perf_counter() - began
            report(done, n_blocks, elapsed / done * (n_blocks - done))
    return indices, sqdist


def _query_order(index, n: int) -> np.ndarray:
    """The rows in the order of their IVF cells (the index's lists), else 0..n-1: queries in
    the same cell probe nearly the same cells, which then stay in cache (the same results;
    docs/scale.md)."""
    if not hasattr(index, "invlists"):
        return np.arange(n)
    import faiss

    lists = index.invlists
    cells = [faiss.rev_swig_ptr(lists.get_ids(c), lists.list_size(c)).copy()
             for c in range(index.nlist) if lists.list_size(c)]
    return np.concatenate(cells).astype(np.int64)


def search_all(index, X: np.ndarray, k: int, report: Report | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """`_search` of every row of X (all of them in the index), queried in `_query_order`."""
    rows = _query_order(index, X.shape[0])
    found, sqdist = _search(index, X, rows, k, report)
    indices = np.empty_like(found)
    distances = np.empty_like(sqdist)
    indices[rows], distances[rows] = found, sqdist
    return indices, distances


def _checked(X: np.ndarray, n_neighbors: int, metric: str, method: str
             ) -> tuple[np.ndarray, int, str]:
    """Prepared X, k and the concrete method, after the checks every search shares."""
    X = _prepare(X, metric)
    n = X.shape[0]
    if not np.all(np.isfinite(X)):
        bad = np.argwhere(~np.isfinite(X))[0]
        raise ValueError(f"X has a NaN or infinite value at row {bad[0]}, column {bad[1]}")
    k = int(n_neighbors)
    if k < 1 or k >= n:
        raise ValueError(f"n_neighbors={k} needs at least {k + 1} points, got {n}")
    if method == "auto":
        method = "exact" if n <= EXACT_MAX_N else "hnsw" if X.shape[1] <= HNSW_MAX_DIM else "ivf"
    return X, k, method


def kneighbors(X: np.ndarray, n_neighbors: int, metric: str = "euclidean",
               method: str = "auto", random_state: int = 0, report: Report | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """The n_neighbors nearest other points of every row, sorted by distance.

    Returns (indices int64 (n, k), distances float32 (n, k)); a point is never its own
    neighbour. method: 'exact' (blocked brute force), 'hnsw' or 'ivf' (faiss), or 'auto'
    (exact up to EXACT_MAX_N rows, then HNSW up to HNSW_MAX_DIM dimensions, else IVF).
    Every backend is deterministic (fixed internal seeds), so random_state only exists for
    a uniform estimator interface and does not change the result. report(blocks done,
    blocks, seconds left): progress of the search, after each block of queries.
    """
    X, k, method = _checked(X, n_neighbors, metric, method)
    indices, sq = search_all(_index(X, method), X, k, report)
    return indices, _to_metric(sq, metric)
