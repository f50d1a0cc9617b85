"""Nearest-neighbour search behind one interface: exact blocked search, faiss HNSW, or the
inverted-file cell search of `wsc.graph.cells`."""
from __future__ import annotations

import time
from typing import Callable

import numpy as np

from wsc.graph import cells

Report = Callable[[int, int, float], None]

METRICS = ("euclidean", "cosine")
# Above this many points `method="auto"` switches from exact to approximate search.
EXACT_MAX_N = 20_000
# `method="auto"` above EXACT_MAX_N: HNSW up to this many dimensions (embeddings, whose
# rows bunch into few tight groups that IVF cells split badly), IVF above (features).
HNSW_MAX_DIM = 32
# Cells an IVF search visits per query cell (docs/scale.md: recall@100 at 128-d 0.998 at
# 100k rows, 0.97 at 1M).
IVF_PROBES = 24
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


def _index(X: np.ndarray, method: str, m: int = 32, ef_construction: int = 80):
    """A faiss index holding every row of X: flat (exact) or HNSW (its level generator has a
    fixed seed, so the search is deterministic)."""
    import faiss

    if method == "exact":
        index = faiss.IndexFlatL2(X.shape[1])
    elif method == "hnsw":
        index = faiss.IndexHNSWFlat(X.shape[1], m)
        index.hnsw.efConstruction = ef_construction
    else:
        raise ValueError(f"method must be 'exact' or 'hnsw' here, got {method!r}")
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
        i, d = cells.drop_self(np.where(i < 0, chunk[:, None], i), d, chunk, k)
        indices[start:start + chunk.size], sqdist[start:start + chunk.size] = i, d
        if report is not None:
            elapsed = time.perf_counter() - began
            report(done, n_blocks, elapsed / done * (n_blocks - done))
    return indices, sqdist


def search_all(index, X: np.ndarray, k: int, report: Report | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """`_search` of every row of X (all of them in the index)."""
    return _search(index, X, np.arange(X.shape[0]), k, report)


def n_threads() -> int:
    """Threads a search uses: faiss's OpenMP count, which the caller's thread policy sets
    (`wsc.threads.cleaner_threads`)."""
    import faiss

    return faiss.omp_get_max_threads()


def ivf_search(X: np.ndarray, k: int, n_probe: int = IVF_PROBES,
               train_iter: int = IVF_TRAIN_ITER, report: Report | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """Every row's k nearest other rows by the cell search (`wsc.graph.cells`): cells from
    `cells.train`, each row filed in one, each cell's queries compared with its n_probe
    nearest cells, on n_threads() threads; (indices int64, squared distances float32)."""
    jobs = n_threads()
    centroids = cells.train(X, train_iter)
    filed = cells.assign(X, centroids, jobs)
    probes = cells.probe_table(centroids, n_probe)
    rows = np.arange(X.shape[0])
    D, I = cells.search(X, filed, X, rows, filed, probes, k, jobs, report, q_ids=rows)
    return I, D


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
    if method not in ("auto", "exact", "hnsw", "ivf"):
        raise ValueError(f"method must be 'auto', 'exact', 'hnsw' or 'ivf', got {method!r}")
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
    if method == "ivf":
        indices, sq = ivf_search(X, k, report=report)
    else:
        indices, sq = search_all(_index(X, method), X, k, report)
    return indices, _to_metric(sq, metric)
