"""Decision thresholds: the cut on calibrated probabilities that maximises F1 on held-out rows."""
from __future__ import annotations

import numpy as np


def best_f1_threshold(y: np.ndarray, proba: np.ndarray) -> tuple[float, float]:
    """(threshold, F1) maximising F1 of `proba >= threshold` against labels `y`: 0/1, or
    soft labels in [0, 1] (P(present) per row), whose F1 is the expected one (true
    positives counted as the summed P(present) of the rows predicted present).

    The threshold is half-way between the chosen score and the next lower one, so it does
    not sit exactly on a training score. With no positives it returns (1.0, 0.0)."""
    y = np.asarray(y, dtype=float)
    proba = np.asarray(proba, dtype=float)
    if not y.sum() > 0:
        return 1.0, 0.0
    order = np.argsort(-proba, kind="stable")
    p, t = proba[order], y[order]
    tp = np.cumsum(t)
    predicted = np.arange(1, len(p) + 1)
    last = np.r_[p[1:] != p[:-1], True]  # cut only between distinct scores
    f1 = np.where(last, 2 * tp / (predicted + t.sum()), -1.0)
    i = int(np.argmax(f1))
    below = p[i + 1] if i + 1 < len(p) else p[i] - 1e-6
    return float((p[i] + below) / 2), float(f1[i])
