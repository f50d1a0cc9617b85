"""Real-data cleaning benchmark: FER2013 faces with their original single-annotator labels
(noisy) scored against the FERPlus 10-vote majority (truth), ../shared/data/fer_dev.npz.

Front end as a user runs it: the 48 x 48 faces written as PNGs and `wsc features` (with its
small-image rule) into a store outside the repository (made once, reused). Methods on the
store's features: raw labels; 10-NN vote; cleanlab relabel (5-fold logistic probabilities,
full coverage) and cleanlab relabel dropping its own least confident rows (the probability of
the label it outputs) down to the WSC default's coverage; WSC default (evidence mode) as it
prunes and at full coverage (every row's posterior argmax); WSC paper mode; and a ceiling,
logistic regression cross-validated on the *true* labels. Agreement with the truth on kept
rows and coverage, overall and per true class (and per class the precision and F1). Then
the classifier claim: one logistic regression trained on a train split with raw /
WSC-cleaned / cleanlab / true labels, scored on the held-out split against the truth
(macro F1, accuracy), for several splits.

    .venv/bin/python benchmarks/bench_real.py [--data fer_dev.npz] [--work out/fer_dev]
        [--seeds 0 1 2]
        [--blocks geometry blendshapes appearance] [--skip-classifier]

Writes benchmarks/results/real_cleaning.csv (per method and class), real_classifier.csv and
prints both tables.
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
from bench_cleaning import cleanlab_probs, knn_vote  # noqa: E402
from real_faces import RealFaces, add_data_arguments, data_paths, load, prepare  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def cleanlab_relabel(X: np.ndarray, y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """cleanlab's flagged labels replaced by the predicted class; confidence = the
    cross-validated probability of the label it outputs."""
    from cleanlab.filter import find_label_issues

    probs = cleanlab_probs(X, y, seed)
    issues = find_label_issues(y, probs)
    out = np.where(issues, probs.argmax(axis=1), y)
    return out, probs[np.arange(y.size), out]


def top_share(confidence: np.ndarray, coverage: float) -> np.ndarray:
    """Mask of the most confident `coverage` share of the rows (stable order)."""
    order = np.argsort(-confidence, kind="stable")
    kept = np.zeros(confidence.size, dtype=bool)
    kept[order[:int(round(coverage * confidence.size))]] = True
    return kept


def wsc_fit(X: np.ndarray, y: np.ndarray, mode: str, seed: int):
    from wsc.reannotation import WSC

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return WSC(mode=mode, random_state=seed).fit(X, y)


def methods(X: np.ndarray, y: np.ndarray, truth: np.ndarray, seed: int
            ) -> dict[str, tuple[np.ndarray, np.ndarray, float]]:
    """name -> (labels, kept mask, seconds)."""
    full = np.ones(y.size, dtype=bool)
    out: dict[str, tuple[np.ndarray, np.ndarray, float]] = {"raw": (y, full, 0.0)}
    t = time.time()
    out["knn10_vote"] = (knn_vote(X, y, seed), full, time.time() - t)
    t = time.time()
    relabel, conf = cleanlab_relabel(X, y, seed)
    out["cleanlab_relabel"] = (relabel, full, time.time() - t)
    t = time.time()
    model = wsc_fit(X, y, "evidence", seed)
    seconds = time.time() - t
    posterior = model.posterior_[0]
    codes = model.label_codes_
    out["wsc_default"] = (codes, model.kept_, seconds)
    out["wsc_default_full"] = (posterior.argmax(axis=1), full, seconds)
    coverage = float(model.kept_.mean())
    out["cleanlab_relabel_matched"] = (relabel, top_share(conf, coverage), 0.0)
    t = time.time()
    paper = wsc_fit(X, y, "paper", seed)
    out["wsc_paper"] = (paper.label_codes_, paper.kept_, time.time() - t)
    sizes = np.bincount(paper.clusters_)
    print(f"paper mode: {sizes.size} clusters, largest {sizes.max()} of {y.size}, "
          f"threshold {paper.cluster_threshold_[0]}", flush=True)
    t = time.time()
    ceiling = cleanlab_probs(X, truth, seed).argmax(axis=1)
    out["ceiling_true_logistic"] = (ceiling, full, time.time() - t)
    return out


def score(name: str, labels: np.ndarray, kept: np.ndarray, truth: np.ndarray,
          classes: list[str], seconds: float) -> list[dict]:
    """Overall and per-true-class agreement (kept rows: the class's recall) and coverage of
    one method; per class also the precision (of the kept rows given the class, the share
    truly of it) and F1."""
    kept = kept & (labels >= 0)
    rows = []
    for c, cname in [(-1, "all")] + list(enumerate(classes)):
        sel = np.ones(truth.size, dtype=bool) if c < 0 else truth == c
        k = kept & sel
        recall = float((labels[k] == truth[k]).mean()) if k.any() else np.nan
        given = kept & (labels == c) if c >= 0 else k     # overall: precision = agreement
        precision = float((truth[given] == labels[given]).mean()) if given.any() else np.nan
        f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
        rows.append(dict(method=name, cls=cname, n=int(sel.sum()), agreement=recall,
                         precision=precision, f1=f1,
                         coverage=float(k.sum() / max(sel.sum(), 1)), seconds=round(seconds, 1)))
    return rows


def logistic():
    """The classifier of the classifier claim: logistic regression on standardised features."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def split(truth: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) rows: a stratified 2/3 : 1/3 split of the faces."""
    from sklearn.model_selection import train_test_split

    return train_test_split(np.arange(truth.size), test_size=1 / 3, stratify=truth,
                            random_state=seed)


def cleaning_table(faces: RealFaces, blocks: list[str] | None, seed: int) -> pd.DataFrame:
    print(f"{len(faces.X)} faces with features of {faces.n_images} "
          f"({len(faces.X) / faces.n_images:.3f}); raw agreement "
          f"{(faces.noisy == faces.truth).mean():.3f}", flush=True)
    rows = []
    for name, (labels, kept, seconds) in methods(faces.X, faces.noisy, faces.truth, seed).items():
        rows += score(name, labels, kept, faces.truth, faces.classes, seconds)
    table = pd.DataFrame(rows)
    table.insert(0, "blocks", "+".join(blocks) if blocks else "store")
    return table


def classifier_table(faces: RealFaces, seeds: list[int]) -> pd.DataFrame:
    """Logistic regression on a stratified 2/3 train split with each label set, scored on the
    held-out third against the truth."""
    from sklearn.metrics import accuracy_score, f1_score

    rows = []
    for seed in seeds:
        tr, te = split(faces.truth, seed)
        X, y = faces.X[tr], faces.noisy[tr]
        default = wsc_fit(X, y, "evidence", seed)
        paper = wsc_fit(X, y, "paper", seed)
        relabel, _ = cleanlab_relabel(X, y, seed)
        sets = {"raw": (y, np.ones(y.size, bool)),
                "wsc_default": (default.label_codes_, default.kept_),
                "wsc_default_full": (default.posterior_[0].argmax(1),
                                     np.ones(y.size, bool)),
                "wsc_paper": (paper.label_codes_, paper.kept_),
                "cleanlab_relabel": (relabel, np.ones(y.size, bool)),
                "true": (faces.truth[tr], np.ones(y.size, bool))}
        for name, (labels, kept) in sets.items():
            kept = kept & (labels >= 0)
            pred = logistic().fit(X[kept], labels[kept]).predict(faces.X[te])
            rows.append(dict(labels=name, seed=seed, train_rows=int(kept.sum()),
                             train_agreement=float((labels[kept] == faces.truth[tr][kept]).mean()),
                             macro_f1=f1_score(faces.truth[te], pred, average="macro"),
                             accuracy=accuracy_score(faces.truth[te], pred)))
            print(rows[-1], flush=True)
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_arguments(parser)
    parser.add_argument("--blocks", nargs="+", default=None,
                        help="refit the transform on these blocks only (default: the store's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2],
                        help="train/test splits of the classifier experiment")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--skip-classifier", action="store_true")
    parser.add_argument("--tag", default="", help="suffix of the result files")
    args = parser.parse_args()
    work, data = data_paths(args)
    prepare(work, data, args.processes)
    faces = load(work, data, args.blocks)
    RESULTS.mkdir(parents=True, exist_ok=True)
    table = cleaning_table(faces, args.blocks, args.seed)
    table.to_csv(RESULTS / f"real_cleaning{args.tag}.csv", index=False)
    wide = table.pivot_table(index="method", columns="cls", values="agreement", sort=False)
    cov = table[table.cls == "all"].set_index("method")["coverage"]
    wide.insert(0, "coverage", cov)
    print(wide.round(3).to_string())
    f1 = table.pivot_table(index="method", columns="cls", values="f1", sort=False)
    print("per-class F1 (kept rows):")
    print(f1.drop(columns="all").round(3).to_string())
    if not args.skip_classifier:
        clf = classifier_table(faces, args.seeds)
        clf.to_csv(RESULTS / f"real_classifier{args.tag}.csv", index=False)
        print(clf.groupby("labels", sort=False)[["train_rows", "train_agreement", "macro_f1",
                                                  "accuracy"]].mean().round(3).to_string())


if __name__ == "__main__":
    main()
