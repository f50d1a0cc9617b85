"""AUClassifier: unknown labels left out, subject folds, seeds, degenerate AUs."""
from __future__ import annotations

import numpy as np
import pytest

from wsc.classifiers import AUClassifier
from wsc.classifiers.splits import fold_ids


def _data(n=600, seed=0):
    rng = np.random.default_rng(seed)
    Y = (rng.random((n, 2)) < 0.3).astype(np.int8)
    X = rng.standard_normal((n, 6)).astype(np.float32)
    X[:, :2] += 2.5 * Y
    return X, Y


def test_unknown_rows_are_left_out_and_probabilities_are_calibrated():
    X, Y = _data()
    Y_missing = Y.copy()
    Y_missing[:100, 0] = -1
    clf = AUClassifier(random_state=0).fit(X, Y_missing)
    assert list(clf.n_labelled_) == [500, 600]
    proba = clf.predict_proba(X)
    assert proba.shape == (600, 2) and np.all((proba >= 0) & (proba <= 1))
    # calibrated: the mean probability is close to the label frequency
    assert abs(proba[:, 1].mean() - Y[:, 1].mean()) < 0.03
    assert (clf.predict(X) == Y).mean() > 0.85


@pytest.mark.parametrize("kind", ["linear", "mlp"])
def test_same_seed_same_model(kind):
    X, Y = _data(300)
    a = AUClassifier(kind=kind, random_state=3).fit(X, Y).predict_proba(X)
    b = AUClassifier(kind=kind, random_state=3).fit(X, Y).predict_proba(X)
    assert np.array_equal(a, b)


def test_subject_folds_never_split_a_subject():
    rng = np.random.default_rng(0)
    groups = rng.integers(0, 12, 500)
    folds = fold_ids(rng.integers(0, 2, 500), 3, groups, random_state=0)
    for g in np.unique(groups):
        assert np.unique(folds[groups == g]).size == 1
    assert np.unique(folds).size == 3


def test_au_with_one_class_gets_a_constant():
    X, Y = _data(200)
    Y[:, 1] = 0
    clf = AUClassifier().fit(X, Y)
    assert clf.models_[1] is None
    assert np.all(clf.predict(X)[:, 1] == 0)


def test_wrong_width_is_refused():
    X, Y = _data(200)
    clf = AUClassifier().fit(X, Y)
    with pytest.raises(ValueError, match="6 features"):
        clf.predict_proba(X[:, :4])
