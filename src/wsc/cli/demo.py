"""`wsc demo`: clean built-in synthetic AU labels and compare them with the raw labels."""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from wsc.cli.options import positive_int, seed


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `demo` subcommand."""
    p = subparsers.add_parser("demo", help="clean synthetic AU labels and compare with the raw ones",
                              description="Run the cleaner on built-in synthetic AU data (about "
                                          "80%% correct annotator labels) and print the agreement "
                                          "with the true labels before and after.")
    p.add_argument("--out", default="out/demo", help="output folder (out/demo)")
    p.add_argument("--n", type=_rows, default=3000, help="rows of synthetic data (3000, at least 200)")
    p.add_argument("--mode", choices=["evidence", "paper"], default="evidence")
    p.add_argument("--seed", type=seed, default=0)
    p.add_argument("--fig2-draws", type=_draws, default=5,
                   help="noise draws of the Fig. 2 toy reproduction (5; 0 skips it)")
    p.set_defaults(func=run)


def _rows(value: str) -> int:
    """At least 200 rows: fewer leave the cleaner's neighbour lists nearly the whole set."""
    n = positive_int(value)
    if n < 200:
        raise argparse.ArgumentTypeError(f"must be at least 200, got {value!r}")
    return n


def _draws(value: str) -> int:
    """0 (skip Fig. 2) or a positive number of draws."""
    return 0 if value.strip() == "0" else positive_int(value)


def comparison(names: list[str], Y_true: np.ndarray, Y_noisy: np.ndarray, codes: np.ndarray,
               kept: np.ndarray) -> list[str]:
    """Table lines: per AU the raw agreement and the cleaned agreement on kept rows, coverage."""
    lines = [f"{'AU':<6} {'base rate':>9} {'raw':>7} {'cleaned':>8} {'coverage':>9}"]
    rows = []
    for j, name in enumerate(names):
        k = kept[:, j]
        raw = (Y_noisy[:, j] == Y_true[:, j]).mean()
        cleaned = (codes[k, j] == Y_true[k, j]).mean()
        rows.append((raw, cleaned, k.mean()))
        lines.append(f"{name:<6} {Y_true[:, j].mean():>9.3f} {raw:>7.3f} {cleaned:>8.3f} "
                     f"{k.mean():>9.3f}")
    raw, cleaned, cov = np.mean(rows, axis=0)
    lines.append(f"{'mean':<6} {'':>9} {raw:>7.3f} {cleaned:>8.3f} {cov:>9.3f}")
    return lines


def run(args: argparse.Namespace) -> int:
    """Generate data, clean it, print the comparison, write the CSVs (and Fig. 2 if available)."""
    import pandas as pd

    from wsc.datasets import make_au_data
    from wsc.io.tables import write_output
    from wsc.reannotation import WSC

    from wsc.io.tables import write_table
    from wsc.outputs import atomic_path, check_output_dir

    start = time.time()
    out = check_output_dir(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data = make_au_data(args.n, random_state=args.seed)
    ids = [f"img{i:06d}" for i in range(args.n)]
    with atomic_path(out / "features.npy") as tmp, open(tmp, "wb") as fh:
        np.save(fh, data.X)
    labels = pd.DataFrame(data.Y_noisy, columns=data.au_names)
    labels.insert(0, "id", ids)
    write_table(out / "labels.csv", labels)
    def say(msg: str) -> None:
        print(f"[{time.time() - start:5.1f}s] {msg}", file=sys.stderr, flush=True)
    say(f"{args.n} synthetic faces, {len(data.au_names)} AUs; cleaning ({args.mode} mode)")
    model = WSC(mode=args.mode, random_state=args.seed, progress=say).fit(data.X, data.Y_noisy)
    write_output(out / "cleaned.csv", ids, data.au_names, np.asarray(model.labels_, dtype=object),
                 model.confidence_, model.clusters_,
                 raw=np.where(data.Y_noisy < 0, None, data.Y_noisy).astype(object))
    print("Agreement with the true AU labels (cleaned: on kept rows)")
    print("\n".join(comparison(data.au_names, data.Y_true, data.Y_noisy, model.label_codes_,
                               model.kept_)))
    print(f"wrote {out / 'cleaned.csv'} (same as: wsc clean --features {out / 'features.npy'} "
          f"--labels {out / 'labels.csv'} --out {out / 'cleaned.csv'})")
    if args.fig2_draws > 0:
        from wsc.embedding.toy import reproduce_fig2

        say(f"reproducing the paper's Fig. 2 toy ({args.fig2_draws} noise draws)")
        table = reproduce_fig2(out, n_draws=args.fig2_draws)
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        print(f"wrote the Fig. 2 reproduction to {out / 'fig2.png'}")
    return 0
