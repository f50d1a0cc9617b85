"""`wsc clean`: clean the label columns of a table given per-row features."""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from wsc.cli.options import (add_allow_incomplete, add_quiet, non_negative_float,
                             positive_int, seed, share)
from wsc.errors import InputError


def _threshold(value: str) -> float | str:
    """'auto' or a positive number."""
    if value == "auto":
        return value
    number = float(value)
    if not number > 0:
        raise argparse.ArgumentTypeError(f"must be 'auto' or a positive number, got {value!r}")
    return number


def _neighbors(value: str) -> int | str:
    """'auto' or a positive integer."""
    return value if value == "auto" else positive_int(value)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `clean` subcommand."""
    p = subparsers.add_parser(
        "clean", help="clean noisy labels (AU columns or any categorical column)",
        description="Clean noisy labels: every label column of --labels is re-annotated from "
                    "the features of --features. Empty cells and 999 mean unknown.")
    p.add_argument("--features", required=True,
                   help=".npy (n x d, rows in label order), .csv/.parquet with an 'id' column, "
                        "or a feature store folder")
    p.add_argument("--labels", required=True,
                   help=".csv with one or more label columns (and 'id' unless features are .npy)")
    p.add_argument("--out", required=True,
                   help="output table: .csv, .tsv or .parquet (written whole or not at all)")
    p.add_argument("--mode", choices=["evidence", "paper"], default="evidence",
                   help="evidence (default, best measured) or paper (cluster majority vote)")
    p.add_argument("--groups", choices=["auto", "per_label", "combinations"], default="auto",
                   help="WSE groups: one embedding per column, or label combinations "
                        "('auto': combinations in evidence mode, per_label in paper mode)")
    p.add_argument("--lam", type=non_negative_float, default=1.0,
                   help="WSE label weight lambda (1.0)")
    p.add_argument("--n-components", type=positive_int, default=10, help="WSE dimensions r (10)")
    p.add_argument("--neighbors", type=_neighbors, default="auto",
                   help="kNN graph k of the WSE ('auto': 1%% of rows, 10 to 100)")
    p.add_argument("--cluster-neighbors", type=positive_int, default=50,
                   help="rank-order list length (50)")
    p.add_argument("--threshold", type=_threshold, default="auto",
                   help="rank-order link threshold ('auto': maximise the uMQI)")
    p.add_argument("--vote-neighbors", type=positive_int, default=10,
                   help="neighbours per vote (10)")
    p.add_argument("--min-confidence", type=share, default=0.7,
                   help="evidence mode: prune rows whose posterior is below this (0.7)")
    p.add_argument("--min-coverage", type=share, default=0.95,
                   help="evidence mode: never prune more than 1 - this share of rows (0.95)")
    p.add_argument("--min-cluster-size", type=positive_int, default=3,
                   help="paper mode: prune clusters with fewer known labels (3)")
    p.add_argument("--min-majority", type=share, default=0.0,
                   help="paper mode: prune clusters whose top label holds no more than this "
                        "share (0: plurality; ties always abstain)")
    p.add_argument("--seed", type=seed, default=0, help="random seed (0)")
    add_quiet(p, "progress messages")
    add_allow_incomplete(p)
    p.set_defaults(func=run)


def load(features: str, labels: str, allow_incomplete: bool = False
         ) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """Read and align the two files: (ids, label columns, X in label order, label values)."""
    from wsc.io.tables import align, check_label_columns, read_features, read_labels

    feature_ids, X = read_features(features, allow_incomplete)
    label_ids, columns, values = read_labels(labels, require_id=feature_ids is not None)
    check_label_columns(columns, values, labels)
    ids, rows = align(feature_ids, label_ids, X.shape[0], values.shape[0], features, labels)
    return ids, columns, X[rows], values


def summary(columns: list[str], values: np.ndarray, codes_in: list[np.ndarray],
            model) -> list[str]:
    """One line per column: changed (kept rows whose known label changed), pruned, coverage."""
    lines = []
    codes_out = model.label_codes_.reshape(len(values), -1)
    kept = model.kept_.reshape(len(values), -1)
    for j, col in enumerate(columns):
        known = codes_in[j] >= 0
        changed = int(np.sum(kept[:, j] & known & (codes_out[:, j] != codes_in[j])))
        pruned = int(np.sum(~kept[:, j]))
        lines.append(f"{col}: changed {changed}, pruned {pruned}, "
                     f"coverage {kept[:, j].mean():.3f}, "
                     f"known before {known.mean():.3f}")
    return lines


def run(args: argparse.Namespace) -> int:
    """Read, clean, write, summarise."""
    from wsc.io.tables import OUTPUT_SUFFIXES, write_output
    from wsc.outputs import check_output
    from wsc.reannotation import WSC
    from wsc.reannotation.votes import encode_labels

    start = time.time()
    say = (lambda msg: None) if args.quiet else \
        (lambda msg: print(f"[{time.time() - start:6.1f}s] {msg}", file=sys.stderr, flush=True))
    check_output(args.out, OUTPUT_SUFFIXES)
    say("reading files")
    ids, columns, X, values = load(args.features, args.labels, args.allow_incomplete)
    needed = max(args.cluster_neighbors, 3 * args.vote_neighbors) + 1
    if X.shape[0] <= needed:
        raise InputError(f"{X.shape[0]} rows is too few for {needed - 1} neighbours "
                         f"(lower --cluster-neighbors / --vote-neighbors)", file=args.features)
    if args.n_components >= X.shape[0]:
        raise InputError(f"--n-components {args.n_components} must be below the {X.shape[0]} "
                         "rows", file=args.features)
    model = WSC(mode=args.mode, n_components=args.n_components, lam=args.lam,
                n_neighbors=args.neighbors, cluster_neighbors=args.cluster_neighbors,
                threshold=args.threshold, vote_neighbors=args.vote_neighbors,
                min_cluster_size=args.min_cluster_size, min_majority=args.min_majority,
                min_confidence=args.min_confidence,
                min_coverage=args.min_coverage, groups=args.groups, random_state=args.seed,
                progress=say)
    model.fit(X, values)
    say(f"writing {args.out}")
    labels = np.asarray(model.labels_, dtype=object).reshape(len(ids), -1)
    write_output(args.out, ids, columns, labels, model.confidence_.reshape(len(ids), -1),
                 model.clusters_.reshape(len(ids), -1))
    codes_in = [encode_labels(values[:, j])[0] for j in range(len(columns))]
    for line in summary(columns, values, codes_in, model):
        print(line)
    return 0
