"""Sharded feature search on a LocalCluster against the one-machine search, per backend.

For each workload (rows, dimensions) that picks a backend in `wsc.graph.knn.kneighbors`
('exact' up to 20k rows, 'ivf' above for more than 32 dimensions, 'hnsw' above for fewer),
the sharded search (`wsc.graph.dask.sharded_kneighbors`, one shard per worker) and the
local search: seconds, whether the lists are identical (and how many rows' lists differ in
order or in membership), the share of each row's local list
the sharded list holds (overlap), and the recall@k of both against an exact search of
2,000 sampled rows; and whether the local search on one thread gives the local lists of
all cores (faiss's exact search rounds with its thread count).

    .venv/bin/python benchmarks/bench_dask_knn.py [--workloads 10000x128 50000x128 50000x16]
        [--k 100] [--workers 2] [--csv dask_knn.csv]
"""
from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
SAMPLE = 2000


def recall(indices: np.ndarray, truth: np.ndarray, rows: np.ndarray) -> float:
    """Mean share of the exact k neighbours found, over the sampled rows."""
    return float(np.mean([np.intersect1d(indices[r], t).size / t.size
                          for r, t in zip(rows, truth)]))


def exact_rows(X: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
    """Exact k nearest other rows of the sampled rows (brute force on all rows)."""
    import faiss

    index = faiss.IndexFlatL2(X.shape[1])
    index.add(X)
    _, idx = index.search(X[rows], k + 1)
    return np.stack([r[r != q][:k] for r, q in zip(idx, rows)])


def main() -> None:
    import distributed

    from wsc.datasets import make_au_data
    from wsc.graph.dask import sharded_kneighbors
    from wsc.graph.knn import _checked, kneighbors
    from wsc.threads import cleaner_threads
    from wsc.workers import install_thread_policy

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", nargs="+", default=["10000x128", "50000x128", "50000x16"])
    parser.add_argument("--k", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--csv", default="dask_knn.csv")
    args = parser.parse_args()
    rows_out = []
    with distributed.LocalCluster(n_workers=args.workers, threads_per_worker=1,
                                  dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
            distributed.Client(cluster) as client:
        install_thread_policy(client)
        for workload in args.workloads:
            n, d = map(int, workload.split("x"))
            X = make_au_data(n, n_features=d, random_state=0).X
            method = _checked(X, args.k, "euclidean", "auto")[2]
            with cleaner_threads() as jobs:
                start = time.perf_counter()
                local, _ = kneighbors(X, args.k)
                local_s = time.perf_counter() - start
                start = time.perf_counter()
                sharded, _ = sharded_kneighbors(client, X, args.k, threads=jobs)
                sharded_s = time.perf_counter() - start
                sample = np.random.default_rng(0).choice(n, min(SAMPLE, n), replace=False)
                truth = exact_rows(X, sample, args.k)
            with cleaner_threads(1):   # the local search on one thread: the same lists?
                one_thread, _ = kneighbors(X, args.k)
            overlap = float(np.mean([np.intersect1d(a, b).size / args.k
                                     for a, b in zip(local, sharded)]))
            row = dict(rows=n, dims=d, k=args.k, backend=method, workers=args.workers,
                       local_s=round(local_s, 1), sharded_s=round(sharded_s, 1),
                       local_1_thread_same=bool(np.array_equal(local, one_thread)),
                       identical=bool(np.array_equal(local, sharded)),
                       rows_differing=int((local != sharded).any(axis=1).sum()),
                       sets_differing=int(sum(not np.array_equal(np.sort(a), np.sort(b))
                                              for a, b in zip(local, sharded))),
                       overlap=round(overlap, 4),
                       local_recall=round(recall(local, truth, sample), 4),
                       sharded_recall=round(recall(sharded, truth, sample), 4))
            print(row, flush=True)
            rows_out.append(row)
    RESULTS.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(rows_out)
    frame.to_csv(RESULTS / args.csv, index=False)
    print(frame.to_string(index=False))


if __name__ == "__main__":
    main()
