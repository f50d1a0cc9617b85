"""The default mode's decision: a clean posterior from pooled evidence, pruning the unclear.

Evidence in, decision out (cleanlab's `filter.py` shape): everything here is a function of
the sources' held-out probabilities and the weak labels.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wsc.reannotation.noise import (clean_posterior, estimate_transition, match_prior,
                                   row_posterior)
from wsc.reannotation.pooling import mixture_weights, pool
from wsc.reannotation.sources import Evidence

# Fewest rows per weak class for a source's own (per-row) noise model to be used.
MIN_CLASS_ROWS = 200


@dataclass
class Decision:
    """One column's outcome. codes: cleaned class index (-1 = pruned); posterior (n, K):
    P(true | x, weak); transition (K, K): the pooled noise estimate T[c, a] = P(weak a | true c);
    weights: each source's pooled weight, in `sources` order; posterior_from: the name of the
    source whose own noise model gave the posterior, or 'pooled'."""

    codes: np.ndarray
    confidence: np.ndarray
    kept: np.ndarray
    posterior: np.ndarray
    transition: np.ndarray
    sources: list[str]
    weights: np.ndarray
    posterior_from: str


def keep_confident(confidence: np.ndarray, min_confidence: float,
                   min_coverage: float) -> np.ndarray:
    """Keep rows at or above min_confidence; if that keeps under min_coverage of the rows,
    keep the most confident min_coverage share instead (ties kept together)."""
    kept = confidence >= min_confidence
    if kept.mean() < min_coverage:
        cutoff = np.quantile(confidence, 1.0 - min_coverage, method="lower")
        kept = confidence >= cutoff
    return kept


def decide(evidence: dict[str, Evidence], codes: np.ndarray, n_classes: int,
           min_confidence: float, min_coverage: float) -> Decision:
    """Pool the sources, estimate the annotator's noise, keep confident posteriors.

    The sources are pooled by held-out weak-label likelihood. When a source with its own
    noise model (P(true | x) and T(x)[c, weak], the noise-aware classifier) carries at
    least half of the pooled weight and every weak class has at least MIN_CLASS_ROWS rows,
    its posterior P(true | x) T(x)[true, weak] is used (it models noise that varies from
    image to image; on fewer rows its T(x) drifts to the identity, the classifier's own
    uncertainty absorbing the annotator's errors); otherwise the pooled P(weak | x) is
    inverted through one noise matrix estimated by the confident joint. Where that source
    carries half of the weight, the posterior's class shares are then set to the ones its
    P(true | x) implies (`match_prior`): on real faces the annotator's own shares (fear
    five times too often) otherwise survive the cleaning. Rows whose
    posterior is below min_confidence are pruned, least confident first, but never more
    than a (1 - min_coverage) share.
    """
    names = list(evidence)
    weights = mixture_weights([evidence[s].proba for s in names], codes)
    pooled = pool([evidence[s].proba for s in names], weights)
    T = estimate_transition(pooled, codes)
    counts = np.bincount(codes[codes >= 0], minlength=n_classes)
    own = [i for i, s in enumerate(names) if evidence[s].likelihood is not None]
    best = max(own, key=lambda i: weights[i]) if own else None
    trusted = evidence[names[best]] if best is not None and weights[best] >= 0.5 else None
    if trusted is not None and counts.min() >= MIN_CLASS_ROWS:
        posterior = row_posterior(trusted.true_proba, trusted.likelihood)
        source = names[best]
    else:
        posterior, source = clean_posterior(pooled, T, codes), "pooled"
    if trusted is not None:   # the class shares its P(true | x) implies (docs/cleaning.md)
        posterior = match_prior(posterior, trusted.true_proba.mean(axis=0))
    confidence = posterior.max(axis=1)
    kept = keep_confident(confidence, min_confidence, min_coverage)
    labels = np.where(kept, posterior.argmax(axis=1), -1)
    return Decision(labels, confidence, kept, posterior, T, names, weights, source)
