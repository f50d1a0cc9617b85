"""Held-out estimates of P(weak label | x): no row's own label ever votes for itself.

Each source (neighbour vote in the features, cross-fitted noise-aware logistic
regression, neighbour vote in a cross-fitted WSE embedding) predicts every row's weak
label from other rows; `mixture_weights` then pools them by the likelihood they give the
held-out weak labels, which needs no true labels.
"""
from __future__ import annotations

import numpy as np

from wsc.reannotation.votes import neighbour_proba


def fold_ids(n: int, n_folds: int, random_state: int) -> np.ndarray:
    """A random balanced fold id per row."""
    rng = np.random.default_rng(random_state)
    return rng.permutation(np.arange(n) % n_folds)


def crossfit_classifier_proba(X: np.ndarray, codes: np.ndarray, n_classes: list[int],
                              folds: np.ndarray, C: float = 1.0
                              ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per column, (P(weak | x), P(true | x), T(x)[c, weak]) of shape (n, K) each, from one
    noise-aware logistic regression over all columns (shared difficulty) trained on the
    other folds' weak labels. codes: (n, m). The last is the row's own weak label's
    likelihood under each true class (1 where the label is unknown). A class absent from a
    fold's training rows gets probability 0 there and an uninformative likelihood."""
    from wsc.reannotation.noisy_logistic import NoiseAwareLogistic

    n = X.shape[0]
    proba = [np.zeros((n, k)) for k in n_classes]
    true_proba = [np.zeros((n, k)) for k in n_classes]
    likelihood = [np.ones((n, k)) for k in n_classes]
    for f in np.unique(folds):
        train, test = folds != f, folds == f
        fitted = []
        for j in range(codes.shape[1]):
            present = np.unique(codes[train & (codes[:, j] >= 0), j])
            if present.size < 2:
                proba[j][np.ix_(test, present)] = 1.0
                true_proba[j][np.ix_(test, present)] = 1.0
            else:
                fitted.append(j)
        if not fitted:
            continue
        model = NoiseAwareLogistic(C=C).fit(X[train], codes[np.ix_(train, fitted)])
        for col, j in enumerate(fitted):
            cls = model.classes_[col]
            rows = np.flatnonzero(test & np.isin(codes[:, j], cls))   # labelled with a seen class
            proba[j][np.ix_(test, cls)] = model.predict_proba(X[test], col)
            true_proba[j][np.ix_(test, cls)] = model.predict_true_proba(X[test], col)
            if rows.size:
                weak = np.searchsorted(cls, codes[rows, j])
                likelihood[j][rows] = 0.0
                likelihood[j][np.ix_(rows, cls)] = model.weak_likelihood(X[rows], weak, col)
    proba = [np.clip(P, 1e-6, None) / np.clip(P, 1e-6, None).sum(axis=1, keepdims=True)
             for P in proba]
    return list(zip(proba, true_proba, likelihood))


def crossfit_wse_neighbors(X: np.ndarray, groups: np.ndarray, folds: np.ndarray,
                           n_neighbors: int, wse_params: dict, random_state: int = 0) -> np.ndarray:
    """For every row, its neighbours in a WSE embedding fitted with its own fold's groups
    hidden (one embedding per fold; rows L2-normalised). groups: (n,) or, for the joint
    term, (n, m). Returns (n, n_neighbors) indices."""
    from wsc.embedding.wse import WeaklySupervisedEmbedding
    from wsc.graph.knn import kneighbors

    out = np.empty((X.shape[0], n_neighbors), dtype=np.int64)
    for f in np.unique(folds):
        test = folds == f
        wse = WeaklySupervisedEmbedding(random_state=random_state, **wse_params)
        hide = test.reshape((-1,) + (1,) * (np.ndim(groups) - 1))
        E = wse.fit_transform(X, np.where(hide, -1, groups))
        E = E / np.maximum(np.linalg.norm(E, axis=1, keepdims=True), 1e-12)
        indices, _ = kneighbors(E, n_neighbors, random_state=random_state)
        out[test] = indices[test]
    return out


def held_out_vote(indices: np.ndarray, codes: np.ndarray, n_classes: int,
                  folds: np.ndarray) -> np.ndarray:
    """Neighbour vote where neighbours from the row's own fold do not vote (their labels
    were hidden from the embedding that found them)."""
    same_fold = folds[indices] == folds[:, None]
    votes = np.where(same_fold, -1, codes[indices])
    return neighbour_proba(votes, codes, n_classes, neighbour_codes=True)


def mixture_weights(probas: list[np.ndarray], codes: np.ndarray, n_iter: int = 200) -> np.ndarray:
    """Linear-pool weights of the sources maximising the held-out weak-label likelihood (EM)."""
    known = codes >= 0
    L = np.stack([p[known, codes[known]] for p in probas], axis=1)   # (n_known, S)
    w = np.full(L.shape[1], 1.0 / L.shape[1])
    for _ in range(n_iter):
        r = L * w
        r /= r.sum(axis=1, keepdims=True)
        w = r.mean(axis=0)
    return w
