"""`wsc report`: an offline HTML report of a cleaning run, with face galleries and review."""
from __future__ import annotations

import argparse

from wsc.cli.options import add_quiet, positive_int, progress_printer, seed


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `report` subcommand."""
    p = subparsers.add_parser(
        "report", help="offline HTML report of a cleaning run (galleries, noise, review)",
        description="Write a folder with index.html (opens from disk, no server) showing what "
                    "`wsc clean` did: per-column counts, the estimated noise matrix, evidence "
                    "weights, confidence histograms, galleries of changed / pruned / least "
                    "confident faces, clusters to accept or overrule (downloaded as a "
                    "corrections CSV for `wsc clean --corrections`), a 2-D map and failed "
                    "images.")
    p.add_argument("--cleaned", required=True, help="the table `wsc clean` wrote (.csv/.parquet)")
    p.add_argument("--features", default=None,
                   help="the features given to `wsc clean`; a feature store also gives face "
                        "thumbnails and failed images")
    p.add_argument("--labels", default=None,
                   help="the label file given to `wsc clean` (only needed for cleaned tables "
                        "without <column>_raw columns)")
    p.add_argument("--summary", default=None,
                   help="the summary JSON (default: next to --cleaned, NAME.summary.json)")
    p.add_argument("--out", required=True, help="output folder (new, empty or an earlier report)")
    p.add_argument("--gallery-size", type=positive_int, default=48,
                   help="faces per gallery (48)")
    p.add_argument("--clusters", type=positive_int, default=30, help="clusters per ranking (30)")
    p.add_argument("--map-points", type=positive_int, default=3000,
                   help="rows in the 2-D map (3000)")
    p.add_argument("--seed", type=seed, default=0, help="seed of the map's sample (0)")
    add_quiet(p, "progress messages")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build the report and say where it is."""
    from wsc.report import build_report

    say = progress_printer(args.quiet)
    info = build_report(args.cleaned, args.out, features=args.features, labels=args.labels,
                        summary=args.summary, gallery_size=args.gallery_size,
                        n_clusters=args.clusters, n_map_points=args.map_points, seed=args.seed,
                        progress=say)
    print(f"wrote {args.out}/index.html: {info['rows']} rows, {info['thumbnails']} thumbnails, "
          f"{info['bytes'] / 1e6:.1f} MB, {info['seconds']:.1f} s")
    return 0
