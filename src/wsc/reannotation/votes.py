"""Label encoding and counting: neighbour votes and per-group label counts."""
from __future__ import annotations

import numpy as np

from wsc.labels import unknown_mask


def encode_labels(column: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Categorical column -> (codes int64 with -1 for unknown, sorted class values).

    Unknown: the project's convention (`wsc.labels`: None, NaN, empty, -1, 999).
    """
    values = np.asarray(column, dtype=object).ravel()
    unknown = unknown_mask(values)
    known = values[~unknown]
    try:
        classes = np.unique(known.astype(float))
        as_class = known.astype(float)
        if np.all(classes == np.round(classes)):
            classes, as_class = classes.astype(np.int64), as_class.astype(np.int64)
    except (TypeError, ValueError):
        classes = np.unique(known.astype(str))
        as_class = known.astype(str)
    codes = np.full(values.shape[0], -1, dtype=np.int64)
    codes[~unknown] = np.searchsorted(classes, as_class)
    return codes, classes


def label_counts(groups: np.ndarray, codes: np.ndarray, n_classes: int) -> np.ndarray:
    """(n_groups, n_classes) counts of the known labels in each group."""
    known = codes >= 0
    n_groups = int(groups.max()) + 1 if groups.size else 0
    flat = groups[known] * n_classes + codes[known]
    return np.bincount(flat, minlength=n_groups * n_classes).reshape(n_groups, n_classes)


def class_counts(codes: np.ndarray, n_classes: int) -> np.ndarray:
    """(n_classes,) counts of the known labels (float): the prior of every vote."""
    return np.bincount(codes[codes >= 0], minlength=n_classes).astype(float)


def vote_rows(neigh_codes: np.ndarray, own_codes: np.ndarray, counts: np.ndarray,
              smoothing: float = 1.0) -> np.ndarray:
    """`neighbour_proba` of some rows from their neighbours' codes (-1 = no vote), their
    own codes and the whole column's `class_counts`: row by row, so a block of rows gives
    the rows of the whole computation, bit for bit."""
    n_classes = counts.size
    known = own_codes >= 0
    prior = np.tile(counts, (own_codes.size, 1))
    prior[np.flatnonzero(known), own_codes[known]] -= 1.0
    prior /= np.maximum(prior.sum(axis=1, keepdims=True), 1.0)
    votes = np.stack([(neigh_codes == c).sum(axis=1) for c in range(n_classes)],
                     axis=1).astype(float)
    return (votes + smoothing * prior) / (votes.sum(axis=1, keepdims=True) + smoothing)


def neighbour_proba(indices: np.ndarray, codes: np.ndarray, n_classes: int,
                    smoothing: float = 1.0, neighbour_codes: bool = False) -> np.ndarray:
    """P(weak label | neighbours): label shares among each row's neighbours (itself excluded),
    smoothed towards the label shares of the other rows with `smoothing` pseudo-counts (the
    row's own label is left out of that prior too, so it never votes for itself).
    With neighbour_codes, `indices` already holds the neighbours' codes (-1 = no vote)."""
    neigh = indices if neighbour_codes else codes[indices]
    return vote_rows(neigh, codes, class_counts(codes, n_classes), smoothing)


def vote_block(indices: np.ndarray, codes: np.ndarray, counts: list[np.ndarray],
               folds: np.ndarray | None = None, start: int = 0) -> list[np.ndarray]:
    """`vote_rows` of the rows start.. from their neighbour lists `indices` (a block, or all
    rows), for each column of codes (n, J) with its `class_counts`: the neighbours' codes,
    -1 where folds are given and a neighbour is in the row's own fold (its label was hidden
    from the embedding that found it)."""
    rows = slice(start, start + indices.shape[0])
    silent = None if folds is None else folds[indices] == folds[rows, None]
    out = []
    for j, column_counts in enumerate(counts):
        neigh = codes[:, j][indices]
        if silent is not None:
            neigh = np.where(silent, -1, neigh)
        out.append(vote_rows(neigh, codes[rows, j], column_counts))
    return out
