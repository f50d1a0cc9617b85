"""The `WSC` estimator: cleaning beats the raw labels, determinism, shapes, unknown labels."""
import numpy as np
import pytest
from sklearn.datasets import make_blobs

from wsc.reannotation import WSC

FAST = dict(vote_neighbors=5, cluster_neighbors=15, n_neighbors=10)


@pytest.fixture(scope="module")
def noisy_blobs():
    X, y = make_blobs(300, centers=3, cluster_std=1.5, n_features=5, random_state=0)
    rng = np.random.default_rng(0)
    flip = rng.random(y.size) < 0.25
    noisy = np.where(flip, (y + rng.integers(1, 3, y.size)) % 3, y)
    return X, y, noisy


@pytest.mark.parametrize("mode", ["evidence", "paper"])
def test_cleaning_beats_raw_labels(noisy_blobs, mode):
    X, y, noisy = noisy_blobs
    model = WSC(mode=mode, **FAST).fit(X, noisy)
    kept = model.kept_
    raw = (noisy == y).mean()
    assert model.labels_.shape == (300,)
    gain = 0.15 if mode == "evidence" else 0.05
    assert (model.labels_[kept] == y[kept]).mean() > raw + gain
    assert np.isnan(model.labels_[~kept]).all()
    if mode == "evidence":
        assert kept.mean() >= 0.95
        # confidence predicts correctness: the confident half is more often right
        right = model.labels_ == y
        high = model.confidence_ >= np.median(model.confidence_)
        assert right[high & kept].mean() >= right[~high & kept].mean()


def test_same_seed_same_output(noisy_blobs):
    X, _, noisy = noisy_blobs
    a = WSC(**FAST, random_state=3).fit(X, noisy)
    b = WSC(**FAST, random_state=3).fit(X, noisy)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    np.testing.assert_array_equal(a.confidence_, b.confidence_)
    np.testing.assert_array_equal(a.clusters_, b.clusters_)


@pytest.mark.parametrize("groups", ["per_label", "combinations"])
def test_several_columns_strings_and_unknowns(noisy_blobs, groups):
    X, y, noisy = noisy_blobs
    names = np.array(["a", "b", "c"], dtype=object)[noisy]
    binary = (noisy == 0).astype(object)
    names[:10] = None                        # unknown labels get one from the evidence
    binary[10:20] = 999
    Y = np.stack([names, binary], axis=1)
    model = WSC(groups=groups, **FAST).fit(X, Y)
    assert model.labels_.shape == model.confidence_.shape == model.kept_.shape == (300, 2)
    assert model.clusters_.shape == (300, 2)
    assert set(model.labels_[model.kept_[:, 0], 0]) <= {"a", "b", "c"}
    filled = model.kept_[:10, 0]
    assert filled.any()
    assert (model.labels_[:10, 0][filled] == np.array(["a", "b", "c"])[y[:10]][filled]).mean() > 0.8
    assert [list(c) for c in model.classes_] == [["a", "b", "c"], [0, 1]]


def test_bad_arguments(noisy_blobs):
    X, _, noisy = noisy_blobs
    with pytest.raises(ValueError, match="mode"):
        WSC(mode="magic").fit(X, noisy)
    with pytest.raises(ValueError, match="one row per label row"):
        WSC().fit(X[:-1], noisy)
    with pytest.raises(ValueError, match="min_confidence"):
        WSC(min_confidence=1.5).fit(X, noisy)
    with pytest.raises(ValueError, match="groups"):
        WSC(groups="joint").fit(X, noisy)




def test_scikit_learn_estimator_contract(noisy_blobs):
    from sklearn.base import clone

    X, _, noisy = noisy_blobs
    model = WSC(mode="paper", lam=0.5, **FAST)
    twin = clone(model)
    assert twin.get_params() == model.get_params() and "lam=0.5" in repr(twin)
    a, b = model.fit(X, noisy), twin.fit(X, noisy)
    np.testing.assert_array_equal(a.labels_, b.labels_)


def test_fitted_attributes_are_typed_per_column(noisy_blobs):
    X, _, noisy = noisy_blobs
    Y = np.stack([noisy, (noisy == 0).astype(int)], axis=1)
    model = WSC(**FAST).fit(X, Y)
    assert model.source_names_ == ["knn", "knn_wide", "logistic", "wse_knn"]
    for j, K in enumerate((3, 2)):
        assert model.posterior_[j].shape == (300, K)
        assert model.transition_[j].shape == (K, K)
        np.testing.assert_allclose(model.transition_[j].sum(axis=1), 1.0)
        assert set(model.source_weights_[j]) == set(model.source_names_)
        assert abs(sum(model.source_weights_[j].values()) - 1.0) < 1e-9
        assert model.posterior_from_[j] in ("pooled", "logistic")
    assert set(model.timings_) >= {"graph", "logistic", "wse_knn", "embedding", "rank-order"}


def test_trusted_labels_are_kept_and_used(noisy_blobs):
    X, y, noisy = noisy_blobs
    trusted = np.full(300, None, dtype=object)
    trusted[:30] = y[:30]
    model = WSC(**FAST).fit(X, noisy, trusted=trusted)
    np.testing.assert_array_equal(model.labels_[:30], y[:30])
    assert model.kept_[:30].all() and (model.confidence_[:30] == 1.0).all()
    with pytest.raises(ValueError, match="no weak label has"):
        WSC(**FAST).fit(X, noisy, trusted=np.where(np.arange(300) < 2, 7, None))
    with pytest.raises(ValueError, match="trusted must have"):
        WSC(**FAST).fit(X, noisy, trusted=np.full(5, None))


def test_user_probabilities_as_one_more_source(noisy_blobs):
    from wsc.reannotation import PrecomputedProba

    X, y, noisy = noisy_blobs
    oracle = np.full((300, 3), 0.05)
    oracle[np.arange(300), y] = 0.9          # a strong out-of-sample model of the truth
    model = WSC(extra_sources=[PrecomputedProba([oracle], name="cnn")], **FAST).fit(X, noisy)
    assert "cnn" in model.source_weights_[0]
    with pytest.raises(ValueError, match="shape"):
        WSC(extra_sources=[PrecomputedProba([oracle[:10]])], **FAST).fit(X, noisy)


def uniform_halves(n: int, flip: float, seed: int):
    """Points uniform in the unit square, labelled by which half they are in, a share flip
    of the labels flipped: data without gaps, where rank-order links chain everything."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, 2)).astype(np.float32)
    y = (X[:, 0] > 0.5).astype(int)
    return X, y, np.where(rng.random(n) < flip, 1 - y, y)


def test_paper_mode_never_relabels_most_rows_as_one_block():
    # no gaps anywhere: at k = 50 the rank-order links at D = 0 join every row
    X, y, noisy = uniform_halves(600, 0.2, 0)
    model = WSC(mode="paper", random_state=0).fit(X, noisy)
    sizes = np.bincount(model.clusters_)
    assert sizes.max() <= 0.5 * len(y)
    assert model.oversize_clusters_[0] == []
    kept = model.kept_
    assert (model.label_codes_[kept] == y[kept]).mean() >= (noisy == y).mean()


def test_paper_mode_abstentions_add_up_to_the_pruned_rows_with_reviewed_labels():
    X, y, noisy = uniform_halves(400, 0.3, 1)
    plain = WSC(mode="paper", random_state=0).fit(X, noisy)
    pruned = np.flatnonzero(~plain.kept_)
    assert pruned.size
    trusted = np.full(400, None, dtype=object)
    trusted[pruned[:10]] = y[pruned[:10]]                  # ten pruned rows get reviewed
    model = WSC(mode="paper", random_state=0).fit(X, noisy, trusted=trusted)
    why = model.abstentions_[0]
    assert why.oversize + why.small + why.tied + why.no_majority == (~model.kept_).sum()
    assert model.kept_[pruned[:10]].all()
    assert WSC(random_state=0).fit(X, noisy).abstentions_ == [None]
