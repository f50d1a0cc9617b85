"""Label files other tools write: OpenFace 2.x and py-feat (Fex) CSVs as AU label tables.

Both carry hundreds of non-label columns (landmarks, pose, gaze, emotions). Only the AU
presence columns are kept, found by name:
- OpenFace 2.x: `AU01_c` (presence, 0/1), or `AU01_r` (intensity 0-5) thresholded when an
  intensity threshold is given; rows with `success` 0 are unknown. Headers have leading
  spaces. Ids: `id` if present, else `frame` (with `#face_id` when several faces).
- py-feat Fex: `AU01` holds a probability of presence, thresholded (default 0.5); rows
  without a detected face (empty `FaceScore`) are unknown. Ids: `id`, else `input`
  (the image path, with `#frame` when it repeats), else `frame`.
Any other table is returned unchanged.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from wsc.errors import InputError

OPENFACE_PRESENCE = re.compile(r"^AU(\d+)_c$")
OPENFACE_INTENSITY = re.compile(r"^AU(\d+)_r$")
FEX_AU = re.compile(r"^AU(\d+)$")
FEX_MARKERS = ("FaceScore", "FaceRectX")
FEX_THRESHOLD = 0.5


def detect(columns: list[str]) -> str | None:
    """'openface', 'fex' or None (a plain label table) from the stripped column names."""
    names = set(columns)
    if "success" in names and any(OPENFACE_PRESENCE.match(c) or OPENFACE_INTENSITY.match(c)
                                  for c in names):
        return "openface"
    if any(m in names for m in FEX_MARKERS) and any(FEX_AU.match(c) for c in names):
        return "fex"
    return None


def _number(frame: pd.DataFrame, column: str, path: str) -> np.ndarray:
    """A numeric column (NaN for empty cells); a non-number is an error naming its row."""
    raw = frame[column].astype(str).str.strip()
    values = pd.to_numeric(raw.replace("", np.nan), errors="coerce")
    bad = values.isna().to_numpy() & ~raw.isin(["", "nan", "NaN"]).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"not a number: {raw.iloc[i]!r}", file=path, row=i + 2, column=column)
    return values.to_numpy(dtype=float)


def _binary(present: np.ndarray, unknown: np.ndarray) -> np.ndarray:
    """0/1 strings with '' where unknown (the plain table's conventions)."""
    out = np.where(present, "1", "0").astype(object)
    out[unknown | np.isnan(present.astype(float))] = ""
    return out


def _ids(frame: pd.DataFrame, primary: str, secondary: str | None) -> list[str] | None:
    """Row ids from `primary` (with '#secondary' where it repeats); None without it."""
    if primary not in frame.columns:
        return None
    first = frame[primary].astype(str).str.strip()
    if secondary is not None and secondary in frame.columns and first.duplicated().any():
        return (first + "#" + frame[secondary].astype(str).str.strip()).tolist()
    return first.tolist()


def _with_ids(table: dict[str, np.ndarray], ids: list[str] | None) -> pd.DataFrame:
    frame = pd.DataFrame(table)
    if ids is not None:
        frame.insert(0, "id", ids)
    return frame


def openface(frame: pd.DataFrame, path: str, intensity_threshold: float | None) -> pd.DataFrame:
    """OpenFace 2.x output -> id + one 0/1 column per AU (named AU01 ...)."""
    unknown = _number(frame, "success", path) != 1
    presence = {f"AU{m.group(1)}": c for c in frame.columns if (m := OPENFACE_PRESENCE.match(c))}
    intensity = {f"AU{m.group(1)}": c for c in frame.columns if (m := OPENFACE_INTENSITY.match(c))}
    names = sorted(set(presence) | set(intensity), key=lambda a: int(a[2:]))
    table = {}
    for au in names:
        if intensity_threshold is not None and au in intensity:
            value = _number(frame, intensity[au], path)
            present = np.where(np.isnan(value), np.nan, value >= intensity_threshold)
        elif au in presence:
            present = _number(frame, presence[au], path)
        else:
            continue   # intensity only and no threshold given: not a presence label
        table[au] = _binary(present, unknown)
    if not table:
        raise InputError("OpenFace file without AU presence columns (AU01_c ...); give "
                         "--intensity-threshold to use the AU01_r intensities", file=path)
    ids = frame["id"].tolist() if "id" in frame.columns else _ids(frame, "frame", "face_id")
    return _with_ids(table, ids)


def fex(frame: pd.DataFrame, path: str, intensity_threshold: float | None) -> pd.DataFrame:
    """py-feat Fex output -> id + one 0/1 column per AU (probability >= threshold)."""
    threshold = FEX_THRESHOLD if intensity_threshold is None else intensity_threshold
    marker = next(m for m in FEX_MARKERS if m in frame.columns)
    unknown = np.isnan(_number(frame, marker, path))
    table = {}
    for c in frame.columns:
        if FEX_AU.match(c):
            value = _number(frame, c, path)
            table[c] = _binary(np.where(np.isnan(value), np.nan, value >= threshold), unknown)
    ids = frame["id"].tolist() if "id" in frame.columns else \
        (_ids(frame, "input", "frame") or _ids(frame, "frame", None))
    return _with_ids(table, ids)


def to_label_table(frame: pd.DataFrame, path: str,
                   intensity_threshold: float | None = None) -> pd.DataFrame:
    """The AU label table of an OpenFace / Fex file (all cells str), else `frame` as it is."""
    stripped = frame.rename(columns=lambda c: str(c).strip())
    kind = detect(list(stripped.columns))
    if kind is None:
        if intensity_threshold is not None:
            raise InputError("--intensity-threshold applies to OpenFace (AU01_r) or py-feat "
                             "(AU01 probabilities) files only", file=path)
        return frame
    out = openface(stripped, path, intensity_threshold) if kind == "openface" else \
        fex(stripped, path, intensity_threshold)
    return out.astype(str)


def select_columns(frame: pd.DataFrame, columns: list[str] | None, path: str) -> pd.DataFrame:
    """`frame` reduced to `id` (if present) and `columns`; an unknown name is an error."""
    if columns is None:
        return frame
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        have = [str(c) for c in frame.columns if c != "id"]
        shown = ", ".join(have[:20]) + (" ..." if len(have) > 20 else "")
        raise InputError(f"no column {missing[0]!r} (label columns: {shown})", file=path)
    return frame[(["id"] if "id" in frame.columns else []) + list(dict.fromkeys(columns))]
