"""`wsc train`: per-AU classifiers on (cleaned) labels -> a model file."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from wsc.cli.options import add_allow_incomplete, add_quiet, positive_int, seed
from wsc.errors import InputError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `train` subcommand."""
    p = subparsers.add_parser(
        "train", help="train per-AU classifiers on cleaned labels",
        description="Train one calibrated classifier per AU column of --labels (empty cells, "
                    "i.e. pruned rows, are left out), with a per-AU threshold tuned on "
                    "validation folds. When --labels has `wsc clean`'s <AU>_confidence "
                    "columns they are used as soft labels (P(present) per row).")
    p.add_argument("--features", required=True,
                   help="feature store folder, or .npy/.csv/.parquet as `wsc clean` reads")
    p.add_argument("--labels", required=True, help=".csv as `wsc clean` reads and writes it")
    p.add_argument("--out", required=True, metavar="MODEL", help="model file to write")
    p.add_argument("--classifier", choices=["linear", "boosting", "mlp"], default="linear",
                   help="linear (default: class-weighted logistic regression on standardised "
                        "features), boosting (histogram gradient boosting) or mlp")
    p.add_argument("--subject", default=None, metavar="COLUMN",
                   help="label column of subject ids: validation folds never split a subject "
                        "(default: the column 'subject' when present)")
    p.add_argument("--folds", type=positive_int, default=3, help="validation folds (3, at least 2)")
    p.add_argument("--hard-labels", action="store_true",
                   help="ignore <AU>_confidence columns: train on the 0/1 values only")
    p.add_argument("--seed", type=seed, default=0, help="random seed (0)")
    add_quiet(p)
    add_allow_incomplete(p)
    p.set_defaults(func=run)


# Fewer labelled rows than this cannot be split into validation folds with both classes.
MIN_ROWS_PER_FOLD = 10


def check_trainable(data, folds: int, labels: str) -> None:
    """An error when there are too few rows to train and validate; a warning per AU whose
    classes are too rare to validate (it gets a constant or poorly tuned prediction)."""
    if data.groups is not None and len(np.unique(data.groups)) < 2:
        raise InputError("every row has the same subject: subject-independent validation "
                         "needs at least two (pass --subject with another column, or remove "
                         "it)", file=labels, column=data.subject)
    need = MIN_ROWS_PER_FOLD * folds
    if len(data.ids) < need:
        raise InputError(f"{len(data.ids)} labelled rows is too few to train with {folds} "
                         f"validation folds (at least {need})", file=labels)
    for j, name in enumerate(data.au_names):
        y = data.Y[:, j]
        rare = int(min((y == 1).sum(), (y == 0).sum()))
        if rare < 2:
            print(f"warning: {name} has {rare} example(s) of one class among "
                  f"{int((y >= 0).sum())} labelled rows: it gets a constant prediction",
                  file=sys.stderr)
        elif rare < folds:
            print(f"warning: {name} has only {rare} example(s) of one class: its threshold "
                  f"is tuned on fewer than one per validation fold", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Read, fit, save, and print the validation summary."""
    from tqdm import tqdm

    from wsc.classifiers import AUClassifier, save_model
    from wsc.classifiers.config import feature_config, store_transform
    from wsc.classifiers.data import load_labelled
    from wsc.io.store import read_manifest
    from wsc.outputs import check_output

    if args.folds < 2:
        raise InputError("--folds must be at least 2")
    check_output(args.out)
    data = load_labelled(args.features, args.labels, subject=args.subject or "auto",
                         soft=not args.hard_labels, allow_incomplete=args.allow_incomplete)
    subject = data.subject
    check_trainable(data, args.folds, args.labels)
    print(f"{len(data.ids)} rows, {data.X.shape[1]} features, AUs {', '.join(data.au_names)}"
          + (f", subjects from column {subject!r}" if subject else "")
          + (", soft labels from the confidence columns" if data.proba is not None else ""),
          file=sys.stderr)
    clf = AUClassifier(kind=args.classifier, n_folds=args.folds, random_state=args.seed)
    with tqdm(total=len(data.au_names) * (args.folds + 1), desc="train", unit="fit",
              disable=args.quiet, file=sys.stderr) as bar:
        clf.progress = bar.update
        clf.fit(data.X, data.Y, data.groups, data.proba)
    clf.progress = None
    extraction = None
    if Path(args.features).is_dir():
        extraction = {"settings": read_manifest(Path(args.features))["settings"],
                      "transform": store_transform(Path(args.features))}
    save_model(args.out, clf, data.au_names, feature_config(args.features, data.X.shape[1]),
               extraction, info={"classifier": args.classifier, "rows": len(data.ids),
                                 "subject": subject, "seed": args.seed,
                                 "soft_labels": data.proba is not None})
    print(f"{'au':>6} {'labelled':>8} {'positive':>8} {'threshold':>9} {'val_f1':>6}")
    for j, name in enumerate(data.au_names):
        print(f"{name:>6} {clf.n_labelled_[j]:>8} {clf.prevalence_[j]:>8.3f} "
              f"{clf.thresholds_[j]:>9.3f} {clf.validation_f1_[j]:>6.3f}")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0
