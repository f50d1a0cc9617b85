"""Standardisation and PCA of feature vectors, fitted once and saved with the store.

Each column is z-scored, then each block is weighted by 1/sqrt(its width) so that every
block carries the same total variance whatever its size; PCA follows. New images are
transformed with the saved parameters, so they land in the same space.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.decomposition import PCA


def fit(x: np.ndarray, slices: dict[str, tuple[int, int]], n_components: int = 64,
        seed: int = 0) -> dict[str, np.ndarray]:
    """Parameters (mean, scale, weight, PCA mean and components) fitted on rows of x."""
    x = x.astype(np.float64)
    mean = x.mean(0)
    std = x.std(0)
    scale = np.where(std > 1e-8, std, 1.0)
    weight = np.ones(x.shape[1])
    for start, stop in slices.values():
        weight[start:stop] = 1.0 / np.sqrt(stop - start)
    z = (x - mean) / scale * weight
    k = int(min(n_components, z.shape[0] - 1, z.shape[1]))
    if k < 1:
        raise ValueError(f"PCA needs at least 2 successful faces, got {z.shape[0]}")
    pca = PCA(n_components=k, svd_solver="full", random_state=seed).fit(z)
    # fix each component's sign (largest |loading| positive) so refits agree
    signs = np.sign(pca.components_[np.arange(k), np.abs(pca.components_).argmax(1)])
    return {"mean": mean, "scale": scale, "weight": weight, "pca_mean": pca.mean_,
            "components": pca.components_ * signs[:, None],
            "explained_variance_ratio": pca.explained_variance_ratio_}


def apply(params: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """Rows of x in the fitted space, float32 (n, n_components)."""
    z = (x.astype(np.float64) - params["mean"]) / params["scale"] * params["weight"]
    return ((z - params["pca_mean"]) @ params["components"].T).astype(np.float32)


def save(params: dict[str, np.ndarray], path: Path) -> None:
    """Write the parameters atomically as .npz."""
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, **params)
    tmp.replace(path)


def load(path: Path) -> dict[str, np.ndarray]:
    """Read parameters written by `save`."""
    with np.load(path) as data:
        return {k: data[k] for k in data.files}
