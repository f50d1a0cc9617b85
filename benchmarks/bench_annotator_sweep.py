"""How the gap to the oracle depends on the annotator: the classifier experiment on the
synthetic AU data at several annotator error levels.

`make_au_data(annotator_bias=b)` shifts the log-odds of every annotator error by b (0.35,
the default, gives about 80% correct labels; lower is a better annotator). For each level the
same linear classifier is trained on raw, WSC-cleaned and true labels and scored on
held-out rows against the true labels (WSC with its soft labels, as `wsc train` uses
them); the CSV also gives each AU's base rate and the precision and recall of its weak
labels, the quantities that decide what any cleaner can recover.

    .venv/bin/python benchmarks/bench_annotator_sweep.py [--biases 0.35 -0.5 -1.5]
        [--n-train 20000] [--n-test 10000] [--seed 0]

Writes benchmarks/results/annotator_sweep.csv and .md.
"""
from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from bench_classifiers import clean_wsc

RESULTS = Path(__file__).resolve().parent / "results"
ARMS = ["raw", "wsc", "true"]


def run(bias: float, n_train: int, n_test: int, seed: int) -> list[dict]:
    """Per-AU rows (and a mean row) of test F1 for each label arm at one annotator level."""
    from wsc.classifiers import AUClassifier
    from wsc.classifiers.metrics import au_metrics
    from wsc.datasets import make_au_data

    d = make_au_data(n_train + n_test, annotator_bias=bias, random_state=seed)
    X, Xte = d.X[:n_train], d.X[n_train:]
    noisy = d.Y_noisy[:n_train].astype(np.int64)
    true = d.Y_true[:n_train].astype(np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cleaned, proba = clean_wsc(X, noisy, seed)
    labels = {"raw": noisy, "wsc": cleaned, "true": true}
    f1 = {}
    for arm in ARMS:
        clf = AUClassifier(kind="linear", random_state=seed).fit(
            X, labels[arm], d.subject[:n_train], proba if arm == "wsc" else None)
        table = au_metrics(d.Y_true[n_train:], clf.predict(Xte), clf.predict_proba(Xte), d.au_names)
        f1[arm] = table.set_index("au")["f1"]
    rows = []
    for au in list(d.au_names) + ["mean"]:
        row = dict(annotator_bias=bias, raw_agreement=float((noisy == true).mean()), au=au,
                   **{arm: float(f1[arm][au]) for arm in ARMS})
        if au != "mean":
            j = d.au_names.index(au)
            weak_pos = noisy[:, j] == 1
            row.update(base_rate=float(true[:, j].mean()),
                       weak_precision=float(true[weak_pos, j].mean()) if weak_pos.any() else np.nan,
                       weak_recall=float(noisy[true[:, j] == 1, j].mean()))
        rows.append(row)
        print(f"bias {bias:+.2f} {au:5s} raw {100 * row['raw']:5.1f} wsc {100 * row['wsc']:5.1f} "
              f"true {100 * row['true']:5.1f}", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--biases", nargs="+", type=float, default=[0.35, -0.5, -1.5])
    parser.add_argument("--n-train", type=int, default=20_000)
    parser.add_argument("--n-test", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rows = [r for b in args.biases for r in run(b, args.n_train, args.n_test, args.seed)]
    table = pd.DataFrame(rows)
    table["wsc-raw"] = table["wsc"] - table["raw"]
    table["wsc-true"] = table["wsc"] - table["true"]
    RESULTS.mkdir(parents=True, exist_ok=True)
    table.to_csv(RESULTS / "annotator_sweep.csv", index=False, float_format="%.4f")
    means = table[table.au == "mean"]
    lines = ["| annotator_bias | raw label agreement | raw F1 | wsc F1 | true F1 | wsc-raw "
             "| wsc-true |",
             "|---|---|---|---|---|---|---|"]
    for _, r in means.iterrows():
        lines.append(f"| {r['annotator_bias']:+.2f} | {r['raw_agreement']:.3f} | "
                     f"{100 * r['raw']:.1f} | "
                     f"{100 * r['wsc']:.1f} | {100 * r['true']:.1f} | {100 * r['wsc-raw']:+.1f} | "
                     f"{100 * r['wsc-true']:+.1f} |")
    (RESULTS / "annotator_sweep.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
