"""Paper mode (WSE -> rank-order clusters -> cluster majority) on every benchmark, before and
after the giant-cluster guard and with a strict or a two-thirds majority rule.

Per label column one WSE (groups = the column's weak labels, r = 10, lam = 1, graph k 1% of
the rows, rows L2-normalised, as `WSC(mode="paper")`), then variants of the clustering and
vote on that same embedding:
  before          threshold search over every partition (max cluster share 1.0), plurality
  guard           partitions with a cluster over half the rows refused, k halved where every
                  threshold gives one (the current RankOrderClustering), plurality
  guard+majority  the same, and a cluster votes only with a strict majority (> 0.5)
  guard+0.6, guard+two-thirds, guard+0.75  the same with a top share over 0.6, 2/3 (the
                  current WSC(mode="paper")) or 0.75
Data: digits (20%/40% symmetric, 30% pair-flip noise), synthetic AU data, real faces (FER2013
noisy vs FERPlus truth, the store made by benchmarks/bench_real.py) and bench_real_sizes.py's
three draws each of 400, 1,000 and 2,000 of those faces (each through its own store).

    .venv/bin/python benchmarks/bench_paper_mode.py [--datasets digits_sym20 ... real real_n400 ...]
        [--seeds 0 1 2 3 4] [--n-au 20000] [--data fer_dev.npz] [--work out/fer_dev]
        [--runs paper_mode]

Rows go to benchmarks/results/<runs>_runs.csv (per data set, seed, variant, column; a
rerun skips finished rows), the summary to <runs>_summary.csv (--runs paper_mode_tuning
keeps the tuning seeds 100 and 101 apart from the reported ones).
"""
from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

RESULTS = Path(__file__).resolve().parent / "results"
VARIANTS = {"before": (1.0, 0.0), "guard": (0.5, 0.0), "guard+majority": (0.5, 0.5),
            "guard+0.6": (0.5, 0.6), "guard+two-thirds": (0.5, 2 / 3), "guard+0.75": (0.5, 0.75)}
# real_n400 ...: bench_real_sizes.py's draws of that many faces (seed = draw), own stores
DATASETS = ["digits_sym20", "digits_sym40", "digits_pair30", "au_synth", "real",
            "real_n400", "real_n1000", "real_n2000"]


def load(name: str, seed: int, n_au: int, real: tuple[Path, Path] | None):
    """(X, Y_true, Y_noisy, columns) for one data set and seed (real: (work, data))."""
    if name.startswith("real"):
        from real_faces import load as load_real

        work, data = real
        if name != "real":          # a draw as bench_real_sizes.py makes it (once)
            from bench_real_sizes import drawn_store, sizes_root

            work, data = drawn_store(sizes_root(work), data, int(name.split("_n")[1]), seed)
        f = load_real(work, data)
        return f.X, f.truth[:, None], f.noisy[:, None], ["emotion"]
    from bench_cleaning import load as load_bench

    return load_bench(name, seed, n_au)


def main() -> None:
    from wsc.reannotation.clusters import rank_order_clusters
    from wsc.reannotation.context import auto_graph_neighbors, build_context, large
    from wsc.reannotation.paper import KEPT, cluster_majority, prune_oversize

    from real_faces import add_data_arguments, data_paths

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=DATASETS, choices=DATASETS)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--n-au", type=int, default=20000)
    add_data_arguments(parser)
    parser.add_argument("--runs", default="paper_mode")
    args = parser.parse_args()
    RUNS = RESULTS / f"{args.runs}_runs.csv"
    warnings.filterwarnings("ignore")
    real = data_paths(args) if any(d.startswith("real") for d in args.datasets) else None
    RESULTS.mkdir(parents=True, exist_ok=True)
    done = set()
    if RUNS.exists():
        old = pd.read_csv(RUNS)
        done = set(zip(old.dataset, old.seed))
    for name in args.datasets:
        # one real data set, one WSE seed; the draws of small sets: bench_real_sizes' three
        seeds = [0] if name == "real" else [0, 1, 2] if name.startswith("real") else args.seeds
        for seed in seeds:
            if (name, seed) in done:
                continue
            X, Yt, Yn, columns = load(name, seed, args.n_au, real)
            # the real draws' seed picks the faces; their WSE seed is 0, as in bench_real_sizes
            fit_seed = 0 if name.startswith("real") else seed
            rows = []
            for j, col in enumerate(columns):
                y, t = Yn[:, j].astype(np.int64), Yt[:, j].astype(np.int64)
                n_classes = int(y.max()) + 1
                start = time.time()
                big = large(len(y))     # as WSC: feature lists re-ranked in E on large data
                context = build_context(X, n_folds=5, graph_k=auto_graph_neighbors(len(y)),
                                        list_k=100 if big else 0, random_state=fit_seed,
                                        n_jobs=1, progress=lambda m: None)
                E = context.embed(y, 1.0, 10)
                for variant, (share, majority) in VARIANTS.items():
                    part = rank_order_clusters(E, 50, "auto", fit_seed,
                                               context.neighbors if big else None,
                                               max_share=share)
                    codes, _, reasons = cluster_majority(part.labels, y, n_classes, 3,
                                                         majority)
                    codes, reasons, _ = prune_oversize(part.labels, codes, reasons, share)
                    kept = reasons == KEPT
                    rows.append(dict(
                        dataset=name, seed=seed, variant=variant, column=col,
                        agreement=float((codes[kept] == t[kept]).mean()) if kept.any()
                        else np.nan,
                        coverage=float(kept.mean()),
                        raw_on_kept=float((y[kept] == t[kept]).mean()) if kept.any() else np.nan,
                        raw=float((y == t).mean()), k=part.n_neighbors,
                        n_clusters=part.n_clusters, largest_share=part.largest_share,
                        threshold=part.threshold, seconds=round(time.time() - start, 1)))
                    print(rows[-1], flush=True)
            pd.DataFrame(rows).to_csv(RUNS, mode="a", header=not RUNS.exists(), index=False)
    runs = pd.read_csv(RUNS)
    per_seed = runs.groupby(["dataset", "variant", "seed"])[
        ["agreement", "coverage", "raw_on_kept", "raw", "largest_share", "k"]].mean()
    summary = per_seed.groupby(["dataset", "variant"]).agg(
        agreement=("agreement", "mean"), agreement_sd=("agreement", "std"),
        coverage=("coverage", "mean"), raw_on_kept=("raw_on_kept", "mean"), raw=("raw", "mean"),
        largest_share=("largest_share", "mean"), k=("k", "mean"),
        seeds=("agreement", "size")).reset_index()
    summary.to_csv(RESULTS / f"{args.runs}_summary.csv", index=False)
    print(summary.round(3).to_string(index=False))


if __name__ == "__main__":
    main()
