import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.neighbors import NearestNeighbors

from wsc.graph import isolated_points, kneighbors, knn_affinity, laplacian
from wsc.graph.affinity import gaussian_weights


@pytest.fixture(scope="module")
def X():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(10, 8)) * 4
    return centres[rng.integers(0, 10, 600)] + rng.normal(size=(600, 8))


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_exact_matches_sklearn(X, metric):
    idx, dist = kneighbors(X, 7, metric=metric, method="exact")
    ref_d, ref_i = NearestNeighbors(n_neighbors=8, metric=metric).fit(X).kneighbors(X)
    assert np.array_equal(idx, ref_i[:, 1:])
    assert np.allclose(dist, ref_d[:, 1:], atol=1e-4)
    assert np.all(np.diff(dist, axis=1) >= -1e-6)
    assert not np.any(idx == np.arange(len(X))[:, None])


def test_hnsw_recall_and_determinism(X):
    exact, _ = kneighbors(X, 10, method="exact")
    approx, _ = kneighbors(X, 10, method="hnsw")
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, approx)])
    assert recall > 0.95
    assert np.array_equal(approx, kneighbors(X, 10, method="hnsw")[0])


def test_duplicates_never_list_themselves():
    X = np.repeat(np.arange(20, dtype=float)[:, None], 3, axis=0)
    idx, dist = kneighbors(X, 2, method="exact")
    assert not np.any(idx == np.arange(len(X))[:, None])
    assert np.all(dist == 0)


@pytest.mark.parametrize("bad, message", [
    (np.array([[0.0, np.nan], [1.0, 2.0], [3.0, 4.0]]), "row 0, column 1"),
    (np.ones((3, 2)), "needs at least"),
])
def test_bad_input_messages(bad, message):
    with pytest.raises(ValueError, match=message):
        kneighbors(bad, 5 if message == "needs at least" else 1)


def test_mutual_is_subset_of_union_and_symmetric(X):
    mutual = knn_affinity(X, 10, symmetrize="mutual")
    union = knn_affinity(X, 10, symmetrize="union")
    for A in (mutual, union):
        assert A.dtype == np.float32
        assert abs(A - A.T).max() < 1e-7
        assert A.diagonal().sum() == 0
    assert (mutual.astype(bool) > union.astype(bool)).nnz == 0
    assert mutual.nnz < union.nnz


def test_median_sigma_uses_real_distances_only():
    d = np.array([[0.0, 1.0], [2.0, 3.0]])
    w = gaussian_weights(np.array([[1, 0], [0, 1]]), d, "median")
    # median of the non-zero distances (1, 2, 3) is 2: exp(-1 / 8) for d = 1
    assert np.isclose(w[0, 1], np.exp(-1.0 / 8.0))


def test_local_sigma_is_per_point():
    idx = np.array([[1], [0]])
    d = np.array([[1.0], [1.0]])
    w = gaussian_weights(idx, d, "local", n_local=1)
    assert np.allclose(w, np.exp(-0.5))


def test_isolated_points_reported_and_harmless():
    X = np.r_[np.c_[np.arange(30.0), np.zeros(30)], [[100.0, 100.0]]]
    with pytest.warns(UserWarning, match="1 of 31 points"):
        A = knn_affinity(X, 3, symmetrize="mutual")
    assert list(isolated_points(A)) == [30]
    for kind in ("unnormalized", "random_walk", "symmetric"):
        L = laplacian(A, kind)
        assert np.all(np.isfinite(L.data))
        assert L[30].nnz == 0


def test_laplacian_properties(X):
    A = knn_affinity(X, 10, symmetrize="union")
    ones = np.ones(A.shape[0])
    assert np.allclose(laplacian(A, "unnormalized") @ ones, 0, atol=1e-4)
    assert np.allclose(laplacian(A, "random_walk") @ ones, 0, atol=1e-5)
    Ls = laplacian(A, "symmetric")
    assert Ls.dtype == np.float32 and sp.isspmatrix_csr(Ls)
    ev = np.linalg.eigvalsh(Ls.toarray().astype(float))
    assert ev.min() > -1e-5 and ev.max() < 2 + 1e-5
    with pytest.raises(ValueError, match="laplacian must be one of"):
        laplacian(A, "nope")


def test_locality_order_is_a_permutation_that_narrows_a_shuffled_band():
    import scipy.sparse as sp

    from wsc.graph.order import inverse, locality_order

    n = 500
    band = sp.diags([np.ones(n - 1), np.ones(n - 1)], [-1, 1], shape=(n, n)).tocsr()
    shuffle = np.random.default_rng(0).permutation(n)
    A = band[shuffle][:, shuffle]
    order = locality_order(A)
    assert np.array_equal(np.sort(order), np.arange(n))
    assert np.array_equal(inverse(order)[order], np.arange(n))
    B = A[order][:, order].tocoo()
    shuffled = A.tocoo()
    assert np.abs(B.row - B.col).max() <= 2 < np.abs(shuffled.row - shuffled.col).max()
    with pytest.raises(ValueError, match="square"):
        locality_order(sp.csr_matrix((3, 4)))


def _clustered(n: int, d: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3.0, size=(40, d))
    X = centres[rng.integers(0, 40, n)] + rng.normal(size=(n, d))
    X[50:80] = X[:30]                    # exact duplicates: ties broken by row id
    return X.astype(np.float32)


def test_cell_search_finds_the_nearest_rows_of_the_probed_cells():
    """Each row's list is the exact k nearest of the rows filed in its cell's probe cells
    (float64 brute force over those candidates); with the default probes the search
    recalls >= 0.95 of the exact lists."""
    from wsc.graph import cells, knn

    X = _clustered(3000, 24, 0)
    k = 15
    centroids = cells.train(X, knn.IVF_TRAIN_ITER)
    filed = cells.assign(X, centroids)
    c64 = centroids.astype(np.float64)
    to_cells = ((X[:, None, :] - c64[None]) ** 2).sum(-1)
    assert (filed == to_cells.argmin(axis=1)).mean() >= 0.999
    probes = cells.probe_table(centroids, 4)
    assert np.array_equal(probes[:, 0], np.arange(centroids.shape[0]))
    indices, sq = knn.ivf_search(X, k, n_probe=4)
    rows = np.random.default_rng(1).choice(3000, 200, replace=False)
    same = []
    for r in rows:
        cand = np.flatnonzero(np.isin(filed, probes[filed[r]]))
        cand = cand[cand != r]
        d = ((X[cand].astype(np.float64) - X[r]) ** 2).sum(1)
        truth = cand[np.lexsort((cand, d))[:k]]
        same.append(np.array_equal(indices[r], truth))
        np.testing.assert_allclose(sq[r], np.sort(d)[:k], rtol=1e-5, atol=1e-4)
    assert np.mean(same) >= 0.99
    exact, _ = kneighbors(X, k, method="exact")
    indices, _ = knn.ivf_search(X, k)
    recall = np.mean([np.intersect1d(a, b).size / k for a, b in zip(indices, exact)])
    assert recall >= 0.95


def test_cell_search_does_not_depend_on_which_rows_share_a_product():
    """The rows cut into three shards, each searched for every query and merged by
    (distance, id): the lists and distances of the whole search, bit for bit."""
    from wsc.graph import cells, knn

    X = _clustered(4000, 32, 2)
    centroids = cells.train(X, knn.IVF_TRAIN_ITER)
    filed = cells.assign(X, centroids)
    probes = cells.probe_table(centroids, 6)
    ids = np.arange(4000)
    whole = cells.search(X, filed, X, ids, filed, probes, 12, n_jobs=2)
    parts = [cells.search(X, filed, X[a:b], ids[a:b], filed[a:b], probes, 12)
             for a, b in [(0, 1000), (1000, 1001), (1001, 4000)]]
    D = np.hstack([p[0] for p in parts])
    I = np.hstack([p[1] for p in parts])
    order = np.lexsort((np.where(I < 0, np.iinfo(np.int64).max, I), D), axis=1)[:, :12]
    np.testing.assert_array_equal(np.take_along_axis(I, order, axis=1), whole[1])
    np.testing.assert_array_equal(np.take_along_axis(D, order, axis=1), whole[0])
    merged = cells.merge_sorted(parts, 12)           # the linear merge of sorted lists
    np.testing.assert_array_equal(merged[0], whole[0])
    np.testing.assert_array_equal(merged[1], whole[1])
    refiled = np.concatenate([cells.assign(X[a:b], centroids) for a, b in [(0, 7), (7, 4000)]])
    np.testing.assert_array_equal(refiled, filed)


def test_cell_search_does_not_depend_on_the_thread_count():
    """faiss's k-means gives other cells on 1 and 2 threads for these rows (its centroid
    sums follow the thread count), so the cells are trained on one; with 2 probes the
    lists depend on the cells."""
    import faiss

    from wsc.graph import cells, knn

    X = _clustered(25_000, 64, 4)
    before = faiss.omp_get_max_threads()
    runs = []
    try:
        for threads in (1, 2):
            faiss.omp_set_num_threads(threads)
            runs.append((cells.train(X, knn.IVF_TRAIN_ITER), *knn.ivf_search(X, 10, n_probe=2)))
    finally:
        faiss.omp_set_num_threads(before)
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


def test_cell_search_pads_short_candidate_lists():
    from wsc.graph import cells

    X = _clustered(300, 8, 3)
    centroids = X[:3].copy()
    filed = cells.assign(X, centroids)
    D, I = cells.search(X[:5], filed[:5], X[:4], np.arange(4), filed[:4], np.arange(3)[:, None], 6)
    assert (I[:, 4:] == -1).all() and np.isinf(D[:, 4:]).all()
    assert set(I[0][I[0] >= 0]) <= {0, 1, 2, 3}


def test_search_reports_progress_per_block(monkeypatch):
    from wsc.graph import knn

    X = np.random.default_rng(4).normal(size=(3000, 8))
    plain = knn.kneighbors(X, 10)
    monkeypatch.setattr(knn, "BLOCK_BYTES", 1)          # blocks of 1024 queries
    reports = []
    found = knn.kneighbors(X, 10, report=lambda d, t, left: reports.append((d, t, left)))
    assert [(d, t) for d, t, _ in reports] == [(1, 3), (2, 3), (3, 3)]
    assert reports[-1][2] == 0 and all(left >= 0 for _, _, left in reports)
    np.testing.assert_array_equal(found[0], plain[0])
