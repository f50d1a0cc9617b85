"""Approximate neighbour search over k-means cells, one matrix product per cell.

An inverted-file search computed cell by cell instead of query by query: every row is filed
in its nearest of about 4 sqrt(n) k-means cells, and the queries of one cell are compared
with the rows of the n_probe cells nearest to that cell's centroid in one BLAS product (the
rows stay in cache for all the cell's queries; faiss's IVF scans each query's own probe
lists pair by pair). The product's distances, |q|^2 + |x|^2 - 2 q.x, round differently with
the product's shape, so they only pick candidates: every pair that could be among the best
k within the product's rounding bound (`_slack`) has its distance recomputed pair by pair
in one fixed order, and the k best by (that distance, row id) are kept. The result
therefore does not depend on which other rows share a product: a search split into shards
of rows and merged by (distance, id) gives the same lists, bit for bit (`wsc.graph.dask`).
Filing rows in cells and choosing the probe cells use the same rule.
"""
from __future__ import annotations

from typing import Callable

import numba
import numpy as np

Report = Callable[[int, int, float], None]

# float32 unit roundoff.
UNIT_ROUNDOFF = 2.0 ** -24
# Queries per product: bounds the n_queries x n_candidates distance block (24 MB at 6,000).
QUERY_BLOCK = 1024
# Rows per block when filing rows in cells (a block x cells product).
ASSIGN_BLOCK = 4096


@numba.njit(nogil=True, fastmath=True, cache=True)
def _sqdist(a: np.ndarray, b: np.ndarray) -> np.float32:
    """Squared distance of two rows, summed in one fixed (vectorised) order: the same bits
    for the same pair whatever else is searched."""
    s = np.float32(0.0)
    for t in range(a.size):
        x = a[t] - b[t]
        s += x * x
    return s


@numba.njit(nogil=True, cache=True)
def _threshold(d: np.ndarray, keep: int) -> np.float32:
    """A value with at least `keep` entries of d at or below it, typically about 2 keep:
    where a histogram of every step-th entry (256 bins) reaches t entries, t doubled until
    enough entries of d lie below it (a sort or selection of d would cost more than the
    rest of the search)."""
    n = d.size
    if n <= keep:
        return np.float32(np.inf)
    step = max(1, n // max(8 * keep, 512))
    lo = np.float32(np.inf)
    hi = np.float32(-np.inf)
    for j in range(0, n, step):
        lo = min(lo, d[j])
        hi = max(hi, d[j])
    if not hi > lo:
        return hi
    n_bins = 256
    scale = n_bins / (hi - lo)
    hist = np.zeros(n_bins + 1, dtype=np.int64)
    for j in range(0, n, step):
        hist[min(n_bins, int((d[j] - lo) * scale))] += 1
    t = (2 * keep) // step + 2
    while True:
        cum = 0
        b = 0
        while b < n_bins and cum + hist[b] < t:
            cum += hist[b]
            b += 1
        thr = np.float32(lo + (b + 1) / scale) if b < n_bins else hi
        count = 0
        for j in range(n):
            count += d[j] <= thr
        if count >= keep:
            return thr
        if b >= n_bins:
            return np.float32(np.inf)
        t *= 2


@numba.njit(nogil=True, cache=True)
def _slack(d: int) -> float:
    """Bound, in units of (|q| + |x|)^2, on the gap between a product distance and the
    pair-by-pair one: each is within gamma_(d+1) = (d + 1) u / (1 - (d + 1) u) of the true
    value whatever the summation order, plus 3 u for the additions of the norms."""
    g = (d + 1) * UNIT_ROUNDOFF
    return 2.0 * g / (1.0 - g) + 4.0 * UNIT_ROUNDOFF


@numba.njit(nogil=True, cache=True)
def _best(Q: np.ndarray, q_norms: np.ndarray, B: np.ndarray, b_norms: np.ndarray,
          G: np.ndarray, k: int, out_d: np.ndarray, out_pos: np.ndarray) -> None:
    """Per row of Q, the k rows of B nearest by (pair-by-pair squared distance, position in
    B), candidates from the product G = Q B^T (positions -1 and distance inf where B is
    short). With T a value at least k product distances reach and s the rounding bound,
    the k-th best exact distance is <= T + s, so every row of the best k has a product
    distance <= T + 2 s: those are the candidates."""
    m, nb = G.shape
    keep = min(nb, k)
    slack = _slack(Q.shape[1]) * 1.01       # 1%: the norms below are rounded themselves
    b_max = np.sqrt(max(np.float32(0.0), b_norms.max())) if nb else np.float32(0.0)
    d = np.empty(nb, dtype=np.float32)
    exact = np.empty(nb, dtype=np.float32)
    pos = np.empty(nb, dtype=np.uint64)
    for r in range(m):
        q0 = q_norms[r]
        for j in range(nb):
            d[j] = q0 + b_norms[j] - np.float32(2.0) * G[r, j]
        reach = np.sqrt(max(np.float32(0.0), q0)) + b_max
        cutoff = _threshold(d, keep) + 2.0 * slack * reach * reach
        c = 0
        for j in range(nb):
            if d[j] <= cutoff:
                exact[c] = _sqdist(Q[r], B[j])
                pos[c] = j
                c += 1
        # a squared distance is >= 0, so its bits sort as its value: key (distance, position)
        keys = np.sort((exact[:c].view(np.uint32).astype(np.uint64) << np.uint64(32)) | pos[:c])
        found = min(k, c)
        out_d[r, :found] = (keys[:found] >> np.uint64(32)).astype(np.uint32).view(np.float32)
        out_pos[r, :found] = (keys[:found] & np.uint64(0xFFFFFFFF)).astype(np.int64)
        out_d[r, found:] = np.inf
        out_pos[r, found:] = -1


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


def train(X: np.ndarray, train_iter: int) -> np.ndarray:
    """About 4 sqrt(n) cell centroids (float32), from a two-level k-means of a fixed-seed
    sample of 64 rows per cell, train_iter steps per level: a small share of the time of a
    flat k-means of every cell against the whole sample, for the same recall
    (docs/scale.md). Cells of one coarse cluster get consecutive numbers, so consecutive
    cells probe nearly the same cells, which then stay in cache."""
    import faiss

    n = X.shape[0]
    n_list = int(np.clip(4 * np.sqrt(n), 16, 16384))
    sample = X[np.random.default_rng(0).choice(n, min(n, 64 * n_list), replace=False)]
    # faiss's k-means sums its centroids over its OpenMP threads, so its cells differ with
    # the thread count; on one thread they do not (1.3 s against 1.0 s at 1M rows)
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        return _two_level_centroids(sample, n_list, train_iter)
    finally:
        faiss.omp_set_num_threads(before)


def nearest(Q: np.ndarray, B: np.ndarray, k: int, b_norms: np.ndarray | None = None
            ) -> tuple[np.ndarray, np.ndarray]:
    """Each row of Q's k nearest rows of B, as (squared distances float32, positions int64),
    sorted by (distance, position): one product for the candidates, their distances then
    pair by pair (the module docstring). Q and B: float32, C-contiguous."""
    if B.shape[0] >= 1 << 32:
        raise ValueError(f"a product holds at most 2^32 candidate rows, got {B.shape[0]}")
    q_norms = np.einsum("ij,ij->i", Q, Q)
    b_norms = np.einsum("ij,ij->i", B, B) if b_norms is None else b_norms
    out_d = np.empty((Q.shape[0], k), dtype=np.float32)
    out_pos = np.empty((Q.shape[0], k), dtype=np.int64)
    _best(Q, q_norms, B, b_norms, Q @ B.T, k, out_d, out_pos)
    return out_d, out_pos


def drop_self(indices: np.ndarray, sqdist: np.ndarray, rows: np.ndarray, k: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """From k+1 results per queried row keep k, removing the row itself (or the last if
    absent); (indices int64, squared distances)."""
    m = indices.shape[0]
    is_self = indices == rows[:, None]
    drop = np.where(is_self.any(axis=1), is_self.argmax(axis=1), k)
    keep = np.ones(indices.shape, dtype=bool)
    keep[np.arange(m), drop] = False
    return indices[keep].reshape(m, k).astype(np.int64), sqdist[keep].reshape(m, k)


@numba.njit(nogil=True, cache=True)
def _merge_pair(D1: np.ndarray, I1: np.ndarray, D2: np.ndarray, I2: np.ndarray,
                out_d: np.ndarray, out_i: np.ndarray) -> None:
    """Row by row, the first out_d.shape[1] entries of two lists sorted by (distance, id),
    id -1 (padding) last among equal distances."""
    m, k = out_d.shape
    top = np.iinfo(np.int64).max
    for r in range(m):
        a = 0
        b = 0
        for t in range(k):
            if b >= D2.shape[1]:
                first = True
            elif a >= D1.shape[1]:
                first = False
            else:
                ka = top if I1[r, a] < 0 else I1[r, a]
                kb = top if I2[r, b] < 0 else I2[r, b]
                first = D1[r, a] < D2[r, b] or (D1[r, a] == D2[r, b] and ka <= kb)
            if first:
                out_d[r, t] = D1[r, a]
                out_i[r, t] = I1[r, a]
                a += 1
            else:
                out_d[r, t] = D2[r, b]
                out_i[r, t] = I2[r, b]
                b += 1


def merge_sorted(parts: list[tuple[np.ndarray, np.ndarray]], k: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The first k entries per row of several `search` results for the same queries
    (each sorted by (distance, id)), as one search over all their rows would list them."""
    D, I = parts[0]
    for D2, I2 in parts[1:]:
        out_d = np.empty((D.shape[0], k), dtype=np.float32)
        out_i = np.empty((D.shape[0], k), dtype=np.int64)
        _merge_pair(D, I, D2, I2, out_d, out_i)
        D, I = out_d, out_i
    return D[:, :k], I[:, :k]


def _one_blas_thread():
    """BLAS on one thread while the cells' products run, n_jobs of them at a time (one
    product per cell is too small to share between threads)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def _blocks(n: int, size: int) -> list[tuple[int, int]]:
    return [(a, min(a + size, n)) for a in range(0, n, size)]


def assign(X: np.ndarray, centroids: np.ndarray, n_jobs: int = 1) -> np.ndarray:
    """Each row's cell: its nearest centroid by exact distance, ties to the lower cell
    (int32), in row blocks on n_jobs threads."""
    from wsc.threads import map_threads

    cells = np.empty(X.shape[0], dtype=np.int32)
    c_norms = np.einsum("ij,ij->i", centroids, centroids)

    def file(block: tuple[int, int]) -> None:
        a, b = block
        cells[a:b] = nearest(X[a:b], centroids, 1, c_norms)[1][:, 0]

    with _one_blas_thread():
        map_threads(file, _blocks(X.shape[0], ASSIGN_BLOCK), n_jobs)
    return cells


def probe_table(centroids: np.ndarray, n_probe: int) -> np.ndarray:
    """For each cell, the n_probe cells whose centroids are nearest its own (itself first)."""
    with _one_blas_thread():
        return nearest(centroids, centroids, min(n_probe, centroids.shape[0]))[1]


def _rows_by_cell(cells: np.ndarray, n_cells: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions sorted by cell (ascending position within a cell) and each cell's start."""
    order = np.argsort(cells, kind="stable")
    return order, np.searchsorted(cells[order], np.arange(n_cells + 1))


def search(queries: np.ndarray, q_cells: np.ndarray, base: np.ndarray, b_ids: np.ndarray,
           b_cells: np.ndarray, probes: np.ndarray, k: int, n_jobs: int = 1,
           report: Report | None = None, q_ids: np.ndarray | None = None
           ) -> tuple[np.ndarray, np.ndarray]:
    """Each query's k nearest base rows among those filed in its cell's probe cells, as
    (squared distances float32, ids int64: b_ids of the rows, -1 where fewer), sorted by
    (distance, id). b_ids must ascend with the base rows' positions (ties then go to the
    lower id, as a merge of shards by (distance, id) does). Cells in order of their number,
    on n_jobs threads; report(cells done, cells, seconds left).

    With q_ids (the queries' own ids among b_ids), each query's k + 1 best are searched and
    `drop_self` applied cell by cell (in cache), returning k: the same lists as the k + 1
    search merged and dropped afterwards."""
    from wsc.threads import map_threads

    n_cells = probes.shape[0]
    q_order, q_start = _rows_by_cell(q_cells, n_cells)
    b_order, b_start = _rows_by_cell(b_cells, n_cells)
    b_norms = np.einsum("ij,ij->i", base, base)
    D = np.full((queries.shape[0], k), np.inf, dtype=np.float32)
    I = np.full((queries.shape[0], k), -1, dtype=np.int64)
    take = k if q_ids is None else k + 1

    def one_cell(c: int) -> None:
        mine = q_order[q_start[c]:q_start[c + 1]]
        cand = np.sort(np.concatenate([b_order[b_start[p]:b_start[p + 1]] for p in probes[c]]))
        if cand.size == 0:
            return
        B = base[cand]
        for a, b in _blocks(mine.size, QUERY_BLOCK):
            rows = mine[a:b]
            d, pos = nearest(queries[rows], B, take, b_norms[cand])
            ids = np.where(pos < 0, -1, b_ids[cand[np.maximum(pos, 0)]])
            if q_ids is not None:
                own = q_ids[rows]
                ids, d = drop_self(np.where(ids < 0, own[:, None], ids), d, own, k)
            D[rows], I[rows] = d, ids

    todo = np.flatnonzero(np.diff(q_start))           # the cells holding queries
    every = max(1, todo.size // 50)

    def tick(done: int, total: int, left: float) -> None:
        if done % every == 0 or done == total:
            report(done, total, left)

    with _one_blas_thread():
        map_threads(one_cell, todo, n_jobs, tick if report is not None else None)
    return D, I
