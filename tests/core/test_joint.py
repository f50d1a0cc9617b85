"""The joint multi-label scatter term: exact CG prox, value, reduction to one column, collapse."""
import numpy as np
import pytest

from wsc import WeaklySupervisedEmbedding
from wsc.embedding.groups import GroupScatter, MultiGroupScatter


def dense_operator(codes: np.ndarray) -> np.ndarray:
    """A = sum_j sum_g w_jg (I - 11^T / n_g) on the group's rows, as a dense matrix."""
    n = codes.shape[0]
    A = np.zeros((n, n))
    for j in range(codes.shape[1]):
        g = GroupScatter(codes[:, j])
        for k in range(g.n_groups):
            rows = np.flatnonzero(codes[:, j] == k)
            A[np.ix_(rows, rows)] += g.weights[k] * (np.eye(rows.size) - 1.0 / rows.size)
    return A


@pytest.fixture
def overlapping():
    rng = np.random.default_rng(0)
    codes = np.stack([rng.integers(-1, 2, 40), rng.integers(0, 3, 40),
                      rng.integers(-1, 2, 40)], axis=1)
    return codes, rng.normal(size=(40, 4))


@pytest.mark.parametrize("step", [0.01, 0.37, 5.0])
def test_cg_prox_equals_dense_solution(overlapping, step):
    codes, V = overlapping
    term = MultiGroupScatter(codes)
    expected = np.linalg.solve(np.eye(40) + 2 * step * dense_operator(codes), V)
    W = term.prox(V, step)
    np.testing.assert_allclose(W, expected, rtol=0, atol=1e-8)
    assert term.n_iter_ > 1        # overlapping partitions: not solved in one step


def test_single_column_equals_group_prox():
    rng = np.random.default_rng(1)
    codes = np.array([0, 0, 1, 1, 1, -1, 2, 2, 2, 0])
    V = rng.normal(size=(10, 3))
    joint, single = MultiGroupScatter(codes[:, None]), GroupScatter(codes)
    np.testing.assert_allclose(joint.prox(V, 0.8), single.prox(V, 0.8), rtol=0, atol=1e-10)
    assert np.isclose(joint.value(V), single.value(V))


def test_value_matches_direct_sum(overlapping):
    codes, W = overlapping
    direct = 0.0
    for j in range(codes.shape[1]):
        labelled = codes[:, j] >= 0
        groups = np.unique(codes[labelled, j])
        m = labelled.sum()
        for k in groups:
            Wg = W[codes[:, j] == k]
            direct += m / (groups.size * len(Wg)) * np.sum((Wg - Wg.mean(0)) ** 2)
    term = MultiGroupScatter(codes)
    assert np.isclose(term.value(W), direct)
    assert np.isclose(term.value(W), np.trace(W.T @ dense_operator(codes) @ W))
    # the gradient of value is 2 A W
    np.testing.assert_allclose(term.apply(W), dense_operator(codes) @ W, atol=1e-12)


def test_large_lam_collapses_each_column_groups():
    # column 0: four groups of 30; column 1 labels only the first and third (None elsewhere).
    # Large lam makes every group of every column a point (here four points); columns whose
    # groups cross everywhere could not all collapse under W^T W = I.
    rng = np.random.default_rng(2)
    X = rng.normal(size=(120, 5))
    block = np.repeat(np.arange(4), 30)
    col1 = np.array([0, None, 1, None], dtype=object)[block]
    Y = np.stack([block.astype(object), col1], axis=1)
    wse = WeaklySupervisedEmbedding(n_components=3, lam=1e4, n_neighbors=10, random_state=0)
    E = wse.fit_transform(X, Y)
    total = np.sum((E - E.mean(0)) ** 2)
    for j in range(2):
        known = np.array([v is not None for v in Y[:, j]])
        within = sum(np.sum((E[known & (Y[:, j] == k)] - E[known & (Y[:, j] == k)].mean(0)) ** 2)
                     for k in set(Y[known, j]))
        assert within / total < 1e-3
    assert isinstance(wse.classes_, list) and len(wse.classes_) == 2
    # a small lam leaves the groups spread out
    E0 = WeaklySupervisedEmbedding(n_components=3, lam=1e-3, n_neighbors=10,
                                   random_state=0).fit_transform(X, Y)
    spread = sum(np.sum((E0[block == k] - E0[block == k].mean(0)) ** 2) for k in range(4))
    assert spread / np.sum((E0 - E0.mean(0)) ** 2) > 0.1


def test_two_d_y_checks_each_column():
    X = np.random.default_rng(3).normal(size=(30, 3))
    Y = np.stack([np.repeat([0, 1], 15), np.zeros(30)], axis=1)
    with pytest.raises(ValueError, match="column 1 of y form a single group"):
        WeaklySupervisedEmbedding(n_components=2, n_neighbors=5).fit(X, Y)
