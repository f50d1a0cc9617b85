"""Which posterior the evidence mode uses: the classifier's own noise model or the pooled one."""
import numpy as np

from wsc.reannotation.decision import MIN_CLASS_ROWS, decide
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
    np.testing.assert_allclose(d.posterior, expected / expected.sum(axis=1, keepdims=True))


def test_pooled_posterior_on_few_rows_per_class():
    codes, evidence = _evidence(2 * MIN_CLASS_ROWS - 100)
    d = decide(evidence, codes, 2, 0.7, 0.95)
    assert d.weights[d.sources.index("logistic")] > 0.5
    assert d.posterior_from == "pooled"
