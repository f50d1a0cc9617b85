"""Evidence sources: held-out estimates of P(weak label | x), one interface for all.

Each source predicts every row's weak label from other rows only (no row's own label ever
votes for itself, checked by a property test per source), for every label column at once:
`evidence(context, codes, n_classes)` returns one `Evidence` per column (None where the
source has nothing to say). A source may also give its own posterior ingredients
(P(true | x) and each row's weak-label likelihood), as the noise-aware classifier does.
Users add their own out-of-sample probabilities (a CNN's, say) with `PrecomputedProba`,
as cleanlab users pass `pred_probs`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

import numpy as np

from wsc.reannotation.context import CleaningContext, fold_ids
from wsc.threads import map_threads


@dataclass
class Evidence:
    """One source's held-out estimate for one column: proba = P(weak | x) (n, K); optionally
    true_proba = P(true | x) and likelihood = T(x)[c, own weak label] (n, K each)."""

    proba: np.ndarray
    true_proba: np.ndarray | None = None
    likelihood: np.ndarray | None = None


class EvidenceSource(Protocol):
    """Anything with a name and held-out evidence for each label column."""

    name: str

    def evidence(self, context: CleaningContext, codes: np.ndarray,
                 n_classes: Sequence[int]) -> list[Evidence | None]:
        """Per column of codes (n, m; -1 = unknown), the held-out evidence or None."""
        ...


def combination_groups(codes: np.ndarray) -> np.ndarray:
    """One group per combination of the columns' weak labels; rows with an unknown join none."""
    complete = (codes >= 0).all(axis=1)
    groups = np.full(codes.shape[0], -1, dtype=np.int64)
    if complete.any():
        _, groups[complete] = np.unique(codes[complete], axis=0, return_inverse=True)
    return groups


@dataclass
class NeighbourVote:
    """Label shares among each row's n_neighbors nearest rows in the features."""

    n_neighbors: int
    name: str = "knn"

    def evidence(self, context: CleaningContext, codes: np.ndarray,
                 n_classes: Sequence[int]) -> list[Evidence | None]:
        neighbours = context.feature_neighbors(self.n_neighbors)
        return [Evidence(p) for p in context.vote(neighbours, codes, n_classes)]


@dataclass
class EmbeddingVote:
    """Neighbour vote in cross-fitted WSE embeddings: for each fold, one embedding of the
    shared graph whose groups hide that fold's labels; a row's n_neighbors nearest feature
    neighbours in that embedding (among the context's neighbour lists) vote unless they are
    in its own fold. grouping: 'combinations' (one set of embeddings for all
    columns, groups = weak-label combinations) or 'per_label' (one set per column)."""

    n_neighbors: int
    lam: float
    n_components: int
    grouping: str = "combinations"
    name: str = "wse_knn"

    def _neighbours(self, context: CleaningContext, groups: np.ndarray) -> np.ndarray:
        """(n, n_neighbors) neighbours of each row in the embedding that hid its fold."""
        folds = context.folds
        hidden = [np.where(folds == f, -1, groups) for f in range(context.n_folds)]
        embeddings = context.embed_many(hidden, self.lam, self.n_components,
                                        "held-out embedding")
        out = np.empty((context.n, self.n_neighbors), dtype=np.int64)
        for f, E in enumerate(embeddings):
            test = np.flatnonzero(folds == f)
            out[test] = context.nearest_in(E, test, self.n_neighbors)
        return out

    def evidence(self, context: CleaningContext, codes: np.ndarray,
                 n_classes: Sequence[int]) -> list[Evidence | None]:
        multi = [j for j, K in enumerate(n_classes) if K >= 2]
        # neighbours from the row's own fold do not vote (their labels were hidden from
        # the embedding that found them)
        probabilities: dict[int, np.ndarray] = {}
        if self.grouping == "combinations":
            context.progress(f"held-out embeddings ({context.n_folds} folds)")
            shared = self._neighbours(context, combination_groups(codes[:, multi]))
            votes = context.vote(shared, codes[:, multi], [n_classes[j] for j in multi],
                                 held_out=True)
            probabilities = dict(zip(multi, votes))
        else:
            for j in multi:
                context.progress(f"held-out embeddings of column {j + 1} ({context.n_folds} folds)")
                probabilities[j] = context.vote(self._neighbours(context, codes[:, j]),
                                                codes[:, [j]], [n_classes[j]], held_out=True)[0]
        return [Evidence(probabilities[j]) if j in probabilities else None
                for j in range(len(n_classes))]


@dataclass
class NoiseAwareClassifier:
    """Cross-fitted noise-aware logistic regression over all columns (shared difficulty):
    each fold's rows are predicted by a model trained on the other folds' weak labels, at
    most max_fit_rows of them (a seeded subsample: the fit's cost stops growing with n
    while the held-out property is kept). Where the context's folds would each train on
    more than max_fit_rows, fewer, larger folds of its own serve as well: each model still
    sees max_fit_rows rows, and there are fewer to fit (two at 100k rows instead of five).
    Gives P(weak | x), P(true | x) and T(x)[c, weak]."""

    C: float = 1.0
    max_fit_rows: int | None = 50_000
    name: str = "logistic"

    def folds(self, context: CleaningContext) -> np.ndarray:
        """Fold id per row: the context's folds, or the fewest (at least 2) equal folds
        whose training part (the other folds) still holds max_fit_rows rows."""
        n, k = context.n, context.n_folds
        cap = self.max_fit_rows
        if cap is None or n * (k - 1) / k <= cap:
            return context.folds
        fewest = max(2, int(np.ceil(n / (n - cap))))
        if fewest >= k:
            return context.folds
        return fold_ids(n, fewest, [context.random_state, fewest])

    def _train_rows(self, context: CleaningContext, folds: np.ndarray, f: int) -> np.ndarray:
        train = np.flatnonzero(folds != f)
        if self.max_fit_rows is not None and train.size > self.max_fit_rows:
            rng = np.random.default_rng([context.random_state, f])
            train = np.sort(rng.choice(train, self.max_fit_rows, replace=False))
        return train

    def evidence(self, context: CleaningContext, codes: np.ndarray,
                 n_classes: Sequence[int]) -> list[Evidence | None]:
        from wsc.reannotation.noisy_logistic import NoiseAwareLogistic

        multi = [j for j, K in enumerate(n_classes) if K >= 2]
        if not multi:
            return [None] * len(n_classes)
        X, n = context.X, context.n
        sizes = [n_classes[j] for j in multi]
        proba = [np.zeros((n, K)) for K in sizes]
        true_proba = [np.zeros((n, K)) for K in sizes]
        likelihood = [np.ones((n, K)) for K in sizes]
        folds = self.folds(context)
        n_folds = int(folds.max()) + 1
        context.progress(f"noise-aware classifier ({n_folds} folds, {context.n_jobs} at a time)")

        def fold_data(f: int) -> tuple[np.ndarray, np.ndarray, list[int]]:
            train = self._train_rows(context, folds, f)
            sub = codes[np.ix_(train, multi)]
            fitted = [c for c in range(len(multi)) if np.unique(sub[sub[:, c] >= 0, c]).size >= 2]
            return train, sub, fitted

        def fit(f: int) -> tuple[int, np.ndarray, list[int], NoiseAwareLogistic | None]:
            train, sub, fitted = fold_data(f)
            model = NoiseAwareLogistic(C=self.C).fit(X[train], sub[:, fitted]) if fitted else None
            return f, train, fitted, model

        if context.client is None:
            fits = map_threads(fit, range(n_folds), context.n_jobs,
                               context.reporter("classifier fold"))
        else:   # one task per fold on the cluster
            from wsc.reannotation.dask import fit_folds
            fits = fit_folds(context.client, fold_data, X, self.C, n_folds,
                             context.reporter("classifier fold"))
        for f, train, fitted, model in fits:
            test = folds == f
            for c, j in enumerate(multi):
                if c not in fitted:      # one class seen in training: it is certain there
                    present = np.unique(codes[train][codes[train, j] >= 0, j])
                    proba[c][np.ix_(test, present)] = 1.0
                    true_proba[c][np.ix_(test, present)] = 1.0
                    continue
                col = fitted.index(c)
                cls = model.classes_[col]
                proba[c][np.ix_(test, cls)] = model.predict_proba(X[test], col)
                true_proba[c][np.ix_(test, cls)] = model.predict_true_proba(X[test], col)
                rows = np.flatnonzero(test & np.isin(codes[:, j], cls))
                if rows.size:
                    weak = np.searchsorted(cls, codes[rows, j])
                    likelihood[c][rows] = 0.0
                    likelihood[c][np.ix_(rows, cls)] = model.weak_likelihood(X[rows], weak, col)
        out: list[Evidence | None] = [None] * len(n_classes)
        for c, j in enumerate(multi):
            P = np.clip(proba[c], 1e-6, None)
            out[j] = Evidence(P / P.sum(axis=1, keepdims=True), true_proba[c], likelihood[c])
        return out


@dataclass
class PrecomputedProba:
    """The user's own out-of-sample P(weak label | x), one (n, K) array per column in that
    column's class order (`WSC.classes_`); None for a column it does not cover."""

    probas: Sequence[np.ndarray | None]
    name: str = "precomputed"

    def evidence(self, context: CleaningContext, codes: np.ndarray,
                 n_classes: Sequence[int]) -> list[Evidence | None]:
        if len(self.probas) != len(n_classes):
            raise ValueError(f"source {self.name!r}: {len(self.probas)} probability arrays for "
                             f"{len(n_classes)} label columns")
        out: list[Evidence | None] = []
        for j, (P, K) in enumerate(zip(self.probas, n_classes)):
            if P is None:
                out.append(None)
                continue
            P = np.asarray(P, dtype=np.float64)
            if P.shape != (context.n, K) or not np.all(np.isfinite(P)) or (P < 0).any():
                raise ValueError(f"source {self.name!r}, column {j}: need finite non-negative "
                                 f"probabilities of shape {(context.n, K)}, got {P.shape}")
            P = np.clip(P, 1e-6, None)
            out.append(Evidence(P / P.sum(axis=1, keepdims=True)))
        return out
