"""`WSC`: the whole cleaner, scikit-learn style: fit(X, Y) -> cleaned labels per column.

A thin estimator over plain parts: one `CleaningContext` per fit (folds, the neighbour
search, the WSE graph), evidence sources (`wsc.reannotation.sources`), the pooled decision
(`decision.decide`) or the paper's cluster majority (`paper.cluster_majority`).
"""
from __future__ import annotations

import contextlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from numbers import Integral, Real
from typing import Any, Callable, Sequence

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import validate_data

from wsc.reannotation.clusters import (MAX_CLUSTER_SHARE, Clusters, context_clusters,
                                       rank_order_clusters)
from wsc.reannotation.context import (CleaningContext, auto_graph_neighbors, build_context,
                                      large)
from wsc.reannotation.dask import on_cluster
from wsc.reannotation.decision import decide
from wsc.reannotation.paper import KEPT, Abstentions, cluster_majority, prune_oversize
from wsc.reannotation.sources import (EmbeddingVote, EvidenceSource, NeighbourVote,
                                      NoiseAwareClassifier, combination_groups)
from wsc.reannotation.votes import encode_labels
from wsc.threads import cleaner_threads, map_threads

# Large data: feature neighbours searched per rank-order list entry; the lists in an
# embedding are the nearest of them there (no search of each embedding, docs/scale.md).
CANDIDATES_PER_LIST = 2


class WSC(BaseEstimator):
    """Weakly supervised clustering: clean noisy categorical labels (one or more columns).

    mode 'evidence' (default): held-out evidence (feature neighbour votes, a cross-fitted
    noise-aware classifier, neighbour votes in cross-fitted WSE embeddings, and any
    `extra_sources`) pooled per column, the annotator's noise estimated without true labels,
    a row kept when its posterior reaches min_confidence (pruning at most 1 - min_coverage
    of the rows). mode 'paper': WSE -> rank-order clusters -> cluster majority with pruning
    (min_cluster_size, min_majority). Both report the rank-order clusters of a WSE
    embedding. groups: 'per_label' (one WSE per column), 'combinations' (one WSE whose
    groups are the combinations of all columns' weak labels) or 'auto' (combinations in
    evidence mode, per_label in paper mode: the measured choices, docs/cleaning.md).
    max_fit_rows: most training rows per fold of the noise-aware classifier (docs/scale.md).
    n_jobs: threads for independent work (folds); BLAS always runs on one (wsc.threads).
    client: a `distributed.Client`: the neighbour search, the WSE products and the
    classifier's folds run on its cluster (docs/dask.md), with the same result; None: here.

    Fitted: labels_ (cleaned values; NaN/None where pruned), label_codes_ (-1 = pruned),
    confidence_, clusters_, kept_ (1-D when Y was), classes_ (per column), and per column:
    posterior_ ((n, K) or None in paper mode), transition_ ((K, K) noise estimate or None),
    source_weights_ (source name -> pooled weight), posterior_from_, cluster_threshold_,
    n_clusters_, oversize_clusters_ (paper mode: (cluster, rows) pruned as over half the data),
    abstentions_ (columns given their cluster majority, as in paper mode: the pruned rows by
    reason, `paper.Abstentions`; else None).
    n_graph_neighbors_, source_names_, timings_ (seconds per stage).
    """

    _parameter_constraints: dict = {
        "mode": [StrOptions({"evidence", "paper"})],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "lam": [Interval(Real, 0, None, closed="left")],
        "n_neighbors": [Interval(Integral, 2, None, closed="left"), StrOptions({"auto"})],
        "cluster_neighbors": [Interval(Integral, 2, None, closed="left")],
        "threshold": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "vote_neighbors": [Interval(Integral, 1, None, closed="left")],
        "n_folds": [Interval(Integral, 2, None, closed="left")],
        "min_cluster_size": [Interval(Integral, 1, None, closed="left")],
        "min_majority": [Interval(Real, 0, 1, closed="both")],
        "min_confidence": [Interval(Real, 0, 1, closed="both")],
        "min_coverage": [Interval(Real, 0, 1, closed="both")],
        "groups": [StrOptions({"auto", "per_label", "combinations"})],
        "max_fit_rows": [Interval(Integral, 1, None, closed="left"), None],
        "extra_sources": [list, tuple],
        "n_jobs": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
        "progress": [callable, None],
        "client": [HasMethods(["submit", "gather", "nthreads"]), None],
    }

    def __init__(self, mode: str = "evidence", n_components: int = 10, lam: float = 1.0,
                 n_neighbors: int | str = "auto", cluster_neighbors: int = 50,
                 threshold: float | str = "auto", vote_neighbors: int = 10, n_folds: int = 5,
                 min_cluster_size: int = 3, min_majority: float = 2 / 3,
                 min_confidence: float = 0.7, min_coverage: float = 0.95, groups: str = "auto",
                 max_fit_rows: int | None = 50_000,
                 extra_sources: Sequence[EvidenceSource] = (), n_jobs: int | None = None,
                 random_state: int = 0, progress: Callable[[str], None] | None = None,
                 client: Any = None) -> None:
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
        self.max_fit_rows = max_fit_rows
        self.extra_sources = extra_sources
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.progress = progress
        self.client = client

    def __sklearn_clone__(self) -> "WSC":
        """A clone sharing the same Dask client (a connection is not copied: scikit-learn's
        clone would deep-copy it, which a live Client refuses)."""
        params = self.get_params(deep=False)
        client = params.pop("client")
        return type(self)(**{k: clone(v, safe=False) for k, v in params.items()}, client=client)

    def _check_data(self, X: np.ndarray, Y: np.ndarray) -> None:
        if X.ndim != 2 or X.shape[0] != Y.shape[0]:
            raise ValueError(f"X must be (n, d) with one row per label row; got X {X.shape}, "
                             f"Y {Y.shape}")
        needed = max(3 * self.vote_neighbors, self.cluster_neighbors)
        if X.shape[0] <= needed:
            raise ValueError(f"need more than {needed} rows (3 * vote_neighbors, "
                             f"cluster_neighbors), got {X.shape[0]}")

    def fit(self, X, Y, trusted=None) -> "WSC":
        """Clean every column of Y (n,) or (n, m) given features X (n, d). trusted: optional
        labels of the same shape (unknown where not reviewed) that are known to be right:
        they replace those rows' weak labels as evidence and are kept as they are."""
        self._validate_params()
        X = validate_data(self, X, dtype=np.float32, ensure_min_samples=2)
        Y_in = np.asarray(Y, dtype=object)
        Y2 = Y_in.reshape(-1, 1) if Y_in.ndim == 1 else Y_in
        self._check_data(X, Y2)
        encoded = [encode_labels(Y2[:, j]) for j in range(Y2.shape[1])]
        codes = np.stack([c for c, _ in encoded], axis=1)
        self.classes_ = [classes for _, classes in encoded]
        fixed = self._trusted_codes(trusted, Y2.shape)
        codes = np.where(fixed >= 0, fixed, codes)
        self.timings_: dict[str, float] = {}
        self._lock = threading.Lock()
        cluster = contextlib.nullcontext() if self.client is None else on_cluster(self.client)
        with cleaner_threads(self.n_jobs) as jobs, cluster:
            context = self._context(X, jobs)
            if self.mode == "evidence":
                self._fit_evidence(context, codes)
            else:
                self._fit_paper(context, codes)
        self._apply_trusted(fixed)
        self._store(Y_in.ndim == 1)
        del self._lock
        return self

    def _say(self, message: str) -> None:
        if self.progress is not None:
            self.progress(message)

    def _timed(self, stage: str, func, *args):
        """func(*args), its seconds added to timings_[stage] (summed over threads)."""
        start = time.perf_counter()
        out = func(*args)
        with self._lock:
            self.timings_[stage] = self.timings_.get(stage, 0.0) + time.perf_counter() - start
        return out

    def _context(self, X: np.ndarray, jobs: int) -> CleaningContext:
        n = X.shape[0]
        k = auto_graph_neighbors(n) if self.n_neighbors == "auto" else int(self.n_neighbors)
        self.n_graph_neighbors_ = min(k, n - 1)
        # the feature lists serve the votes and, on large data, re-ranked, the rank-order
        # lists in each embedding: CANDIDATES_PER_LIST candidates per list entry
        list_k = max(3 * self.vote_neighbors if self.mode == "evidence" else 0,
                     CANDIDATES_PER_LIST * self.cluster_neighbors if large(n) else 0)
        return self._timed("graph", lambda: build_context(
            X, n_folds=self.n_folds, graph_k=self.n_graph_neighbors_, list_k=list_k,
            random_state=self.random_state, n_jobs=jobs, progress=self._say,
            client=self.client))

    def _grouping(self) -> str:
        if self.groups != "auto":
            return self.groups
        return "combinations" if self.mode == "evidence" else "per_label"

    def _cluster(self, context: CleaningContext, E: np.ndarray) -> Clusters:
        """Rank-order clusters of one embedding: its lists searched (exactly) on small data,
        the shared feature neighbours re-ranked in it on large data, in the context's
        locality order (the same partition of the same embedding, fewer cache misses)."""
        k = min(self.cluster_neighbors, context.n - 1)
        if not large(context.n):
            return self._timed("rank-order", rank_order_clusters, E, k, self.threshold,
                               self.random_state)
        return self._timed("rank-order", context_clusters, context, E, k, self.threshold,
                           self.random_state)

    def _rank(self, n: int) -> int:
        """Embedding dimensions: n_components, fewer than the rows."""
        return min(self.n_components, n - 1)

    def _column_clusters(self, context: CleaningContext, codes: np.ndarray) -> list[Clusters]:
        """One partition per column: shared (combination groups) or one per column."""
        m = codes.shape[1]
        multi = [j for j in range(m) if len(self.classes_[j]) >= 2]
        if self._grouping() == "combinations":
            self._say("embedding with combinations groups and rank-order clustering")
            E = self._timed("embedding", context.embed, combination_groups(codes[:, multi]),
                            self.lam, self._rank(context.n))
            self._say("combinations embedding done; its rank-order clustering")
            part = self._cluster(context, E)
            self._say(f"rank-order clustering done: {part.n_clusters} clusters")
            return [part] * m
        self._say(f"embedding each of the {m} columns ({context.n_jobs} at a time)")
        embeddings = self._timed("embedding", context.embed_many, list(codes.T), self.lam,
                                 self._rank(context.n), "column embedding")
        if not large(context.n):      # small data: each clustering searches its embedding
            return [self._cluster(context, E) for E in embeddings]
        # large data: no search inside (faiss's threads never stack on these), the compiled
        # steps release the GIL, so the columns are clustered n_jobs at a time
        self._say(f"rank-order clustering of the {m} columns ({context.n_jobs} at a time)")
        return map_threads(lambda E: self._cluster(context, E), embeddings, context.n_jobs,
                           context.reporter("column clustering"))

    def _sources(self, n: int) -> list[EvidenceSource]:
        k = self.vote_neighbors
        return [NeighbourVote(k, "knn"), NeighbourVote(3 * k, "knn_wide"),
                NoiseAwareClassifier(max_fit_rows=self.max_fit_rows),
                EmbeddingVote(k, self.lam, self._rank(n), self._grouping()),
                *self.extra_sources]

    def _fit_evidence(self, context: CleaningContext, codes: np.ndarray) -> None:
        n_classes = [len(c) for c in self.classes_]
        sources = self._sources(context.n)
        names = [s.name for s in sources]
        if len(set(names)) != len(names):
            raise ValueError(f"evidence sources need distinct names, got {names}")
        self.source_names_ = names
        # the reported clusters need no evidence: they are computed on one more thread
        # alongside the sources, filling the cores the sources' fold rounds leave idle
        with ThreadPoolExecutor(max_workers=1) as side:
            pending = side.submit(self._column_clusters, context, codes)
            per_source = {s.name: self._timed(s.name, s.evidence, context, codes, n_classes)
                          for s in sources}
            clusters = pending.result()
        self._reset(codes.shape[1])
        for j, K in enumerate(n_classes):
            self._say(f"column {j + 1}/{len(n_classes)}: pooling the evidence")
            evidence = {name: out[j] for name, out in per_source.items() if out[j] is not None}
            if K < 2 or not evidence:
                self._paper_column(j, codes[:, j], K, clusters[j])
                continue
            d = decide(evidence, codes[:, j], K, self.min_confidence, self.min_coverage)
            self._set_column(j, d.codes, d.confidence, d.kept, clusters[j])
            self.posterior_[j], self.transition_[j] = d.posterior, d.transition
            self.source_weights_[j] = {s: float(w) for s, w in zip(d.sources, d.weights)}
            self.posterior_from_[j] = d.posterior_from

    def _fit_paper(self, context: CleaningContext, codes: np.ndarray) -> None:
        self.source_names_ = []
        clusters = self._column_clusters(context, codes)
        self._reset(codes.shape[1])
        for j, part in enumerate(clusters):
            self._paper_column(j, codes[:, j], len(self.classes_[j]), part)

    def _paper_column(self, j: int, codes: np.ndarray, n_classes: int, part: Clusters) -> None:
        labels, confidence, reasons = cluster_majority(part.labels, codes, n_classes,
                                                       self.min_cluster_size, self.min_majority)
        labels, self._reasons[j], self.oversize_clusters_[j] = prune_oversize(
            part.labels, labels, reasons, MAX_CLUSTER_SHARE)
        kept = self._reasons[j] == KEPT
        self._set_column(j, labels, confidence, kept, part)
        self.posterior_from_[j] = "cluster majority"

    def _reset(self, m: int) -> None:
        self._codes: list[np.ndarray] = [np.empty(0)] * m
        self._confidence: list[np.ndarray] = [np.empty(0)] * m
        self._kept: list[np.ndarray] = [np.empty(0)] * m
        self._cluster_labels: list[np.ndarray] = [np.empty(0)] * m
        self.posterior_: list[np.ndarray | None] = [None] * m
        self.transition_: list[np.ndarray | None] = [None] * m
        self.source_weights_: list[dict[str, float]] = [{} for _ in range(m)]
        self.posterior_from_: list[str] = [""] * m
        self.cluster_threshold_: list[float] = [np.nan] * m
        self.n_clusters_: list[int] = [0] * m
        self.cluster_curve_: list = [None] * m
        self.oversize_clusters_: list[list[tuple[int, int]]] = [[] for _ in range(m)]
        self._reasons: list[np.ndarray | None] = [None] * m     # paper mode, per row

    def _set_column(self, j: int, codes: np.ndarray, confidence: np.ndarray, kept: np.ndarray,
                    part: Clusters) -> None:
        self._codes[j], self._confidence[j], self._kept[j] = codes, confidence, kept
        self._cluster_labels[j] = part.labels
        self.cluster_threshold_[j], self.n_clusters_[j] = part.threshold, part.n_clusters
        self.cluster_curve_[j] = part.curve

    def _trusted_codes(self, trusted, shape: tuple[int, int]) -> np.ndarray:
        """Class codes (n, m) of the trusted labels, -1 where none; each trusted value must
        be one of its column's classes."""
        fixed = np.full(shape, -1, dtype=np.int64)
        if trusted is None:
            return fixed
        T = np.asarray(trusted, dtype=object)
        if T.size != shape[0] * shape[1] or T.shape[0] != shape[0]:
            raise ValueError(f"trusted must have the shape of Y {shape}, got {T.shape}")
        T = T.reshape(shape)
        for j, classes in enumerate(self.classes_):
            codes, values = encode_labels(T[:, j])
            unseen = [v for v in values.tolist() if v not in set(classes.tolist())]
            if unseen:
                raise ValueError(f"trusted labels of column {j} hold values that no weak label "
                                 f"has: {unseen[:3]}")
            if values.size:
                fixed[:, j] = np.where(codes >= 0, np.searchsorted(classes, values)[codes], -1)
        return fixed

    def _apply_trusted(self, fixed: np.ndarray) -> None:
        for j in range(fixed.shape[1]):
            rows = fixed[:, j] >= 0
            if rows.any():
                self._codes[j] = np.where(rows, fixed[:, j], self._codes[j])
                self._confidence[j] = np.where(rows, 1.0, self._confidence[j])
                self._kept[j] = self._kept[j] | rows
                if self._reasons[j] is not None:       # a reviewed row is kept
                    self._reasons[j] = np.where(rows, KEPT, self._reasons[j])

    def _store(self, one_column: bool) -> None:
        """Stacked fitted arrays from the per-column results, 1-D when Y was 1-D."""
        columns = []
        for codes, classes in zip(self._codes, self.classes_):
            numeric = np.issubdtype(np.asarray(classes).dtype, np.number)
            values = np.asarray(classes)[np.maximum(codes, 0)] if len(classes) else \
                np.zeros(codes.size)
            values = values.astype(float if numeric or not len(classes) else object)
            values[codes < 0] = np.nan if values.dtype == float else None
            columns.append(values)
        self.labels_ = np.stack(columns, axis=1) if len({c.dtype for c in columns}) == 1 else \
            np.stack([c.astype(object) for c in columns], axis=1)
        self.label_codes_ = np.stack(self._codes, axis=1)
        self.confidence_ = np.stack(self._confidence, axis=1)
        self.clusters_ = np.stack(self._cluster_labels, axis=1)
        self.kept_ = np.stack(self._kept, axis=1)
        self.abstentions_: list[Abstentions | None] = [
            None if r is None else Abstentions.count(r) for r in self._reasons]
        del self._codes, self._confidence, self._kept, self._cluster_labels, self._reasons
        if one_column:
            for name in ("labels_", "label_codes_", "confidence_", "clusters_", "kept_"):
                setattr(self, name, getattr(self, name)[:, 0])

    def fit_transform(self, X, Y, trusted=None) -> np.ndarray:
        """Fit and return the cleaned labels."""
        return self.fit(X, Y, trusted=trusted).labels_
