"""Rank-order distances: approximate (Otto, Wang, Jain 2018) and exact (Zhu, Wen, Sun 2011).

Lists include the point itself at position 0, so a point's j-th nearest neighbour sits at
position j and O_a(b) >= 1 for every other point b.
"""
from __future__ import annotations

import numba
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components


def with_self(indices: np.ndarray) -> np.ndarray:
    """Prepend each row's own index to its neighbour list: (n, k) -> (n, k+1), in the
    lists' integer type (int32 lists stay int32: half the memory traffic at scale)."""
    n = indices.shape[0]
    dtype = indices.dtype if np.issubdtype(indices.dtype, np.integer) else np.int64
    return np.hstack([np.arange(n, dtype=dtype)[:, None], indices.astype(dtype, copy=False)])


@numba.njit(cache=True, nogil=True)
def _rank_order_loop(lists: np.ndarray) -> np.ndarray:
    """D(a, b) for every b = lists[a, p], from one read of b's list per pair: with a's list
    positions in a scratch array, each entry of b's list tells whether it is among a's
    first p entries (for d(a, b)), whether it is a itself (O_b(a)) and, before a, whether
    it is in a's list (for d(b, a)). D is symmetric, so each mutual pair is visited from its
    smaller row only and written to both rows. O(n k^2) reads, O(n) extra memory; the lists
    hold distinct rows (neighbour lists)."""
    n, width = lists.shape
    pos_a = np.full(n, -1, np.int32)
    D = np.full((n, width - 1), np.inf)
    for a in range(n):
        for q in range(width):
            pos_a[lists[a, q]] = q
        for p in range(1, width):
            b = lists[a, p]
            if b < a:           # visited from b (and written here if mutual)
                continue
            shared = 0          # b's entries among a's first p entries
            running = 0         # b's entries so far that are in a's list
            back = -1           # O_b(a)
            before = 0          # b's entries before a that are in a's list
            for q in range(width):
                pa = pos_a[lists[b, q]]
                if pa == 0:
                    back, before = q, running
                if pa >= 0:
                    running += 1
                    if pa < p:
                        shared += 1
            if back > 0:        # a is in b's list: a mutual pair
                D[a, p - 1] = D[b, back - 1] = ((p - shared) + (back - before)) / min(p, back)
        for q in range(width):
            pos_a[lists[a, q]] = -1
    return D


def approximate_rank_order(indices: np.ndarray) -> np.ndarray:
    """Approximate rank-order distance D(a, b) for every b in a's top-k list, O(n k^2).

    d(a, b) = number of a's first O_a(b) list entries absent from b's list;
    D(a, b) = (d(a, b) + d(b, a)) / min(O_a(b), O_b(a)); inf where a is not in b's list.
    Returns an (n, k) float64 array aligned with `indices`.
    """
    lists = with_self(indices)
    if lists.min() < 0 or lists.max() >= lists.shape[0]:
        raise ValueError("neighbour indices must lie in [0, n)")
    return _rank_order_loop(lists)


def link_components(indices: np.ndarray, D: np.ndarray, threshold: float) -> np.ndarray:
    """Connected components of the graph linking a to b wherever D(a, b) <= threshold."""
    n, k = indices.shape
    keep = D <= threshold
    rows = np.repeat(np.arange(n), k)[keep.ravel()]
    graph = sp.csr_matrix((np.ones(rows.size, dtype=np.int8), (rows, indices[keep])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int64)


def _exact_rank_distance(dist: np.ndarray, n_top: int) -> tuple[np.ndarray, np.ndarray]:
    """Zhu et al. rank-order distance from a full distance matrix, for each row's top n_top.

    d(a, b) = sum_{i=0..O_a(b)} O_b(f_a(i)) over a's full ranking; D as in the approximate
    form. Returns (top (m, t) indices, D (m, t)).
    """
    m = dist.shape[0]
    d = dist.copy()
    np.fill_diagonal(d, -np.inf)
    ranking = np.argsort(d, axis=1, kind="stable")               # ranking[a, p]: p-th nearest
    rank = np.empty_like(ranking)
    np.put_along_axis(rank, ranking, np.arange(m)[None, :].repeat(m, 0), axis=1)
    t = min(n_top, m - 1)
    top = ranking[:, 1:t + 1]
    D = np.empty((m, t))
    for a in range(m):
        b = top[a]                                               # (t,)
        o_ab = rank[a, b]
        o_ba = rank[b, a]
        # d(a,b): ranks in b's list of a's entries 0..O_a(b).
        cum_ab = np.cumsum(rank[b][:, ranking[a]], axis=1)       # (t, m)
        d_ab = cum_ab[np.arange(t), o_ab]
        cum_ba = np.cumsum(np.take_along_axis(rank[a][None, :].repeat(t, 0),
                                              ranking[b], axis=1), axis=1)
        d_ba = cum_ba[np.arange(t), o_ba]
        D[a] = (d_ab + d_ba) / np.minimum(o_ab, o_ba)
    return top, D


def exact_rank_order_clustering(X: np.ndarray, threshold: float, n_top: int = 20,
                                max_iter: int = 50) -> np.ndarray:
    """Zhu, Wen, Sun (2011): iterative cluster-level rank-order merging, O(n^2) memory.

    Clusters a and b (a's top n_top neighbours) merge when their rank-order distance is
    below `threshold` and their normalised distance D^N = d(a,b) / phi(a,b) < 1, where
    d is the closest-pair distance and phi the mean distance of the members of a and b to
    their n_top nearest points; merges are transitive; repeat until nothing merges.
    """
    X = np.asarray(X, dtype=np.float64)
    n = X.shape[0]
    sq = np.einsum("ij,ij->i", X, X)
    point_dist = np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2 * X @ X.T, 0))
    np.fill_diagonal(point_dist, 0.0)
    t_pts = min(n_top, n - 1)
    local = np.sort(point_dist, axis=1)[:, 1:t_pts + 1].mean(axis=1)
    labels = np.arange(n)
    cluster_dist = point_dist
    for _ in range(max_iter):
        m = cluster_dist.shape[0]
        if m < 2:
            break
        top, D = _exact_rank_distance(cluster_dist, n_top)
        size = np.bincount(labels, minlength=m)
        local_sum = np.bincount(labels, weights=local, minlength=m)
        rows = np.repeat(np.arange(m), top.shape[1])
        cols = top.ravel()
        phi = (local_sum[rows] + local_sum[cols]) / (size[rows] + size[cols])
        normalised = cluster_dist[rows, cols] / np.maximum(phi, 1e-12)
        merge = (D.ravel() < threshold) & (normalised < 1.0)
        if not merge.any():
            break
        graph = sp.csr_matrix((np.ones(merge.sum()), (rows[merge], cols[merge])), shape=(m, m))
        _, new = connected_components(graph, directed=False)
        labels = new[labels]
        # Closest-pair distance between merged clusters: min over the old clusters' rows/cols.
        perm = np.argsort(new, kind="stable")
        starts = np.flatnonzero(np.r_[True, np.diff(new[perm]) != 0])
        reduced = np.minimum.reduceat(cluster_dist[perm], starts, axis=0)
        cluster_dist = np.minimum.reduceat(reduced[:, perm], starts, axis=1)
        np.fill_diagonal(cluster_dist, 0.0)
    return labels.astype(np.int64)


@numba.njit(cache=True, nogil=True)
def _find(parent: np.ndarray, a: int) -> int:
    """Root of a, halving the path on the way."""
    while parent[a] != a:
        parent[a] = parent[parent[a]]
        a = parent[a]
    return a


@numba.njit(cache=True, nogil=True)
def _merge_tree(n: int, src: np.ndarray, dst: np.ndarray, stops: np.ndarray,
                degree: np.ndarray):
    """Union the links in D order, threshold by threshold (links stops[s-1]..stops[s]-1 at
    step s), recording each merge as a node of a merge tree (leaves 0..n-1, merge i is node
    n + i, made at step time[i]) and, per step, the component count, the largest
    component's size and the sum of squared component volumes (degree sums)."""
    parent = np.arange(n)
    size = np.ones(n, np.int64)
    volume = degree.copy()
    node = np.arange(n)                       # tree node of each union-find root
    left = np.empty(n, np.int64)
    right = np.empty(n, np.int64)
    time = np.empty(n, np.int64)
    steps = stops.size
    components = np.empty(steps, np.int64)
    largest = np.empty(steps, np.int64)
    spread = np.empty(steps)
    squares = 0.0
    for a in range(n):
        squares += degree[a] * degree[a]
    merges, count, big, e = 0, n, 1, 0
    for s in range(steps):
        while e < stops[s]:
            ra, rb = _find(parent, src[e]), _find(parent, dst[e])
            e += 1
            if ra == rb:
                continue
            keep, drop = min(ra, rb), max(ra, rb)
            left[merges], right[merges], time[merges] = node[ra], node[rb], s
            squares += 2.0 * volume[ra] * volume[rb]
            parent[drop] = keep
            volume[keep] += volume[drop]
            size[keep] += size[drop]
            big = max(big, size[keep])
            node[keep] = n + merges
            merges += 1
            count -= 1
        components[s], largest[s], spread[s] = count, big, squares
    return left[:merges], right[:merges], time[:merges], components, largest, spread


@numba.njit(cache=True, nogil=True)
def _inside_per_step(n: int, left: np.ndarray, right: np.ndarray, time: np.ndarray,
                     steps: int, indptr: np.ndarray, indices: np.ndarray,
                     data: np.ndarray) -> np.ndarray:
    """Graph weight that becomes internal at each step: an edge (u, v) does so at the time
    of the merge that first joins u and v, their lowest common ancestor in the merge tree,
    found for every edge in one depth-first pass (Tarjan's offline LCA)."""
    total = n + left.size
    up = np.full(total, -1, np.int64)         # tree parent
    for i in range(left.size):
        up[left[i]] = n + i
        up[right[i]] = n + i
    link = np.arange(total)                   # union-find: the lowest unfinished ancestor
    finished = np.zeros(total, np.bool_)
    visited = np.zeros(n, np.bool_)
    expanded = np.zeros(left.size, np.bool_)
    inside = np.zeros(steps)
    stack = np.empty(total, np.int64)
    for root in range(total):
        if up[root] >= 0:
            continue
        stack[0], depth = root, 1
        while depth > 0:
            x = stack[depth - 1]
            if x >= n and not expanded[x - n]:
                expanded[x - n] = True
                stack[depth], stack[depth + 1] = right[x - n], left[x - n]
                depth += 2
                continue
            depth -= 1
            if x < n:
                visited[x] = True
                for e in range(indptr[x], indptr[x + 1]):
                    v = indices[e]
                    if visited[v] and v != x:
                        r = _find(link, v)
                        if not finished[r]:           # same tree: r is the LCA
                            inside[time[r - n]] += 2.0 * data[e]
            finished[x] = True
            if up[x] >= 0:
                link[x] = up[x]
    return inside


def threshold_curve(indices: np.ndarray, D: np.ndarray, thresholds: np.ndarray,
                    graph) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For each threshold (sorted increasingly) of the links a -> b with D(a, b) <= t: the
    partition's modularity on `graph` (a symmetric CSR, the uMQI), its cluster count and
    its largest cluster's size, from one union-find sweep and one merge-tree pass, without
    building any partition (scoring each partition's labels edge by edge cost 48 passes
    over the graph). Returns (thresholds, modularity, n_clusters, largest)."""
    n, k = indices.shape
    thresholds = np.sort(np.asarray(thresholds, dtype=np.float64))
    # each link's step: the first threshold at or above its D (the curve needs the links
    # grouped by step, not sorted within one: a stable integer sort instead of sorting D)
    step = np.searchsorted(thresholds, D.ravel(), side="left")
    used = np.flatnonzero(step < thresholds.size)      # inf and beyond the last threshold
    order = used[np.argsort(step[used].astype(np.int32), kind="stable")]
    src, dst = order // k, indices.ravel()[order]
    stops = np.searchsorted(step[order], np.arange(1, thresholds.size + 1), side="left")
    graph = graph.tocsr()
    degree = np.asarray(graph.sum(axis=1), dtype=np.float64).ravel()
    left, right, time, components, largest, spread = _merge_tree(n, src, dst,
                                                                 stops.astype(np.int64), degree)
    inside = np.cumsum(_inside_per_step(n, left, right, time, thresholds.size, graph.indptr,
                                        graph.indices, np.asarray(graph.data, np.float64)))
    two_m = float(graph.data.sum())
    quality = inside / two_m - spread / two_m ** 2 if two_m > 0 else np.zeros(thresholds.size)
    return thresholds, quality, components, largest
