"""Threshold choice and its effect on an imbalanced AU."""
from __future__ import annotations

import numpy as np
from sklearn.metrics import f1_score

from wsc.classifiers import AUClassifier
from wsc.classifiers.thresholds import best_f1_threshold


def test_best_threshold_separates_and_reports_f1():
    y = np.array([0, 0, 0, 1, 1, 0, 1])
    p = np.array([0.1, 0.2, 0.3, 0.6, 0.7, 0.65, 0.9])
    t, f1 = best_f1_threshold(y, p)
    assert f1 == f1_score(y, p >= t)
    assert 0.3 < t < 0.6 and np.isclose(f1, 6 / 7)


def test_no_positive_gives_no_prediction():
    t, f1 = best_f1_threshold(np.zeros(5), np.linspace(0, 1, 5))
    assert f1 == 0.0 and t > 1 - 1e-9


def test_tuned_threshold_beats_half_on_rare_au():
    rng = np.random.default_rng(1)
    n = 6000
    y = (rng.random(n) < 0.04).astype(int)
    X = rng.standard_normal((n, 5))
    X[:, 0] += 1.5 * y
    clf = AUClassifier(random_state=0).fit(X[:4000], y[:4000])
    proba = clf.predict_proba(X[4000:])[:, 0]
    tuned = f1_score(y[4000:], clf.predict(X[4000:])[:, 0])
    at_half = f1_score(y[4000:], proba >= 0.5)
    assert clf.thresholds_[0] < 0.5
    assert tuned > at_half + 0.05


def test_backward_scores_calibrate_to_the_base_rate():
    from wsc.classifiers.calibration import PlattCalibrator

    y = np.array([1, 1, 0, 0, 0, 0, 0, 0])
    cal = PlattCalibrator().fit(np.arange(8.0), y)  # the positives have the lowest scores
    assert cal.a_ == 0.0
    assert np.allclose(cal.predict_proba(np.array([-5.0, 5.0])), 0.25)
