import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.linalg import eigsh

from wsc import LaplacianBlocks, WeaklySupervisedEmbedding
from wsc.datasets.toy import flip_per_class, make_rings
from wsc.embedding.batch import random_init, solve_batch
from wsc.embedding.groups import GroupScatter, encode_groups
from wsc.embedding.stochastic import solve_stochastic
from wsc.graph import knn_affinity, laplacian


@pytest.fixture(scope="module")
def rings():
    X, y = make_rings(n_per_ring=200, random_state=0)
    return X, y, flip_per_class(y, 0.3, random_state=0)


def test_group_prox_equals_linear_system_solution():
    rng = np.random.default_rng(0)
    codes = np.array([0, 0, 1, 1, 1, -1, 2, 2])
    groups = GroupScatter(codes)
    V = rng.normal(size=(8, 3))
    step = 0.37
    # minimiser of ||W - V||^2 / (2 step) + sum_g c_g ||C_g W_g||^2 solves (I + 2 step M) W = V
    M = np.zeros((8, 8))
    for g in range(3):
        rows = np.flatnonzero(codes == g)
        n_g = rows.size
        C = np.eye(n_g) - np.ones((n_g, n_g)) / n_g
        M[np.ix_(rows, rows)] = groups.weights[g] * C
    expected = np.linalg.solve(np.eye(8) + 2 * step * M, V)
    assert np.allclose(groups.prox(V, step), expected)
    assert np.isclose(groups.value(expected), sum(
        groups.weights[g] * np.sum((expected[codes == g] - expected[codes == g].mean(0)) ** 2)
        for g in range(3)))


def test_encode_groups_any_hashable_and_missing():
    codes, classes = encode_groups(["b", None, "a", np.nan, "b", -1])
    assert list(classes) == ["a", "b"]
    assert list(codes) == [1, -1, 0, -1, 1, -1]


def test_objective_falls_and_embedding_is_orthonormal(rings):
    X, _, weak = rings
    model = WeaklySupervisedEmbedding(n_components=3, lam=0.3, n_neighbors=20).fit(X, weak)
    W, obj = model.embedding_, model.objective_
    assert obj["total"][-1] < obj["total"][0]
    assert np.allclose(obj["total"], obj["graph"] + obj["group"])
    assert np.allclose(W.T @ W, np.eye(3), atol=1e-8)
    assert model.n_iter_ >= 1 and len(obj["total"]) <= model.n_iter_ + 1


def test_objective_monotone_without_momentum(rings):
    X, _, weak = rings
    model = WeaklySupervisedEmbedding(2, 0.3, 20, momentum=False, max_iter=300).fit(X, weak)
    assert np.all(np.diff(model.objective_["total"]) <= 1e-12)
    assert len(model.objective_["total"]) > 10


def test_small_lambda_recovers_bottom_eigenvectors():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 5)) + np.repeat(rng.normal(size=(4, 5)) * 1.5, 75, axis=0)
    weak = rng.integers(0, 2, 300)
    A = knn_affinity(X, 15, symmetrize="union")
    L = laplacian(A, "symmetric")
    r = 3
    W, _, _ = solve_batch(L, GroupScatter(encode_groups(weak)[0]), random_init(len(X), r, 0), 0.0,
                          max_iter=5000, tol=1e-12)
    _, vecs = eigsh(L.astype(float), k=r, which="SA")
    # same subspace up to rotation: the singular values of W^T U are the cosines of the principal angles
    cosines = np.linalg.svd(W.T @ vecs, compute_uv=False)
    assert cosines.min() > 0.99


def test_large_lambda_collapses_onto_groups(rings):
    X, _, weak = rings
    W = WeaklySupervisedEmbedding(2, 1000.0, 20).fit_transform(X, weak)
    within = sum(np.sum((W[weak == g] - W[weak == g].mean(0)) ** 2) for g in (0, 1))
    assert within < 1e-3 * np.sum((W - W.mean(0)) ** 2)


def test_same_seed_same_output_and_seed_matters(rings):
    X, _, weak = rings
    a = WeaklySupervisedEmbedding(2, 0.3, 20, random_state=5).fit_transform(X, weak)
    b = WeaklySupervisedEmbedding(2, 0.3, 20, random_state=5).fit_transform(X, weak)
    c = WeaklySupervisedEmbedding(2, 0.3, 20, random_state=6, max_iter=3).fit_transform(X, weak)
    assert np.array_equal(a, b)
    assert not np.allclose(a, c)


def test_precomputed_affinity_and_missing_labels(rings):
    X, y, weak = rings
    A = knn_affinity(X, 20)
    partial = weak.astype(object)
    partial[::5] = None
    model = WeaklySupervisedEmbedding(2, 0.3).fit(A, partial)
    assert model.embedding_.shape == (len(X), 2)
    assert np.array_equal(model.classes_, np.array([0, 1], dtype=object))


@pytest.mark.parametrize("X_fn, y_fn, message", [
    (lambda X: np.where(np.arange(X.size).reshape(X.shape) == 3, np.nan, X), lambda y: y, "NaN"),
    (lambda X: np.where(np.arange(X.size).reshape(X.shape) == 3, np.inf, X), lambda y: y, "infinity"),
    (lambda X: X, lambda y: y[:-1], "labels"),
    (lambda X: X[:1], lambda y: y[:1], "minimum of 2"),
    (lambda X: X, lambda y: np.zeros_like(y), "single group"),
    (lambda X: X, lambda y: np.full(len(y), None), "all weak labels are missing"),
])
def test_bad_input(rings, X_fn, y_fn, message):
    X, _, weak = rings
    with pytest.raises(ValueError, match=message):
        WeaklySupervisedEmbedding(2, 0.3, 20).fit(X_fn(X), y_fn(weak))


def test_too_many_neighbours_are_lowered_with_a_warning(rings):
    X, _, weak = rings
    with pytest.warns(UserWarning, match="n_neighbors=20 is more than"):
        model = WeaklySupervisedEmbedding(2, 0.3, 20).fit(X[:12], weak[:12])
    assert model.embedding_.shape == (12, 2)


def test_stochastic_reaches_batch_objective_streaming_from_disk(rings, tmp_path):
    X, y, weak = rings
    L = laplacian(knn_affinity(X, 20), "symmetric")
    groups = GroupScatter(encode_groups(weak)[0])
    W0 = random_init(len(X), 2, 0)
    _, batch_hist, _ = solve_batch(L, groups, W0, 0.3, tol=1e-7)
    blocks = LaplacianBlocks.from_matrix(L, n_blocks=20).save(tmp_path / "L")
    assert blocks._blocks is None  # streamed from the shards
    W, hist, epochs = solve_stochastic(blocks, groups, W0, 0.3, n_epochs=150, batch_fraction=0.1,
                                       tol=1e-7)
    assert min(hist.total) <= batch_hist.total[-1] * 1.01
    assert np.allclose(W.T @ W, np.eye(2), atol=1e-8)


def test_blocks_round_trip(rings, tmp_path):
    X, _, _ = rings
    L = laplacian(knn_affinity(X, 20), "symmetric")
    blocks = LaplacianBlocks.from_matrix(L, n_blocks=7)
    on_disk = blocks.save(tmp_path / "b")
    W = np.random.default_rng(0).normal(size=(len(X), 2))
    assert np.allclose(on_disk @ W, L @ W, atol=1e-5)
    assert abs(on_disk.to_matrix() - L).max() < 1e-7
    assert sp.issparse(on_disk.block(0))


def test_stochastic_estimator_matches_batch_quality(rings):
    X, y, weak = rings
    from wsc.embedding.toy import two_means_accuracy

    batch = WeaklySupervisedEmbedding(2, 0.3413, 50, laplacian="symmetric").fit(X, weak)
    stoch = WeaklySupervisedEmbedding(2, 0.3413, 50, laplacian="symmetric", solver="stochastic",
                                      n_epochs=150).fit(X, weak)
    assert stoch.objective_["total"].min() <= batch.objective_["total"][-1] * 1.01
    assert two_means_accuracy(stoch.embedding_, y)[0] >= two_means_accuracy(batch.embedding_, y)[0] - 0.02
