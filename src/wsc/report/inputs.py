"""What a report is made from: the cleaned table `wsc clean` wrote, its summary JSON, the
features (a feature store also gives face thumbnails and failed images) and, for older
cleaned tables without `<column>_raw`, the label file."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from wsc.errors import InputError

CONFIDENCE, RAW, CHANGED, CLUSTER = "_confidence", "_raw", "_changed", "_cluster"


@dataclass
class CleanedRun:
    """One cleaning run, column-wise: label values as strings ('' = unknown / pruned)."""

    ids: np.ndarray                 # (n,) str
    columns: list[str]
    cleaned: list[np.ndarray]       # per column (n,) str, '' where pruned
    raw: list[np.ndarray]           # per column (n,) str, '' where unknown
    confidence: np.ndarray          # (n, m) float
    clusters: np.ndarray            # (n, m) int
    shared: bool                    # one cluster column for every label column
    summary: dict | None = None     # the summary JSON, if found
    notes: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.ids)


def read_table(path: Path) -> pd.DataFrame:
    """A CSV (ids as strings, other columns typed by the reader: a million rows of numbers
    parse far faster than strings) or Parquet table."""
    if not path.is_file():
        raise InputError("file not found", file=str(path))
    if path.suffix.lower() in (".parquet", ".pq"):
        return pq.read_table(path).to_pandas()
    if path.suffix.lower() != ".csv":
        raise InputError("must be a .csv or .parquet table", file=str(path))
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
            column_types={"id": pa.string()}, strings_can_be_null=True))
    except pa.ArrowInvalid as exc:
        raise InputError(f"not a readable CSV table ({exc})", file=str(path)) from None
    return table.to_pandas()


def _strings(series: pd.Series) -> np.ndarray:
    """Values as written by `wsc clean`: integers without '.0', missing as ''."""
    missing = series.isna().to_numpy()
    if pd.api.types.is_float_dtype(series):
        whole = series.dropna()
        if (whole == np.round(whole)).all():
            series = series.astype("Int64")
    text = series.astype(str).to_numpy(dtype=object, copy=True)
    text[missing] = ""
    return text


def load_cleaned(cleaned: str | Path, summary: str | Path | None = None,
                 labels: str | Path | None = None) -> CleanedRun:
    """Read a cleaned table: label columns are those with a `<column>_confidence` column."""
    path = Path(cleaned)
    frame = read_table(path)
    name = str(path)
    if "id" not in frame.columns:
        raise InputError("no 'id' column: not a table written by `wsc clean`", file=name)
    columns = [c[:-len(CONFIDENCE)] for c in frame.columns
               if c.endswith(CONFIDENCE) and c[:-len(CONFIDENCE)] in frame.columns]
    if not columns:
        raise InputError("no <column>_confidence columns: not a table written by `wsc clean`",
                         file=name)
    n = len(frame)
    notes: list[str] = []
    confidence = np.empty((n, len(columns)))
    for j, c in enumerate(columns):
        values = pd.to_numeric(frame[c + CONFIDENCE], errors="coerce")
        if values.isna().any():
            i = int(np.flatnonzero(values.isna().to_numpy())[0])
            raise InputError("confidence is not a number", file=name, row=i + 2,
                             column=c + CONFIDENCE)
        confidence[:, j] = values.to_numpy(dtype=float)
    shared = "cluster" in frame.columns
    clusters = np.empty((n, len(columns)), dtype=np.int64)
    for j, c in enumerate(columns):
        source = "cluster" if shared else c + CLUSTER
        if source not in frame.columns:
            raise InputError(f"no {source!r} column", file=name)
        clusters[:, j] = pd.to_numeric(frame[source]).to_numpy(dtype=np.int64)
    raw = _raw_labels(frame, columns, labels, name, notes)
    run = CleanedRun(ids=frame["id"].astype(str).to_numpy(dtype=object), columns=columns,
                     cleaned=[_strings(frame[c]) for c in columns], raw=raw,
                     confidence=confidence, clusters=clusters, shared=shared, notes=notes)
    summary_file = Path(summary) if summary else path.with_name(path.stem + ".summary.json")
    if summary_file.is_file():
        run.summary = json.loads(summary_file.read_text())
    elif summary:
        raise InputError("file not found", file=str(summary_file))
    else:
        notes.append(f"no summary JSON ({summary_file.name}) next to the cleaned table: the "
                     "noise matrices and evidence weights are not shown")
    return run


def _raw_labels(frame: pd.DataFrame, columns: list[str], labels: str | Path | None, name: str,
                notes: list[str]) -> list[np.ndarray]:
    """The input labels: `<column>_raw` of the cleaned table, else read from `labels`."""
    if all(c + RAW in frame.columns for c in columns):
        return [_strings(frame[c + RAW]) for c in columns]
    if labels is None:
        raise InputError("no <column>_raw columns (a cleaned table from an older `wsc clean`): "
                         "give the label file with --labels", file=name)
    from wsc.io.tables import _format, read_labels

    label_ids, label_columns, values = read_labels(labels, require_id=False, columns=columns)
    if label_ids is None:
        if len(values) != len(frame):
            raise InputError(f"has {len(values)} rows, the cleaned table {len(frame)}",
                             file=str(labels))
        rows = np.arange(len(frame))
    else:
        position = {k: i for i, k in enumerate(label_ids)}
        ids = frame["id"].astype(str).tolist()
        missing = [k for k in ids if k not in position]
        if missing:
            raise InputError(f"id {missing[0]!r} of the cleaned table has no label row",
                             file=str(labels))
        rows = np.array([position[k] for k in ids])
    notes.append(f"raw labels read from {labels}")
    return [np.array([_format(v) for v in values[rows, j]], dtype=object)
            for j in range(len(columns))]


def load_features(path: str | Path, ids: np.ndarray) -> np.ndarray:
    """Feature rows in the cleaned table's order (NaN rows where an id has none)."""
    from wsc.io.tables import read_features

    feature_ids, X = read_features(path)
    if feature_ids is None:
        if len(X) != len(ids):
            raise InputError(f"has {len(X)} rows, the cleaned table {len(ids)}", file=str(path))
        return X
    index = pd.Index(feature_ids)
    rows = index.get_indexer(pd.Index(ids))
    out = np.full((len(ids), X.shape[1]), np.nan, dtype=np.float32)
    out[rows >= 0] = X[rows[rows >= 0]]
    return out
