"""Face thumbnails and failed images from a feature store, read for the few rows shown."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from wsc.io.store import CHUNKS, read_manifest, row_ids


def is_store(path: str | Path) -> bool:
    """True for a feature store folder (it has a manifest)."""
    return (Path(path) / "manifest.json").is_file()


def _chunks(store: Path) -> list[Path]:
    return sorted((store / CHUNKS).glob("part-*.parquet"))


def read_thumbs(store: str | Path, keys: list[str]) -> dict[str, bytes]:
    """JPEG thumbnails of the given row keys (image id, or 'id#face' for an all-faces store);
    only matching rows are read, and a later chunk's version of an id wins."""
    store = Path(store)
    all_faces = read_manifest(store)["settings"].get("all_faces", False)
    wanted = set(keys)
    image_ids = pa.array(sorted({k.rsplit("#", 1)[0] if all_faces else k for k in wanted}),
                         pa.string())
    found: dict[str, bytes] = {}
    for path in _chunks(store):
        table = pq.read_table(path, columns=["id", "face", "success", "thumb"])
        table = table.filter(pc.and_(pc.is_in(table.column("id"), value_set=image_ids),
                                     table.column("success")))
        if not len(table):
            continue
        names = row_ids(table.column("id").to_pylist(), table.column("face").to_numpy(),
                        all_faces)
        for key, thumb in zip(names, table.column("thumb").to_pylist()):
            if key in wanted and thumb:
                found[key] = thumb
    return found


def read_failures(store: str | Path) -> list[dict]:
    """Every image whose newest row in the store failed: id, source, reason."""
    store = Path(store)
    read_manifest(store)
    latest: dict[str, dict] = {}
    for path in _chunks(store):
        table = pq.read_table(path, columns=["id", "source", "success", "reason"])
        ids = table.column("id").to_pylist()
        ok = np.asarray(table.column("success").to_pylist(), dtype=bool)
        sources = table.column("source").to_pylist()
        reasons = table.column("reason").to_pylist()
        for i in np.unique(np.asarray(ids, dtype=object)):
            latest.pop(i, None)       # a newer chunk replaces every older row of this id
        for i, good, source, reason in zip(ids, ok, sources, reasons):
            if not good:
                latest[i] = {"id": i, "source": source or "", "reason": reason or ""}
    return sorted(latest.values(), key=lambda r: r["id"])
