"""Reviewed labels ("corrections"), as the report's review page downloads them.

    id,column,label[,cluster,decision]

One row per reviewed (row, label column): `label` is the reviewer's value for that cell;
`cluster` and `decision` (accept / overrule / row) say where it came from and are not
used. Read into a `trusted` array for `WSC.fit` (None where not reviewed).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from wsc.errors import InputError
from wsc.io.delimited import line_of, read_delimited
from wsc.labels import is_au_column, is_unknown

REQUIRED = ("id", "column", "label")


def _typed(value: str, known: np.ndarray):
    """The reviewer's value in the column's type: an int where the column holds numbers."""
    numeric = [v for v in known if v is not None]
    if numeric and all(isinstance(v, (int, np.integer, float, np.floating)) for v in numeric):
        number = float(value)
        return int(number) if number.is_integer() else number
    return value


def read_corrections(path: str | Path, ids: list[str], columns: list[str],
                     values: np.ndarray) -> np.ndarray:
    """(n, m) object array of reviewed labels aligned to `ids` x `columns`, None elsewhere.
    Unknown ids or columns, bad values and contradicting rows are one-line errors."""
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise InputError("file not found", file=name)
    frame = read_delimited(path, "corrections file")
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise InputError(f"no {missing[0]!r} column (corrections need id, column, label)",
                         file=name)
    row_of = {rid: i for i, rid in enumerate(ids)}
    col_of = {c: j for j, c in enumerate(columns)}
    trusted = np.full((len(ids), len(columns)), None, dtype=object)
    for i, (rid, col, label) in enumerate(zip(frame["id"].str.strip(), frame["column"].str.strip(),
                                               frame["label"].str.strip())):
        line = line_of(frame, i)
        if col not in col_of:
            raise InputError(f"unknown label column {col!r} (columns: {', '.join(columns)})",
                             file=name, row=line, column="column")
        if rid not in row_of:
            raise InputError(f"id {rid!r} is not a row of the labels", file=name, row=line,
                             column="id")
        if is_unknown(label):
            raise InputError(f"label {label!r} means unknown: a review gives a label",
                             file=name, row=line, column="label")
        r, j = row_of[rid], col_of[col]
        try:
            value = _typed(label, values[:, j])
        except ValueError:
            raise InputError(f"label {label!r} is not a number like the column's labels",
                             file=name, row=line, column="label") from None
        if is_au_column(col) and value not in (0, 1):
            raise InputError(f"AU label must be 0 or 1, got {label!r}", file=name, row=line,
                             column="label")
        if trusted[r, j] is not None and trusted[r, j] != value:
            raise InputError(f"contradicts an earlier row for id {rid!r}, column {col!r}",
                             file=name, row=line, column="label")
        trusted[r, j] = value
    return trusted
