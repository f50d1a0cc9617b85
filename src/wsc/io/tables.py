"""Feature and label tables for `wsc clean` and `wsc train`: readers that fail with one
precise line, and the writer.

Row numbers in errors: for CSV files the line number in the file (the header is line 1);
for .npy and .parquet files the 0-based record index. Label values follow `wsc.labels`
(one definition of an unknown label and of an AU column for the whole project).
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from wsc.errors import InputError
from wsc.io.delimited import line_of, read_delimited
from wsc.labels import binary_au, duplicate_au, is_au_column, unknown_mask
from wsc.outputs import atomic_path

ID = "id"
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
OUTPUT_SUFFIXES = (".csv", ".tsv", ".parquet")
MIN_ROWS = 2


def _id_column(frame: pd.DataFrame, path: str) -> pd.DataFrame:
    """The id column under its name `id`, whatever its case ('ID', 'Id')."""
    if ID in frame.columns:
        return frame
    found = [c for c in frame.columns if str(c).strip().lower() == ID]
    if len(found) > 1:
        raise InputError(f"several id columns {found}", file=path)
    return frame.rename(columns={found[0]: ID}) if found else frame


def _check_ids(ids: pd.Series, path: str, to_row) -> list[str]:
    """ids as strings; empty (or missing) or duplicate ids are errors naming the row."""
    ids = ids.map(lambda v: "" if v is None or (np.ndim(v) == 0 and pd.isna(v)) else str(v))
    ids = ids.str.strip()
    empty = np.flatnonzero(ids.to_numpy() == "")
    if empty.size:
        raise InputError("empty id", file=path, row=to_row(int(empty[0])), column=ID)
    dup = ids.duplicated().to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise InputError(f"duplicate id {ids.iloc[i]!r}", file=path, row=to_row(i), column=ID)
    return ids.tolist()


def _check_numeric(X: np.ndarray, path: str, columns: list[str] | None, to_row) -> np.ndarray:
    """Finite float32 features with some variation, else an error naming the first bad
    row and column."""
    bad = ~np.isfinite(X)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise InputError("feature is NaN or infinite", file=path, row=to_row(int(r)),
                         column=columns[c] if columns else str(int(c)))
    if X.shape[0] < MIN_ROWS:
        raise InputError(f"{X.shape[0]} feature row(s): at least {MIN_ROWS} are needed", file=path)
    if X.shape[1] == 0:
        raise InputError("no feature columns", file=path)
    if np.all(X == X[:1]):
        raise InputError(f"every feature is constant over the {X.shape[0]} rows: they carry no "
                         "information to clean or train on", file=path)
    X32 = X.astype(np.float32)
    overflow = ~np.isfinite(X32)
    if overflow.any():
        r, c = np.argwhere(overflow)[0]
        raise InputError("feature is too large for 32-bit floats", file=path, row=to_row(int(r)),
                         column=columns[c] if columns else str(int(c)))
    return X32


def _real(X: np.ndarray, path: str) -> np.ndarray:
    """A numeric array as float64; complex, text and object arrays are errors."""
    if np.issubdtype(X.dtype, np.complexfloating):
        raise InputError(f"complex features (dtype {X.dtype}) are not supported: give real "
                         "numbers (e.g. magnitudes, or real and imaginary parts as columns)",
                         file=path)
    if not (np.issubdtype(X.dtype, np.number) or X.dtype == np.bool_):
        raise InputError(f"non-numeric array of dtype {X.dtype}", file=path)
    return X.astype(np.float64)


def _numeric_columns(frame: pd.DataFrame, columns: list, name: str, to_row) -> np.ndarray:
    """Feature columns of a table as float64 (n, d); text, complex or nested values are
    errors naming the first bad cell."""
    values = np.empty((len(frame), len(columns)))
    for j, col in enumerate(columns):
        series = frame[col]
        if pd.api.types.is_complex_dtype(series.dtype):
            raise InputError("complex feature values are not supported", file=name,
                             column=str(col))
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            raw = series.map(lambda v: v.strip() if isinstance(v, str) else v)
            try:
                numeric = pd.to_numeric(raw, errors="coerce")
            except TypeError:
                numeric = pd.Series(np.nan, index=raw.index)
            literal = raw.map(lambda v: isinstance(v, str) and v.lower() in
                              ("nan", "inf", "-inf", "+inf", "infinity", "-infinity"))
            bad = (numeric.isna() & ~literal).to_numpy()
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                value = series.iloc[i]
                if np.ndim(value) > 0:
                    raise InputError("feature cells hold lists or arrays: give one number per "
                                     "column", file=name, row=to_row(i), column=str(col))
                hint = ""
                if isinstance(value, str) and _is_complex(value):
                    hint = " (complex numbers are not supported)"
                elif isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+,\d+\s*", value):
                    hint = " (a decimal comma? write numbers with a decimal point)"
                raise InputError(f"non-numeric feature {_short(value)}{hint}", file=name,
                                 row=to_row(i), column=str(col))
            values[:, j] = numeric.to_numpy(dtype=float)
        elif pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
            values[:, j] = series.to_numpy(dtype=float, na_value=np.nan)
        else:
            raise InputError(f"feature column of type {series.dtype} is not numeric", file=name,
                             column=str(col))
    return values


def _short(value) -> str:
    """A cell's repr, cut to fit a one-line message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_complex(text: str) -> bool:
    try:
        complex(text.strip())
    except ValueError:
        return False
    return True


def _read_text_table(path: Path, what: str) -> tuple[pd.DataFrame, callable]:
    """A delimited text table and its row-number map (line numbers)."""
    frame = read_delimited(path, what)
    return frame, (lambda i: line_of(frame, i))


def read_features(path: str | Path, allow_incomplete: bool = False
                  ) -> tuple[list[str] | None, np.ndarray]:
    """Features from .npy (n x d, no ids), .csv/.parquet (`id` + numeric columns) or a store
    dir (refused while incomplete unless `allow_incomplete`)."""
    path = Path(path)
    name = str(path)
    if not path.exists():
        raise InputError("file not found", file=name)
    if path.is_dir():
        from wsc.io.store import check_complete, read_manifest, read_store

        read_manifest(path)
        check_complete(path, allow_incomplete)
        ids, X = read_store(path)
        if len(ids) == 0:
            raise InputError("the feature store has no faces", file=name)
        return list(ids), _check_numeric(np.asarray(X, dtype=np.float64), name, None, lambda i: i)
    suffix = path.suffix.lower()
    if suffix == ".npy":
        try:  # never unpickle: object arrays are refused
            X = np.load(path, allow_pickle=False)
        except (ValueError, OSError, EOFError) as exc:
            raise InputError(f"not a numeric .npy array ({str(exc).splitlines()[0]})",
                             file=name) from None
        if not isinstance(X, np.ndarray):
            raise InputError("not a .npy array", file=name)
        if X.ndim != 2:
            raise InputError(f"expected an n x d array, got shape {X.shape}", file=name)
        return None, _check_numeric(_real(X, name), name, None, lambda i: i)
    if suffix in TEXT_SUFFIXES:
        frame, to_row = _read_text_table(path, "feature table")
    elif suffix in (".parquet", ".pq"):
        frame, to_row = _read_parquet(path), (lambda i: i)
    else:
        raise InputError("features must be .npy, .csv, .parquet or a feature store folder",
                         file=name)
    frame = _id_column(frame, name)
    if ID not in frame.columns:
        raise InputError(f"no {ID!r} column", file=name)
    ids = _check_ids(frame[ID], name, to_row)
    columns = [c for c in frame.columns if c != ID]
    if not columns:
        raise InputError("no feature columns besides 'id'", file=name)
    values = _numeric_columns(frame, columns, name, to_row)
    return ids, _check_numeric(values, name, [str(c) for c in columns], to_row)


def _read_parquet(path: Path) -> pd.DataFrame:
    """A Parquet table; a damaged file or one with duplicate columns is an error."""
    import pyarrow.parquet as pq

    try:
        names = pq.read_schema(path).names
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise InputError(f"not a readable Parquet file ({type(exc).__name__})",
                         file=str(path)) from None
    dup = next((c for k, c in enumerate(names) if c in names[:k]), None)
    if dup is not None:
        raise InputError("duplicate column name", file=str(path), column=dup)
    try:
        table = pq.read_table(path)
    except Exception as exc:
        raise InputError(f"not a readable Parquet file ({type(exc).__name__})",
                         file=str(path)) from None
    if table.num_rows == 0:
        raise InputError("no rows", file=str(path))
    return table.to_pandas()


def read_labels(path: str | Path, require_id: bool, columns: list[str] | None = None,
                intensity_threshold: float | None = None
                ) -> tuple[list[str] | None, list[str], np.ndarray]:
    """Label table (.csv / .tsv with any of `,` `;` tab `|`, or .parquet): ids (None when
    absent and not required), column names, and an object array of values with None for
    unknown (`wsc.labels`). OpenFace and py-feat files are read as their AU presence
    columns (`wsc.io.label_formats`); `columns` picks the label columns to read.

    AU columns hold 0/1 (or unknown); other columns any categorical values."""
    from wsc.io.label_formats import select_columns, to_label_table

    path = Path(path)
    name = str(path)
    if not path.exists():
        if (path.parent / "manifest.json").is_file():
            raise InputError(f"file not found: the feature store {path.parent} has no "
                             f"{path.name} (its source carried no AU labels); make one with "
                             f"`wsc annotate --features {path.parent} --out labels.csv`",
                             file=name)
        raise InputError("file not found", file=name)
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        frame, to_row = _as_text(_read_parquet(path)), (lambda i: i)
    elif suffix in TEXT_SUFFIXES:
        frame, to_row = _read_text_table(path, "label file")
    else:
        raise InputError("labels must be a .csv, .tsv or .parquet file", file=name)
    frame = select_columns(to_label_table(frame, name, intensity_threshold), columns, name)
    ids = None
    frame = _id_column(frame, name)
    if ID in frame.columns:
        ids = _check_ids(frame[ID], name, to_row)
    elif require_id:
        raise InputError(f"no {ID!r} column (needed to match the feature rows)", file=name)
    columns = [str(c) for c in frame.columns if c != ID]
    if not columns:
        raise InputError("no label columns", file=name)
    same = duplicate_au(columns)
    if same is not None:
        raise InputError(f"columns {same[0]!r} and {same[1]!r} name the same AU", file=name)
    values = np.empty((len(frame), len(columns)), dtype=object)
    for j, col in enumerate(columns):
        raw = frame[col]
        unknown = unknown_mask(raw.to_numpy())
        if is_au_column(col):
            codes, bad = binary_au(raw.to_numpy())
            if bad is not None:
                raise InputError(f"binary AU value must be 0, 1 or unknown (empty, 999, -1), "
                                 f"got {raw.iloc[bad]!r}", file=name, row=to_row(bad), column=col)
            column = np.where(unknown, None, codes.astype(np.int64)).astype(object)
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


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A typed table as the text cells a CSV would have: missing -> '', 1.0 -> '1'."""
    return frame.apply(lambda col: col.map(_format)).astype(object)


def check_label_columns(columns: list[str], values: np.ndarray, path: str) -> None:
    """An error naming the first label column with no known value (often a stray
    delimiter); a warning for a column with a single known value (nothing to compare)."""
    import sys

    for j, col in enumerate(columns):
        known = {v for v in values[:, j] if v is not None}
        if not known:
            raise InputError("every value in this column is unknown (empty, 999 or -1): "
                             "nothing to learn from", file=path, column=col)
        if len(known) == 1:
            print(f"warning: {path}, column {col!r}: every known value is "
                  f"{next(iter(known))!r}; there is nothing to compare it with",
                  file=sys.stderr)


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
                         row=i + 2, column=ID)
    label_set = set(label_ids)
    extra = [i for i, fid in enumerate(feature_ids) if fid not in label_set]
    if extra:
        i = extra[0]
        row = i + 2 if Path(features_path).suffix.lower() in TEXT_SUFFIXES else i
        raise InputError(f"id {feature_ids[i]!r} has no label row", file=features_path,
                         row=row, column=ID)
    return list(label_ids), np.array([position[lid] for lid in label_ids], dtype=np.int64)


def _format(value) -> str:
    """A cleaned value as written: empty for pruned, integers without a decimal point."""
    if value is None or (np.ndim(value) == 0 and pd.isna(value)):
        return ""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _typed(text: list[str]) -> pd.Series:
    """Cleaned values for a typed format: integers as nullable Int64 when every known value
    is one, else text; pruned cells are missing."""
    series = pd.Series([t if t != "" else None for t in text], dtype=object)
    numeric = pd.to_numeric(series, errors="coerce")
    if numeric.notna().sum() == series.notna().sum() and \
            np.all(numeric.dropna() == np.round(numeric.dropna())):
        return numeric.astype("Int64")
    return series


def write_table(path: str | Path, frame: pd.DataFrame, float_format: str | None = None) -> None:
    """Write a table atomically in the format its name asks for: .parquet, .tsv, else CSV."""
    path = Path(path)
    suffix = path.suffix.lower()
    with atomic_path(path) as tmp:
        if suffix in (".parquet", ".pq"):
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False, sep="\t" if suffix == ".tsv" else ",",
                         float_format=float_format)


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
    """Write `output_frame` atomically, as CSV, TSV or Parquet by the name's suffix (in
    Parquet the label columns are typed: Int64 with missing where pruned, when whole)."""
    frame = output_frame(ids, columns, labels, confidence, clusters, raw)
    if Path(path).suffix.lower() in (".parquet", ".pq"):
        for col in columns + [f"{c}_raw" for c in columns if raw is not None]:
            frame[col] = _typed(list(frame[col]))
    write_table(path, frame)
