"""The feature configuration a model is tied to, and the check that new features match it.

A feature store is identified by its extraction settings, blocks and a digest of its fitted
standardisation + PCA (two stores share a space only when one reused the other's transform,
`wsc features --transform-from`); a table by its width and column names."""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from wsc.errors import InputError
from wsc.io.delimited import header_of
from wsc.io.store import TRANSFORM, read_manifest
from wsc.io.tables import ID


def _digest(params: dict[str, np.ndarray]) -> str:
    """SHA-256 over the transform arrays, in key order."""
    h = hashlib.sha256()
    for key in sorted(params):
        h.update(key.encode())
        h.update(np.ascontiguousarray(params[key], dtype=np.float64).tobytes())
    return h.hexdigest()[:16]


def store_transform(store: Path) -> dict[str, np.ndarray]:
    """The store's fitted transform parameters; an error if it has none."""
    from wsc.features import transform

    path = Path(store) / TRANSFORM
    if not path.is_file():
        raise InputError("feature store has no fitted transform (too few faces?)", file=str(store))
    return transform.load(path)


def _columns(path: Path) -> list[str] | None:
    """Feature column names of a .csv/.parquet table; None for .npy."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        names = header_of(path)
    elif suffix in (".parquet", ".pq"):
        names = list(pq.read_schema(path).names)
    else:
        return None
    return [str(c) for c in names if c != ID]


def feature_config(path: str | Path, n_features: int) -> dict:
    """What identifies the features read from `path` (n_features wide)."""
    path = Path(path)
    if path.is_dir():
        manifest = read_manifest(path)
        return {"kind": "store", "n_features": n_features, "settings": manifest["settings"],
                "block_slices": manifest["block_slices"],
                "transform": _digest(store_transform(path))}
    return {"kind": "table", "n_features": n_features, "columns": _columns(path)}


def check_config(model: dict, given: dict, features: str) -> None:
    """An InputError naming the first difference when `given` features were made otherwise."""
    if model["kind"] != given["kind"]:
        kinds = {"store": "a feature store", "table": "a feature table"}
        raise InputError(f"the model was trained on {kinds[model['kind']]}, these features are "
                         f"{kinds[given['kind']]}; use features made the same way", file=features)
    for key in ("n_features", "settings", "block_slices", "transform", "columns"):
        if key in model and model[key] is not None and given.get(key) is not None \
                and model[key] != given[key]:
            hint = " (make the store with --transform-from the training store)" \
                if key == "transform" else ""
            raise InputError(f"features were made with another configuration than the model's: "
                             f"{key} {_short(given[key])} != {_short(model[key])}{hint}",
                             file=features)


def _short(value) -> str:
    """A value shortened for a one-line message."""
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."
