"""Real faces for the benchmarks: FER2013 faces (../shared/data/fer_dev.npz) through `wsc features`.

`prepare(work, data)` writes each face as a PNG (once) and runs `wsc features` on the folder
into `work/store` (resumable: a rerun skips every face already stored), so every experiment
reads the same store. The faces stay outside the repository.

Any .npz laid out as fer_dev.npz (`images` (n, h, w) grey or (n, h, w, 3) RGB uint8; `noisy`
and `truth` class indices; `classes`) can be measured: `--data OTHER.npz` works in its own
folder (`out/OTHER` unless `--work`), and a folder made from one data file is refused for
another (`work/source.json` holds the file's SHA-256), so no result is computed on the
wrong faces.
"""
from __future__ import annotations

import argparse
import functools
import hashlib
import json
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


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    """--data (the .npz, default fer_dev.npz) and --work (default out/<the data's stem>)."""
    parser.add_argument("--data", type=Path, default=FER,
                        help="faces with noisy and true labels, laid out as fer_dev.npz")
    parser.add_argument("--work", type=Path, default=None,
                        help="folder for the PNGs and the feature store, outside the repository "
                             "(default: out/<the data file's stem>)")


def data_paths(args: argparse.Namespace) -> tuple[Path, Path]:
    """(work, data) from add_data_arguments' options; exits with one line if data is missing."""
    if not args.data.is_file():
        sys.exit(f"{args.data}: not found (the real-face data lives outside the repository)")
    return (args.work if args.work is not None else Path("out") / args.data.stem), args.data


def _image_mode(images: np.ndarray, data: Path) -> str:
    if images.dtype != np.uint8 or not (images.ndim == 3 or (images.ndim == 4
                                                             and images.shape[3] == 3)):
        sys.exit(f"{data}: images must be uint8 (n, h, w) or (n, h, w, 3), "
                 f"got {images.dtype} {images.shape}")
    return "L" if images.ndim == 3 else "RGB"


def sha256(path: Path) -> str:
    """The file's SHA-256, computed once per version of the file in a process (prepare and
    every load check the same data)."""
    stat = path.stat()
    return _sha256(path.resolve(), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=None)
def _sha256(path: Path, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_source(work: Path, data: Path) -> None:
    """Refuse a work folder made from another data file (one line, no traceback); record the
    data file's SHA-256 in a new folder. A folder from before the record is adopted only if
    a sample of its PNGs equals the data's images."""
    record = work / "source.json"
    digest = sha256(data)
    if record.is_file():
        made_from = json.loads(record.read_text())
        if made_from["sha256"] != digest:
            sys.exit(f"{work}: made from {made_from['data']} (sha256 {made_from['sha256'][:12]}), "
                     f"not {data} (sha256 {digest[:12]}); pass another --work")
        return
    pngs = work / "png"
    if pngs.is_dir() and any(pngs.iterdir()):
        from PIL import Image

        with np.load(data) as d:
            images = d["images"]
        mode = _image_mode(images, data)
        for i in np.linspace(0, len(images) - 1, 16).astype(int):
            path = pngs / face_id(int(i))
            same = path.is_file()
            if same:
                with Image.open(path) as png:
                    same = np.array_equal(np.asarray(png.convert(mode)), images[i])
            if not same:
                sys.exit(f"{work}: its PNGs are not the faces of {data} ({path.name} differs); "
                         f"pass another --work")
    work.mkdir(parents=True, exist_ok=True)
    tmp = record.with_name(record.name + ".tmp")
    tmp.write_text(json.dumps({"data": str(data), "sha256": digest}))
    tmp.replace(record)


def write_pngs(data: Path, folder: Path) -> int:
    """Every face of the .npz as folder/ferNNNNN.png (skipped where present); returns n."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    with np.load(data) as d:
        images = d["images"]
    mode = _image_mode(images, data)
    for i, img in enumerate(images):
        path = folder / face_id(i)
        if not path.exists():
            tmp = path.with_name(path.name + ".tmp")
            Image.fromarray(img, mode).save(tmp, format="PNG")
            tmp.replace(path)
    return len(images)


def prepare(work: Path, data: Path = FER, processes: int = 2, blocks: str | None = None,
            store_name: str = "store") -> Path:
    """The feature store of every face (made by `wsc features` on first use)."""
    check_source(work, data)
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

    check_source(work, data)
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
    parser = argparse.ArgumentParser(description="make the feature store of a real-face .npz")
    add_data_arguments(parser)
    print(prepare(*data_paths(parser.parse_args())))
