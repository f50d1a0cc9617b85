"""Small faces: detection rate on FER2013's 48 x 48 faces (../shared/data/fer_dev.npz) with
and without the small-image rule of `wsc.faces.analyzer` (pad, upscale), side by side.

Variants: none (the image as given), pad only, upscale only, pad + upscale (the rule), each
through the same FaceAnalyzer (BlazeFace, tiles when the whole image gives nothing, then the
Face Landmarker). A face counts as found when the analyzer returns one.

    .venv/bin/python benchmarks/bench_small_faces.py [--n 6000] [--seed 0]

Writes benchmarks/results/small_faces.csv and prints the table.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from wsc.faces import analyzer as fa

RESULTS = Path(__file__).resolve().parent / "results"
FER = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "fer_dev.npz"


def variants() -> dict[str, tuple[float, int]]:
    """name -> (pad fraction, upscaled shorter side; 0 = no upscale)."""
    return {"none": (0.0, 0), "pad": (fa.PAD_FRACTION, 0), "upscale": (0.0, fa.UPSCALED_SIDE),
            "pad+upscale (rule)": (fa.PAD_FRACTION, fa.UPSCALED_SIDE)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=6000, help="faces (a seeded random subset)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, default=FER)
    args = parser.parse_args()
    with np.load(args.data) as d:
        images, truth, classes = d["images"], d["truth"], d["classes"]
    rng = np.random.default_rng(args.seed)
    pick = np.sort(rng.choice(len(images), min(args.n, len(images)), replace=False))
    analyzer = fa.FaceAnalyzer(small_side=0)  # the variants prepare the image themselves
    rows = []
    for name, (pad, side) in variants().items():
        found = np.zeros(len(pick), dtype=bool)
        start = time.perf_counter()
        for j, i in enumerate(pick):
            rgb = np.repeat(images[i][:, :, None], 3, axis=2)
            if pad or side:
                rgb, _, _ = fa.enlarge_small(rgb, pad_fraction=pad, side=side)
            found[j] = bool(analyzer.faces(rgb))
        ms = (time.perf_counter() - start) / len(pick) * 1000
        row = {"variant": name, "faces": len(pick), "found": int(found.sum()),
               "detection_rate": round(float(found.mean()), 4), "ms_per_image": round(ms, 1)}
        for c, cname in enumerate(classes):
            sel = truth[pick] == c
            row[f"rate_{cname}"] = round(float(found[sel].mean()), 3) if sel.any() else np.nan
        rows.append(row)
        print(row, flush=True)
    analyzer.close()
    table = pd.DataFrame(rows)
    RESULTS.mkdir(parents=True, exist_ok=True)
    table.to_csv(RESULTS / "small_faces.csv", index=False)
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()
