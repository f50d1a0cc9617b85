"""Rank-order distances and clustering: hand-computed distances, reference loops, blobs."""
import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from wsc.clustering import rank_order
from wsc.clustering import (RankOrderClustering, approximate_rank_order, knn_graph,
                            link_components, modularity)


def reference_rank_order(indices: np.ndarray) -> np.ndarray:
    """Direct loop over the definition (lists with self at position 0)."""
    n, k = indices.shape
    lists = [[a] + list(indices[a]) for a in range(n)]
    D = np.full((n, k), np.inf)
    for a in range(n):
        for p in range(1, k + 1):
            b = lists[a][p]
            if a not in lists[b]:
                continue
            q = lists[b].index(a)
            d_ab = sum(x not in lists[b] for x in lists[a][:p])
            d_ba = sum(x not in lists[a] for x in lists[b][:q])
            D[a, p - 1] = (d_ab + d_ba) / min(p, q)
    return D


def test_hand_computed_example():
    indices = np.array([[1, 2], [0, 2], [1, 3], [2, 0]])
    expected = np.array([[0, np.inf], [0, 1], [1, 1], [1, np.inf]])
    np.testing.assert_array_equal(approximate_rank_order(indices), expected)


@pytest.mark.parametrize("k", [3, 8, 29])
def test_compiled_distance_equals_reference(k):
    rng = np.random.default_rng(k)
    X = rng.normal(size=(30, 3))
    d = np.linalg.norm(X[:, None] - X[None], axis=2)
    np.fill_diagonal(d, np.inf)
    indices = np.argsort(d, axis=1)[:, :k]
    np.testing.assert_allclose(rank_order.approximate_rank_order(indices),
                               reference_rank_order(indices))


def test_components_follow_threshold():
    indices = np.array([[1, 2], [0, 2], [1, 3], [2, 0]])
    D = approximate_rank_order(indices)
    assert len(np.unique(link_components(indices, D, 0.5))) == 3
    assert len(np.unique(link_components(indices, D, 1.0))) == 1


def test_modularity_prefers_planted_partition():
    X, y = make_blobs(200, centers=4, cluster_std=0.3, center_box=(-20, 20), random_state=1)
    d = np.linalg.norm(X[:, None] - X[None], axis=2)
    np.fill_diagonal(d, np.inf)
    graph = knn_graph(np.argsort(d, axis=1)[:, :10])
    assert modularity(graph, y) > modularity(graph, np.zeros(200, dtype=int)) + 0.5
    assert modularity(graph, y) > modularity(graph, np.arange(200) % 8)


@pytest.mark.parametrize("method", ["approximate", "exact"])
def test_auto_threshold_finds_planted_blobs(method):
    X, y = make_blobs(400, centers=5, cluster_std=0.5, center_box=(-20, 20), random_state=0)
    model = RankOrderClustering(n_neighbors=20, method=method, n_thresholds=24).fit(X)
    assert model.n_clusters_ == 5
    assert adjusted_rand_score(y, model.labels_) == 1.0
    curve = model.curve_
    assert curve.index.shape == curve.thresholds.shape == curve.n_clusters.shape
    assert curve.index.max() == pytest.approx(curve.index[curve.thresholds == model.threshold_][0])


def test_approximate_and_exact_agree_when_lists_cover_clusters():
    X, _ = make_blobs(240, centers=4, cluster_std=0.4, center_box=(-20, 20), random_state=3)
    a = RankOrderClustering(n_neighbors=80, method="approximate").fit_predict(X)
    e = RankOrderClustering(n_neighbors=80, method="exact", n_top=80, n_thresholds=16).fit_predict(X)
    assert adjusted_rand_score(a, e) == 1.0


def test_same_seed_same_output():
    X, _ = make_blobs(300, centers=3, random_state=2)
    a = RankOrderClustering(n_neighbors=15).fit_predict(X)
    b = RankOrderClustering(n_neighbors=15).fit_predict(X)
    np.testing.assert_array_equal(a, b)


def test_threshold_curve_equals_scoring_each_partition():
    from wsc.clustering.quality import Modularity
    from wsc.clustering.rank_order import threshold_curve
    from wsc.graph.knn import kneighbors

    X, _ = make_blobs(600, centers=5, n_features=4, random_state=3)
    indices, _ = kneighbors(X, 12)
    D = approximate_rank_order(indices)
    thresholds = np.unique(np.quantile(D[np.isfinite(D)], np.linspace(0, 1, 15)))
    graph = knn_graph(indices)
    score = Modularity(graph)
    got_t, quality, counts, largest = threshold_curve(indices, D, thresholds[::-1], graph)
    np.testing.assert_array_equal(got_t, thresholds)
    for t, q, c, big in zip(got_t, quality, counts, largest):
        labels = link_components(indices, D, t)
        assert q == pytest.approx(score(labels), abs=1e-12)
        assert c == labels.max() + 1 and big == np.bincount(labels).max()
    assert counts[0] > counts[-1]                      # the curve really merges


def test_knn_graph_is_the_symmetric_union_of_the_lists():
    """The compiled builder equals the plain sparse construction (self entries and repeats
    in the lists included), for int32 and int64 lists, and the threshold curve does not
    depend on the lists' integer type."""
    import scipy.sparse as sp

    from wsc.clustering.rank_order import threshold_curve
    from wsc.graph.knn import kneighbors

    rng = np.random.default_rng(5)
    n, k = 800, 9
    lists = rng.integers(0, n, size=(n, k))
    lists[::7, 0] = np.arange(0, n, 7)                 # a row listing itself
    lists[:, 1] = lists[:, 2]                          # a repeated entry
    rows = np.repeat(np.arange(n), k)
    other = rows != lists.ravel()
    A = sp.csr_matrix((np.ones(other.sum()), (rows[other], lists.ravel()[other])), (n, n))
    A = (A + A.T).tocsr()
    A.sort_indices()
    for dtype in (np.int32, np.int64):
        G = knn_graph(lists.astype(dtype))
        np.testing.assert_array_equal(G.indptr, A.indptr)
        np.testing.assert_array_equal(G.indices, A.indices)
        assert np.all(G.data == 1.0)
    with pytest.raises(ValueError, match="must lie in"):
        knn_graph(np.array([[1], [2]]))
    X, _ = make_blobs(500, centers=4, n_features=3, random_state=1)
    indices, _ = kneighbors(X, 10)
    D = approximate_rank_order(indices)
    t = np.unique(np.quantile(D[np.isfinite(D)], np.linspace(0, 1, 9)))
    wide = threshold_curve(indices, D, t, knn_graph(indices))
    narrow = threshold_curve(indices.astype(np.int32), approximate_rank_order(
        indices.astype(np.int32)), t, knn_graph(indices.astype(np.int32)))
    for a, b in zip(wide, narrow):
        np.testing.assert_array_equal(a, b)


def test_giant_component_is_refused_by_halving_the_lists():
    # a uniform square has no gaps: at k = 50 the links at D = 0 alone join every point
    X = np.random.default_rng(0).random((600, 2)).astype(np.float32)
    free = RankOrderClustering(n_neighbors=50, max_cluster_share=1.0).fit(X)
    assert free.largest_share_ > 0.9 and free.n_neighbors_ == 50
    guarded = RankOrderClustering(n_neighbors=50).fit(X)
    assert guarded.largest_share_ <= 0.5 and not guarded.oversize_
    assert guarded.n_neighbors_ < 50
    assert [c.n_neighbors for c in guarded.curves_][0] == 50
    assert guarded.curve_.largest.max() <= X.shape[0]


def test_guard_leaves_separated_clusters_alone():
    X, _ = make_blobs(400, centers=4, cluster_std=0.3, random_state=0)
    a = RankOrderClustering(n_neighbors=50, max_cluster_share=1.0).fit(X)
    b = RankOrderClustering(n_neighbors=50).fit(X)
    assert b.n_neighbors_ == 50 and np.array_equal(a.labels_, b.labels_)


def test_max_cluster_share_is_checked():
    with pytest.raises(ValueError, match="max_cluster_share"):
        RankOrderClustering(max_cluster_share=0.0).fit(np.zeros((10, 2)))
