"""Standardisation + PCA: matches a reference PCA, survives save/load, seeded subsampling."""
from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA

from wsc.features import transform


def _data(n: int, d: int = 40) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 5)) @ rng.normal(size=(5, d)) * 3 + rng.normal(size=(n, d))


def test_matches_reference_pca_both_ways(tmp_path):
    for n in (30, 200):  # fewer and more rows than columns
        x = _data(n)
        params = transform.fit(x, {"a": (0, 10), "b": (10, 40)}, n_components=4)
        z = (x - params["mean"]) / params["scale"] * params["weight"]
        ref = PCA(4, svd_solver="full").fit(z)
        np.testing.assert_allclose(np.abs(ref.components_ @ params["components"].T), np.eye(4), atol=1e-8)
        np.testing.assert_allclose(np.abs(transform.apply(params, x)), np.abs(ref.transform(z)), atol=1e-3)
        transform.save(params, tmp_path / "t.npz")
        np.testing.assert_array_equal(transform.apply(transform.load(tmp_path / "t.npz"), x),
                                      transform.apply(params, x))


def test_blocks_get_equal_weight():
    params = transform.fit(_data(50), {"small": (0, 4), "big": (4, 40)})
    np.testing.assert_allclose(params["weight"][:4], 0.5)
    np.testing.assert_allclose(params["weight"][4:], 1 / 6)


def test_subsample_is_seeded():
    x = _data(300)
    a = transform.fit(x, {"a": (0, 40)}, 3, seed=1, max_rows=100)
    b = transform.fit(x, {"a": (0, 40)}, 3, seed=1, max_rows=100)
    np.testing.assert_array_equal(a["components"], b["components"])
