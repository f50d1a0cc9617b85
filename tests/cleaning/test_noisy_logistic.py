"""The noise-aware logistic regression recovers the true-class boundary and the flip rates."""
import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from wsc.reannotation.noisy_logistic import NoiseAwareLogistic


def _flipped(seed: int):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((6000, 5))
    y_true = (X[:, 0] + 0.5 * X[:, 1] > 0.8).astype(int)
    miss, false_alarm = 0.4, 0.1
    u = rng.random(y_true.size)
    y_weak = np.where(y_true == 1, (u >= miss).astype(int), (u < false_alarm).astype(int))
    return X, y_true, y_weak, miss, false_alarm


def test_recovers_flip_rates_and_boundary():
    X, y_true, y_weak, miss, false_alarm = _flipped(0)
    model = NoiseAwareLogistic().fit(X, y_weak)
    T = model.transition_
    assert T[1, 0] == pytest.approx(miss, abs=0.08)
    assert T[0, 1] == pytest.approx(false_alarm, abs=0.04)
    p_true = model.predict_true_proba(X)[:, 1]
    assert roc_auc_score(y_true, p_true) > 0.97
    # P(weak | x) stays a probability and reproduces the weak-label rate
    p_weak = model.predict_proba(X)
    np.testing.assert_allclose(p_weak.sum(axis=1), 1.0)
    assert p_weak[:, 1].mean() == pytest.approx(y_weak.mean(), abs=0.01)


def test_same_data_same_fit():
    X, _, y_weak, _, _ = _flipped(1)
    a = NoiseAwareLogistic().fit(X, y_weak)
    b = NoiseAwareLogistic().fit(X, y_weak)
    np.testing.assert_array_equal(a.coef_, b.coef_)


def test_one_class_is_an_error():
    with pytest.raises(ValueError, match="two classes"):
        NoiseAwareLogistic().fit(np.zeros((5, 2)), np.ones(5, dtype=int))
