"""What would close the classifier gap on real faces: the cleaner's labels against labels
made with knowledge no cleaner has (the truth's class shares, its noise matrix).

For each train/test split of `bench_real.py`'s classifier experiment, training labels:
raw; the WSC default (full coverage, every row's posterior argmax); the same posterior with
its class shares set to the training split's *true* shares (`match_prior`); the cleaner's
own P(true | x) (the noise-aware classifier's held-out one) weighed by the split's *true*
noise matrix, argmax P(true | x) T[true, weak] (what knowing the annotator's noise alone
would give); a logistic regression's cross-validated P(weak | x) inverted through the true
noise matrix (`invert_noise`) and weighed by it (the pooled rule with the noise known); the Bayes
labels argmax P(true | x) T[true, weak] with P(true | x) from a logistic regression
cross-validated on the *true* labels and T the true noise matrix of the split (the best a
class-conditional noise model can do with these features); and the true labels. The same
logistic regression is trained on each and scored on the held-out split against the truth.
Per class, the recall of each label set on the training split (raw's recall is high where
the annotator over-labels a class).

    .venv/bin/python benchmarks/bench_real_oracle.py [--seeds 0 1 2] [--data fer_dev.npz]

Writes benchmarks/results/real_oracle.csv (per split and label set) and
real_oracle_classes.csv, and prints the means with the share of the raw -> true gap closed.
"""
from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_real import logistic, split, wsc_fit  # noqa: E402
from real_faces import add_data_arguments, data_paths, load, prepare  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def default_fit(X: np.ndarray, y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The WSC default's posterior and its noise-aware classifier's held-out P(true | x)
    (the evidence handed to `decide`, seen on its way there)."""
    import wsc.reannotation.estimator as estimator

    seen: dict = {}
    decide = estimator.decide

    def spy(evidence, *args, **kwargs):
        seen.update(evidence)
        return decide(evidence, *args, **kwargs)

    estimator.decide = spy
    try:
        model = wsc_fit(X, y, "evidence", seed)
    finally:
        estimator.decide = decide
    return model.posterior_[0], seen["logistic"].true_proba


def label_sets(X: np.ndarray, y: np.ndarray, t: np.ndarray, K: int, seed: int
               ) -> dict[str, np.ndarray]:
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from wsc.reannotation.noise import clean_posterior, match_prior

    posterior, p_clean = default_fit(X, y, seed)
    shares = np.bincount(t, minlength=K) / t.size
    T = np.zeros((K, K))
    np.add.at(T, (t, y), 1.0)
    T /= np.maximum(T.sum(axis=1, keepdims=True), 1.0)
    cv = StratifiedKFold(5, shuffle=True, random_state=seed)
    p_weak = cross_val_predict(logistic(), X, y, method="predict_proba", cv=cv)
    p_true = cross_val_predict(logistic(), X, t, method="predict_proba", cv=cv)
    return {"raw": y,
            "wsc_default_full": posterior.argmax(1),
            "wsc_default_full, true class shares": match_prior(posterior, shares).argmax(1),
            "cleaner's P(true | x), true noise matrix": (p_clean * T[:, y].T).argmax(1),
            "weak-label P(weak | x) through the true noise matrix":
                clean_posterior(p_weak, T, y).argmax(1),
            "Bayes: true-label P(true | x), true noise matrix": (p_true * T[:, y].T).argmax(1),
            "true": t}


def main() -> None:
    from sklearn.metrics import accuracy_score, f1_score

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_arguments(parser)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    work, data = data_paths(args)
    prepare(work, data, args.processes)
    faces = load(work, data)
    K = len(faces.classes)
    rows, classes = [], []
    for seed in args.seeds:
        tr, te = split(faces.truth, seed)
        X, y, t = faces.X[tr], faces.noisy[tr], faces.truth[tr]
        for name, labels in label_sets(X, y, t, K, seed).items():
            pred = logistic().fit(X, labels).predict(faces.X[te])
            rows.append(dict(labels=name, seed=seed,
                             train_agreement=float((labels == t).mean()),
                             macro_f1=f1_score(faces.truth[te], pred, average="macro"),
                             accuracy=accuracy_score(faces.truth[te], pred)))
            classes += [dict(labels=name, seed=seed, cls=c, recall=float((labels[t == k] == k).mean()))
                        for k, c in enumerate(faces.classes)]
            print(rows[-1], flush=True)
    table, per_class = pd.DataFrame(rows), pd.DataFrame(classes)
    RESULTS.mkdir(parents=True, exist_ok=True)
    table.to_csv(RESULTS / "real_oracle.csv", index=False)
    per_class.to_csv(RESULTS / "real_oracle_classes.csv", index=False)
    mean = table.groupby("labels", sort=False)[["train_agreement", "macro_f1", "accuracy"]].mean()
    for m in ("macro_f1", "accuracy"):
        raw, true = mean.loc["raw", m], mean.loc["true", m]
        mean[f"{m} gap closed"] = (mean[m] - raw) / (true - raw)
    print(mean.round(3).to_string())
    print(per_class.pivot_table(index="labels", columns="cls", values="recall", sort=False)
          [faces.classes].round(3).to_string())


if __name__ == "__main__":
    main()
