"""Unsupervised cluster-quality index ("uMQI" here): modularity on the kNN graph.

uMQI(partition) = sum_c [ e_c / m - (vol_c / 2m)^2 ]  (Newman-Girvan modularity)
on the unweighted, symmetrised top-k graph: e_c edges inside cluster c, vol_c the summed
degree of its members, m the number of edges. The paper's uMQI formula is not available;
Mancoridis' MQ (mean intra minus mean inter connectivity) normalises by cluster size
squared, and on a graph where every node has k out-edges that rewards clusters of about k
points whatever the structure, while modularity compares each cluster with what a random
graph of the same degrees would put inside it, so it peaks at the planted partition of
well-separated groups, and it is O(nnz) to evaluate per threshold.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def knn_graph(indices: np.ndarray) -> sp.csr_matrix:
    """Unweighted symmetric (union) graph of the top-k lists, no self loops."""
    n, k = indices.shape
    rows = np.repeat(np.arange(n), k)
    cols = indices.ravel()
    other = rows != cols
    A = sp.csr_matrix((np.ones(int(other.sum())), (rows[other], cols[other])), shape=(n, n))
    A = (A + A.T).tocsr()
    A.data[:] = 1.0             # an edge listed both ways (or twice) counts once
    return A


class Modularity:
    """Modularity of many partitions of one graph: its edge list and degrees kept once."""

    def __init__(self, graph: sp.csr_matrix) -> None:
        coo = graph.tocoo()
        self.row, self.col, self.data = coo.row, coo.col, coo.data
        self.two_m = float(coo.data.sum())
        self.degree = np.asarray(graph.sum(axis=1)).ravel()

    def __call__(self, labels: np.ndarray) -> float:
        if self.two_m == 0:
            return 0.0
        inside = self.data[labels[self.row] == labels[self.col]].sum()
        volume = np.bincount(labels, weights=self.degree)
        return float(inside / self.two_m - np.sum((volume / self.two_m) ** 2))


def modularity(graph: sp.csr_matrix, labels: np.ndarray) -> float:
    """Newman-Girvan modularity of `labels` on a symmetric graph (the uMQI of this project)."""
    coo = graph.tocoo()
    two_m = coo.data.sum()
    if two_m == 0:
        return 0.0
    inside = coo.data[labels[coo.row] == labels[coo.col]].sum()
    volume = np.bincount(labels, weights=np.asarray(graph.sum(axis=1)).ravel())
    return float(inside / two_m - np.sum((volume / two_m) ** 2))
