"""The project's one label convention: what an unknown label is and what an AU column is.

Every reader (label tables, image-source CSVs, training labels) and every estimator (the
WSE's groups, the cleaner's votes) uses these definitions, so a label file means the same
thing to every command.

- Unknown label: None, NaN, an empty (or blank) cell, the text NA / N/A / NaN / null, and
  the numbers -1 and 999 (EmotioNet writes 999 for "not annotated"; -1 is the common
  "missing" code of label arrays). A label column may use any of them.
- AU column: a name like `AU12`, `AU01`, `au_12`, `AU 12`, `AU-12` or `AU12L` (one
  trailing side letter); `AU12_c`, `AU12_r` or `AU12_confidence` are not AU columns.
  Names that differ only in spelling (`AU1`, `au_01`) are the same AU.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

UNKNOWN_NUMBERS = (-1, 999)
UNKNOWN_TEXT = frozenset({"", "na", "n/a", "nan", "null"})

_AU = re.compile(r"^\s*AU[\s_-]*0*(\d+)([A-Za-z]?)\s*$", re.IGNORECASE)


def unknown_mask(values) -> np.ndarray:
    """Boolean mask of the unknown labels among `values` (any 1-D sequence or array)."""
    array = np.asarray(values).ravel()
    try:  # fast path: numbers (and None / NaN) only
        numbers = array.astype(np.float64)
    except (TypeError, ValueError):
        numbers = None
    if numbers is not None and (array.dtype != object or not any(isinstance(v, str)
                                                                 for v in array)):
        return np.isnan(numbers) | np.isin(numbers, UNKNOWN_NUMBERS)
    series = pd.Series(array.astype(object), dtype=object)
    missing = series.isna().to_numpy().copy()
    text = series.map(lambda v: v.strip().lower() if isinstance(v, str) else None)
    missing |= text.isin(UNKNOWN_TEXT).to_numpy()
    missing |= _numbers(series.where(~missing)).isin(UNKNOWN_NUMBERS).to_numpy()
    return missing


def _numbers(series: pd.Series) -> pd.Series:
    """Each value as a number (NaN where it is none), for labels of any hashable type."""
    try:
        return pd.to_numeric(series, errors="coerce")
    except TypeError:  # values such as tuples: convert one by one
        return pd.to_numeric(series.map(lambda v: v if isinstance(v, (str, int, float, np.number))
                                        else np.nan), errors="coerce")


def is_unknown(value) -> bool:
    """Whether one label value is unknown."""
    return bool(unknown_mask([value])[0])


def parse_au(name) -> tuple[int, str] | None:
    """(AU number, side letter or '') of an AU column name; None for any other name."""
    match = _AU.match(str(name))
    if match is None:
        return None
    return int(match.group(1)), match.group(2).upper()


def is_au_column(name) -> bool:
    """Whether a column name names an action unit."""
    return parse_au(name) is not None


def canonical_au(name) -> str:
    """The AU's canonical name, without zero padding: 'AU01', 'au_1', 'AU 1' -> 'AU1'."""
    parts = parse_au(name)
    if parts is None:
        raise ValueError(f"{name!r} is not an AU column name")
    return f"AU{parts[0]}{parts[1]}"


def openface_name(name) -> str:
    """The AU as OpenFace writes it, two digits: 'AU1' -> 'AU01'."""
    parts = parse_au(name)
    if parts is None:
        raise ValueError(f"{name!r} is not an AU column name")
    return f"AU{parts[0]:02d}{parts[1]}"


def au_columns(columns) -> dict[str, str]:
    """The AU columns among `columns`, each mapped to its canonical name, in file order."""
    return {str(c): canonical_au(c) for c in columns if is_au_column(c)}


def duplicate_au(columns) -> tuple[str, str] | None:
    """The first two column names that name the same AU (e.g. 'AU1' and 'AU01'), if any."""
    seen: dict[str, str] = {}
    for col, name in au_columns(columns).items():
        if name in seen:
            return seen[name], col
        seen[name] = col
    return None


def binary_au(values) -> tuple[np.ndarray, int | None]:
    """A binary AU column as int8 codes (1, 0, -1 = unknown) and the index of the first
    value that is neither 0, 1 nor unknown (None when every value is valid)."""
    values = np.asarray(values, dtype=object).ravel()
    unknown = unknown_mask(values)
    numeric = _numbers(pd.Series(values, dtype=object).where(~unknown)).to_numpy(dtype=float)
    bad = ~unknown & ~np.isin(numeric, [0.0, 1.0])
    codes = np.where(unknown | bad, -1, np.nan_to_num(numeric)).astype(np.int8)
    return codes, (int(np.flatnonzero(bad)[0]) if bad.any() else None)
