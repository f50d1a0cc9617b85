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


def test_ivf_search_in_cell_order_gives_the_rows_own_results():
    from wsc.graph import knn

    X = knn._prepare(np.random.default_rng(3).normal(size=(3000, 40)), "euclidean")
    index = knn._index(X, "ivf")
    order = knn._query_order(index, X.shape[0])
    assert not np.array_equal(order, np.arange(3000))
    assert np.array_equal(np.sort(order), np.arange(3000))
    plain = knn._search(index, X, np.arange(3000), 15)
    for a, b in zip(knn.search_all(index, X, 15), plain):
        np.testing.assert_array_equal(a, b)


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
