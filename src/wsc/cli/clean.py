"""`wsc clean`: clean the label columns of a table given per-row features."""
from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from wsc.cli.options import (add_allow_incomplete, add_quiet, non_negative_float,
                             progress_printer,
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
    p.add_argument("--summary", default=None, metavar="JSON",
                   help="machine-readable summary (default: OUT with .summary.json)")
    p.add_argument("--columns", default=None, metavar="A,B,...",
                   help="label columns to clean (default: every label column)")
    p.add_argument("--intensity-threshold", type=non_negative_float, default=None, metavar="T",
                   help="OpenFace / py-feat files: AU present where the intensity "
                        "(AUxx_r) or probability (py-feat AUxx) is >= T")
    p.add_argument("--corrections", default=None, metavar="CSV",
                   help="reviewed labels (id,column,label; from the report's review page): "
                        "fixed in the output and trusted as evidence for the other rows")
    p.add_argument("--mode", choices=["evidence", "paper"], default="evidence",
                   help="evidence (default, best measured) or paper (cluster majority vote)")
    p.add_argument("--groups", choices=["auto", "per_label", "combinations"], default="auto",
                   help="WSE groups: one embedding per column, or label combinations "
                        "('auto': combinations in evidence mode, per_label in paper mode)")
    p.add_argument("--lam", type=non_negative_float, default=1.0,
                   help="WSE label weight lambda (1.0)")
    p.add_argument("--n-components", type=positive_int, default=10, help="WSE dimensions r (10)")
    p.add_argument("--neighbors", type=_neighbors, default="auto",
                   help="kNN graph k of the WSE ('auto': 1%% of rows, 10 to 100; 30 above 20k rows)")
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
    p.add_argument("--min-majority", type=share, default=2 / 3,
                   help="paper mode: prune clusters whose top label holds no more than this "
                        "share (0.667: a two-thirds majority; 0: plurality; ties always "
                        "abstain)")
    p.add_argument("--max-fit-rows", type=positive_int, default=50_000,
                   help="evidence mode: most training rows per fold of the noise-aware "
                        "classifier (50000; docs/scale.md)")
    p.add_argument("--jobs", type=positive_int, default=None,
                   help="threads for independent work (default: every core this process "
                        "may use); BLAS always runs on one")
    p.add_argument("--dask", metavar="ADDRESS", default=None,
                   help="run the neighbour search, the WSE products and the classifier's "
                        "folds on the Dask cluster whose scheduler is at ADDRESS "
                        "(tcp://HOST:PORT; the same result, docs/dask.md)")
    p.add_argument("--seed", type=seed, default=0, help="random seed (0)")
    add_quiet(p, "progress messages")
    add_allow_incomplete(p)
    p.set_defaults(func=run)


def load(features: str, labels: str, columns: list[str] | None = None,
         intensity_threshold: float | None = None, allow_incomplete: bool = False
         ) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """Read and align the two files: (ids, label columns, X in label order, label values)."""
    from wsc.io.tables import align, check_label_columns, read_features, read_labels

    feature_ids, X = read_features(features, allow_incomplete)
    label_ids, columns, values = read_labels(labels, require_id=feature_ids is not None,
                                             columns=columns,
                                             intensity_threshold=intensity_threshold)
    check_label_columns(columns, values, labels)
    ids, rows = align(feature_ids, label_ids, X.shape[0], values.shape[0], features, labels)
    return ids, columns, X[rows], values


def summary_dict(model, columns: list[str], values: np.ndarray,
                 trusted: np.ndarray | None = None) -> dict:
    """What the cleaning did, per column, for the summary JSON and the report: counts, class
    rates before and after, the estimated noise matrix T[true, weak], the evidence weights,
    cluster counts. The one place that reads the fitted model's diagnostics."""
    from wsc.reannotation.votes import encode_labels

    n = len(values)
    codes_out = model.label_codes_.reshape(n, -1)
    kept = model.kept_.reshape(n, -1)
    clusters = model.clusters_.reshape(n, -1)
    out = []
    for j, col in enumerate(columns):
        classes = list(np.asarray(model.classes_[j]).tolist())
        raw = np.asarray(values[:, j], dtype=object)
        known = encode_labels(raw)[0] >= 0
        # the weak labels in the model's class codes (a reviewed class may be new to them)
        index = {str(c): k for k, c in enumerate(classes)}
        raw_codes = pd.Series(raw.astype(str)).map(index).fillna(-1).to_numpy(np.int64, copy=True)
        raw_codes[~known] = -1
        known &= raw_codes >= 0
        transition = model.transition_[j]
        weights = model.source_weights_[j]
        threshold = model.cluster_threshold_[j]
        out.append({
            "column": col,
            "classes": classes,
            "rows": n,
            "known_before": int(known.sum()),
            "kept": int(kept[:, j].sum()),
            "pruned": int((~kept[:, j]).sum()),
            "changed": int(np.sum(kept[:, j] & known & (codes_out[:, j] != raw_codes))),
            "filled": int(np.sum(kept[:, j] & ~known)),
            "reviewed": 0 if trusted is None else int(sum(v is not None for v in trusted[:, j])),
            "coverage": round(float(kept[:, j].mean()), 4),
            "raw_counts": np.bincount(raw_codes[known], minlength=len(classes)).tolist(),
            "cleaned_counts": np.bincount(codes_out[kept[:, j], j],
                                          minlength=len(classes)).tolist(),
            "noise_matrix": None if transition is None else
            np.round(np.asarray(transition, dtype=float), 4).tolist(),
            "evidence_weights": {s: round(w, 3) for s, w in weights.items()} or None,
            "posterior_from": model.posterior_from_[j],
            "cluster_threshold": None if not np.isfinite(threshold) else float(threshold),
            "n_clusters": int(model.n_clusters_[j]),
            "oversize_clusters": [list(c) for c in model.oversize_clusters_[j]],
            "pruned_clusters": None if model.abstentions_[j] is None else {
                **asdict(model.abstentions_[j]), "min_cluster_size": model.min_cluster_size,
                "min_majority": round(float(model.min_majority), 4)},
        })
    return {"columns": out,
            "shared_clusters": bool(np.all(clusters == clusters[:, :1]))}


def summary(stats: dict) -> list[str]:
    """One line per column: changed (kept rows whose known label changed), pruned (in paper
    mode by reason), coverage."""
    return [f"{c['column']}: changed {c['changed']}, pruned {c['pruned']}{_reasons(c)}, "
            f"coverage {c['coverage']:.3f}, known before {c['known_before'] / c['rows']:.3f}"
            + (f", reviewed {c['reviewed']}" if c["reviewed"] else "")
            + "".join(f", cluster {k} ({size} rows, over half the data) pruned, not relabelled "
                      "as a block" for k, size in c["oversize_clusters"])
            for c in stats["columns"]]


def _reasons(column: dict) -> str:
    """' (N in clusters whose top label holds at most 67%, ...)' for a paper-mode column."""
    from wsc.reannotation.paper import describe_abstentions

    why = column["pruned_clusters"]
    return "" if why is None or not column["pruned"] else f" ({describe_abstentions(why)})"


def summary_path(out: str, given: str | None) -> Path:
    """Where the summary JSON goes: --summary, else next to OUT."""
    if given:
        return Path(given)
    out_path = Path(out)
    return out_path.with_name(out_path.stem + ".summary.json")


def run(args: argparse.Namespace) -> int:
    """Read, clean, write, summarise (on the Dask cluster of --dask, connected first)."""
    from wsc.cli.cluster import dask_client

    with dask_client(args.dask) as client:
        return _run(args, client)


def _run(args: argparse.Namespace, client) -> int:
    from wsc.io.corrections import read_corrections
    from wsc.io.tables import OUTPUT_SUFFIXES, write_output
    from wsc.outputs import check_output, write_text
    from wsc.reannotation import WSC

    start = time.time()
    say = progress_printer(args.quiet)
    check_output(args.out, OUTPUT_SUFFIXES)
    check_output(summary_path(args.out, args.summary), (".json",), "--summary")
    say("reading files")
    wanted = [c.strip() for c in args.columns.split(",") if c.strip()] if args.columns else None
    ids, columns, X, values = load(args.features, args.labels, wanted, args.intensity_threshold,
                                   args.allow_incomplete)
    say(f"{len(ids)} rows, {len(columns)} label columns: {', '.join(columns[:10])}"
        + (" ..." if len(columns) > 10 else ""))
    trusted = None
    if args.corrections:
        trusted = read_corrections(args.corrections, ids, columns, values)
        say(f"{sum(v is not None for v in trusted.ravel())} reviewed labels from "
            f"{args.corrections}")
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
                min_coverage=args.min_coverage, groups=args.groups,
                max_fit_rows=args.max_fit_rows, n_jobs=args.jobs, random_state=args.seed,
                progress=say)
    if client is not None:
        say(f"on the Dask cluster at {args.dask}")
    model.set_params(client=client).fit(X, values, trusted=trusted)
    say(f"writing {args.out}")
    labels = np.asarray(model.labels_, dtype=object).reshape(len(ids), -1)
    write_output(args.out, ids, columns, labels, model.confidence_.reshape(len(ids), -1),
                 model.clusters_.reshape(len(ids), -1), raw=values)
    stats = summary_dict(model, columns, values, trusted)
    settings = {k: v for k, v in vars(args).items() if k not in ("func", "quiet")}
    stats.update(tool="wsc clean", output=str(args.out), settings=settings,
                 seconds=round(time.time() - start, 1))
    path = summary_path(args.out, args.summary)
    write_text(path, json.dumps(stats, indent=1))
    for line in summary(stats):
        print(line)
    say(f"wrote {args.out} and {path}")
    return 0
