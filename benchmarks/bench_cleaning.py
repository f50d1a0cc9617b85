"""Label-cleaning quality benchmark: every method on the same features and noisy labels.

Methods: raw noisy labels; 10-NN majority vote; k-means + vote; spectral clustering + vote;
cleanlab (relabel flagged / drop flagged, on 5-fold cross-validated logistic regression
probabilities); WSC paper mode; WSC default. Data: synthetic AU data (n = 20k, 7 AUs) and
scikit-learn digits with 20%/40% symmetric and 30% pair-flip noise. Metric: agreement with
the true labels on the kept rows, and coverage (kept fraction), per column; seeds 0..4
(the WSC defaults were chosen on seed 100, which is not reported).

    .venv/bin/python benchmarks/bench_cleaning.py [--seeds 0 1 2 3 4] [--datasets ...]

Rows are appended to benchmarks/results/cleaning_runs.csv as they finish (a rerun skips
finished rows); the summary goes to cleaning_summary.csv and cleaning_summary.md.
"""
from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

RESULTS = Path(__file__).resolve().parent / "results"
RUNS = RESULTS / "cleaning_runs.csv"
METHODS = ["raw", "knn10_vote", "kmeans_vote", "spectral_vote", "cleanlab_relabel",
           "cleanlab_drop", "wsc_paper", "wsc_default", "wsc_default_matched"]
DATASETS = ["au_synth", "digits_sym20", "digits_sym40", "digits_pair30"]
N_CLUSTERS = 50           # k-means / spectral clusters for the cluster-vote baselines


def digits(kind: str, rate: float, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Digits pixels with symmetric (to a uniformly chosen other class) or pair-flip noise."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    rng = np.random.default_rng(seed)
    flip = rng.random(y.size) < rate
    other = (y + rng.integers(1, 10, y.size)) % 10 if kind == "sym" else (y + 1) % 10
    return X.astype(np.float32), y[:, None], np.where(flip, other, y)[:, None]


def load(name: str, seed: int, n_au: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """(X, Y_true, Y_noisy, column names) of a benchmark data set for one seed."""
    if name == "au_synth":
        from wsc.datasets import make_au_data

        d = make_au_data(n_au, random_state=seed)
        return d.X, d.Y_true, d.Y_noisy, d.au_names
    kind, rate = name.split("_")[1][:-2], int(name[-2:]) / 100
    X, yt, yn = digits(kind, rate, seed)
    return X, yt, yn, ["digit"]


def vote(groups: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Majority of y within each group (ties: smallest label)."""
    n_classes = int(y.max()) + 1
    counts = np.zeros((groups.max() + 1, n_classes))
    np.add.at(counts, (groups, y), 1)
    return counts.argmax(axis=1)[groups]


def knn_vote(X: np.ndarray | None, y: np.ndarray, seed: int, k: int = 10,
             neighbors: np.ndarray | None = None) -> np.ndarray:
    """Majority of the k nearest neighbours' labels (self excluded; a tie keeps the own label);
    `neighbors` reuses a search."""
    from wsc.graph.knn import kneighbors

    idx = kneighbors(X, k, random_state=seed)[0] if neighbors is None else neighbors
    n_classes = int(y.max()) + 1
    counts = np.stack([(y[idx] == c).sum(axis=1) for c in range(n_classes)], axis=1)
    best = counts.max(axis=1, keepdims=True)
    tied_own = counts[np.arange(y.size), y] == best[:, 0]
    return np.where(tied_own, y, counts.argmax(axis=1))


def cluster_ids(X: np.ndarray, method: str, seed: int) -> np.ndarray:
    """k-means or spectral (10-NN graph) clusters of X, N_CLUSTERS of them."""
    if method == "kmeans":
        from sklearn.cluster import KMeans

        return KMeans(N_CLUSTERS, n_init=3, random_state=seed).fit_predict(X)
    from sklearn.cluster import SpectralClustering

    model = SpectralClustering(N_CLUSTERS, affinity="nearest_neighbors", n_neighbors=10,
                               assign_labels="cluster_qr", random_state=seed)
    return model.fit_predict(X)


def cleanlab_probs(X: np.ndarray, y: np.ndarray, seed: int) -> np.ndarray:
    """5-fold cross-validated logistic-regression probabilities on standardised features."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    cv = StratifiedKFold(5, shuffle=True, random_state=seed)
    return cross_val_predict(model, X, y, cv=cv, method="predict_proba")


def matched_coverage(name: str, seed: int, labels: np.ndarray, confidence: np.ndarray,
                     columns: list[str]) -> np.ndarray | None:
    """WSC default kept at cleanlab_drop's coverage (most confident rows), per column."""
    if not RUNS.exists():
        return None
    runs = pd.read_csv(RUNS)
    ref = runs[(runs.dataset == name) & (runs.seed == seed) & (runs.method == "cleanlab_drop")]
    if len(ref) != len(columns):
        return None
    coverage = ref.set_index("column").loc[columns, "coverage"].to_numpy()
    order = np.argsort(-confidence, axis=0, kind="stable")
    kept = np.zeros(labels.shape, dtype=bool)
    for j, c in enumerate(coverage):
        kept[order[:int(round(c * labels.shape[0])), j], j] = True
    return kept


def run_method(method: str, X: np.ndarray, Yn: np.ndarray, seed: int
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Cleaned labels (n, m), kept mask (n, m) and (WSC only) confidence of one method."""
    n, m = Yn.shape
    kept = np.ones((n, m), dtype=bool)
    if method == "raw":
        return Yn.copy(), kept, None
    if method in ("wsc_paper", "wsc_default"):
        from wsc.reannotation import WSC

        model = WSC(mode="paper" if method == "wsc_paper" else "evidence", random_state=seed)
        model.fit(X, Yn)
        codes = model.label_codes_.reshape(n, m)
        if method == "wsc_default":    # the label each row would get, pruned or not
            codes = np.stack([P.argmax(axis=1) for P in model.posterior_], axis=1)
        return codes, model.kept_.reshape(n, m), model.confidence_.reshape(n, m)
    out = np.empty_like(Yn)
    clustered = method in ("kmeans_vote", "spectral_vote")
    groups = cluster_ids(X, method.split("_")[0], seed) if clustered else None
    for j in range(m):
        y = Yn[:, j].astype(np.int64)
        if method == "knn10_vote":
            out[:, j] = knn_vote(X, y, seed)
        elif groups is not None:
            out[:, j] = vote(groups, y)
        else:
            from cleanlab.filter import find_label_issues

            probs = cleanlab_probs(X, y, seed)
            issues = find_label_issues(y, probs)
            if method == "cleanlab_relabel":
                out[:, j] = np.where(issues, probs.argmax(axis=1), y)
            else:
                out[:, j] = y
                kept[:, j] = ~issues
    return out, kept, None


def finished() -> set[tuple[str, int, str]]:
    """(data set, seed, method) triples already in the runs file."""
    if not RUNS.exists():
        return set()
    runs = pd.read_csv(RUNS)
    return set(zip(runs.dataset, runs.seed, runs.method))


def summarise() -> pd.DataFrame:
    """Mean over seeds of agreement and coverage (column-averaged), per data set and method."""
    runs = pd.read_csv(RUNS)
    per_seed = runs.groupby(["dataset", "method", "seed"])[["agreement", "coverage"]].mean()
    summary = per_seed.groupby(["dataset", "method"]).agg(
        agreement=("agreement", "mean"), agreement_sd=("agreement", "std"),
        coverage=("coverage", "mean"), seeds=("agreement", "size")).reset_index()
    summary["method"] = pd.Categorical(summary["method"], METHODS, ordered=True)
    summary = summary.sort_values(["dataset", "method"])
    summary.to_csv(RESULTS / "cleaning_summary.csv", index=False)
    lines = ["| data set | method | agreement (mean +- sd) | coverage | seeds |",
             "|---|---|---|---|---|"]
    for r in summary.itertuples():
        lines.append(f"| {r.dataset} | {r.method} | {r.agreement:.3f} +- {r.agreement_sd:.3f} | "
                     f"{r.coverage:.3f} | {r.seeds} |")
    per_col = runs[runs.dataset == "au_synth"].pivot_table(index="method", columns="column",
                                                           values=["agreement", "coverage"])
    if len(per_col):
        per_col.to_csv(RESULTS / "cleaning_au_per_column.csv")
    (RESULTS / "cleaning_summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--datasets", nargs="+", default=DATASETS, choices=DATASETS)
    parser.add_argument("--methods", nargs="+", default=METHODS, choices=METHODS)
    parser.add_argument("--n-au", type=int, default=20000)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    RESULTS.mkdir(parents=True, exist_ok=True)
    for name in args.datasets:
        for seed in args.seeds:
            X, Yt, Yn, columns = load(name, seed, args.n_au)
            for method in args.methods:
                # re-read each time: a second run on other seeds may share the runs file
                if (name, seed, method) in finished() or method == "wsc_default_matched":
                    continue
                start = time.time()
                labels, kept, confidence = run_method(method, X, Yn, seed)
                seconds = time.time() - start
                record(name, seed, method, columns, labels, kept, Yt, seconds)
                if method == "wsc_default":
                    matched = matched_coverage(name, seed, labels, confidence, columns)
                    if matched is not None:
                        record(name, seed, "wsc_default_matched", columns, labels, matched, Yt,
                               seconds)
    summarise()


def record(name: str, seed: int, method: str, columns: list[str], labels: np.ndarray,
           kept: np.ndarray, Yt: np.ndarray, seconds: float) -> None:
    """Append one method's per-column agreement (kept rows) and coverage to the runs file."""
    rows = []
    for j, col in enumerate(columns):
        k = kept[:, j] & (labels[:, j] >= 0)
        rows.append(dict(dataset=name, seed=seed, method=method, column=col,
                         agreement=float((labels[k, j] == Yt[k, j]).mean()) if k.any() else np.nan,
                         coverage=float(k.mean()), seconds=round(seconds, 2)))
    pd.DataFrame(rows).to_csv(RUNS, mode="a", header=not RUNS.exists(), index=False)
    mean = np.mean([r["agreement"] for r in rows])
    cov = np.mean([r["coverage"] for r in rows])
    print(f"{name} seed {seed} {method}: agreement {mean:.3f} coverage {cov:.3f} ({seconds:.1f}s)",
          flush=True)


if __name__ == "__main__":
    main()
