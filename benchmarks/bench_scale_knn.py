"""Neighbour-search choices at scale: HNSW and IVF settings on the cleaner's two workloads.

Workloads, on synthetic AU data (`make_au_data`, 128-d): the feature graph (128-d, k = 30
and 100) and the searches in a WSE embedding (10-d, rows L2-normalised, k = 10 and 50).
Per setting: build + search seconds (all cores) and recall@k against exact search on 2,000
sampled rows. "ivf" is the project's cell search (`wsc.graph.cells`); "faiss ivf" is
faiss's IndexIVFFlat over the same cells, queried in the order of their cells (the search
the project used before the cell search), for a side-by-side comparison.

    .venv/bin/python benchmarks/bench_scale_knn.py [--n 100000] [--csv scale_knn.csv]
        [--only TEXT]   (e.g. --only "features 128-d ivf nprobe=24")  [--k K]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

RESULTS = Path(__file__).resolve().parent / "results"


def recall(found: np.ndarray, X: np.ndarray, rows: np.ndarray, k: int) -> float:
    """Share of the true k nearest other rows (exact flat search) found for `rows`."""
    from wsc.graph import knn

    Xp = knn._prepare(X, "euclidean")
    truth, _ = knn._search(knn._index(Xp, "exact"), Xp, rows, k)
    return float(np.mean([np.intersect1d(a, b).size / k for a, b in zip(found, truth)]))


def faiss_ivf(X: np.ndarray, k: int, n_probe: int) -> np.ndarray:
    """faiss IndexIVFFlat over `cells.train`'s cells, every row queried in the order of its
    cell (consecutive queries probe nearly the same lists); the k nearest other rows."""
    import faiss
    from wsc.graph import cells, knn

    centroids = cells.train(X, knn.IVF_TRAIN_ITER)
    quantizer = faiss.IndexFlatL2(X.shape[1])
    quantizer.add(centroids)
    index = faiss.IndexIVFFlat(quantizer, X.shape[1], centroids.shape[0])
    index.is_trained = True
    index.add(X)
    index.nprobe = n_probe
    lists = index.invlists
    rows = np.concatenate([faiss.rev_swig_ptr(lists.get_ids(c), lists.list_size(c)).copy()
                           for c in range(index.nlist) if lists.list_size(c)]).astype(np.int64)
    found, _ = knn._search(index, X, rows, k)
    indices = np.empty_like(found)
    indices[rows] = found
    return indices


def time_search(X: np.ndarray, k: int, method: str, **options) -> tuple[float, np.ndarray]:
    """Seconds to build the index and search every row; the neighbour lists."""
    from wsc.graph import knn

    start = time.perf_counter()
    Xp, k, concrete = knn._checked(X, k, "euclidean", "exact" if method == "faiss ivf" else method)
    if method == "faiss ivf":
        indices = faiss_ivf(Xp, k, **options)
    elif concrete == "ivf":
        indices, _ = knn.ivf_search(Xp, k, **options)
    else:
        indices, _ = knn.search_all(knn._index(Xp, concrete, **options), Xp, k)
    return time.perf_counter() - start, indices


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--csv", default="scale_knn.csv")
    parser.add_argument("--only", default="",
                        help="run the settings whose workload or label contains this text")
    parser.add_argument("--k", type=int, default=0, help="run this k only")
    args = parser.parse_args()
    from wsc.datasets import make_au_data
    from wsc.reannotation.context import build_context
    from wsc.reannotation.sources import combination_groups
    from wsc.threads import cleaner_threads

    data = make_au_data(args.n, n_features=128, random_state=0)
    rows = np.random.default_rng(0).choice(args.n, 2000, replace=False)
    with cleaner_threads():
        E = None
        if not args.only or args.only in "WSE embedding 10-d":
            context = build_context(data.X, n_folds=5, graph_k=30, list_k=30, random_state=0,
                                    n_jobs=1, progress=print)
            E = context.embed(combination_groups(data.Y_noisy.astype(np.int64)), 1.0, 10)
        settings = [
            ("features 128-d", data.X, (30, 100), [
                ("hnsw M=32 efC=80", "hnsw", {}),
                ("hnsw M=16 efC=40", "hnsw", dict(m=16, ef_construction=40)),
                ("faiss ivf nprobe=16", "faiss ivf", dict(n_probe=16)),
                ("ivf nprobe=16", "ivf", dict(n_probe=16)),
                ("ivf nprobe=20", "ivf", dict(n_probe=20)),
                ("ivf nprobe=24", "ivf", dict(n_probe=24)),
                ("ivf nprobe=24 kmeans 25 steps", "ivf", dict(n_probe=24, train_iter=25)),
                ("ivf nprobe=64", "ivf", dict(n_probe=64))]),
            ("WSE embedding 10-d", E, (10, 50), [
                ("hnsw M=32 efC=80", "hnsw", {}),
                ("ivf nprobe=8", "ivf", dict(n_probe=8)),
                ("ivf nprobe=16", "ivf", dict(n_probe=16)),
                ("ivf nprobe=32", "ivf", dict(n_probe=32))]),
        ]
        settings = [s for s in settings if s[1] is not None]
        out = []
        for workload, X, ks, methods in settings:
            for k in ks:
                if args.k and k != args.k:
                    continue
                for label, method, options in methods:
                    if args.only and args.only not in f"{workload} {label}":
                        continue
                    seconds, indices = time_search(X, k, method, **options)
                    out.append(dict(n=args.n, workload=workload, k=k, setting=label,
                                    seconds=round(seconds, 1),
                                    recall=round(recall(indices[rows], X, rows, k), 3)))
                    print(out[-1], flush=True)
    table = pd.DataFrame(out)
    RESULTS.mkdir(exist_ok=True)
    table.to_csv(RESULTS / args.csv, index=False)
    print("| workload | k | setting | seconds | recall |\n|---|---|---|---|---|")
    for r in table.itertuples():
        print(f"| {r.workload} | {r.k} | {r.setting} | {r.seconds} | {r.recall} |")


if __name__ == "__main__":
    main()
