"""`RankOrderClustering`: rank-order links, connected components, automatic threshold."""
from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data

from wsc.clustering.quality import Modularity, knn_graph
from wsc.clustering.rank_order import (approximate_rank_order, exact_rank_order_clustering,
                                       link_components, threshold_partitions)


@dataclass
class ThresholdCurve:
    """The automatic-threshold search: index (uMQI) and cluster count per threshold."""

    thresholds: np.ndarray
    index: np.ndarray
    n_clusters: np.ndarray


def _candidate_thresholds(D: np.ndarray, n_thresholds: int) -> np.ndarray:
    """Distinct finite distances, thinned to at most n_thresholds quantiles."""
    values = np.unique(D[np.isfinite(D)])
    if values.size > n_thresholds:
        values = np.unique(np.quantile(values, np.linspace(0, 1, n_thresholds)))
    return values


class RankOrderClustering(ClusterMixin, BaseEstimator):
    """Rank-order clustering of the rows of X (approximate by default, exact for small n).

    threshold: a number, or 'auto' to maximise the uMQI (kNN-graph modularity, see
    `wsc.clustering.quality`) over candidate thresholds; the curve is kept in `curve_`.
    n_top: neighbours per cluster considered by the exact variant's merging. Parameters
    are checked before any work. Fitted: labels_, n_clusters_, threshold_, curve_ (None
    for a given threshold), n_features_in_.
    """

    _parameter_constraints: dict = {
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "threshold": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
        "method": [StrOptions({"approximate", "exact"})],
        "metric": [StrOptions({"euclidean", "cosine"})],
        "n_thresholds": [Interval(Integral, 2, None, closed="left")],
        "n_top": [Interval(Integral, 1, None, closed="left")],
        "random_state": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(self, n_neighbors: int = 50, threshold: float | str = "auto",
                 method: str = "approximate", metric: str = "euclidean",
                 n_thresholds: int = 48, n_top: int = 20, random_state: int = 0) -> None:
        self.n_neighbors = n_neighbors
        self.threshold = threshold
        self.method = method
        self.metric = metric
        self.n_thresholds = n_thresholds
        self.n_top = n_top
        self.random_state = random_state

    def fit(self, X: np.ndarray, y=None, neighbors: np.ndarray | None = None
            ) -> "RankOrderClustering":
        """Cluster X; sets labels_, n_clusters_, threshold_ and (when automatic) curve_.
        y is ignored. neighbors: precomputed neighbour lists of X (n, >= n_neighbors), nearest
        first, instead of a search (the cleaner derives them from its shared graph)."""
        from wsc.graph.knn import kneighbors

        self._validate_params()
        X = validate_data(self, X, dtype=np.float32, ensure_min_samples=2)
        k = min(self.n_neighbors, X.shape[0] - 1)
        if neighbors is None:
            indices, _ = kneighbors(X, k, metric=self.metric, random_state=self.random_state)
        elif neighbors.shape[0] != X.shape[0] or neighbors.shape[1] < k:
            raise ValueError(f"neighbors must be (n, >= {k}) for {X.shape[0]} rows, "
                             f"got {neighbors.shape}")
        else:
            indices = np.ascontiguousarray(neighbors[:, :k], dtype=np.int64)
        if self.method == "approximate":
            D = approximate_rank_order(indices)
            partition = lambda t: link_components(indices, D, t)  # noqa: E731
            candidates = _candidate_thresholds(D, self.n_thresholds)
        elif self.method == "exact":
            partition = lambda t: exact_rank_order_clustering(X, t, n_top=self.n_top)  # noqa: E731
            candidates = np.geomspace(0.5, 4.0 * X.shape[0], self.n_thresholds)
        else:  # excluded by the parameter constraints
            raise AssertionError(self.method)
        self.curve_ = None
        if self.threshold == "auto":
            score = Modularity(knn_graph(indices))
            sweep = threshold_partitions(indices, D, candidates) if self.method == "approximate" \
                else ((t, partition(t)) for t in candidates)
            index, counts, best = [], [], (-np.inf, None, None)
            for t, part in sweep:    # one partition in memory at a time
                index.append(score(part))
                counts.append(int(part.max()) + 1)
                if index[-1] > best[0]:
                    best = (index[-1], t, part)
            self.curve_ = ThresholdCurve(np.sort(candidates), np.array(index), np.array(counts))
            self.threshold_, labels = float(best[1]), best[2]
        else:
            self.threshold_, labels = float(self.threshold), partition(float(self.threshold))
        self.labels_ = labels
        self.n_clusters_ = int(labels.max() + 1)
        return self

    def fit_predict(self, X: np.ndarray, y=None, neighbors: np.ndarray | None = None
                    ) -> np.ndarray:
        """Cluster X and return the cluster id of each row."""
        return self.fit(X, neighbors=neighbors).labels_
