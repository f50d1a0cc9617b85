"""The cleaner's parts on a Dask cluster: what `WSC(client=...)` runs there.

- the feature neighbour search: shards of rows searched by every query block, merged exactly
  (`wsc.graph.dask`);
- the WSE: the Laplacian as row blocks on the workers (`wsc.embedding.dask`); every WSE
  solve (the full one, each held-out fold's, each column's in paper mode) is a task on a
  worker, one per worker at a time, that runs its iterations there and sends each product
  L @ W as block tasks to the blocks' holders;
- the noise-aware classifier: one task per fold, fitted on that fold's training rows;
- the neighbour votes: one task per row partition (its rows' lists, the column's codes).
The rest (candidate re-ranking, rank-order clustering, pooling) runs on the client: it is
O(n k) on arrays the client already holds. Everything sent is a task with its
inputs, so Dask recomputes what a lost worker held; the answer is the local one
(docs/dask.md).
"""
from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import scipy.sparse as sp


@contextlib.contextmanager
def on_cluster(client: Any) -> Iterator[None]:
    """Set up client's workers for the cleaner (one thread per task, `wsc.workers`) and keep
    distributed's large-graph warning quiet for the cleaner's data-carrying tasks."""
    from wsc.graph.dask import quiet_large_graphs
    from wsc.workers import install_thread_policy

    install_thread_policy(client)
    with quiet_large_graphs():
        yield


def n_workers(client: Any) -> int:
    """Workers the scheduler knows now (at least 1)."""
    return max(1, len(client.nthreads()))


def search(client: Any, X: np.ndarray, k: int, threads: int) -> tuple[np.ndarray, np.ndarray]:
    """The context's feature neighbour search, one shard per worker."""
    from wsc.graph.dask import sharded_kneighbors

    return sharded_kneighbors(client, X, k, threads=threads)


def distribute_laplacian(client: Any, L: sp.csr_matrix):
    """L as one row block per worker, as an operator `solve_batch` takes."""
    from wsc.embedding.dask import BlockLaplacian
    from wsc.graph.dask import partition_bounds

    return BlockLaplacian(client, L, partition_bounds(L.shape[0], n_workers(client)))


def partitioned_votes(client: Any, indices: np.ndarray, codes: np.ndarray,
                      n_classes: Sequence[int], folds: np.ndarray | None = None
                      ) -> list[np.ndarray]:
    """`CleaningContext.vote` by row partitions, one task per worker's share: each task gets
    its rows' lists (once for all columns) and the codes (and folds for a held-out vote);
    the class counts of the priors come from the client. The same probabilities, row by
    row."""
    from wsc.graph.dask import held, partition_bounds, task_key
    from wsc.reannotation.votes import class_counts, vote_block

    small = np.int8 if max(n_classes, default=0) < 127 else np.int64   # a byte where they fit
    columns = client.submit(held, codes.astype(small), key=task_key("codes"))
    fold_ids = None if folds is None else client.submit(held, folds.astype(np.int32),
                                                        key=task_key("folds"))
    counts = [class_counts(codes[:, j], K) for j, K in enumerate(n_classes)]
    parts = [client.submit(vote_block, indices[a:b], columns, counts, fold_ids, a,
                           key=task_key("vote"))
             for a, b in partition_bounds(codes.shape[0], n_workers(client))]
    blocks = client.gather(parts)
    return [np.vstack([block[j] for block in blocks]) for j in range(len(counts))]


def _fit_fold(X: np.ndarray, Y: np.ndarray, C: float):
    from wsc.reannotation.noisy_logistic import NoiseAwareLogistic

    return NoiseAwareLogistic(C=C).fit(X, Y)


def fit_folds(client: Any, fold_data: Callable[[int], tuple[np.ndarray, np.ndarray, list[int]]],
              X: np.ndarray, C: float, n_folds: int,
              report: Callable[[int, int, float], None]) -> list[tuple]:
    """The noise-aware classifier's folds as tasks: fold_data(f) -> (training rows, their
    codes, the columns fitted); returns (f, train, fitted, model or None) per fold, as the
    local fold loop does."""
    import time

    from distributed import as_completed

    start = time.perf_counter()
    jobs, futures = [], {}
    for f in range(n_folds):
        train, sub, fitted = fold_data(f)
        jobs.append((f, train, fitted))
        if fitted:
            futures[f] = client.submit(_fit_fold, X[train], sub[:, fitted], C, pure=False)
    models: dict[int, Any] = {}
    for done, future in enumerate(as_completed(list(futures.values())), 1):
        elapsed = time.perf_counter() - start
        report(done, len(futures), elapsed / done * (len(futures) - done))
    for f, future in futures.items():
        models[f] = future.result()
    return [(f, train, fitted, models.get(f)) for f, train, fitted in jobs]
