"""Rank-order clusters of a WSE embedding (reported by both modes, the verdict in paper mode)."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from wsc.clustering.estimator import RankOrderClustering, ThresholdCurve
from wsc.reannotation.candidates import nearest_candidates
from wsc.reannotation.context import CleaningContext


@dataclass
class Clusters:
    """One rank-order partition: labels (n,), the link threshold used, the list length k
    the search settled on, the largest cluster's share of the rows, and the automatic
    threshold search's curve (None when the threshold was given)."""

    labels: np.ndarray
    threshold: float
    n_clusters: int
    n_neighbors: int
    largest_share: float
    curve: ThresholdCurve | None


# No cluster holding more than this share of the rows is relabelled as a block: the
# automatic threshold refuses such partitions (halving k where all are), and the paper
# rule prunes one that remains (docs/cleaning.md, "Real faces").
MAX_CLUSTER_SHARE = 0.5


def rank_order_clusters(E: np.ndarray, n_neighbors: int, threshold: float | str,
                        random_state: int, candidates: np.ndarray | None = None,
                        max_share: float = MAX_CLUSTER_SHARE) -> Clusters:
    """Approximate rank-order clusters of an embedding, with the threshold curve. With
    candidates (n, c) (the shared feature neighbours), each row's list is its n_neighbors
    candidates nearest in E: no search of E (docs/scale.md measures both). The automatic
    threshold refuses partitions with a cluster over max_share of the rows."""
    lists = None
    if candidates is not None:
        lists = nearest_candidates(E, np.arange(E.shape[0]), candidates, n_neighbors)
    roc = RankOrderClustering(n_neighbors=n_neighbors, threshold=threshold,
                              max_cluster_share=max_share,
                              random_state=random_state).fit(E, neighbors=lists)
    return Clusters(roc.labels_, roc.threshold_, roc.n_clusters_, roc.n_neighbors_,
                    roc.largest_share_, roc.curve_)


def context_clusters(context: CleaningContext, E: np.ndarray, n_neighbors: int,
                     threshold: float | str, random_state: int) -> Clusters:
    """`rank_order_clusters` of an embedding of the context's rows from its feature
    neighbours re-ranked in E, worked out in the context's locality order (the same
    partition, fewer cache misses at scale); labels in the rows' own order."""
    part = rank_order_clusters(context.to_local(E), n_neighbors, threshold, random_state,
                               context.local_neighbors)
    return replace(part, labels=context.from_local(part.labels))
