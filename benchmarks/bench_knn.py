"""Nearest-neighbour libraries on n x 64-d clustered data: build+query time and recall@k.

Compares faiss HNSW (the project's approximate search), faiss exact (flat) search and
pynndescent. Prints a table and writes benchmarks/results/knn.csv.
Usage: python benchmarks/bench_knn.py [--n 100000] [--k 100]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from wsc.graph.knn import kneighbors

RESULTS = Path(__file__).resolve().parent / "results"


def clustered(n: int, d: int = 64, n_clusters: int = 100, seed: int = 0) -> np.ndarray:
    """Gaussian clusters: a kNN workload with structure, like image features."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_clusters, d)).astype(np.float32) * 2.0
    return centres[rng.integers(0, n_clusters, n)] + rng.normal(size=(n, d)).astype(np.float32)


def pynndescent_knn(X: np.ndarray, k: int) -> np.ndarray:
    import pynndescent

    index = pynndescent.NNDescent(X, n_neighbors=k + 1, random_state=0, n_jobs=-1)
    return index.neighbor_graph[0][:, 1:]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--k", type=int, default=100)
    ap.add_argument("--queries", type=int, default=2000, help="rows used to measure recall")
    args = ap.parse_args()
    X = clustered(args.n)
    rows, found = [], {}
    for name, fn in (("faiss exact (flat)", lambda: kneighbors(X, args.k, method="exact")[0]),
                     ("faiss HNSW (M=32)", lambda: kneighbors(X, args.k, method="hnsw")[0]),
                     ("pynndescent", lambda: pynndescent_knn(X, args.k))):
        start = time.perf_counter()
        found[name] = fn()
        rows.append({"library": name, "n": args.n, "k": args.k, "seconds": time.perf_counter() - start})
    truth = found["faiss exact (flat)"][: args.queries]
    for row in rows:
        got = found[row["library"]][: args.queries]
        row["recall"] = float(np.mean([np.intersect1d(a, b).size / args.k for a, b in zip(truth, got)]))
    table = pd.DataFrame(rows)
    table["time_vs_hnsw"] = table.seconds / table.loc[table.library == "faiss HNSW (M=32)", "seconds"].iloc[0]
    RESULTS.mkdir(exist_ok=True)
    table.to_csv(RESULTS / "knn.csv", index=False)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
