"""The paper's classifier experiment: one classifier trained on raw, WSC-cleaned,
cleanlab-cleaned and true labels, scored on held-out rows against the true labels.

Data: synthetic AU data (train rows with the annotator's noisy labels, test rows with true
labels; 7 AUs) and scikit-learn digits (one-vs-rest per digit, 40% symmetric and 30%
pair-flip noise on the training labels). Label sets: (a) raw noisy, (b) WSC default
(pruned rows left out; on the AU data with its confidence as soft labels, as `wsc train`
reads `wsc clean`'s output; digits, one categorical column, train on the hard labels),
(c) cleanlab (flagged rows left out, 5-fold logistic-regression
probabilities), (d) true labels (oracle). Metric: per-AU F1 on the test rows and the mean.

    .venv/bin/python benchmarks/bench_classifiers.py [--datasets au_synth digits_sym40 ...]
        [--n-train 100000] [--n-test 10000] [--classifiers linear mlp boosting] [--seed 0]

Cleaned labels are cached in ~/.cache/wsc/bench_classifiers (WSC is the slow step); rows go
to benchmarks/results/classifiers_runs.csv, the F1 table to classifiers_f1.csv and .md.
"""
from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

RESULTS = Path(__file__).resolve().parent / "results"
CACHE = Path.home() / ".cache" / "wsc" / "bench_classifiers"
LABELS = ["raw", "wsc", "cleanlab", "true"]


def load(name: str, n_train: int, n_test: int, seed: int) -> dict:
    """Training features, noisy and true labels (n, m; one categorical column for digits),
    subject ids, test features and binary true labels, and the output names."""
    if name == "au_synth":
        from wsc.datasets import make_au_data

        d = make_au_data(n_train + n_test, random_state=seed)
        tr, te = slice(0, n_train), slice(n_train, None)
        return dict(X=d.X[tr], noisy=d.Y_noisy[tr].astype(np.int64), true=d.Y_true[tr].astype(np.int64),
                    groups=d.subject[tr], X_test=d.X[te], Y_test=d.Y_true[te].astype(np.int64),
                    names=d.au_names, classes=None)
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X.astype(np.float32), y, test_size=0.33,
                                              stratify=y, random_state=seed)
    kind, rate = name.split("_")[1][:-2], int(name[-2:]) / 100
    rng = np.random.default_rng(seed)
    flip = rng.random(y_tr.size) < rate
    other = (y_tr + rng.integers(1, 10, y_tr.size)) % 10 if kind == "sym" else (y_tr + 1) % 10
    noisy = np.where(flip, other, y_tr)
    return dict(X=X_tr, noisy=noisy[:, None], true=y_tr[:, None], groups=None, X_test=X_te,
                Y_test=np.eye(10, dtype=np.int64)[y_te], names=[f"digit{c}" for c in range(10)],
                classes=10)


def clean_wsc(X: np.ndarray, noisy: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """WSC default (evidence mode): cleaned codes (-1 where pruned) and, for binary columns,
    P(present) of the kept rows as `wsc clean` writes it (value + confidence; NaN else)."""
    from wsc.reannotation import WSC

    start = time.time()
    model = WSC(random_state=seed, progress=lambda m: print(f"  [wsc {time.time() - start:6.0f}s] {m}",
                                                             flush=True))
    model.fit(X, noisy.astype(object))
    codes = model.label_codes_.reshape(noisy.shape)
    confidence = model.confidence_.reshape(noisy.shape)
    classes = [np.asarray(c).astype(np.int64) for c in model.classes_]
    labels = np.stack([np.where(codes[:, j] >= 0, classes[j][np.maximum(codes[:, j], 0)], -1)
                       for j in range(noisy.shape[1])], axis=1)
    binary = np.array([list(c) == [0, 1] for c in classes])
    proba = np.where(labels == 1, confidence, np.where(labels == 0, 1.0 - confidence, np.nan))
    return labels, np.where(binary[None, :], proba, np.nan)


def clean_cleanlab(X: np.ndarray, noisy: np.ndarray, seed: int) -> np.ndarray:
    """cleanlab's find_label_issues on 5-fold logistic-regression probabilities; flagged
    rows become -1 (left out), as cleanlab's CleanLearning does."""
    from cleanlab.filter import find_label_issues
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    out = noisy.copy()
    for j in range(noisy.shape[1]):
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
        cv = StratifiedKFold(5, shuffle=True, random_state=seed)
        probs = cross_val_predict(model, X, noisy[:, j], cv=cv, method="predict_proba")
        out[find_label_issues(noisy[:, j], probs), j] = -1
    return out


def label_set(which: str, data: dict, name: str,
              seed: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Training labels of one arm (categorical codes, -1 = left out) and, for WSC on binary
    columns, its soft labels (P(present), as `wsc train` reads them); cached on disk."""
    if which in ("raw", "true"):
        return data["noisy" if which == "raw" else "true"], None
    path = CACHE / f"{name}_{len(data['X'])}_{seed}_{which}.npz"
    if path.is_file():
        cached = np.load(path)
        return cached["labels"], (cached["proba"] if "proba" in cached else None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if which == "wsc":
            labels, proba = clean_wsc(data["X"], data["noisy"], seed)
        else:
            labels, proba = clean_cleanlab(data["X"], data["noisy"], seed), None
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(path, labels=labels, **({} if proba is None else {"proba": proba}))
    return labels, proba


def binary_targets(labels: np.ndarray, classes: int | None) -> np.ndarray:
    """AU columns as they are; a categorical column as one-vs-rest 0/1 (-1 stays -1)."""
    if classes is None:
        return labels
    y = labels[:, 0]
    return np.where(y[:, None] >= 0, (y[:, None] == np.arange(classes)).astype(np.int64), -1)


def run(name: str, kinds: list[str], n_train: int, n_test: int, seed: int) -> pd.DataFrame:
    """Per-AU metric rows of every label arm and classifier kind on one data set."""
    from wsc.classifiers import AUClassifier
    from wsc.classifiers.metrics import au_metrics

    data = load(name, n_train, n_test, seed)
    frames = []
    for which in LABELS:
        start = time.time()
        labels, proba = label_set(which, data, name, seed)
        soft = proba is not None and data["classes"] is None
        kept = labels >= 0
        agreement = float((labels[kept] == data["true"][kept]).mean())
        coverage = float(kept.mean())
        clean_s = time.time() - start
        Y = binary_targets(labels, data["classes"])
        for kind in kinds:
            start = time.time()
            clf = AUClassifier(kind=kind, random_state=seed).fit(data["X"], Y, data["groups"],
                                                                 proba if soft else None)
            test_proba = clf.predict_proba(data["X_test"])
            table = au_metrics(data["Y_test"], clf.predict(data["X_test"]), test_proba,
                               data["names"])
            table = table.assign(dataset=name, labels=which, classifier=kind, seed=seed,
                                 n_train=len(Y), label_agreement=agreement, coverage=coverage,
                                 clean_seconds=round(clean_s, 1),
                                 train_seconds=round(time.time() - start, 1))
            frames.append(table)
            print(f"{name} {which:8s} {kind:8s} label agreement {agreement:.3f} coverage "
                  f"{coverage:.3f}  mean F1 {table['f1'].iloc[-1]:.3f}", flush=True)
    return pd.concat(frames, ignore_index=True)


def f1_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean F1 per (data set, classifier, AU) with one column per label arm."""
    table = runs.pivot_table(index=["dataset", "n_train", "classifier", "au"], columns="labels",
                             values="f1", aggfunc="mean", sort=False)[LABELS]
    table = table.reset_index()
    table = table.assign(_last=table["au"] == "mean").sort_values(
        ["dataset", "n_train", "classifier", "_last"], kind="stable").drop(columns="_last")
    table = table.set_index(["dataset", "n_train", "classifier", "au"])
    table["wsc-raw"] = table["wsc"] - table["raw"]
    table["wsc-true"] = table["wsc"] - table["true"]
    return table.reset_index()


def markdown(table: pd.DataFrame) -> str:
    """The F1 table as Markdown (F1 in points, 0-100)."""
    head = "| data set | train rows | classifier | AU | " + " | ".join(table.columns[4:]) + " |"
    lines = [head, "|" + "---|" * len(table.columns)]
    for row in table.itertuples(index=False):
        cells = [f"{100 * v:+.1f}" if c.startswith("wsc-") else f"{100 * v:.1f}"
                 for c, v in zip(table.columns[4:], row[4:])]
        au = f"**{row[3]}**" if row[3] == "mean" else row[3]
        lines.append(f"| {row[0]} | {row[1]} | {row[2]} | {au} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["au_synth", "digits_sym40", "digits_pair30"])
    parser.add_argument("--n-train", type=int, default=100_000)
    parser.add_argument("--n-test", type=int, default=10_000)
    parser.add_argument("--classifiers", nargs="+", default=["linear"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    runs_path = RESULTS / "classifiers_runs.csv"
    for name in args.datasets:
        new = run(name, args.classifiers, args.n_train, args.n_test, args.seed)
        old = pd.read_csv(runs_path) if runs_path.is_file() else pd.DataFrame()
        if len(old):
            new_n = new["n_train"].iloc[0]
            same = (old.dataset == name) & old.classifier.isin(args.classifiers) & \
                (old.seed == args.seed) & (old.n_train == new_n)
            old = old[~same]
        old = pd.concat([old, new], ignore_index=True)
        old.to_csv(runs_path, index=False, float_format="%.4f")
    table = f1_table(old)
    table.to_csv(RESULTS / "classifiers_f1.csv", index=False, float_format="%.4f")
    (RESULTS / "classifiers_f1.md").write_text(markdown(table) + "\n")
    print(markdown(table))


if __name__ == "__main__":
    main()
