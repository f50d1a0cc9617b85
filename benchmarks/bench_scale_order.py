"""Row order at scale: the graph's work in the rows' own order and in the locality order.

On synthetic AU data (`make_au_data`, 128-d) one cleaning context is built (the large-data
choices: IVF search at k = 100, WSE graph k = 30, rows renumbered by reverse Cuthill-McKee);
then, in each order, one after the other in this process: one column's WSE solve (lam 1,
10-d), its rank-order clustering from the re-ranked feature neighbours (k = 50), and one
held-out fold's re-ranked lists (k = 10). Prints seconds per step and how far the results
of the two orders are apart: the sparse products sum each row's terms in another order, so
the embeddings differ by float rounding (the largest difference is printed), and the
partitions (adjusted Rand index) and lists (share of rows with the same list) by what that
rounding moves.

    .venv/bin/python benchmarks/bench_scale_order.py [--n 1000000] [--csv scale_order.csv]
"""
from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np
import pandas as pd

RESULTS = Path(__file__).resolve().parent / "results"


def steps(context, codes: np.ndarray) -> tuple[dict, np.ndarray, np.ndarray, np.ndarray]:
    """Seconds of the three steps; the embedding, the partition's labels, the fold's lists."""
    from wsc.reannotation.clusters import context_clusters

    seconds = {}
    start = time.perf_counter()
    E = context.embed(codes, 1.0, 10)
    seconds["column embedding"] = time.perf_counter() - start
    start = time.perf_counter()
    labels = context_clusters(context, E, 50, "auto", 0).labels
    seconds["rank-order clustering"] = time.perf_counter() - start
    start = time.perf_counter()
    lists = context.nearest_in(E, np.flatnonzero(context.folds == 0), 10)
    seconds["one fold's re-ranked lists"] = time.perf_counter() - start
    return seconds, E, labels, lists


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--csv", default="scale_order.csv")
    args = parser.parse_args()
    from wsc.datasets import make_au_data
    from wsc.reannotation.context import build_context
    from wsc.threads import cleaner_threads

    data = make_au_data(args.n, n_features=128, random_state=0)
    codes = data.Y_noisy[:, 0].astype(np.int64)
    with cleaner_threads():
        local = build_context(data.X, n_folds=5, graph_k=30, list_k=100, random_state=0,
                              n_jobs=1, progress=print)
        if local.order is None:
            raise SystemExit(f"{args.n} rows take no locality order (large data only)")
        own = dataclasses.replace(local, L=local.L[local.position][:, local.position],
                                  order=None)
        t_own, E_own, labels_own, lists_own = steps(own, codes)
        t_local, E_local, labels_local, lists_local = steps(local, codes)
    from sklearn.metrics import adjusted_rand_score

    apart = {"column embedding": f"largest difference {np.abs(E_own - E_local).max():.1e}",
             "rank-order clustering":
                 f"ARI {adjusted_rand_score(labels_own, labels_local):.4f}",
             "one fold's re-ranked lists":
                 f"same list {np.mean(np.all(lists_own == lists_local, axis=1)):.4f}"}
    table = pd.DataFrame([dict(n=args.n, step=s, own_order_s=round(t_own[s], 1),
                               locality_order_s=round(t_local[s], 1),
                               speedup=round(t_own[s] / t_local[s], 2), results=apart[s])
                          for s in t_own])
    RESULTS.mkdir(exist_ok=True)
    table.to_csv(RESULTS / args.csv, index=False)
    print("| step | own order s | locality order s | speed-up | results of the two orders |")
    print("|---|---|---|---|---|")
    for r in table.itertuples():
        print(f"| {r.step} | {r.own_order_s} | {r.locality_order_s} | {r.speedup} | "
              f"{r.results} |")


if __name__ == "__main__":
    main()
