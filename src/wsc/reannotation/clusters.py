"""Rank-order clusters of a WSE embedding (reported by both modes, the verdict in paper mode)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wsc.clustering.estimator import RankOrderClustering, ThresholdCurve
from wsc.reannotation.candidates import nearest_candidates


@dataclass
class Clusters:
    """One rank-order partition: labels (n,), the link threshold used, the automatic
    threshold search's curve (None when the threshold was given)."""

    labels: np.ndarray
    threshold: float
    n_clusters: int
    curve: ThresholdCurve | None


def rank_order_clusters(E: np.ndarray, n_neighbors: int, threshold: float | str,
                        random_state: int, candidates: np.ndarray | None = None) -> Clusters:
    """Approximate rank-order clusters of an embedding, with the threshold curve. With
    candidates (n, c) (the shared feature neighbours), each row's list is its n_neighbors
    candidates nearest in E: no search of E (docs/scale.md measures both)."""
    lists = None
    if candidates is not None:
        lists = nearest_candidates(E, np.arange(E.shape[0]), candidates, n_neighbors)
    roc = RankOrderClustering(n_neighbors=n_neighbors, threshold=threshold,
                              random_state=random_state).fit(E, neighbors=lists)
    return Clusters(roc.labels_, roc.threshold_, roc.n_clusters_, roc.curve_)
