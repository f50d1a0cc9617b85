"""The per-AU base classifiers: a class-weighted linear model (default) and stronger options."""
from __future__ import annotations

import numpy as np
from scipy.special import logit
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_sample_weight

KINDS = ("linear", "boosting", "mlp")


def make_base(kind: str, random_state: int = 0):
    """An unfitted classifier: standardised features then logistic regression, gradient
    boosting, or a one-hidden-layer MLP; all weighted so both classes count equally."""
    if kind == "linear":
        return make_pipeline(StandardScaler(), LogisticRegression(
            C=1.0, class_weight="balanced", max_iter=2000))
    if kind == "boosting":
        return HistGradientBoostingClassifier(
            max_iter=300, learning_rate=0.1, early_stopping=True, validation_fraction=0.1,
            class_weight="balanced", random_state=random_state)
    if kind == "mlp":
        return make_pipeline(StandardScaler(), MLPClassifier(
            hidden_layer_sizes=(64,), alpha=1e-3, early_stopping=True, max_iter=200,
            random_state=random_state))
    raise ValueError(f"classifier kind must be one of {KINDS}, got {kind!r}")


def fit_base(model, X: np.ndarray, y: np.ndarray, proba: np.ndarray | None = None):
    """Fit `model` on (X, y); the MLP gets balanced sample weights (it has no class_weight).

    With soft labels `proba` (P(present) per row) the linear model sees each row twice, as
    present with weight proba and as absent with weight 1 - proba, the two classes balanced
    by their expected counts: the expected loss under the cleaner's posterior, so the
    positives a hard argmax would drop (rare AUs at P(present) 0.3) still teach it. The
    boosting and MLP models keep the hard labels: their early stopping holds out a random
    10% of the rows, which would hold out one copy of a row and train on the other."""
    last = model[-1] if hasattr(model, "steps") else model
    if proba is not None and isinstance(last, LogisticRegression):
        p = np.asarray(proba, dtype=float)
        n = p.size
        weights = np.r_[p * n / (2 * max(p.sum(), 1e-12)),
                        (1 - p) * n / (2 * max((1 - p).sum(), 1e-12))]
        return model.fit(np.vstack([X, X]), np.r_[np.ones(n, np.int64), np.zeros(n, np.int64)],
                         logisticregression__sample_weight=weights)
    if isinstance(last, MLPClassifier):
        weights = compute_sample_weight("balanced", y)
        return model.fit(X, y, mlpclassifier__sample_weight=weights)
    return model.fit(X, y)


def scores(model, X: np.ndarray) -> np.ndarray:
    """A real-valued score per row, larger = more likely present (log-odds where available)."""
    if hasattr(model, "decision_function"):
        return model.decision_function(X)
    return logit(np.clip(model.predict_proba(X)[:, 1], 1e-7, 1 - 1e-7))
