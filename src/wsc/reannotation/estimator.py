"""`WSC`: the whole cleaner, scikit-learn style: fit(X, Y) -> cleaned labels per column."""
from __future__ import annotations

from typing import Callable

import numpy as np

from wsc.reannotation.column import (ColumnResult, clean_evidence, clean_paper, embed,
                                     louvain_clusters, rank_order_clusters)
from wsc.reannotation.evidence import (crossfit_classifier_proba, crossfit_wse_neighbors,
                                       fold_ids)
from wsc.reannotation.votes import encode_labels

MODES = ("evidence", "paper")
GROUPINGS = ("auto", "per_label", "combinations", "joint")
CLUSTERINGS = ("rank_order", "louvain")


def auto_graph_neighbors(n: int) -> int:
    """Graph k for the WSE when not given: about 1% of the rows, between 10 and 100."""
    return int(np.clip(n // 100, 10, 100))


def combination_groups(codes: np.ndarray) -> np.ndarray:
    """One group per combination of the columns' weak labels; rows with an unknown join none."""
    complete = (codes >= 0).all(axis=1)
    groups = np.full(codes.shape[0], -1, dtype=np.int64)
    if complete.any():
        _, groups[complete] = np.unique(codes[complete], axis=0, return_inverse=True)
    return groups


class WSC:
    """Weakly supervised clustering: clean noisy categorical labels (one or more columns).

    mode 'evidence' (default): held-out neighbour/classifier/WSE evidence pooled per column,
    the annotator's noise estimated without true labels, a row kept when its posterior
    reaches min_confidence (pruning at most 1 - min_coverage of the rows). mode 'paper':
    WSE -> rank-order clusters -> cluster majority with pruning (min_cluster_size,
    min_majority). Both report the rank-order clusters of the WSE embedding. groups:
    'per_label' (one WSE per column), 'combinations' (one WSE whose groups are the
    combinations of all columns' weak labels), 'joint' (one WSE whose group term is the sum
    of every column's scatter, `MultiGroupScatter`) or 'auto' (combinations in evidence mode,
    per_label in paper mode: the measured choices, see docs/cleaning.md). reembed: a second
    pass whose WSE groups are the first pass's cleaned labels (pruned rows join no group),
    votes still on the weak labels. clustering: 'rank_order' (the paper) or 'louvain'
    (Louvain communities of the embedding's symmetrised kNN graph, seeded).
    Fitted: labels_ (cleaned values; NaN/None where pruned), confidence_, clusters_, kept_,
    classes_ (per column), details_ (per column diagnostics).
    """

    def __init__(self, mode: str = "evidence", n_components: int = 10, lam: float = 1.0,
                 n_neighbors: int | str = "auto", cluster_neighbors: int = 50,
                 threshold: float | str = "auto", vote_neighbors: int = 10, n_folds: int = 5,
                 min_cluster_size: int = 3, min_majority: float = 0.5,
                 min_confidence: float = 0.7, min_coverage: float = 0.95, groups: str = "auto",
                 reembed: bool = False, clustering: str = "rank_order",
                 random_state: int = 0, progress: Callable[[str], None] | None = None) -> None:
        self.mode = mode
        self.n_components = n_components
        self.lam = lam
        self.n_neighbors = n_neighbors
        self.cluster_neighbors = cluster_neighbors
        self.threshold = threshold
        self.vote_neighbors = vote_neighbors
        self.n_folds = n_folds
        self.min_cluster_size = min_cluster_size
        self.min_majority = min_majority
        self.min_confidence = min_confidence
        self.min_coverage = min_coverage
        self.groups = groups
        self.reembed = reembed
        self.clustering = clustering
        self.random_state = random_state
        self.progress = progress

    def _say(self, message: str) -> None:
        if self.progress is not None:
            self.progress(message)

    def _check(self, X: np.ndarray, Y: np.ndarray) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")
        if self.groups not in GROUPINGS:
            raise ValueError(f"groups must be one of {GROUPINGS}, got {self.groups!r}")
        if self.clustering not in CLUSTERINGS:
            raise ValueError(f"clustering must be one of {CLUSTERINGS}, got {self.clustering!r}")
        if X.ndim != 2 or X.shape[0] != Y.shape[0]:
            raise ValueError(f"X must be (n, d) with one row per label row; got X {X.shape}, "
                             f"Y {Y.shape}")
        for name, low, high in (("min_majority", 0.0, 1.0), ("min_confidence", 0.0, 1.0),
                                ("min_coverage", 0.0, 1.0)):
            value = getattr(self, name)
            if not low <= value <= high:
                raise ValueError(f"{name} must be between {low:g} and {high:g}, got {value!r}")
        if not np.all(np.isfinite(X)):
            raise ValueError("X has NaN or infinite values")
        if X.shape[0] <= 3 * self.vote_neighbors:
            raise ValueError(f"need more than 3 * vote_neighbors = {3 * self.vote_neighbors} "
                             f"rows, got {X.shape[0]}")

    def fit(self, X, Y) -> "WSC":
        """Clean every column of Y (n,) or (n, m) given features X (n, d)."""
        X = np.asarray(X, dtype=np.float32)
        Y_in = np.asarray(Y, dtype=object)
        Y2 = Y_in.reshape(-1, 1) if Y_in.ndim == 1 else Y_in
        self._check(X, Y2)
        n, m = Y2.shape
        encoded = [encode_labels(Y2[:, j]) for j in range(m)]
        codes = np.stack([c for c, _ in encoded], axis=1)
        self.classes_ = [classes for _, classes in encoded]
        results = self._clean(X, codes, codes)
        if self.reembed:
            self._say("second pass: embedding with the cleaned labels")
            cleaned = np.stack([r.codes for r in results], axis=1)
            # a column cleaned into fewer than two groups cannot guide a WSE: keep its weak labels
            single = [np.unique(c[c >= 0]).size < 2 for c in cleaned.T]
            cleaned[:, single] = codes[:, single]
            results = self._clean(X, codes, cleaned)
        self._store(results, Y_in.ndim == 1)
        return self

    def _clean(self, X: np.ndarray, codes: np.ndarray, group_codes: np.ndarray
               ) -> list[ColumnResult]:
        """One pass: WSE embeddings guided by group_codes (n, m), votes on the weak codes."""
        n, m = codes.shape
        k_graph = auto_graph_neighbors(n) if self.n_neighbors == "auto" else int(self.n_neighbors)
        wse_params = dict(n_components=min(self.n_components, n - 1), lam=self.lam,
                          n_neighbors=min(k_graph, n - 1))
        k_cluster = min(self.cluster_neighbors, n - 1)
        evidence = self.mode == "evidence"
        shared_clusters = shared_wse = None
        if evidence:
            from wsc.graph.knn import kneighbors

            folds = fold_ids(n, self.n_folds, self.random_state)
            self._say("nearest neighbours in the features")
            feature_neighbors, _ = kneighbors(X, min(3 * self.vote_neighbors, n - 1),
                                              random_state=self.random_state)
            multi = [j for j in range(m) if len(self.classes_[j]) >= 2]
            self._say(f"noise-aware classifier ({self.n_folds} folds)")
            classifier = dict(zip(multi, crossfit_classifier_proba(
                X, codes[:, multi], [len(self.classes_[j]) for j in multi], folds)))
        grouping = self.groups if self.groups != "auto" else \
            ("combinations" if evidence else "per_label")
        if grouping in ("combinations", "joint"):
            two_or_more = [len(c) >= 2 for c in self.classes_]
            groups = combination_groups(group_codes) if grouping == "combinations" else \
                group_codes[:, two_or_more]
            self._say(f"embedding with {grouping} groups")
            E = embed(X, groups, wse_params, self.random_state)
            shared_clusters = self._clusters(E, k_cluster, self.threshold, self.random_state)
            if evidence:
                self._say(f"held-out embeddings ({self.n_folds} folds)")
                shared_wse = crossfit_wse_neighbors(X, groups, folds, self.vote_neighbors,
                                                    wse_params, self.random_state)
        results: list[ColumnResult] = []
        for j in range(m):
            n_classes = len(self.classes_[j])
            if shared_clusters is None:
                self._say(f"column {j + 1}/{m}: embedding and rank-order clustering")
                E = embed(X, group_codes[:, j], wse_params, self.random_state)
                clusters, cinfo = self._clusters(E, k_cluster, self.threshold,
                                                 self.random_state)
            else:
                clusters, cinfo = shared_clusters
            if not evidence or n_classes < 2:
                result = clean_paper(codes[:, j], n_classes, clusters, self.min_cluster_size,
                                     self.min_majority)
            else:
                self._say(f"column {j + 1}/{m}: held-out evidence ({self.n_folds} folds)")
                wse_neighbors = shared_wse if shared_wse is not None else crossfit_wse_neighbors(
                    X, group_codes[:, j], folds, self.vote_neighbors, wse_params,
                    self.random_state)
                result = clean_evidence(codes[:, j], n_classes, clusters, folds,
                                        feature_neighbors, wse_neighbors, classifier[j],
                                        self.vote_neighbors, self.min_confidence,
                                        self.min_coverage)
            result.info.update(cinfo)
            results.append(result)
        return results

    def _clusters(self, E: np.ndarray, k: int, threshold, random_state: int
                  ) -> tuple[np.ndarray, dict]:
        if self.clustering == "louvain":
            return louvain_clusters(E, k, random_state)
        return rank_order_clusters(E, k, threshold, random_state)

    def _store(self, results: list[ColumnResult], one_column: bool) -> None:
        """Fitted attributes from the per-column results, 1-D when Y was 1-D."""
        columns = []
        for result, classes in zip(results, self.classes_):
            numeric = np.issubdtype(np.asarray(classes).dtype, np.number)
            values = np.asarray(classes)[np.maximum(result.codes, 0)]
            values = values.astype(float if numeric else object)
            values[result.codes < 0] = np.nan if numeric else None
            columns.append(values)
        self.labels_ = np.stack(columns, axis=1) if len({c.dtype for c in columns}) == 1 else \
            np.stack([c.astype(object) for c in columns], axis=1)
        self.label_codes_ = np.stack([r.codes for r in results], axis=1)
        self.confidence_ = np.stack([r.confidence for r in results], axis=1)
        self.clusters_ = np.stack([r.clusters for r in results], axis=1)
        self.kept_ = np.stack([r.kept for r in results], axis=1)
        self.details_ = [r.info for r in results]
        if one_column:
            for name in ("labels_", "label_codes_", "confidence_", "clusters_", "kept_"):
                setattr(self, name, getattr(self, name)[:, 0])

    def fit_transform(self, X, Y) -> np.ndarray:
        """Fit and return the cleaned labels."""
        return self.fit(X, Y).labels_
