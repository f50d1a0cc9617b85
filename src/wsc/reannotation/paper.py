"""The paper's re-annotation rule: every member of a cluster gets its cluster's majority label."""
from __future__ import annotations

import numpy as np

from wsc.reannotation.votes import label_counts


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
