"""Which features help on real faces: blocks, PCA size, whitening, a whole-face HOG.

On the store of benchmarks/bench_real.py (FER2013 faces through `wsc features`): for each
feature variant, (a) the ceiling: 5-fold cross-validated logistic regression trained on the
*true* labels (accuracy against the truth), (b) the WSC default cleaner on the noisy labels
(agreement on kept rows and coverage; and the posterior argmax at full coverage), (c) the
10-NN vote. Variants: each block alone and all three; PCA 16 / 32 / 64 / 128; whitened PCA
(each component scaled to unit variance); and `face_hog`, HOG of the whole aligned face
(the store's 128 x 128 thumbnails resized to 64 x 64; 8-px cells, 2 x 2 blocks, 9 bins),
alone and added to the three blocks.

    .venv/bin/python benchmarks/bench_real_features.py [--work out/fer_dev]
        [--variants ...] [--skip-wsc]

Writes benchmarks/results/real_features.csv and prints the table.
"""
from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_cleaning import cleanlab_probs, knn_vote  # noqa: E402
from real_faces import add_data_arguments, data_paths, load  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
BLOCKS = ["geometry", "blendshapes", "appearance"]


def face_hog(work: Path, index_ids: list[str]) -> np.ndarray:
    """HOG of each stored aligned face (thumbnail), in the order of index_ids."""
    import cv2

    from wsc.io.store import read_table

    table = read_table(work / "store", ["id", "success", "thumb"])
    table = table[table.success].set_index("id")
    hog = cv2.HOGDescriptor((64, 64), (16, 16), (8, 8), (8, 8), 9)
    out = []
    for i in index_ids:
        jpeg = np.frombuffer(table.loc[i, "thumb"], np.uint8)
        grey = cv2.imdecode(jpeg, cv2.IMREAD_GRAYSCALE)
        out.append(hog.compute(cv2.resize(grey, (64, 64), interpolation=cv2.INTER_AREA)).ravel())
    return np.asarray(out, dtype=np.float32)


def transformed(raw: np.ndarray, slices: dict[str, tuple[int, int]], pca: int,
                whiten: bool) -> np.ndarray:
    from wsc.features import transform

    params = transform.fit(raw, slices, pca, 0)
    Z = transform.apply(params, raw)
    if whiten:
        Z = Z / np.maximum(Z.std(axis=0), 1e-8)
    return Z


def variants(work: Path) -> dict[str, callable]:
    """name -> function returning the feature matrix (rows in store order)."""
    from wsc.io import store as fs

    ids, raw = fs.read_raw(work / "store")
    slices = {k: tuple(v) for k, v in fs.read_manifest(work / "store")["block_slices"].items()}

    def pick(blocks: list[str], extra: np.ndarray | None = None, pca: int = 64,
             whiten: bool = False):
        def make() -> np.ndarray:
            parts, sub, pos = [], {}, 0
            for b in blocks:
                a, z = slices[b]
                parts.append(raw[:, a:z])
                sub[b], pos = (pos, pos + z - a), pos + z - a
            if extra is not None:
                parts.append(extra())
                sub["face_hog"] = (pos, pos + parts[-1].shape[1])
            return transformed(np.hstack(parts), sub, pca, whiten)
        return make

    hog_cache: dict[str, np.ndarray] = {}

    def hog() -> np.ndarray:
        if "x" not in hog_cache:
            hog_cache["x"] = face_hog(work, ids)
        return hog_cache["x"]

    out = {"all three (default), PCA 64": pick(BLOCKS)}
    for b in BLOCKS:
        out[f"{b} only"] = pick([b])
    out["geometry+blendshapes"] = pick(["geometry", "blendshapes"])
    for p in (16, 32, 128):
        out[f"all three, PCA {p}"] = pick(BLOCKS, pca=p)
    out["all three, PCA 64 whitened"] = pick(BLOCKS, whiten=True)
    out["face_hog only"] = pick([], extra=hog)
    out["all three + face_hog"] = pick(BLOCKS, extra=hog)
    out["all three + face_hog, PCA 128"] = pick(BLOCKS, extra=hog, pca=128)
    return out


def main() -> None:
    from wsc.reannotation import WSC

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_arguments(parser)
    parser.add_argument("--variants", nargs="+", default=None)
    parser.add_argument("--skip-wsc", action="store_true")
    parser.add_argument("--tag", default="", help="suffix of the result file")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    work, data = data_paths(args)
    faces = load(work, data)
    y, t = faces.noisy, faces.truth
    rows = []
    for name, make in variants(work).items():
        if args.variants and name not in args.variants:
            continue
        start = time.time()
        X = make()
        row = dict(variant=name, dims=X.shape[1],
                   ceiling=float((cleanlab_probs(X, t, 0).argmax(1) == t).mean()),
                   knn10_vote=float((knn_vote(X, y, 0) == t).mean()))
        if not args.skip_wsc:
            model = WSC(random_state=0).fit(X, y)
            kept = model.kept_
            row.update(wsc_default=float((model.label_codes_[kept] == t[kept]).mean()),
                       wsc_coverage=float(kept.mean()),
                       wsc_full=float((model.posterior_[0].argmax(1) == t).mean()))
        row["seconds"] = round(time.time() - start, 1)
        rows.append(row)
        print(row, flush=True)
    table = pd.DataFrame(rows)
    RESULTS.mkdir(parents=True, exist_ok=True)
    table.to_csv(RESULTS / f"real_features{args.tag}.csv", index=False)
    print(table.round(3).to_string(index=False))


if __name__ == "__main__":
    main()
