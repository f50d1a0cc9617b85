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
                                       link_components, threshold_curve)


@dataclass
class ThresholdCurve:
    """The automatic-threshold search: index (uMQI) and cluster count per threshold."""

    thresholds: np.ndarray
    index: np.ndarray
    n_clusters: np.ndarray
    largest: np.ndarray       # rows in the largest cluster
    n_neighbors: int          # list length k of this curve


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
    The automatic choice refuses partitions whose largest cluster holds more than
    max_cluster_share of the rows. Where every threshold gives one (the approximate distance
    is 0 for every pair whose list prefixes are contained in each other's lists, so on data
    without gaps at the scale of k the links at D = 0 alone can join most rows), the lists
    are halved (k, k/2, ... down to min_neighbors) and the search is repeated; if no k gives
    an admissible partition the best one at the smallest k is kept and `oversize_` is True.
    n_top: neighbours per cluster considered by the exact variant's merging. Parameters
    are checked before any work.
    Fitted: labels_, n_clusters_, threshold_, n_neighbors_ (the k used), largest_share_,
    oversize_, curve_ (automatic threshold: the curve of the k used), curves_ (every k
    tried), n_features_in_.
    """

    _parameter_constraints: dict = {
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "threshold": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
        "method": [StrOptions({"approximate", "exact"})],
        "metric": [StrOptions({"euclidean", "cosine"})],
        "n_thresholds": [Interval(Integral, 2, None, closed="left")],
        "n_top": [Interval(Integral, 1, None, closed="left")],
        "max_cluster_share": [Interval(Real, 0, 1, closed="right")],
        "min_neighbors": [Interval(Integral, 1, None, closed="left")],
        "random_state": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(self, n_neighbors: int = 50, threshold: float | str = "auto",
                 method: str = "approximate", metric: str = "euclidean",
                 n_thresholds: int = 48, n_top: int = 20, max_cluster_share: float = 0.5,
                 min_neighbors: int = 5, random_state: int = 0) -> None:
        self.n_neighbors = n_neighbors
        self.threshold = threshold
        self.method = method
        self.metric = metric
        self.n_thresholds = n_thresholds
        self.n_top = n_top
        self.max_cluster_share = max_cluster_share
        self.min_neighbors = min_neighbors
        self.random_state = random_state

    def fit(self, X: np.ndarray, y=None, neighbors: np.ndarray | None = None
            ) -> "RankOrderClustering":
        """Cluster X; sets the fitted attributes listed in the class docstring. y is ignored.
        neighbors: precomputed neighbour lists of X (n, >= n_neighbors), nearest first,
        instead of a search (the cleaner derives them from its shared graph); halving k
        then takes the first k of each list."""
        self._validate_params()
        X = validate_data(self, X, dtype=np.float32, ensure_min_samples=2)
        k = min(self.n_neighbors, X.shape[0] - 1)
        if neighbors is not None and (neighbors.shape[0] != X.shape[0]
                                      or neighbors.shape[1] < k):
            raise ValueError(f"neighbors must be (n, >= {k}) for {X.shape[0]} rows, "
                             f"got {neighbors.shape}")
        self.curves_: list[ThresholdCurve] = []
        while True:
            labels, threshold, admissible = self._fit_k(X, k, neighbors)
            if admissible or self.threshold != "auto" or k // 2 < max(1, self.min_neighbors):
                break
            k //= 2
        self.labels_ = labels
        self.threshold_ = threshold
        self.n_neighbors_ = k
        self.n_clusters_ = int(labels.max() + 1)
        self.largest_share_ = float(np.bincount(labels).max() / labels.size)
        self.oversize_ = not admissible
        self.curve_ = self.curves_[-1] if self.curves_ else None
        return self

    def _fit_k(self, X: np.ndarray, k: int, neighbors: np.ndarray | None
               ) -> tuple[np.ndarray, float, bool]:
        """(labels, threshold, whether the largest cluster is within max_cluster_share) at k."""
        from wsc.graph.knn import kneighbors

        if neighbors is None:
            indices, _ = kneighbors(X, k, metric=self.metric, random_state=self.random_state)
        else:
            indices = np.ascontiguousarray(neighbors[:, :k])
            if not np.issubdtype(indices.dtype, np.integer):
                raise ValueError(f"neighbors must hold row indices, got {indices.dtype}")
        cap = self.max_cluster_share * X.shape[0]
        if self.method == "approximate":
            D = approximate_rank_order(indices)
            partition = lambda t: link_components(indices, D, t)  # noqa: E731
            candidates = _candidate_thresholds(D, self.n_thresholds)
        elif self.method == "exact":
            partition = lambda t: exact_rank_order_clustering(X, t, n_top=self.n_top)  # noqa: E731
            candidates = np.geomspace(0.5, 4.0 * X.shape[0], self.n_thresholds)
        else:  # excluded by the parameter constraints
            raise AssertionError(self.method)
        if self.threshold != "auto":
            labels = partition(float(self.threshold))
            return labels, float(self.threshold), bool(np.bincount(labels).max() <= cap)
        graph = knn_graph(indices)
        if self.method == "approximate":
            # the whole curve from one sweep; only the chosen partition is built
            thresholds, index, counts, largest = threshold_curve(indices, D, candidates, graph)
        else:
            score = Modularity(graph)
            parts = [partition(t) for t in candidates]
            thresholds = np.asarray(candidates, dtype=np.float64)
            index = np.array([score(part) for part in parts])
            counts = np.array([int(part.max()) + 1 for part in parts])
            largest = np.array([int(np.bincount(part).max()) for part in parts])
        self.curves_.append(ThresholdCurve(thresholds, index, counts, largest, k))
        allowed = largest <= cap
        admissible = bool(allowed.any())
        # the first threshold of the highest index (among the admissible ones if any)
        best = int(np.argmax(np.where(allowed, index, -np.inf))) if admissible \
            else int(np.argmax(index))
        t = float(thresholds[best])
        return (partition(t) if self.method == "approximate" else parts[best]), t, admissible

    def fit_predict(self, X: np.ndarray, y=None, neighbors: np.ndarray | None = None
                    ) -> np.ndarray:
        """Cluster X and return the cluster id of each row."""
        return self.fit(X, neighbors=neighbors).labels_
