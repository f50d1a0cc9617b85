"""Rules that would leave alone the classes the evidence cannot see, measured and rejected.

On real faces the default cleaner ends below the raw labels on the rare classes (disgust,
fear) and on surprise (docs/cleaning.md, "Real faces"). Two truth-free rules were tried:

- **freeze by separability**: a class whose pooled held-out P(weak = c | x) separates the
  rows labelled c from the rest with an AUC below tau is "unseen": rows labelled c keep c
  and no row is relabelled into c;
- **the evidence must favour the change**: a row's label changes only where the pooled
  held-out likelihood ratio P(weak = new | x) / P(weak = new) exceeds that of its own weak
  label (no class prior, no noise matrix): "no evidence, no change", no parameter.

Part 1, real faces (../shared/data/fer_dev.npz through `wsc features`, as `bench_real.py`):
per class the AUC and the noise matrix's diagonal, then agreement with the truth overall
and per true class for raw, the default, and each rule. Part 2, the second rule on the
quality benchmark's data (`bench_cleaning.py`: synthetic AU data, digits with noise): the
default's agreement with and without it. tau is not tuned here: three values are shown.

    .venv/bin/python benchmarks/bench_real_weak_classes.py [--work out/fer_dev]
        [--csv real_weak_classes.csv]
"""
from __future__ import annotations

import argparse
import sys
import threading
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_cleaning import load as load_quality  # noqa: E402
from real_faces import add_data_arguments, data_paths, load as load_faces  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
TAUS = (0.75, 0.8, 0.85)
QUALITY = [("au_synth", [0, 1]), ("digits_sym20", [0, 1, 2]), ("digits_sym40", [0, 1, 2]),
           ("digits_pair30", [0, 1, 2])]


def pooled(evidence: dict, codes: np.ndarray) -> np.ndarray:
    """The decision's pooled held-out P(weak | x)."""
    from wsc.reannotation.pooling import mixture_weights, pool

    probas = [evidence[s].proba for s in evidence]
    return pool(probas, mixture_weights(probas, codes))


def evidence_favours(labels: np.ndarray, P: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """labels, except where the pooled likelihood ratio does not favour the change over the
    row's weak label: there the weak label."""
    prior = np.bincount(codes[codes >= 0], minlength=P.shape[1]) / max((codes >= 0).sum(), 1)
    ratio = P / np.maximum(prior, 1e-12)[None, :]
    rows = np.arange(codes.size)
    own = np.maximum(codes, 0)
    stay = (codes >= 0) & (labels >= 0) & (labels != codes) & \
        (ratio[rows, np.maximum(labels, 0)] <= ratio[rows, own])
    return np.where(stay, codes, labels)


def freeze_unseen(labels: np.ndarray, codes: np.ndarray, unseen: np.ndarray) -> np.ndarray:
    """labels with rows labelled an unseen class kept, and no relabelling into one."""
    out = labels.copy()
    mine = unseen[codes]
    out[mine] = codes[mine]
    into = (out >= 0) & unseen[np.maximum(out, 0)] & ~mine
    out[into] = codes[into]
    return out


def real_part(work: Path, data: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    from sklearn.metrics import roc_auc_score

    from wsc.reannotation import WSC
    from wsc.reannotation.decision import decide
    from wsc.threads import cleaner_threads

    faces = load_faces(work, data, None)
    y, truth, classes = faces.noisy.astype(np.int64), faces.truth, faces.classes
    K = len(classes)
    model = WSC(mode="evidence", random_state=0)
    model.classes_, model._lock, model.timings_ = [np.arange(K)], threading.Lock(), {}
    with cleaner_threads(None) as jobs:
        context = model._context(faces.X, jobs)
        evidence = {s.name: s.evidence(context, y[:, None], [K])[0]
                    for s in model._sources(y.size)}
    d = decide(evidence, y, K, model.min_confidence, model.min_coverage)
    P = pooled(evidence, y)
    auc = np.array([roc_auc_score(y == c, P[:, c]) for c in range(K)])
    classes_table = pd.DataFrame(dict(cls=classes, weak_rows=np.bincount(y, minlength=K),
                                      true_rows=np.bincount(truth, minlength=K), auc=auc,
                                      noise_diagonal=np.diag(d.transition)))
    full = np.ones(y.size, dtype=bool)
    argmax = d.posterior.argmax(axis=1)
    arms = {"raw": (y, full), "default": (d.codes, d.kept), "default, full coverage": (argmax, full)}
    for tau in TAUS:
        arms[f"freeze AUC < {tau}, full coverage"] = (freeze_unseen(argmax, y, auc < tau), full)
    arms["evidence favours the change, full coverage"] = (evidence_favours(argmax, P, y), full)
    arms["evidence favours the change"] = (evidence_favours(d.codes, P, y), d.kept)
    rows = []
    for name, (labels, kept) in arms.items():
        k = kept & (labels >= 0)
        row = dict(method=name, coverage=k.mean(), all=(labels[k] == truth[k]).mean())
        for c, cname in enumerate(classes):
            s = k & (truth == c)
            row[cname] = (labels[s] == c).mean()
        rows.append(row)
    return classes_table, pd.DataFrame(rows)


def quality_part() -> pd.DataFrame:
    import wsc.reannotation.estimator as estimator
    from wsc.reannotation import WSC
    from wsc.reannotation.decision import decide

    def with_rule(evidence, codes, n_classes, min_confidence, min_coverage):
        d = decide(evidence, codes, n_classes, min_confidence, min_coverage)
        d.codes = evidence_favours(d.codes, pooled(evidence, codes), codes)
        return d

    rows = []
    try:
        for name, seeds in QUALITY:
            for seed in seeds:
                X, Yt, Yn, _ = load_quality(name, seed, 20000)
                out = {}
                for arm, fn in (("default", decide), ("evidence favours the change", with_rule)):
                    estimator.decide = fn
                    m = WSC(random_state=seed).fit(X, Yn)
                    L, K = m.label_codes_.reshape(len(X), -1), m.kept_.reshape(len(X), -1)
                    out[arm] = np.mean([(L[K[:, j], j] == Yt[K[:, j], j]).mean()
                                        for j in range(L.shape[1])])
                rows.append(dict(dataset=name, seed=seed, default=out["default"],
                                 rule=out["evidence favours the change"],
                                 difference_pt=100 * (out["evidence favours the change"]
                                                      - out["default"])))
                print(rows[-1], flush=True)
    finally:
        estimator.decide = decide
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_arguments(parser)
    parser.add_argument("--csv", default="real_weak_classes.csv")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    classes, real = real_part(*data_paths(args))
    print(classes.round(3).to_string(index=False))
    print(real.round(3).to_string(index=False), flush=True)
    quality = quality_part()
    print(quality.round(4).to_string(index=False))
    stem = args.csv.removesuffix(".csv")
    classes.to_csv(RESULTS / f"{stem}_classes.csv", index=False)
    real.to_csv(RESULTS / args.csv, index=False)
    quality.to_csv(RESULTS / f"{stem}_quality.csv", index=False)


if __name__ == "__main__":
    main()
