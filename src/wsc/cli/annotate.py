"""`wsc annotate`: noisy binary AU proxy labels from a feature store (not FACS coding)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from wsc.cli.options import add_allow_incomplete


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `annotate` subcommand."""
    p = subparsers.add_parser("annotate", help="automatic AU proxy labels from a feature store",
                              description=__doc__)
    p.add_argument("--features", required=True, metavar="STORE", help="store from `wsc features`")
    p.add_argument("--out", required=True, metavar="LABELS_CSV",
                   help="label file for `wsc clean` (.csv, .tsv or .parquet)")
    add_allow_incomplete(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write id + AU columns (0/1) for every face found in the store."""
    import numpy as np

    from wsc.errors import InputError
    from wsc.features.au_proxies import au_proxies
    from wsc.io import store as fs
    from wsc.io.tables import OUTPUT_SUFFIXES, write_table
    from wsc.outputs import check_output

    check_output(args.out, OUTPUT_SUFFIXES)
    manifest = fs.read_manifest(Path(args.features))
    fs.check_complete(Path(args.features), args.allow_incomplete)
    ids, shapes = fs.read_raw(args.features, "blendshapes")
    _, landmarks = fs.read_raw(args.features, "landmarks")
    if not ids:
        raise InputError("no faces in the store", file=args.features)
    labels = au_proxies(shapes, landmarks)
    labels.insert(0, "id", ids)
    out = Path(args.out)
    write_table(out, labels)
    rates = ", ".join(f"{c} {np.mean(labels[c]):.0%}" for c in labels.columns[1:])
    print(f"{out}: {len(ids)} faces ({'every face' if manifest['settings']['all_faces'] else 'largest face'}"
          f" per image); AU proxy rates: {rates}", file=sys.stderr)
    return 0
