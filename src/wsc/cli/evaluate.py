"""`wsc evaluate`: a trained model's per-AU F1, accuracy, AUC and agreement against labels."""
from __future__ import annotations

import argparse
import sys

from wsc.cli.options import add_allow_incomplete


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `evaluate` subcommand."""
    p = subparsers.add_parser(
        "evaluate", help="score a model against reference (human) labels",
        description="Per-AU F1, accuracy, AUC and agreement (Cohen's kappa) of --model on "
                    "--features against --labels, with their means.")
    p.add_argument("--model", required=True, help="model file from `wsc train`")
    p.add_argument("--features", required=True,
                   help="features made the same way as the training features")
    p.add_argument("--labels", required=True, metavar="TRUTH", help="reference label .csv")
    p.add_argument("--out", default=None, metavar="METRICS.csv",
                   help="also write one row per AU plus 'mean' (au, f1, accuracy, auc, kappa, "
                        "n, positives); .csv, .tsv or .parquet")
    p.add_argument("--aus", default=None, metavar="AU1,AU12,...",
                   help="score only these of the model's AUs (default: all)")
    add_allow_incomplete(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load, check the feature configuration, predict, score, print (and write)."""
    from wsc.classifiers import load_model
    from wsc.classifiers.config import check_config, feature_config
    from wsc.classifiers.data import load_labelled
    from wsc.classifiers.metrics import COLUMNS, au_metrics, format_table
    from wsc.errors import InputError
    from wsc.io.tables import OUTPUT_SUFFIXES, write_table
    from wsc.outputs import check_output

    if args.out:
        check_output(args.out, OUTPUT_SUFFIXES)
    model = load_model(args.model)
    names = model["au_names"]
    if args.aus:
        from wsc.labels import canonical_au, is_au_column

        wanted = [a.strip() for a in args.aus.split(",") if a.strip()]
        bad = [a for a in wanted if not is_au_column(a) or canonical_au(a) not in names]
        if bad:
            raise InputError(f"--aus: {bad[0]!r} is not one of the model's AUs "
                             f"({', '.join(names)})")
        names = list(dict.fromkeys(canonical_au(a) for a in wanted))
    data = load_labelled(args.features, args.labels, au_names=names,
                         allow_incomplete=args.allow_incomplete)
    check_config(model["feature_config"], feature_config(args.features, data.X.shape[1]),
                 args.features)
    clf = model["classifier"]
    pick = [model["au_names"].index(a) for a in names]
    proba = clf.predict_proba(data.X)[:, pick]
    table = au_metrics(data.Y, (proba >= clf.thresholds_[pick]).astype(int), proba, names)
    print(format_table(table))
    undefined = table["au"][table["f1"].isna() & (table["au"] != "mean")].tolist()
    if undefined:
        print(f"undefined: {', '.join(undefined)} (no positive in the reference): F1 left out "
              f"of the mean", file=sys.stderr)
    if args.out:
        write_table(args.out, table[COLUMNS], float_format="%.4f")
        print(f"wrote {args.out}", file=sys.stderr)
    return 0
