"""Platt scaling: a logistic map from held-out classifier scores to probabilities."""
from __future__ import annotations

import numpy as np
from scipy.special import expit
from sklearn.linear_model import LogisticRegression


class PlattCalibrator:
    """P(y = 1 | score) = sigmoid(a * score + b), fitted on out-of-fold scores.

    Fitted on unweighted labels, so probabilities reflect the real class frequencies even
    when the underlying classifier was trained with balanced class weights."""

    def fit(self, scores: np.ndarray, y: np.ndarray) -> "PlattCalibrator":
        """Fit a and b by (lightly regularised) logistic regression on the scores; y is 0/1
        or soft labels in [0, 1] (each row then counts as present with weight y and absent
        with weight 1 - y). Held-out scores that rank backwards (a < 0) mean no signal, so
        the map becomes the base rate."""
        s = np.asarray(scores, float).reshape(-1, 1)
        y = np.asarray(y, float)
        if np.all((y == 0) | (y == 1)):
            lr = LogisticRegression(C=1e4).fit(s, y.astype(np.int64))
        else:
            lr = LogisticRegression(C=1e4).fit(np.vstack([s, s]), np.r_[np.ones(y.size),
                                                                        np.zeros(y.size)],
                                               sample_weight=np.r_[y, 1.0 - y])
        self.a_, self.b_ = float(lr.coef_[0, 0]), float(lr.intercept_[0])
        if self.a_ < 0:
            rate = float(np.clip(np.mean(y), 1e-6, 1 - 1e-6))
            self.a_, self.b_ = 0.0, float(np.log(rate / (1 - rate)))
        return self

    def predict_proba(self, scores: np.ndarray) -> np.ndarray:
        """Calibrated probabilities of the positive class, shape (n,)."""
        return expit(self.a_ * np.asarray(scores, float) + self.b_)
