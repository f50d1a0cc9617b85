"""`AUClassifier`: one calibrated binary classifier per AU with a tuned decision threshold."""
from __future__ import annotations

from numbers import Integral
from typing import Callable

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from wsc.classifiers.base import KINDS, fit_base, make_base, scores
from wsc.classifiers.calibration import PlattCalibrator
from wsc.classifiers.splits import fold_ids
from wsc.classifiers.thresholds import best_f1_threshold


class AUClassifier(BaseEstimator):
    """Per-AU classifiers for multi-label 0/1 targets with -1 (or pruned) rows left out.

    For each AU: out-of-fold scores over `n_folds` validation folds (subject-independent
    when `groups` is given) fit a Platt calibrator and pick the F1-maximising threshold; the
    final model is then refitted on every labelled row. With soft labels (`proba`: the
    cleaner's P(present) per row) calibration and the threshold use them (expected F1),
    and so does the linear model's training (expected loss; see `fit_base`). An AU with
    fewer than two examples of a class gets a constant prediction (its label frequency).
    Fitted: models_ (None for a constant AU), calibrators_, thresholds_, validation_f1_,
    prevalence_, n_labelled_, n_features_in_, n_outputs_. Parameters are checked before
    any work; Y must hold only 0, 1 and -1.
    """

    _parameter_constraints: dict = {
        "kind": [StrOptions(set(KINDS))],
        "n_folds": [Interval(Integral, 2, None, closed="left")],
        "random_state": [Interval(Integral, 0, None, closed="left")],
        "progress": [callable, None],
    }

    def __init__(self, kind: str = "linear", n_folds: int = 3, random_state: int = 0,
                 progress: Callable[[int], None] | None = None) -> None:
        self.kind = kind
        self.n_folds = n_folds
        self.random_state = random_state
        self.progress = progress

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.target_tags.multi_output = True
        return tags

    def _tick(self) -> None:
        if self.progress is not None:
            self.progress(1)

    def fit(self, X: np.ndarray, Y: np.ndarray, groups: np.ndarray | None = None,
            proba: np.ndarray | None = None) -> "AUClassifier":
        """Fit on features X (n, d) and labels Y (n, m) of 0/1 with -1 for unknown;
        optionally soft labels proba (n, m): P(present) of each labelled row (NaN = use Y)."""
        self._validate_params()
        if Y is None:
            raise ValueError("AUClassifier requires y to be passed, but the target y is None")
        X, Y = validate_data(self, X, Y, dtype=np.float32, multi_output=True,
                             ensure_min_samples=2, y_numeric=True)
        Y = np.asarray(Y)
        Y = Y.reshape(-1, 1) if Y.ndim == 1 else Y
        if not np.all(np.isin(Y, (-1, 0, 1))):
            bad = Y[~np.isin(Y, (-1, 0, 1))].ravel()[0]
            raise ValueError(f"AU labels must be 0, 1 or -1 (unknown), got {bad!r}")
        Y = Y.astype(np.int64)
        if proba is not None:
            proba = np.asarray(proba, dtype=float).reshape(Y.shape)
            proba = np.where(np.isnan(proba), Y, proba)
        self.n_features_in_, self.n_outputs_ = X.shape[1], Y.shape[1]
        self.models_, self.calibrators_ = [], []
        self.thresholds_ = np.full(Y.shape[1], 0.5)
        self.validation_f1_ = np.full(Y.shape[1], np.nan)
        self.prevalence_ = np.zeros(Y.shape[1])
        self.n_labelled_ = np.zeros(Y.shape[1], dtype=np.int64)
        for j in range(Y.shape[1]):
            known = Y[:, j] >= 0
            y = Y[known, j].astype(np.int64)
            p = None if proba is None else np.clip(proba[known, j], 0.0, 1.0)
            self.n_labelled_[j] = y.size
            self.prevalence_[j] = (y.mean() if p is None else p.mean()) if y.size else 0.0
            if y.size == 0 or min(y.sum(), y.size - y.sum()) < 2:
                self.models_.append(None)
                self.calibrators_.append(None)
                for _ in range(self.n_folds + 1):
                    self._tick()
                continue
            g = None if groups is None else np.asarray(groups)[known]
            model, calibrator, threshold, f1 = self._fit_one(X[known], y, g, p)
            self.models_.append(model)
            self.calibrators_.append(calibrator)
            self.thresholds_[j], self.validation_f1_[j] = threshold, f1
        return self

    def _fit_one(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray | None,
                 p: np.ndarray | None):
        """Out-of-fold scores -> calibrator and threshold; then the model on all rows."""
        folds = fold_ids(y, self.n_folds, groups, self.random_state)
        oof = np.zeros(len(y))
        for f in range(folds.max() + 1):
            train = folds != f
            if np.unique(y[train]).size == 2:
                model = fit_base(make_base(self.kind, self.random_state), X[train], y[train],
                                 None if p is None else p[train])
                oof[~train] = scores(model, X[~train])
            self._tick()
        for _ in range(self.n_folds - folds.max() - 1):
            self._tick()
        target = y if p is None else p
        calibrator = PlattCalibrator().fit(oof, target)
        threshold, f1 = best_f1_threshold(target, calibrator.predict_proba(oof))
        model = fit_base(make_base(self.kind, self.random_state), X, y, p)
        self._tick()
        return model, calibrator, threshold, f1

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Calibrated probability that each AU is present, shape (n, m)."""
        check_is_fitted(self, "models_")
        X = validate_data(self, X, dtype=np.float32, reset=False)
        out = np.empty((X.shape[0], self.n_outputs_))
        for j, (model, calibrator) in enumerate(zip(self.models_, self.calibrators_)):
            out[:, j] = self.prevalence_[j] if model is None else \
                calibrator.predict_proba(scores(model, X))
        return out

    def predict(self, X: np.ndarray) -> np.ndarray:
        """0/1 presence per AU at the tuned thresholds, shape (n, m)."""
        return (self.predict_proba(X) >= self.thresholds_).astype(np.int8)
