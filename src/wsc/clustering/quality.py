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

import numba
import numpy as np
import scipy.sparse as sp


@numba.njit(cache=True, nogil=True)
def _union_lists(indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR structure (indptr, sorted column indices) of the symmetric union of the lists:
    b in a's row wherever b is in a's list or a in b's, each pair once, no self loops."""
    n, k = indices.shape
    indptr = np.zeros(n + 1, np.int64)
    for a in range(n):
        for j in range(k):
            b = indices[a, j]
            if b != a:
                indptr[a + 1] += 1
                indptr[b + 1] += 1
    for a in range(n):
        indptr[a + 1] += indptr[a]
    fill = indptr[:-1].copy()
    cols = np.empty(indptr[n], indices.dtype)
    for a in range(n):
        for j in range(k):
            b = indices[a, j]
            if b != a:
                cols[fill[a]] = b
                fill[a] += 1
                cols[fill[b]] = a
                fill[b] += 1
    written = 0               # each row sorted in place, deduplicated and compacted
    start = 0
    for a in range(n):
        end = indptr[a + 1]
        cols[start:end].sort()
        for j in range(start, end):   # written <= j: nothing unread is overwritten
            if j == start or cols[j] != cols[j - 1]:
                cols[written] = cols[j]
                written += 1
        indptr[a + 1] = written
        start = end
    return indptr, cols[:written].copy()


def knn_graph(indices: np.ndarray) -> sp.csr_matrix:
    """Unweighted symmetric (union) graph of the top-k lists, no self loops: built in one
    compiled pass (the COO -> CSR -> A + A.T route took 6.5 s per list set at 1M rows)."""
    n = indices.shape[0]
    if indices.size and (indices.min() < 0 or indices.max() >= n):
        raise ValueError(f"neighbour indices must lie in [0, {n})")
    indptr, cols = _union_lists(np.ascontiguousarray(indices))
    index_type = np.int32 if max(n, cols.size) < np.iinfo(np.int32).max else np.int64
    return sp.csr_matrix((np.ones(cols.size), cols.astype(index_type, copy=False),
                          indptr.astype(index_type)), shape=(n, n))


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
