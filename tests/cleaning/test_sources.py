"""Evidence sources: no row's own weak label reaches its held-out probability; one graph per fit."""
import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from wsc.reannotation.context import build_context
from wsc.reannotation.sources import (EmbeddingVote, NeighbourVote, NoiseAwareClassifier,
                                      PrecomputedProba)

SOURCES = {
    "knn": lambda: NeighbourVote(10),
    "wse_combinations": lambda: EmbeddingVote(10, lam=1.0, n_components=5),
    "wse_per_label": lambda: EmbeddingVote(10, lam=1.0, n_components=5, grouping="per_label"),
    "classifier": lambda: NoiseAwareClassifier(),
    "classifier_subsampled": lambda: NoiseAwareClassifier(max_fit_rows=150),
    "classifier_four_folds": lambda: NoiseAwareClassifier(max_fit_rows=300),
}


@pytest.fixture(scope="module")
def data():
    X, y = make_blobs(400, centers=3, cluster_std=2.0, n_features=6, random_state=1)
    rng = np.random.default_rng(1)
    noisy = np.where(rng.random(400) < 0.25, (y + 1) % 3, y)
    second = (X[:, 0] + rng.normal(0, 2, 400) > 0).astype(np.int64)
    codes = np.stack([noisy, second], axis=1)
    context = build_context(X.astype(np.float32), n_folds=5, graph_k=15, list_k=30,
                            random_state=0, n_jobs=2, progress=lambda m: None)
    return context, codes


@pytest.mark.parametrize("name", SOURCES)
def test_own_label_never_reaches_own_held_out_probability(data, name):
    context, codes = data
    source = SOURCES[name]()
    before = source.evidence(context, codes, [3, 2])
    rng = np.random.default_rng(2)
    for i in rng.choice(codes.shape[0], 3, replace=False):
        changed = codes.copy()
        changed[i, 0] = (changed[i, 0] + 1) % 3
        changed[i, 1] = -1                      # and one label made unknown
        after = source.evidence(context, changed, [3, 2])
        for j in range(2):
            np.testing.assert_allclose(after[j].proba[i], before[j].proba[i], atol=1e-9)
            if before[j].true_proba is not None:
                np.testing.assert_allclose(after[j].true_proba[i], before[j].true_proba[i],
                                           atol=1e-9)
        # the change is seen elsewhere: the evidence is not constant
        assert any(not np.allclose(after[j].proba, before[j].proba) for j in range(2)) or \
            name.startswith("classifier")


@pytest.mark.parametrize("cap, n_folds, train", [(None, 5, 320), (320, 5, 320), (300, 4, 300),
                                                  (150, 2, 150), (200, 2, 200)])
def test_classifier_fits_the_fewest_folds_that_still_train_on_the_cap(data, cap, n_folds, train):
    context, _ = data                    # 400 rows in 5 folds: 320 training rows each
    source = NoiseAwareClassifier(max_fit_rows=cap)
    folds = source.folds(context)
    assert folds.max() + 1 == n_folds
    assert np.bincount(folds).max() - np.bincount(folds).min() <= 1
    for f in range(n_folds):
        rows = source._train_rows(context, folds, f)
        assert rows.size == train and not np.isin(rows, np.flatnonzero(folds == f)).any()


def test_precomputed_probabilities_pass_through(data):
    context, codes = data
    P = np.random.default_rng(0).dirichlet(np.ones(3), context.n)
    out = PrecomputedProba([P, None]).evidence(context, codes, [3, 2])
    np.testing.assert_allclose(out[0].proba, P / P.sum(axis=1, keepdims=True), atol=1e-5)
    assert out[1] is None


def test_one_feature_search_per_fit(monkeypatch):
    import wsc.reannotation.context as context_module
    from wsc.reannotation import WSC

    calls = []
    real = context_module.kneighbors

    def counted(X, k, **kwargs):
        calls.append(k)
        return real(X, k, **kwargs)

    monkeypatch.setattr(context_module, "kneighbors", counted)
    X, y = make_blobs(300, centers=3, n_features=5, random_state=0)
    Y = np.stack([y, (y == 0).astype(int)], axis=1)
    for mode in ("evidence", "paper"):
        calls.clear()
        WSC(mode=mode, n_neighbors=12, vote_neighbors=5, cluster_neighbors=15).fit(X, Y)
        assert calls == [15 if mode == "evidence" else 12]


def test_large_data_choices(monkeypatch):
    """Above LARGE_N rows: graph k = 30, one feature search serving the votes and the
    rank-order lists (2 candidates per entry), no search of any embedding."""
    import wsc.reannotation.context as context_module
    from wsc.reannotation import WSC

    monkeypatch.setattr(context_module, "LARGE_N", 100)
    calls = []
    real = context_module.kneighbors
    monkeypatch.setattr(context_module, "kneighbors",
                        lambda X, k, **kw: calls.append(k) or real(X, k, **kw))
    X, y = make_blobs(300, centers=3, n_features=5, random_state=0)
    model = WSC(mode="paper", cluster_neighbors=20).fit(X, y)
    assert calls == [40] and model.n_graph_neighbors_ == 30
    assert (model.labels_[model.kept_] == y[model.kept_]).mean() > 0.9


def test_large_data_paper_mode_is_deterministic_across_threads(monkeypatch):
    import wsc.reannotation.context as context_module
    from wsc.reannotation import WSC

    monkeypatch.setattr(context_module, "LARGE_N", 100)
    X, y = make_blobs(400, centers=4, n_features=5, random_state=1)
    Y = np.stack([y == c for c in range(4)], axis=1).astype(int)
    one = WSC(mode="paper", cluster_neighbors=20, n_jobs=1).fit(X, Y)
    two = WSC(mode="paper", cluster_neighbors=20, n_jobs=2).fit(X, Y)
    np.testing.assert_array_equal(one.clusters_, two.clusters_)
    np.testing.assert_array_equal(one.label_codes_, two.label_codes_)


def test_thread_policy_keeps_faiss_on_all_cores():
    import faiss

    from wsc.threads import cleaner_threads

    with cleaner_threads(2) as jobs:
        assert jobs == 2 and faiss.omp_get_max_threads() == 2   # not reset by the BLAS limit


def test_locality_order_changes_no_result(monkeypatch):
    """Large data works in the graph's locality order: the embeddings and re-ranked lists
    equal those computed in the rows' own order, and so does the cleaner's output up to
    rounding (the products sum in another order: a row on a link threshold can flip)."""
    import dataclasses

    import wsc.reannotation.context as context_module
    from wsc.reannotation import WSC

    X, y = make_blobs(400, centers=4, n_features=5, random_state=3)
    X = X.astype(np.float32)
    Y = np.stack([y == c for c in range(4)], axis=1).astype(int)
    monkeypatch.setattr(context_module, "LARGE_N", 100)
    local = build_context(X, n_folds=5, graph_k=15, list_k=40, random_state=0, n_jobs=1,
                          progress=lambda m: None)
    assert local.order is not None and not np.array_equal(local.order, np.arange(400))
    plain = dataclasses.replace(local, L=local.L[local.position][:, local.position],
                                order=None)
    codes = [y, np.where(np.arange(400) % 5 == 0, -1, y)]
    for a, b in zip(local.embed_many(codes, 1.0, 4), plain.embed_many(codes, 1.0, 4)):
        np.testing.assert_allclose(a, b, atol=1e-6)
    E = plain.embed(y, 1.0, 4)
    rows = np.arange(0, 400, 3)
    np.testing.assert_array_equal(local.nearest_in(E, rows, 10), plain.nearest_in(E, rows, 10))

    ordered = [WSC(mode=mode, cluster_neighbors=20).fit(X, Y) for mode in ("paper", "evidence")]
    monkeypatch.setattr(context_module, "locality_order", lambda A: np.arange(A.shape[0]))
    own = [WSC(mode=mode, cluster_neighbors=20).fit(X, Y) for mode in ("paper", "evidence")]
    for a, b in zip(ordered, own):
        assert np.mean(a.label_codes_ == b.label_codes_) >= 0.995
        assert np.mean(a.kept_ == b.kept_) >= 0.995
        for j in range(4):   # the same partitions, numbered in another order
            assert adjusted_rand_score(a.clusters_[:, j], b.clusters_[:, j]) >= 0.99
