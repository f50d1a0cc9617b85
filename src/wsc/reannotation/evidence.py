"""Held-out estimates of P(weak label | x): no row's own label ever votes for itself.

Each source (neighbour vote in the features, cross-fitted noise-aware logistic
regression, neighbour vote in a cross-fitted WSE embedding) predicts every row's weak label from other rows;
`mixture_weights` then pools them by the likelihood they give the held-out weak labels,
which needs no true labels.
"""
from __future__ import annotations

import numpy as np

from wsc.reannotation.votes import neighbour_proba


def fold_ids(n: int, n_folds: int, random_state: int) -> np.ndarray:
    """A random balanced fold id per row."""
    rng = np.random.default_rng(random_state)
    return rng.permutation(np.arange(n) % n_folds)


def crossfit_logistic_proba(X: np.ndarray, codes: np.ndarray, n_classes: int,
                            folds: np.ndarray, C: float = 1.0) -> np.ndarray:
    """P(weak | x) from a noise-aware logistic regression trained on the other folds' weak labels."""
    from wsc.reannotation.noisy_logistic import NoiseAwareLogistic

    P = np.zeros((X.shape[0], n_classes))
    for f in np.unique(folds):
        train = (folds != f) & (codes >= 0)
        test = folds == f
        present = np.unique(codes[train])
        if present.size < 2:
            P[test, present] = 1.0
            continue
        model = NoiseAwareLogistic(C=C).fit(X[train], codes[train])
        P[np.ix_(test, present)] = model.predict_proba(X[test])
    return np.clip(P, 1e-6, None) / np.clip(P, 1e-6, None).sum(axis=1, keepdims=True)


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

