"""Cleaning one label column: the paper's pipeline and the evidence pipeline."""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from wsc.reannotation.evidence import held_out_vote, mixture_weights
from wsc.reannotation.noise import clean_posterior, estimate_transition, row_posterior
from wsc.reannotation.votes import cluster_majority, neighbour_proba

# Fewest rows per weak class for the classifier's own (per-row) noise model to be used.
MIN_CLASS_ROWS = 200
# Paper mode: no cluster holding more than this share of the rows is relabelled as a block
# (the rank-order threshold search refuses such partitions; one that remains is pruned).
MAX_CLUSTER_SHARE = 0.5


@dataclass
class ColumnResult:
    """Per-row outcome for one column (codes index the column's classes; -1 = pruned)."""

    codes: np.ndarray
    confidence: np.ndarray
    clusters: np.ndarray
    kept: np.ndarray
    info: dict = field(default_factory=dict)


def embed(X: np.ndarray, groups: np.ndarray, wse_params: dict, random_state: int) -> np.ndarray:
    """WSE embedding of X guided by integer groups (-1 = none), rows L2-normalised."""
    from wsc.embedding.wse import WeaklySupervisedEmbedding

    E = WeaklySupervisedEmbedding(random_state=random_state, **wse_params).fit_transform(X, groups)
    return E / np.maximum(np.linalg.norm(E, axis=1, keepdims=True), 1e-12)


def rank_order_clusters(E: np.ndarray, n_neighbors: int, threshold: float | str,
                        random_state: int, max_share: float | None = None
                        ) -> tuple[np.ndarray, dict]:
    """Approximate rank-order clusters of an embedding, with the threshold curve; the
    automatic threshold refuses partitions with a cluster over max_share of the rows
    (default MAX_CLUSTER_SHARE), halving k where every threshold gives one."""
    max_share = MAX_CLUSTER_SHARE if max_share is None else max_share
    from wsc.clustering.estimator import RankOrderClustering

    roc = RankOrderClustering(n_neighbors=n_neighbors, threshold=threshold,
                              max_cluster_share=max_share,
                              random_state=random_state).fit(E)
    return roc.labels_, {"threshold": roc.threshold_, "n_clusters": roc.n_clusters_,
                         "curve": roc.curve_, "cluster_neighbors": roc.n_neighbors_,
                         "largest_share": roc.largest_share_}


def clean_paper(codes: np.ndarray, n_classes: int, clusters: np.ndarray, min_cluster_size: int,
                min_majority: float, max_share: float | None = None) -> ColumnResult:
    """Paper rule: cluster majority of the weak labels, tiny or split clusters pruned.

    A cluster holding more than max_share of the rows is never relabelled as a block: its
    rows are pruned, with a warning, and listed in info['oversize_clusters'] (id, rows);
    max_share defaults to MAX_CLUSTER_SHARE."""
    max_share = MAX_CLUSTER_SHARE if max_share is None else max_share
    labels, confidence, kept = cluster_majority(clusters, codes, n_classes, min_cluster_size,
                                                min_majority)
    sizes = np.bincount(clusters)
    oversize = np.flatnonzero(sizes > max_share * clusters.size)
    if oversize.size:
        block = np.isin(clusters, oversize)
        labels, kept = np.where(block, -1, labels), kept & ~block
        warnings.warn(f"paper mode: {int(block.sum())} of {clusters.size} rows are in "
                      f"clusters holding over {max_share:.0%} of the data; pruned, not "
                      "relabelled as a block", RuntimeWarning, stacklevel=2)
    info = {"oversize_clusters": [(int(c), int(sizes[c])) for c in oversize]}
    return ColumnResult(labels, confidence, clusters, kept, info)


def keep_confident(confidence: np.ndarray, min_confidence: float,
                   min_coverage: float) -> np.ndarray:
    """Keep rows at or above min_confidence; if that keeps under min_coverage of the rows,
    keep the most confident min_coverage share instead (ties kept together)."""
    kept = confidence >= min_confidence
    if kept.mean() < min_coverage:
        cutoff = np.quantile(confidence, 1.0 - min_coverage, method="lower")
        kept = confidence >= cutoff
    return kept


def clean_evidence(codes: np.ndarray, n_classes: int, clusters: np.ndarray, folds: np.ndarray,
                   feature_neighbors: np.ndarray, wse_neighbors: np.ndarray,
                   classifier: tuple[np.ndarray, np.ndarray, np.ndarray], vote_neighbors: int,
                   min_confidence: float, min_coverage: float) -> ColumnResult:
    """Pool held-out evidence sources, estimate the annotator's noise, keep confident posteriors.

    Sources: neighbour votes in the features (k and all of `feature_neighbors`, 3k), the
    cross-fitted noise-aware logistic regression (`classifier`: its P(weak | x), P(true | x)
    and each row's T(x)[c, weak]) and a neighbour vote in cross-fitted WSE
    embeddings; pooled by held-out weak-label likelihood. When the classifier carries at
    least half of the pooled weight and every weak class has at least MIN_CLASS_ROWS rows,
    its own posterior P(true | x) T(x)[true, weak] is used (it models noise that varies
    from image to image; on fewer rows its T(x) drifts to the identity, the classifier's
    own uncertainty absorbing the annotator's errors); otherwise the pooled P(weak | x) is
    inverted through one noise matrix estimated by the confident joint. Rows whose posterior
    is below min_confidence are pruned, least confident first, but never more than a
    (1 - min_coverage) share.
    """
    p_weak, p_true, likelihood = classifier
    sources = {
        "knn": neighbour_proba(feature_neighbors[:, :vote_neighbors], codes, n_classes),
        "knn_wide": neighbour_proba(feature_neighbors, codes, n_classes),
        "logistic": p_weak,
        "wse_knn": held_out_vote(wse_neighbors, codes, n_classes, folds),
    }
    weights = dict(zip(sources, mixture_weights(list(sources.values()), codes)))
    pooled = sum(weights[name] * p for name, p in sources.items())
    T = estimate_transition(pooled, codes)
    counts = np.bincount(codes[codes >= 0], minlength=n_classes)
    use_classifier = bool(weights["logistic"] >= 0.5 and counts.min() >= MIN_CLASS_ROWS)
    posterior = row_posterior(p_true, likelihood) if use_classifier else \
        clean_posterior(pooled, T, codes)
    confidence = posterior.max(axis=1)
    kept = keep_confident(confidence, min_confidence, min_coverage)
    labels = np.where(kept, posterior.argmax(axis=1), -1)
    info = {"weights": {name: round(float(w), 3) for name, w in weights.items()},
            "transition": T,
            "posterior_from": "classifier" if use_classifier else "pooled",
            "posterior": posterior}
    return ColumnResult(labels, confidence, clusters, kept, info)


def louvain_clusters(E: np.ndarray, n_neighbors: int, random_state: int
                     ) -> tuple[np.ndarray, dict]:
    """Louvain communities (networkx, seeded) of the symmetrised unweighted kNN graph of E."""
    import networkx as nx

    from wsc.graph.knn import kneighbors

    indices, _ = kneighbors(E, n_neighbors, random_state=random_state)
    G = nx.Graph()
    G.add_nodes_from(range(E.shape[0]))
    G.add_edges_from(zip(np.repeat(np.arange(E.shape[0]), indices.shape[1]).tolist(),
                         indices.ravel().tolist()))
    communities = nx.community.louvain_communities(G, seed=random_state)
    labels = np.empty(E.shape[0], dtype=np.int64)
    for c, members in enumerate(sorted(communities, key=min)):
        labels[list(members)] = c
    return labels, {"threshold": None, "n_clusters": len(communities), "curve": None}
