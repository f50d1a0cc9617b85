"""Votes: cluster majority with pruning (the paper's rule) and neighbour label counts."""
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


def cluster_majority(clusters: np.ndarray, codes: np.ndarray, n_classes: int,
                     min_size: int = 3, min_majority: float = 0.0
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The paper's re-annotation: every member gets its cluster's majority weak label.

    A cluster abstains (its members are pruned, label -1) when it has fewer than min_size
    members with a known label, or its top label holds no more than min_majority of them
    (0: the plurality label wins); a tie for the top label is never a clear majority, so
    tied clusters abstain too.
    Returns (labels, confidence = the majority's share, kept).
    """
    counts = label_counts(clusters, codes, n_classes)
    total = counts.sum(axis=1)
    top = counts.argmax(axis=1)
    top_count = counts.max(axis=1)
    tied = (counts == top_count[:, None]).sum(axis=1) > 1
    share = np.where(total > 0, top_count / np.maximum(total, 1), 0.0)
    keep_cluster = (total >= min_size) & (share > min_majority) & ~tied
    kept = keep_cluster[clusters]
    labels = np.where(kept, top[clusters], -1)
    return labels, share[clusters], kept


def neighbour_proba(indices: np.ndarray, codes: np.ndarray, n_classes: int,
                    smoothing: float = 1.0, neighbour_codes: bool = False) -> np.ndarray:
    """P(weak label | neighbours): label shares among each row's neighbours (itself excluded),
    smoothed towards the overall label shares with `smoothing` pseudo-counts.
    With neighbour_codes, `indices` already holds the neighbours' codes (-1 = no vote)."""
    prior = np.bincount(codes[codes >= 0], minlength=n_classes).astype(float)
    prior /= max(prior.sum(), 1.0)
    neigh = indices if neighbour_codes else codes[indices]
    counts = np.stack([(neigh == c).sum(axis=1) for c in range(n_classes)], axis=1).astype(float)
    return (counts + smoothing * prior) / (counts.sum(axis=1, keepdims=True) + smoothing)
