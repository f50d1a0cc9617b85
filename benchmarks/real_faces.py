"""Real faces for the benchmarks: FER2013 faces (../shared/data/fer_dev.npz) through `wsc features`.

`prepare(work)` writes each 48 x 48 face as a PNG (once) and runs `wsc features` on the folder
into `work/store` (resumable: a rerun skips every face already stored), so every experiment
reads the same store. The faces stay outside the repository.
"""
from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
FER = REPO / ".." / "shared" / "data" / "fer_dev.npz"


@dataclass
class RealFaces:
    """Faces with features, in store order: features X, noisy and true codes, class names."""

    X: np.ndarray
    noisy: np.ndarray
    truth: np.ndarray
    classes: list[str]
    index: np.ndarray         # row of each face in fer_dev.npz
    n_images: int


def face_id(i: int) -> str:
    return f"fer{i:05d}.png"


def write_pngs(data: Path, folder: Path) -> int:
    """Every face of the .npz as folder/ferNNNNN.png (skipped where present); returns n."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    with np.load(data) as d:
        images = d["images"]
    for i, img in enumerate(images):
        path = folder / face_id(i)
        if not path.exists():
            tmp = path.with_name(path.name + ".tmp")
            Image.fromarray(img, "L").save(tmp, format="PNG")
            tmp.replace(path)
    return len(images)


def prepare(work: Path, data: Path = FER, processes: int = 2, blocks: str | None = None,
            store_name: str = "store") -> Path:
    """The feature store of every face (made by `wsc features` on first use)."""
    pngs = work / "png"
    write_pngs(data, pngs)
    store = work / store_name
    cmd = [str(Path(sys.executable).with_name("wsc")), "features", "--images", str(pngs),
           "--out", str(store), "--processes", str(processes), "--no-progress"]
    if blocks:
        cmd += ["--blocks", blocks]
    subprocess.run(cmd, check=True)
    return store


def load(work: Path, data: Path = FER, blocks: list[str] | None = None, pca: int | None = None,
         store_name: str = "store") -> RealFaces:
    """Features (read_store, optionally refitted on some blocks / PCA size) with both labels."""
    from wsc.io.store import read_store

    store = work / store_name
    ids, X = read_store(store, blocks=blocks) if pca is None else _refit(store, blocks, pca)
    index = np.array([int(Path(i).stem[3:]) for i in ids])
    with np.load(data) as d:
        noisy, truth, classes = d["noisy"], d["truth"], [str(c) for c in d["classes"]]
        n_images = len(d["images"])
    return RealFaces(X, noisy[index].astype(np.int64), truth[index].astype(np.int64), classes,
                     index, n_images)


def _refit(store: Path, blocks: list[str] | None, pca: int) -> tuple[list[str], np.ndarray]:
    """Store rows transformed by a transform refitted with another PCA size."""
    from wsc.features import transform
    from wsc.io import store as fs

    ids, raw = fs.read_raw(store)
    slices = {k: tuple(v) for k, v in fs.read_manifest(store)["block_slices"].items()}
    if blocks:
        cols = np.concatenate([np.arange(*slices[b]) for b in blocks])
        raw, start, new = raw[:, cols], 0, {}
        for b in blocks:
            width = slices[b][1] - slices[b][0]
            new[b] = (start, start + width)
            start += width
        slices = new
    params = transform.fit(raw, slices, pca, 0)
    return ids, transform.apply(params, raw)


if __name__ == "__main__":
    print(prepare(Path(sys.argv[1])))
