"""Which posterior the evidence mode uses: the classifier's own noise model or the pooled one."""
import numpy as np

from wsc.reannotation.decision import MIN_CLASS_ROWS, decide
from wsc.reannotation.noise import clean_posterior, match_prior
from wsc.reannotation.sources import Evidence


def _evidence(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 2, n)
    uninformed = np.full((n, 2), 0.5)                               # votes that know nothing
    p_weak = np.where(codes[:, None] == np.arange(2), 0.9, 0.1)   # a classifier that does
    likelihood = np.where(codes[:, None] == np.arange(2), 0.8, 0.2)   # T(x)[c, weak]
    evidence = {"knn": Evidence(uninformed), "logistic": Evidence(p_weak, p_weak.copy(), likelihood)}
    return codes, evidence


def test_classifier_posterior_when_it_carries_the_evidence():
    codes, evidence = _evidence(2000)
    d = decide(evidence, codes, 2, 0.7, 0.95)
    assert d.weights[d.sources.index("logistic")] > 0.5
    assert d.posterior_from == "logistic"
    expected = np.where(codes[:, None] == np.arange(2), 0.9 * 0.8, 0.1 * 0.2)
    prior = evidence["logistic"].true_proba.mean(axis=0)
    np.testing.assert_allclose(d.posterior, match_prior(
        expected / expected.sum(axis=1, keepdims=True), prior))
    np.testing.assert_allclose(d.posterior.mean(axis=0), prior, atol=1e-8)


def test_trusted_classifier_sets_the_class_shares():
    """Where the noise-aware classifier carries the pool, the posterior's class shares are
    the ones its P(true | x) implies, even when the weak labels over-use a class."""
    rng = np.random.default_rng(1)
    n = 3000
    codes = np.where(rng.random(n) < 0.4, 1, 0)                   # class 1 over-labelled
    p_weak = np.where(codes[:, None] == np.arange(2), 0.85, 0.15)
    true_proba = np.where(codes[:, None] == np.arange(2), 0.6, 0.4)
    true_proba[:, 1] *= 0.5                                        # it sees fewer of class 1
    true_proba /= true_proba.sum(axis=1, keepdims=True)
    evidence = {"knn": Evidence(np.full((n, 2), 0.5)),
                "logistic": Evidence(p_weak, true_proba,
                                     np.where(codes[:, None] == np.arange(2), 0.8, 0.2))}
    d = decide(evidence, codes, 2, 0.0, 1.0)
    assert d.weights[d.sources.index("logistic")] > 0.5
    np.testing.assert_allclose(d.posterior.mean(axis=0), true_proba.mean(axis=0), atol=1e-8)
    assert d.posterior[:, 1].mean() < 0.35                          # was 0.4 and more


def test_untrusted_classifier_leaves_the_class_shares():
    """A noise-aware classifier the pool does not trust changes nothing: the pooled
    posterior, unshifted."""
    rng = np.random.default_rng(2)
    n = 1000
    codes = rng.integers(0, 2, n)
    informed = np.where(codes[:, None] == np.arange(2), 0.9, 0.1)
    flat = np.full((n, 2), 0.5)
    skewed = np.tile([0.9, 0.1], (n, 1))
    evidence = {"knn": Evidence(informed), "logistic": Evidence(flat, skewed, flat.copy())}
    d = decide(evidence, codes, 2, 0.0, 1.0)
    assert d.weights[d.sources.index("logistic")] < 0.5
    assert d.posterior_from == "pooled"
    np.testing.assert_allclose(d.posterior, clean_posterior(
        sum(w * evidence[s].proba for w, s in zip(d.weights, d.sources)), d.transition, codes))


def test_match_prior_reweighs_classes():
    rng = np.random.default_rng(3)
    P = rng.dirichlet(np.full(4, 0.5), size=5000)
    prior = np.array([0.4, 0.3, 0.2, 0.1])
    q = match_prior(P, prior)
    np.testing.assert_allclose(q.mean(axis=0), prior, atol=1e-8)
    np.testing.assert_allclose(q.sum(axis=1), 1.0)
    ratio = np.log(q / P)
    spread = np.ptp(ratio - ratio[:, :1], axis=0)                 # one weight per class
    assert spread.max() < 1e-9
    np.testing.assert_allclose(match_prior(P, P.mean(axis=0)), P, atol=1e-12)


def test_pooled_posterior_on_few_rows_per_class():
    codes, evidence = _evidence(2 * MIN_CLASS_ROWS - 100)
    d = decide(evidence, codes, 2, 0.7, 0.95)
    assert d.weights[d.sources.index("logistic")] > 0.5
    assert d.posterior_from == "pooled"
