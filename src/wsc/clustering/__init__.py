"""Rank-order clustering (approximate and exact) with an automatic threshold."""
from wsc.clustering.estimator import RankOrderClustering, ThresholdCurve
from wsc.clustering.quality import knn_graph, modularity
from wsc.clustering.rank_order import (approximate_rank_order, exact_rank_order_clustering,
                                       link_components)

__all__ = ["RankOrderClustering", "ThresholdCurve", "approximate_rank_order",
           "exact_rank_order_clustering", "link_components", "knn_graph", "modularity"]
