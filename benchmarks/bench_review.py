"""Review benchmark: how much does reviewing clusters in the report lift agreement?

Synthetic AU data (7 AUs). The cleaner runs once without review; a simulated reviewer then
takes (cluster, AU) pairs of that run, in one of two orders, and sets every row of the pair
to its true label (what a careful human would do after looking at the faces):
  most_changed  pairs with the most rows whose label the cleaner changed first
  largest       pairs of the largest clusters first (AUs in column order)
  small_most_changed  like most_changed, among clusters of at most 50 rows (what a person
                can check in the report's gallery; the shared clustering has giant clusters)
For each number of reviewed pairs, the cleaner reruns with the reviews as `trusted`
(`wsc clean --corrections`). Agreement with the true labels is measured on kept cells
(with coverage), over all cells and over the cells nobody reviewed; "fix only" is the first
run with the reviewed cells overwritten and no rerun, so `rest` vs `rest_fix_only` is what
the reviews add as evidence for the other rows.

    .venv/bin/python benchmarks/bench_review.py [--n 5000] [--seed 0] [--budgets 1 3 10 30]

Writes benchmarks/results/review_curve.csv (rows of other strategies for the same n and
seed are kept, so strategies can be run one at a time) and review_curve.png.
"""
from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

RESULTS = Path(__file__).resolve().parent / "results"
CSV = RESULTS / "review_curve.csv"
SMALL = 50          # largest cluster the small_most_changed reviewer takes


def review_order(clusters: np.ndarray, changed: np.ndarray, strategy: str) -> list[tuple[int, int]]:
    """(cluster, column) pairs in the order the simulated reviewer takes them."""
    m = changed.shape[1]
    ids, inverse, sizes = np.unique(clusters, return_inverse=True, return_counts=True)
    pairs = []
    for j in range(m):
        n_changed = np.bincount(inverse, weights=changed[:, j], minlength=ids.size)
        for c in range(ids.size):
            pairs.append((int(ids[c]), j, int(sizes[c]), float(n_changed[c])))
    if strategy == "small_most_changed":
        pairs = [p for p in pairs if p[2] <= SMALL]
    if strategy in ("most_changed", "small_most_changed"):
        pairs.sort(key=lambda p: (-p[3], -p[2], p[1], p[0]))
    else:
        pairs.sort(key=lambda p: (-p[2], p[1], p[0]))
    return [(c, j) for c, j, _, _ in pairs]


def agreement(codes: np.ndarray, kept: np.ndarray, truth: np.ndarray, cells: np.ndarray
              ) -> tuple[float, float]:
    """(agreement on kept cells, coverage) over the selected cells."""
    use = cells & kept
    return float((codes[use] == truth[use]).mean()), float(use.sum() / max(cells.sum(), 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budgets", type=int, nargs="+", default=[1, 3, 10, 30])
    parser.add_argument("--strategies", nargs="+", default=["most_changed", "largest"])
    args = parser.parse_args()
    warnings.simplefilter("ignore", UserWarning)

    from wsc.datasets import make_au_data
    from wsc.reannotation import WSC

    data = make_au_data(args.n, random_state=args.seed)
    truth = data.Y_true.astype(np.int64)
    noisy = data.Y_noisy.astype(np.int64)
    t0 = time.time()
    base = WSC(random_state=args.seed).fit(data.X, noisy)
    base_seconds = time.time() - t0
    changed = base.kept_ & (base.label_codes_ != noisy)
    clusters = base.clusters_[:, 0]
    every = np.ones_like(truth, dtype=bool)
    acc, cov = agreement(base.label_codes_, base.kept_, truth, every)
    raw = float((noisy == truth).mean())
    rows = [{"n": args.n, "seed": args.seed, "strategy": "none", "reviewed_pairs": 0, "reviewed_cells": 0,
             "reviewed_share": 0.0, "agreement": acc, "coverage": cov, "rest": acc,
             "rest_coverage": cov, "rest_fix_only": acc, "raw": raw,
             "seconds": round(base_seconds, 1)}]
    print(f"n={args.n} seed={args.seed}: raw {raw:.4f}, cleaned {acc:.4f} (coverage {cov:.3f}), "
          f"{np.unique(clusters).size} clusters, {base_seconds:.0f} s", flush=True)
    for strategy in args.strategies:
        order = review_order(clusters, changed, strategy)
        for budget in args.budgets:
            reviewed = np.zeros_like(every)
            for c, j in order[:budget]:
                reviewed[clusters == c, j] = True
            trusted = np.where(reviewed, truth, None).astype(object)
            t0 = time.time()
            model = WSC(random_state=args.seed).fit(data.X, noisy, trusted=trusted)
            seconds = time.time() - t0
            acc, cov = agreement(model.label_codes_, model.kept_, truth, every)
            rest, rest_cov = agreement(model.label_codes_, model.kept_, truth, ~reviewed)
            fix_only, _ = agreement(base.label_codes_, base.kept_, truth, ~reviewed)
            rows.append({"n": args.n, "seed": args.seed, "strategy": strategy, "reviewed_pairs": budget,
                         "reviewed_cells": int(reviewed.sum()),
                         "reviewed_share": float(reviewed.mean()), "agreement": acc,
                         "coverage": cov, "rest": rest, "rest_coverage": rest_cov,
                         "rest_fix_only": fix_only, "raw": raw, "seconds": round(seconds, 1)})
            r = rows[-1]
            print(f"{strategy:>12} {budget:4d} pairs ({r['reviewed_share']:.3f} of cells): "
                  f"agreement {acc:.4f} (cov {cov:.3f}), unreviewed {rest:.4f} vs fix-only "
                  f"{fix_only:.4f}, {seconds:.0f} s", flush=True)
            table = merged(rows, args)
            table.to_csv(CSV, index=False)
    table = merged(rows, args)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    plot(table, args)


def merged(rows: list[dict], args: argparse.Namespace) -> pd.DataFrame:
    """This run's rows plus the saved rows of other strategies for the same n and seed."""
    new = pd.DataFrame(rows)
    if not CSV.is_file():
        return new
    old = pd.read_csv(CSV)
    if "n" not in old.columns:
        return new
    same = (old["n"] == args.n) & (old["seed"] == args.seed)
    old = old[same & ~old["strategy"].isin(["none", *args.strategies])]
    return pd.concat([new.iloc[:1], old, new.iloc[1:]], ignore_index=True)


def plot(table: pd.DataFrame, args: argparse.Namespace) -> None:
    """Agreement vs reviewed pairs, per strategy (all cells, and unreviewed cells only)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    base = table[table["strategy"] == "none"].iloc[0]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=False)
    for strategy, colour in (("most_changed", "tab:orange"), ("largest", "tab:blue"),
                             ("small_most_changed", "tab:green")):
        part = table[table["strategy"] == strategy]
        if part.empty:
            continue
        x = [0, *(100 * part["reviewed_share"])]
        axes[0].plot(x, [base["agreement"], *part["agreement"]], "o-", color=colour,
                     label=strategy)
        for xi, yi, k in zip(x[1:], part["agreement"], part["reviewed_pairs"]):
            axes[0].annotate(str(k), (xi, yi), textcoords="offset points", xytext=(3, -10),
                             fontsize=7, color=colour)
        axes[1].plot(x, [base["rest"], *part["rest"]], "o-", color=colour,
                     label=f"{strategy}: rerun with reviews")
        axes[1].plot(x, [base["rest"], *part["rest_fix_only"]], "o--", color=colour, alpha=0.5,
                     label=f"{strategy}: fix only")
    axes[0].set_title("all cells")
    axes[1].set_title("cells nobody reviewed")
    for ax in axes:
        ax.set_xlabel("reviewed cells (% of all; numbers: reviewed (cluster, AU) pairs)")
        ax.set_ylabel("agreement with true labels (kept cells)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"Synthetic AU data, n={args.n}, seed {args.seed}: "
                 "`benchmarks/bench_review.py`")
    fig.tight_layout()
    fig.savefig(RESULTS / "review_curve.png", dpi=110)
    print(f"wrote {RESULTS / 'review_curve.csv'} and {RESULTS / 'review_curve.png'}")


if __name__ == "__main__":
    main()
