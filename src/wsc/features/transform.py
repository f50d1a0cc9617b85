"""Standardisation and PCA of feature vectors, fitted once and saved with the store.

Each column is z-scored, then each block is weighted by 1/sqrt(its width) so that every
block carries the same total variance whatever its size; PCA follows. New images are
transformed with the saved parameters, so they land in the same space.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.linalg import eigh
from threadpoolctl import threadpool_limits


def _top_components(z: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k principal axes (k, d) and their variances, from the smaller Gram matrix."""
    n, d = z.shape
    gram = z @ z.T if n <= d else z.T @ z
    # single-threaded LAPACK: threaded eigh slows down badly on a busy machine
    with threadpool_limits(1):
        vals, vecs = eigh(gram, subset_by_index=[len(gram) - k, len(gram) - 1])
    vals, vecs = vals[::-1], vecs[:, ::-1]
    if n <= d:
        axes = (vecs.T @ z) / np.sqrt(np.maximum(vals, 1e-12))[:, None]
    else:
        axes = vecs.T
    return axes, np.maximum(vals, 0.0) / max(n - 1, 1)


def fit(x: np.ndarray, slices: dict[str, tuple[int, int]], n_components: int = 64,
        seed: int = 0, max_rows: int = 20_000) -> dict[str, np.ndarray]:
    """Parameters (mean, scale, weight, PCA mean and components) fitted on rows of x;
    PCA sees at most `max_rows` rows drawn with `seed`."""
    x = x.astype(np.float64)
    mean = x.mean(0)
    std = x.std(0)
    scale = np.where(std > 1e-8, std, 1.0)
    weight = np.ones(x.shape[1])
    for start, stop in slices.values():
        weight[start:stop] = 1.0 / np.sqrt(stop - start)
    if len(x) > max_rows:
        x = x[np.sort(np.random.default_rng(seed).choice(len(x), max_rows, replace=False))]
    z = (x - mean) / scale * weight
    k = int(min(n_components, z.shape[0] - 1, z.shape[1]))
    if k < 1:
        raise ValueError(f"PCA needs at least 2 successful faces, got {z.shape[0]}")
    pca_mean = z.mean(0)
    axes, variances = _top_components(z - pca_mean, k)
    # fix each axis's sign (largest |loading| positive) so refits agree
    signs = np.sign(axes[np.arange(k), np.abs(axes).argmax(1)])
    total = ((z - pca_mean) ** 2).sum() / max(len(z) - 1, 1)
    return {"mean": mean, "scale": scale, "weight": weight, "pca_mean": pca_mean,
            "components": axes * signs[:, None], "explained_variance_ratio": variances / total}


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
    """Read parameters written by `save` (never unpickling: a damaged or foreign file is
    an InputError)."""
    from wsc.errors import InputError

    keys = ("mean", "scale", "weight", "pca_mean", "components")
    try:
        with np.load(path, allow_pickle=False) as data:
            params = {k: data[k] for k in data.files}
    except (ValueError, OSError, EOFError) as exc:
        raise InputError(f"not a fitted transform ({type(exc).__name__})", file=str(path)) from None
    missing = [k for k in keys if k not in params]
    if missing or any(params[k].dtype.kind not in "biuf" for k in params):
        raise InputError(f"not a fitted transform (missing or non-numeric {missing or 'arrays'})",
                         file=str(path))
    return params
