"""Reading FEATURES and LABELS for training and evaluation, matched by id."""
from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from wsc.errors import InputError
from wsc.io.tables import ID, align, read_features, read_labels
from wsc.labels import canonical_au, is_au_column, openface_name

CONFIDENCE = "_confidence"
__all__ = ["Labelled", "load_labelled", "canonical_au", "openface_name"]


@dataclass
class Labelled:
    """Feature rows matched to label rows: X (n, d), Y (n, m) 0/1 with -1 unknown, and
    soft labels proba (n, m): P(present) from `wsc clean`'s confidence columns (NaN where
    a row or AU has none; None when the file has no confidence column)."""

    ids: list[str]
    X: np.ndarray
    Y: np.ndarray
    au_names: list[str]
    groups: np.ndarray | None
    proba: np.ndarray | None = None
    subject: str | None = None


def _match(feature_ids: list[str] | None, label_ids: list[str] | None, n_features: int,
           n_labels: int, features: str, labels: str) -> tuple[np.ndarray, np.ndarray]:
    """(label rows, feature rows) to use: .npy features pair up row by row; with ids, label
    rows whose id has no features (a failed face) are skipped with a warning."""
    if feature_ids is None:
        ids, rows = align(None, label_ids, n_features, n_labels, features, labels)
        return np.arange(len(ids)), rows
    position = {fid: i for i, fid in enumerate(feature_ids)}
    label_rows = np.array([i for i, lid in enumerate(label_ids) if lid in position], dtype=np.int64)
    if label_rows.size == 0:
        raise InputError(f"no id matches a feature row of {features}", file=labels, column=ID)
    missing = len(label_ids) - label_rows.size
    if missing:
        first = next(lid for lid in label_ids if lid not in position)
        print(f"warning: {missing} of {len(label_ids)} label rows have no features "
              f"(first: {first!r}); they are skipped", file=sys.stderr)
    return label_rows, np.array([position[label_ids[i]] for i in label_rows], dtype=np.int64)


def _soft_labels(Y: np.ndarray, values: np.ndarray, columns: list[str], au_names: list[str],
                 labels: str) -> np.ndarray | None:
    """P(present) per row and AU from `<AU>_confidence` columns (the confidence of the
    cleaned value: P(present) = c for a 1, 1 - c for a 0); None without such columns."""
    found = {canonical_au(c[:-len(CONFIDENCE)]): j for j, c in enumerate(columns)
             if c.endswith(CONFIDENCE) and is_au_column(c[:-len(CONFIDENCE)])}
    if not any(a in found for a in au_names):
        return None
    proba = np.full(Y.shape, np.nan)
    for k, a in enumerate(au_names):
        if a not in found:
            continue
        raw = values[:, found[a]]
        conf = np.array([np.nan if v is None else v for v in raw], dtype=object)
        bad = [i for i, v in enumerate(conf) if not (isinstance(v, (int, float, np.number)) and
                                                     (np.isnan(v) or 0.0 <= v <= 1.0))]
        if bad:
            raise InputError(f"confidence must be a number in [0, 1], got {conf[bad[0]]!r}",
                             file=labels, row=bad[0] + 2, column=columns[found[a]])
        conf = conf.astype(float)
        proba[:, k] = np.where(Y[:, k] == 1, conf, np.where(Y[:, k] == 0, 1.0 - conf, np.nan))
    return proba


def load_labelled(features: str, labels: str, subject: str | None = None,
                  au_names: list[str] | None = None, soft: bool = False,
                  allow_incomplete: bool = False) -> Labelled:
    """Features and AU labels matched by id; `au_names` picks (and orders) the AUs, else
    every AU column is used; `subject` names the column of subject ids, if any ('auto':
    the column 'subject' when there is one); `soft` also reads `<AU>_confidence` columns
    as soft labels. An incomplete feature store is refused unless `allow_incomplete`."""
    feature_ids, X = read_features(features, allow_incomplete)
    label_ids, columns, values = read_labels(labels, require_id=feature_ids is not None)
    label_rows, feature_rows = _match(feature_ids, label_ids, X.shape[0], values.shape[0],
                                       features, labels)
    au_cols = {canonical_au(c): j for j, c in enumerate(columns) if is_au_column(c)}
    if au_names is None:
        if not au_cols:
            raise InputError("no AU columns (named like AU1 or AU01)", file=labels)
        au_names = list(au_cols)
    missing = [a for a in au_names if a not in au_cols]
    if missing:
        raise InputError(f"no column for {', '.join(missing)} (the model's AUs are "
                         f"{', '.join(au_names)})", file=labels)
    Y = np.stack([np.array([-1 if v is None else int(v) for v in values[label_rows, au_cols[a]]])
                  for a in au_names], axis=1).astype(np.int8)
    groups = None
    if subject == "auto":
        subject = "subject" if "subject" in columns else None
    if subject is not None:
        if subject not in columns:
            raise InputError(f"no subject column {subject!r}", file=labels)
        raw = values[label_rows, columns.index(subject)]
        if any(v is None for v in raw):
            i = int(label_rows[[v is None for v in raw].index(True)])
            raise InputError("empty subject id", file=labels, row=i + 2, column=subject)
        groups = np.unique(np.asarray([str(v) for v in raw]), return_inverse=True)[1]
    ids = [label_ids[i] for i in label_rows] if label_ids is not None else \
        [str(i) for i in label_rows]
    proba = _soft_labels(Y, values[label_rows], columns, au_names, labels) if soft else None
    return Labelled(ids, X[feature_rows], Y, au_names, groups, proba, subject)
