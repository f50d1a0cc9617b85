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


@pytest.mark.parametrize("groups", ["per_label", "combinations", "joint"])
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


@pytest.mark.parametrize("mode", ["evidence", "paper"])
def test_reembed_and_louvain_options_clean(noisy_blobs, mode):
    X, y, noisy = noisy_blobs
    raw = (noisy == y).mean()
    for options in (dict(reembed=True), dict(clustering="louvain")):
        model = WSC(mode=mode, **FAST, **options).fit(X, noisy)
        kept = model.kept_
        assert kept.mean() > 0.5
        assert (model.labels_[kept] == y[kept]).mean() > raw + 0.05
    # a second pass embeds with other groups: the clusters change, the shapes do not
    first = WSC(mode=mode, **FAST).fit(X, noisy)
    second = WSC(mode=mode, reembed=True, **FAST).fit(X, noisy)
    assert second.clusters_.shape == first.clusters_.shape
    assert not np.array_equal(second.clusters_, first.clusters_)


def test_joint_groups_with_one_column_and_bad_options(noisy_blobs):
    X, y, noisy = noisy_blobs
    model = WSC(groups="joint", mode="paper", **FAST).fit(X, noisy)
    assert (model.labels_[model.kept_] == y[model.kept_]).mean() > (noisy == y).mean()
    with pytest.raises(ValueError, match="clustering must be one of"):
        WSC(clustering="leiden", **FAST).fit(X, noisy)


def test_reembed_keeps_weak_groups_when_cleaning_leaves_one_class(noisy_blobs):
    X, y, noisy = noisy_blobs
    rare = np.zeros(300, dtype=np.int64)
    rare[np.random.default_rng(5).choice(300, 6, replace=False)] = 1   # scattered: cleaned away
    first = WSC(**FAST).fit(X, np.stack([noisy, rare], axis=1))
    assert np.unique(first.label_codes_[first.kept_[:, 1], 1]).size == 1
    model = WSC(reembed=True, **FAST).fit(X, np.stack([noisy, rare], axis=1))
    assert model.labels_.shape == (300, 2)
    kept = model.kept_[:, 0]
    assert (model.labels_[kept, 0] == y[kept]).mean() > (noisy == y).mean()


def test_paper_mode_never_relabels_most_rows_as_one_block():
    import numpy as np

    from wsc.reannotation import WSC

    # no gaps anywhere: at k = 50 the rank-order links at D = 0 join every row
    rng = np.random.default_rng(0)
    X = rng.random((600, 2)).astype(np.float32)
    y = (X[:, 0] > 0.5).astype(int)
    noisy = np.where(rng.random(600) < 0.2, 1 - y, y)
    model = WSC(mode="paper", random_state=0).fit(X, noisy)
    sizes = np.bincount(model.clusters_)
    assert sizes.max() <= 0.5 * len(y)
    assert model.details_[0]["cluster_neighbors"] < 50
    assert model.details_[0]["oversize_clusters"] == []
    kept = model.kept_
    assert (model.label_codes_[kept] == y[kept]).mean() >= (noisy == y).mean()
