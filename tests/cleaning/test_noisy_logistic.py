"""The noise-aware logistic regression: flip rates, the true-class boundary, shared difficulty."""
import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from wsc.reannotation.noisy_logistic import NoiseAwareLogistic


def _flip(y_true: np.ndarray, miss: np.ndarray, false_alarm: np.ndarray, rng) -> np.ndarray:
    u = rng.random(y_true.shape)
    return np.where(y_true == 1, (u >= miss).astype(int), (u < false_alarm).astype(int))


def test_recovers_constant_flip_rates_and_boundary():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((6000, 5))
    y_true = (X[:, 0] + 0.5 * X[:, 1] > 0.8).astype(int)
    y_weak = _flip(y_true, 0.4, 0.1, rng)
    model = NoiseAwareLogistic(shared_difficulty=False, max_iter=1000).fit(X, y_weak)
    T = model.base_transition_[0]
    assert T[1, 0] == pytest.approx(0.4, abs=0.08)
    assert T[0, 1] == pytest.approx(0.1, abs=0.04)
    assert roc_auc_score(y_true, model.predict_true_proba(X)[:, 1]) > 0.97
    p_weak = model.predict_proba(X)
    np.testing.assert_allclose(p_weak.sum(axis=1), 1.0)
    assert p_weak[:, 1].mean() == pytest.approx(y_weak.mean(), abs=0.01)


def test_shared_difficulty_is_learned_from_the_common_columns():
    """Errors in every column rise with feature 4, which no true label depends on: the
    shared difficulty finds it, and the rare column's boundary gets better for it."""
    rng = np.random.default_rng(1)
    n = 20000
    X = rng.standard_normal((n, 5))
    shift = 1.5 * X[:, 4]
    logits = np.stack([X[:, 0], X[:, 1], 1.5 * X[:, 2] - 3.5], axis=1)
    Y_true = (rng.random((n, 3)) < 1 / (1 + np.exp(-3 * logits))).astype(int)
    base = np.array([-1.5, -1.5, -3.0])
    p_err = 1 / (1 + np.exp(-(base[None, :] + shift[:, None])))
    Y_weak = _flip(Y_true, p_err, p_err, rng)
    shared = NoiseAwareLogistic().fit(X, Y_weak)
    plain = NoiseAwareLogistic(shared_difficulty=False).fit(X, Y_weak)
    assert np.corrcoef(shared.difficulty(X), shift)[0, 1] > 0.9
    rare = [roc_auc_score(Y_true[:, 2], m.predict_true_proba(X, 2)[:, 1]) for m in (shared, plain)]
    assert rare[0] > rare[1]
    T = shared.transition(X[:50], 0)
    assert T.shape == (50, 2, 2)
    np.testing.assert_allclose(T.sum(axis=2), 1.0)
    weak = Y_weak[:50, 0]
    np.testing.assert_allclose(shared.weak_likelihood(X[:50], weak, 0),
                               T[np.arange(50), :, weak], rtol=1e-10)


def test_unknown_labels_are_left_out_and_fit_is_deterministic():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((3000, 4))
    Y = np.stack([(X[:, 0] > 0).astype(int), rng.integers(0, 3, 3000)], axis=1)
    Y[::7, 0] = -1
    a = NoiseAwareLogistic().fit(X, Y)
    b = NoiseAwareLogistic().fit(X, Y)
    np.testing.assert_array_equal(a.coef_[1], b.coef_[1])
    assert [c.tolist() for c in a.classes_] == [[0, 1], [0, 1, 2]]
    assert a.predict_proba(X[:5], 1).shape == (5, 3)


def test_one_class_is_an_error():
    with pytest.raises(ValueError, match="two classes"):
        NoiseAwareLogistic().fit(np.zeros((5, 2)), np.ones(5, dtype=int))


def test_independent_errors_leave_the_difficulty_near_zero():
    """Errors random and independent across columns: nothing is shared, and the shared
    model gives the class-conditional model's boundaries."""
    rng = np.random.default_rng(5)
    n = 12000
    X = rng.standard_normal((n, 6))
    Y_true = (X[:, :3] > [0.0, 0.5, 1.2]).astype(int)
    p_err = 1 / (1 + np.exp(-(-1.5 + rng.standard_normal((n, 3)))))
    Y_weak = _flip(Y_true, p_err, p_err, rng)
    shared = NoiseAwareLogistic().fit(X, Y_weak)
    plain = NoiseAwareLogistic(shared_difficulty=False).fit(X, Y_weak)
    assert np.linalg.norm(shared.difficulty_coef_) < 0.15
    for j in range(3):
        a, b = (roc_auc_score(Y_true[:, j], m.predict_true_proba(X, j)[:, 1])
                for m in (shared, plain))
        assert abs(a - b) < 0.005
