"""Annotator noise: estimate P(weak label | true label) and turn it into clean posteriors."""
from __future__ import annotations

import numpy as np


def estimate_transition(p_weak: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Noise matrix T[c, a] = P(weak = a | true = c) by the confident joint (Northcutt et al.).

    A row counts as confidently of class c when its held-out P(weak = c | x) reaches the
    mean of that probability over the rows labelled c; the weak labels of the confident
    rows of class c give row c of T. Diagonal-dominant rows are enforced, since a class
    that the annotator gets wrong more often than right cannot be told from another.
    """
    n_classes = p_weak.shape[1]
    known = codes >= 0
    thresholds = np.array([p_weak[known & (codes == c), c].mean() if np.any(known & (codes == c))
                           else 1.0 for c in range(n_classes)])
    above = p_weak >= thresholds[None, :]
    masked = np.where(above, p_weak, -np.inf)
    confident = above.any(axis=1) & known
    true_c = masked.argmax(axis=1)
    joint = np.zeros((n_classes, n_classes))
    np.add.at(joint, (true_c[confident], codes[confident]), 1.0)
    joint += np.eye(n_classes)                                   # one pseudo-count on the diagonal
    T = joint / joint.sum(axis=1, keepdims=True)
    diag = np.diag(T)
    off_max = np.where(np.eye(n_classes, dtype=bool), 0.0, T).max(axis=1)
    scale = np.where(off_max >= diag, 0.99 * diag / np.maximum(off_max, 1e-12), 1.0)
    T_off = (T - np.diag(diag)) * scale[:, None]
    T = T_off + np.diag(1.0 - T_off.sum(axis=1))
    return T


def clean_posterior(p_weak: np.ndarray, T: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """P(true = c | x, weak label): invert the noise on P(weak | x), then weigh by T[c, weak].

    P(weak | x) = T^T P(true | x), so P(true | x) = clip(P(weak | x) T^-1) renormalised;
    the row's own weak label (independent of x given the true class) multiplies it by
    T[c, weak]. Rows without a weak label keep P(true | x).
    """
    p_true = np.clip(p_weak @ np.linalg.pinv(T), 1e-6, None)
    p_true /= p_true.sum(axis=1, keepdims=True)
    like = np.where(codes[:, None] >= 0, T[:, np.maximum(codes, 0)].T, 1.0)
    post = p_true * like
    return post / post.sum(axis=1, keepdims=True)


def row_posterior(p_true: np.ndarray, likelihood: np.ndarray) -> np.ndarray:
    """P(true = c | x, weak) proportional to P(true = c | x) T(x)[c, weak], given each row's
    own weak-label likelihood T(x)[c, weak] (n, K; ones for rows without a weak label)."""
    post = np.clip(p_true, 1e-12, None) * likelihood
    return post / post.sum(axis=1, keepdims=True)
