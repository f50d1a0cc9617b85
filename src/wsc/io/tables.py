"""Feature and label tables for `wsc clean`: readers that fail with one precise line, and the writer.

Row numbers in errors: for CSV files the line number in the file (the header is line 1);
for .npy and .parquet files the 0-based record index.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from wsc.errors import InputError

ID = "id"
UNKNOWN = {"", "999", "999.0", "nan", "NaN", "NA"}
AU_COLUMN = re.compile(r"^AU\d+[A-Za-z]?$", re.IGNORECASE)


def _csv_row(index: int) -> int:
    """0-based data index -> line number in a CSV file with a header."""
    return index + 2


def _check_ids(ids: pd.Series, path: str, to_row) -> list[str]:
    """ids as strings; empty or duplicate ids are errors naming the row."""
    ids = ids.astype(str).str.strip()
    empty = np.flatnonzero(ids.to_numpy() == "")
    if empty.size:
        raise InputError("empty id", file=path, row=to_row(int(empty[0])), column=ID)
    dup = ids.duplicated().to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise InputError(f"duplicate id {ids.iloc[i]!r}", file=path, row=to_row(i), column=ID)
    return ids.tolist()


def _check_numeric(X: np.ndarray, path: str, columns: list[str] | None, to_row) -> np.ndarray:
    """Finite float32 features, else an error naming the first bad row and column."""
    bad = ~np.isfinite(X)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise InputError("feature is NaN or infinite", file=path, row=to_row(int(r)),
                         column=columns[c] if columns else str(int(c)))
    return X.astype(np.float32)


def read_features(path: str | Path) -> tuple[list[str] | None, np.ndarray]:
    """Features from .npy (n x d, no ids), .csv/.parquet (`id` + numeric columns) or a store dir."""
    path = Path(path)
    name = str(path)
    if not path.exists():
        raise InputError("file not found", file=name)
    if path.is_dir():
        from wsc.io.store import read_store

        ids, X = read_store(path)
        return list(ids), _check_numeric(np.asarray(X, dtype=np.float64), name, None, lambda i: i)
    suffix = path.suffix.lower()
    if suffix == ".npy":
        try:
            X = np.load(path, allow_pickle=False)
        except ValueError as exc:
            raise InputError(f"not a numeric .npy array ({exc})", file=name) from None
        if X.ndim != 2:
            raise InputError(f"expected an n x d array, got shape {X.shape}", file=name)
        if not np.issubdtype(X.dtype, np.number):
            raise InputError(f"non-numeric array of dtype {X.dtype}", file=name)
        return None, _check_numeric(X.astype(np.float64), name, None, lambda i: i)
    if suffix == ".csv":
        frame, to_row = pd.read_csv(path, dtype=str, keep_default_na=False), _csv_row
    elif suffix in (".parquet", ".pq"):
        frame, to_row = pd.read_parquet(path), (lambda i: i)
    else:
        raise InputError("features must be .npy, .csv, .parquet or a feature store folder",
                         file=name)
    if ID not in frame.columns:
        raise InputError(f"no {ID!r} column", file=name)
    ids = _check_ids(frame[ID], name, to_row)
    columns = [c for c in frame.columns if c != ID]
    if not columns:
        raise InputError("no feature columns besides 'id'", file=name)
    values = np.empty((len(frame), len(columns)))
    for j, col in enumerate(columns):
        numeric = pd.to_numeric(frame[col], errors="coerce")
        raw = frame[col].astype(str).str.strip()
        bad = numeric.isna().to_numpy() & ~raw.str.lower().isin(["nan", "inf", "-inf"]).to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"non-numeric feature {frame[col].iloc[i]!r}", file=name,
                             row=to_row(i), column=str(col))
        values[:, j] = numeric.to_numpy(dtype=float)
    return ids, _check_numeric(values, name, [str(c) for c in columns], to_row)


def read_labels(path: str | Path, require_id: bool, columns: list[str] | None = None,
                intensity_threshold: float | None = None
                ) -> tuple[list[str] | None, list[str], np.ndarray]:
    """Label table (.csv): ids (None when absent and not required), column names, and an
    object array of values with None for unknown (empty cell or 999). OpenFace and py-feat
    files are read as their AU presence columns (`wsc.io.label_formats`); `columns` picks
    the label columns to read."""
    from wsc.io.label_formats import select_columns, to_label_table

    path = Path(path)
    name = str(path)
    if not path.exists():
        raise InputError("file not found", file=name)
    if path.suffix.lower() != ".csv":
        raise InputError("labels must be a .csv file", file=name)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = select_columns(to_label_table(frame, name, intensity_threshold), columns, name)
    ids = None
    if ID in frame.columns:
        ids = _check_ids(frame[ID], name, _csv_row)
    elif require_id:
        raise InputError(f"no {ID!r} column (needed to match the feature rows)", file=name)
    columns = [str(c) for c in frame.columns if c != ID]
    if not columns:
        raise InputError("no label columns", file=name)
    values = np.empty((len(frame), len(columns)), dtype=object)
    for j, col in enumerate(columns):
        raw = frame[col].astype(str).str.strip()
        unknown = raw.isin(UNKNOWN).to_numpy()
        if AU_COLUMN.match(col):
            numeric = pd.to_numeric(raw, errors="coerce").to_numpy()
            bad = ~unknown & ~np.isin(numeric, [0.0, 1.0])
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise InputError(f"binary AU value must be 0, 1, empty or 999, got {raw.iloc[i]!r}",
                                 file=name, row=_csv_row(i), column=col)
            column = np.where(unknown, None, np.nan_to_num(numeric).astype(np.int64)).astype(object)
        else:
            column = np.where(unknown, None, raw.to_numpy(dtype=object))
            numeric = pd.to_numeric(raw[~unknown], errors="coerce")
            if len(numeric) and numeric.notna().all():
                as_float = numeric.to_numpy(dtype=float)
                whole = np.all(as_float == np.round(as_float))
                typed = as_float.astype(np.int64) if whole else as_float
                column[~unknown] = typed.astype(object)
        values[:, j] = column
    return ids, columns, values


def align(feature_ids: list[str] | None, label_ids: list[str] | None, n_features: int,
          n_labels: int, features_path: str, labels_path: str) -> tuple[list[str], np.ndarray]:
    """Output ids in label order and, for each label row, its feature row index."""
    if feature_ids is None:
        if n_labels != n_features:
            raise InputError(f"has {n_labels} label rows but the features have {n_features} rows",
                             file=labels_path)
        ids = label_ids if label_ids is not None else [str(i) for i in range(n_features)]
        return ids, np.arange(n_features)
    assert label_ids is not None
    position = {fid: i for i, fid in enumerate(feature_ids)}
    missing = [i for i, lid in enumerate(label_ids) if lid not in position]
    if missing:
        i = missing[0]
        raise InputError(f"id {label_ids[i]!r} has no feature row", file=labels_path,
                         row=_csv_row(i), column=ID)
    label_set = set(label_ids)
    extra = [i for i, fid in enumerate(feature_ids) if fid not in label_set]
    if extra:
        i = extra[0]
        row = _csv_row(i) if features_path.lower().endswith(".csv") else i
        raise InputError(f"id {feature_ids[i]!r} has no label row", file=features_path,
                         row=row, column=ID)
    return list(label_ids), np.array([position[lid] for lid in label_ids], dtype=np.int64)


def _format(value) -> str:
    """A cleaned value as written: empty for pruned, integers without a decimal point."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def output_frame(ids: list[str], columns: list[str], labels: np.ndarray, confidence: np.ndarray,
                 clusters: np.ndarray, raw: np.ndarray | None = None) -> pd.DataFrame:
    """The cleaned table: `id` and, per label column, the cleaned value (empty where pruned),
    with `raw` given `<column>_raw` (the input label) and `<column>_changed` (1 where a
    known label was replaced), `<column>_confidence` and `<column>_cluster`; when every
    column has the same clusters, one `cluster` column instead."""
    out = {ID: ids}
    shared = len(columns) > 1 and bool(np.all(clusters == clusters[:, :1]))
    for j, col in enumerate(columns):
        cleaned = [_format(v) for v in labels[:, j]]
        out[col] = cleaned
        if raw is not None:
            before = [_format(v) for v in raw[:, j]]
            out[f"{col}_raw"] = before
            out[f"{col}_changed"] = [int(a != "" and b != "" and a != b)
                                     for a, b in zip(before, cleaned)]
        out[f"{col}_confidence"] = np.round(confidence[:, j], 4)
        if not shared:
            out[f"{col}_cluster"] = clusters[:, j]
    if shared:
        out["cluster"] = clusters[:, 0]
    return pd.DataFrame(out)


def write_output(path: str | Path, ids: list[str], columns: list[str], labels: np.ndarray,
                 confidence: np.ndarray, clusters: np.ndarray, raw: np.ndarray | None = None
                 ) -> None:
    """Write `output_frame` as CSV."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    output_frame(ids, columns, labels, confidence, clusters, raw).to_csv(path, index=False)
