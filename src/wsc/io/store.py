"""The feature store: a folder of Parquet chunks plus a manifest, written atomically.

    STORE/manifest.json         settings, feature blocks and where they lie in the vector
    STORE/chunks/part-NNNNNN.parquet   one row per face (or per failed image)
    STORE/transform.npz         standardisation + PCA fitted on the store's faces
    STORE/labels.csv            AU labels carried by the source, if any
    STORE/INCOMPLETE            present while a run is writing (or after one was killed)
    STORE/.lock                 held (flock) by the run writing the store

Columns: id, face (index, -1 for a failure), source, success, reason, box (x, y, w, h),
landmarks (478 x 3, image pixels), blendshapes (52), features (raw vector), thumb (JPEG of
the aligned crop). A rerun skips ids already present; an id rewritten later (a retried
failure) is read from its newest chunk only. One run at a time writes a store (a second
gets a one-line error), and a store whose last run did not finish is marked INCOMPLETE:
readers refuse it unless told otherwise.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from wsc.errors import InputError

MANIFEST = "manifest.json"
CHUNKS = "chunks"
TRANSFORM = "transform.npz"
LABELS = "labels.csv"
INCOMPLETE = "INCOMPLETE"
LOCK = ".lock"
VECTOR_COLUMNS = ("box", "landmarks", "blendshapes", "features")


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def write_manifest(store: Path, manifest: dict) -> None:
    """Create the store folder and write its manifest."""
    (store / CHUNKS).mkdir(parents=True, exist_ok=True)
    _atomic_write_text(store / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))


def read_manifest(store: Path) -> dict:
    """The store's manifest; an InputError if the folder is not a feature store."""
    path = Path(store) / MANIFEST
    if not path.is_file():
        raise InputError("not a feature store (no manifest.json)", file=str(store))
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"damaged feature store manifest ({type(exc).__name__})",
                         file=str(path)) from None


@contextlib.contextmanager
def locked(store: Path) -> Iterator[None]:
    """Hold the store's write lock for the block; an InputError if another run holds it."""
    store = Path(store)
    store.mkdir(parents=True, exist_ok=True)
    fd = os.open(store / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError("another wsc run is writing this store; wait for it to finish "
                             "or use another --out", file=str(store)) from None
        yield
    finally:
        os.close(fd)  # closing releases the lock


def mark_incomplete(store: Path) -> None:
    """Mark the store as being written (removed by `mark_complete` when a run finishes)."""
    _atomic_write_text(Path(store) / INCOMPLETE,
                       "a `wsc features` run into this store has not finished; rerun it with "
                       "the same options to complete the store\n")


def mark_complete(store: Path) -> None:
    """The run finished: the store is whole."""
    with contextlib.suppress(FileNotFoundError):
        (Path(store) / INCOMPLETE).unlink()


def check_complete(store: Path, allow_incomplete: bool = False) -> None:
    """An InputError when the store is being written or its last run was killed."""
    if not allow_incomplete and (Path(store) / INCOMPLETE).exists():
        raise InputError("the feature store is incomplete (a `wsc features` run into it is "
                         "running or did not finish): rerun it to complete the store, or "
                         "pass --allow-incomplete", file=str(store))


def stored_sources(store: Path) -> dict[str, str]:
    """The source recorded for every id in the store."""
    table = _read(Path(store), ["id", "face", "source"])
    return dict(zip(table.column("id").to_pylist(), table.column("source").to_pylist()))


def _chunk_files(store: Path) -> list[Path]:
    return sorted((Path(store) / CHUNKS).glob("part-*.parquet"))


def next_chunk_number(store: Path) -> int:
    """The number the next chunk file gets."""
    files = _chunk_files(store)
    return int(files[-1].stem.split("-")[1]) + 1 if files else 0


def _fixed(values: list[np.ndarray | None], width: int) -> pa.Array:
    """Rows of equal width as a fixed-size float32 list column (null for missing rows)."""
    flat = np.zeros((len(values), width), np.float32)
    mask = np.ones(len(values), bool)
    for i, v in enumerate(values):
        if v is not None:
            flat[i] = np.asarray(v, np.float32).ravel()
            mask[i] = False
    arr = pa.FixedSizeListArray.from_arrays(pa.array(flat.ravel()), width)
    return pa.FixedSizeListArray.from_arrays(arr.values, width, mask=pa.array(mask))


def write_chunk(store: Path, number: int, rows: list[dict], widths: dict[str, int]) -> Path:
    """Write rows (dicts with the store's columns) as chunk `number`, atomically."""
    table = pa.table({
        "id": pa.array([r["id"] for r in rows], pa.string()),
        "face": pa.array([r["face"] for r in rows], pa.int16()),
        "source": pa.array([r["source"] for r in rows], pa.string()),
        "success": pa.array([r["success"] for r in rows], pa.bool_()),
        "reason": pa.array([r["reason"] for r in rows], pa.string()),
        **{c: _fixed([r.get(c) for r in rows], widths[c]) for c in VECTOR_COLUMNS},
        "thumb": pa.array([r.get("thumb") for r in rows], pa.binary()),
    })
    path = Path(store) / CHUNKS / f"part-{number:06d}.parquet"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)
    return path


def _read(store: Path, columns: list[str]) -> pa.Table:
    """All chunks, newest version of every id only, sorted by (id, face)."""
    parts = []
    for number, path in enumerate(_chunk_files(store)):
        try:
            t = pq.read_table(path, columns=columns)
        except Exception as exc:  # pyarrow raises several types for a damaged file
            raise InputError(f"damaged feature store chunk ({type(exc).__name__}); remove it "
                             "and rerun `wsc features` to redo its images",
                             file=str(path)) from None
        parts.append(t.append_column("_chunk", pa.array(np.full(len(t), number, np.int32))))
    if not parts:
        return pa.table({c: [] for c in columns})
    table = pa.concat_tables(parts)
    ids = np.asarray(table.column("id").to_pylist(), dtype=object)
    chunk = table.column("_chunk").to_numpy()
    newest = pd.Series(chunk).groupby(ids).transform("max").to_numpy()
    table = table.filter(pa.array(chunk == newest)).drop(["_chunk"])
    order = np.lexsort((table.column("face").to_numpy(), np.asarray(table.column("id").to_pylist())))
    return table.take(pa.array(order))


def done_ids(store: Path) -> tuple[set[str], set[str]]:
    """Ids already in the store: all of them, and those that failed."""
    table = _read(Path(store), ["id", "face", "success"])
    ids = table.column("id").to_pylist()
    ok = table.column("success").to_pylist()
    return set(ids), {i for i, s in zip(ids, ok) if not s}


def matrix(column: pa.ChunkedArray) -> np.ndarray:
    """A fixed-size list column as a float32 (n, width) array (NaN where null)."""
    arr = column.combine_chunks()
    width = arr.type.list_size
    values = arr.values.slice(arr.offset * width, len(arr) * width)
    out = values.to_numpy(zero_copy_only=False).reshape(-1, width).astype(np.float32)
    out[arr.is_null().to_numpy(zero_copy_only=False)] = np.nan
    return out


def read_table(store: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """Every row as a DataFrame; vector columns hold 1-D float32 arrays per row."""
    store = Path(store)
    read_manifest(store)
    columns = columns or ["id", "face", "source", "success", "reason", *VECTOR_COLUMNS, "thumb"]
    cols = list(dict.fromkeys(["id", "face", *columns]))
    table = _read(store, cols)
    frame = pd.DataFrame({c: table.column(c).to_pylist() for c in cols if c not in VECTOR_COLUMNS})
    for c in cols:
        if c in VECTOR_COLUMNS:
            frame[c] = list(matrix(table.column(c))) if len(table) else []
    return frame[cols]


def row_ids(ids: list[str], faces: np.ndarray, all_faces: bool) -> list[str]:
    """Row keys: the image id, or 'id#k' for face k when the store keeps every face."""
    return [f"{i}#{f}" for i, f in zip(ids, faces)] if all_faces else list(ids)


def read_raw(store: str | Path, column: str = "features") -> tuple[list[str], np.ndarray]:
    """Successful rows' keys and one vector column (raw, untransformed)."""
    store = Path(store)
    manifest = read_manifest(store)
    table = _read(store, ["id", "face", "success", column])
    table = table.filter(table.column("success"))
    keys = row_ids(table.column("id").to_pylist(), table.column("face").to_numpy(),
                   manifest["settings"]["all_faces"])
    return keys, matrix(table.column(column)) if len(table) else np.zeros((0, 0), np.float32)


def read_store(store: str | Path, blocks: list[str] | None = None
               ) -> tuple[list[str], np.ndarray]:
    """Successful rows' ids and feature vectors (float32, standardised + PCA).

    With `blocks`, only those blocks are used and the transform is refitted on them with
    the store's settings: the way to compare which blocks make the best graph."""
    from wsc.features import transform

    store = Path(store)
    manifest = read_manifest(store)
    ids, x = read_raw(store)
    slices = {k: tuple(v) for k, v in manifest["block_slices"].items()}
    if blocks is None and (store / TRANSFORM).is_file():
        return ids, transform.apply(transform.load(store / TRANSFORM), x)
    names = blocks or list(slices)
    unknown = [b for b in names if b not in slices]
    if unknown:
        raise InputError(f"blocks {unknown} not in the store (has {list(slices)})", file=str(store))
    cols = np.concatenate([np.arange(*slices[b]) for b in names])
    sub, pos = {}, 0
    for b in names:
        width = slices[b][1] - slices[b][0]
        sub[b], pos = (pos, pos + width), pos + width
    params = transform.fit(x[:, cols], sub, manifest["settings"]["pca"], manifest["settings"]["seed"])
    return ids, transform.apply(params, x[:, cols])
