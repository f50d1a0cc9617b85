"""Which posterior the evidence mode uses: the classifier's own noise model or the pooled one."""
import numpy as np

from wsc.reannotation.column import MIN_CLASS_ROWS, clean_evidence


def _inputs(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 2, n)
    folds = rng.integers(0, 5, n)
    random_neighbours = rng.integers(0, n, (n, 30))          # votes that know nothing
    p_weak = np.where(codes[:, None] == np.arange(2), 0.9, 0.1)   # a classifier that does
    p_true = p_weak.copy()
    likelihood = np.where(codes[:, None] == np.arange(2), 0.8, 0.2)   # T(x)[c, weak]
    return codes, folds, random_neighbours, (p_weak, p_true, likelihood)


def test_classifier_posterior_when_it_carries_the_evidence():
    codes, folds, neighbours, classifier = _inputs(2000)
    result = clean_evidence(codes, 2, np.zeros(codes.size, int), folds, neighbours,
                            neighbours[:, :10], classifier, 10, 0.7, 0.95)
    assert result.info["weights"]["logistic"] > 0.5
    assert result.info["posterior_from"] == "classifier"
    expected = np.where(codes[:, None] == np.arange(2), 0.9 * 0.8, 0.1 * 0.2)
    np.testing.assert_allclose(result.info["posterior"],
                               expected / expected.sum(axis=1, keepdims=True))


def test_pooled_posterior_on_few_rows_per_class():
    codes, folds, neighbours, classifier = _inputs(2 * MIN_CLASS_ROWS - 100)
    result = clean_evidence(codes, 2, np.zeros(codes.size, int), folds, neighbours,
                            neighbours[:, :10], classifier, 10, 0.7, 0.95)
    assert result.info["weights"]["logistic"] > 0.5
    assert result.info["posterior_from"] == "pooled"
