"""`wsc fig2`: reproduce the paper's Fig. 2 (WSE on three rings with noisy labels)."""
from __future__ import annotations

import argparse
from pathlib import Path

from wsc.cli.options import positive_int


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fig2", help="reproduce the paper's Fig. 2 toy experiment")
    p.add_argument("--out", default="out/fig2", help="output folder (fig2.png, fig2.csv)")
    p.add_argument("--toy-mat", default=None,
                   help="the paper's toy.mat; default: the built-in generator of the same data")
    p.add_argument("--draws", type=positive_int, default=20,
                   help="noise draws per lambda (default 20)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from wsc.datasets.toy import load_toy_mat
    from wsc.embedding.toy import reproduce_fig2
    from wsc.errors import InputError
    from wsc.outputs import check_output_dir

    check_output_dir(args.out)
    if args.toy_mat:
        if not Path(args.toy_mat).is_file():
            raise InputError("file not found", file=args.toy_mat)
        load_toy_mat(args.toy_mat)  # checked before the work
    table = reproduce_fig2(args.out, args.toy_mat, args.draws)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"wrote {Path(args.out) / 'fig2.png'} and {Path(args.out) / 'fig2.csv'}")
    return 0
