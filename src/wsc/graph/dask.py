"""The feature neighbour search on a Dask cluster: shards of rows, one index each, exact merge.

The rows are cut into shards (one per worker by default), each shard's faiss index is built
once on a worker, every query block is searched against every shard, and each row's k + 1
candidates from all shards are merged by (distance, row id), which is the order a single
index returns. Against `wsc.graph.knn.kneighbors` on one machine:
- exact search (up to EXACT_MAX_N rows): identical, bit for bit. Shards start at multiples
  of faiss's database block (1024 rows) and every shard is searched with all the query rows,
  in the blocks `knn._search` uses and on the same number of threads, so the BLAS products
  that give the distances are the same (the query block is every row: at most EXACT_MAX_N);
- IVF (above EXACT_MAX_N rows, more than HNSW_MAX_DIM dimensions): identical, bit for bit.
  The cells are trained on the client exactly as the local search trains them; each shard
  files its own rows; each (query shard, row shard) pair is one cell search
  (`wsc.graph.cells`), whose distances and choices do not depend on which rows share a
  product;
- HNSW (above EXACT_MAX_N rows, few dimensions): one graph per shard, merged; an
  approximation of its own (docs/dask.md measures its recall and overlap).
Indexes travel as faiss's own serialised bytes (no pickle of a faiss object); every piece is
a Dask task with its inputs, so a lost worker's pieces are recomputed by Dask.
"""
from __future__ import annotations

import uuid
from typing import Any

import numpy as np

from wsc.graph import cells, knn

# faiss's flat search computes distances in blocks of this many database rows; shards that
# start on a multiple of it give the same products as one index over all rows.
FAISS_DATABASE_BLOCK = 1024


def partition_bounds(n: int, parts: int, align: int = 1) -> list[tuple[int, int]]:
    """About `parts` contiguous row ranges covering 0..n, each start a multiple of align."""
    size = -(-n // max(1, parts))
    size = max(align, -(-size // align) * align)
    return [(a, min(a + size, n)) for a in range(0, n, size)]


def query_block_rows(k: int) -> int:
    """Rows per faiss search call, the rule of `knn._search` (bounds the result memory)."""
    return max(1024, knn.BLOCK_BYTES // (12 * (k + 1)))


def task_key(what: str) -> str:
    """A unique Dask key naming what the task holds or does (readable in the dashboard)."""
    return f"wsc-{what}-{uuid.uuid4().hex}"


def quiet_large_graphs():
    """A context in which distributed does not warn about tasks that carry their data.

    The cleaner's tasks carry their inputs on purpose (the recipe Dask recomputes a lost
    piece from): an iterate, a Laplacian block or a fold's rows may exceed distributed's
    10 MB large-graph warning, which is meant for graphs that could have referred to data."""
    import dask

    return dask.config.set({"distributed.admin.large-graph-warning-threshold": "64GB"})


def held(piece: Any) -> Any:
    """A piece of data held by a worker (the task's input is its recipe, so Dask can
    recompute it on another worker if its holder is lost)."""
    return piece


def _build_shard(rows: np.ndarray, method: str) -> np.ndarray:
    """One shard's faiss index (exact or HNSW), serialised by faiss."""
    import faiss

    faiss.omp_set_num_threads(1)   # one thread: the shard's HNSW graph is then deterministic
    return faiss.serialize_index(knn._index(rows, method))


def _search_cells(queries: np.ndarray, q_cells: np.ndarray, rows: np.ndarray, start: int,
                  r_cells: np.ndarray, probes: np.ndarray, k: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The k nearest rows of one shard (global ids) for each query of another, by the cell
    search: (squared distances, ids), inf and -1 where the shard holds fewer."""
    ids = np.arange(start, start + rows.shape[0], dtype=np.int64)
    return cells.search(queries, q_cells, rows, ids, r_cells, probes, k)


def _search_shard(index_bytes: np.ndarray, start: int, queries: np.ndarray, k: int,
                  threads: int) -> tuple[np.ndarray, np.ndarray]:
    """The k + 1 nearest rows of one shard for each query (squared distances, global ids;
    inf and -1 where the shard holds fewer), faiss on `threads` OpenMP threads (this task
    thread's setting)."""
    import faiss

    faiss.omp_set_num_threads(threads)
    index = faiss.deserialize_index(index_bytes)
    if hasattr(index, "hnsw"):
        index.hnsw.efSearch = max(2 * (k + 1), 64)
    take = min(k + 1, index.ntotal)
    m = queries.shape[0]
    D = np.full((m, k + 1), np.inf, dtype=np.float32)
    I = np.full((m, k + 1), -1, dtype=np.int64)
    block = query_block_rows(k)
    for a in range(0, m, block):
        d, i = index.search(queries[a:a + block], take)
        D[a:a + block, :take] = np.where(i < 0, np.inf, d)
        I[a:a + block, :take] = np.where(i < 0, -1, i + start)
    return D, I


def _merge(first_row: int, k: int, ordered: bool, *candidates: tuple[np.ndarray, np.ndarray]
           ) -> tuple[np.ndarray, np.ndarray]:
    """Each query row's k nearest other rows from every shard's candidates, ordered by
    (distance, id) like one index, the row itself removed (`cells.drop_self`). ordered: each
    shard's lists are sorted by (distance, id) already (the cell search's), so a linear
    merge serves; faiss's exact and HNSW lists are sorted by distance only, so they are
    sorted again."""
    if ordered:
        D, I = cells.merge_sorted(list(candidates), k + 1)
    else:
        D = np.hstack([c[0] for c in candidates])
        I = np.hstack([c[1] for c in candidates])
        key = np.where(I < 0, np.iinfo(np.int64).max, I)
        order = np.lexsort((key, D), axis=1)[:, :k + 1]
        I, D = np.take_along_axis(I, order, axis=1), np.take_along_axis(D, order, axis=1)
    rows = np.arange(first_row, first_row + I.shape[0])
    return cells.drop_self(np.where(I < 0, rows[:, None], I), D, rows, k)


def sharded_kneighbors(client: Any, X: np.ndarray, n_neighbors: int, metric: str = "euclidean",
                       method: str = "auto", n_shards: int | None = None, threads: int = 1
                       ) -> tuple[np.ndarray, np.ndarray]:
    """`knn.kneighbors` on a Dask cluster (same arguments and result; module docstring for
    where the result is identical). n_shards: default one per worker. threads: faiss's
    OpenMP threads in each exact search task: faiss's flat search rounds its distances
    differently with its thread count (its BLAS follows OpenMP's count), so the local
    search's count gives the local result; IVF and HNSW searches run on one."""
    X, k, method = knn._checked(X, n_neighbors, metric, method)
    n = X.shape[0]
    shards = n_shards or max(1, len(client.nthreads()))
    align = FAISS_DATABASE_BLOCK if method == "exact" else 1
    bounds = partition_bounds(n, shards, align)
    rows = [client.submit(held, X[a:b], key=task_key("rows")) for a, b in bounds]
    blocks: list = []
    if method == "ivf":   # the local search's cells and probes, each shard filing its rows
        trained = cells.train(X, knn.IVF_TRAIN_ITER)
        probes = client.submit(held, cells.probe_table(trained, knn.IVF_PROBES),
                               key=task_key("probes"))
        centroids = client.submit(held, trained, key=task_key("centroids"))
        filed = [client.submit(cells.assign, r, centroids, key=task_key("cells"))
                 for r in rows]
        for (first, _), q, q_cells in zip(bounds, rows, filed):
            parts = [client.submit(_search_cells, q, q_cells, r, a, r_cells, probes, k + 1,
                                   key=task_key("search"))
                     for r, (a, _), r_cells in zip(rows, bounds, filed)]
            blocks.append(client.submit(_merge, first, k, True, *parts, key=task_key("merge")))
    else:
        indexes = [client.submit(_build_shard, r, method, key=task_key("index")) for r in rows]
        if method == "exact":
            queries = [(client.submit(held, X, key=task_key("queries")), 0)]
        else:
            queries = [(r, a) for r, (a, _) in zip(rows, bounds)]
        for q, first in queries:
            parts = [client.submit(_search_shard, idx, a, q, k,
                                   threads if method == "exact" else 1, key=task_key("search"))
                     for idx, (a, _) in zip(indexes, bounds)]
            blocks.append(client.submit(_merge, first, k, False, *parts, key=task_key("merge")))
    results = client.gather(blocks)
    indices = np.vstack([r[0] for r in results])
    sq = np.vstack([r[1] for r in results])
    # the futures are released (and their pieces freed on the workers) when they go out of
    # scope here
    return indices, knn._to_metric(sq, metric)
