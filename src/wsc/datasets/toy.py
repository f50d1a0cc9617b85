"""The three-ring toy data of the paper's Fig. 2, and class-wise weak-label noise."""
from __future__ import annotations

from pathlib import Path

import numpy as np


def make_rings(n_per_ring: int = 500, radii: tuple[float, ...] = (1.0, 10.0, 5.0),
               noise: float = 0.4, random_state: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Concentric noisy rings (n, 2) and labels 1 = upper half, 0 = lower half.

    Mirrors ../shared/data/toy.mat: 500 points per ring at radii 1, 10, 5, evenly spaced
    angles, isotropic Gaussian noise of about 0.4.
    """
    rng = np.random.default_rng(random_state)
    angle = np.tile(np.linspace(0.0, 2.0 * np.pi, n_per_ring, endpoint=False), len(radii))
    radius = np.repeat(np.asarray(radii, dtype=float), n_per_ring)
    X = np.c_[radius * np.cos(angle), radius * np.sin(angle)] + rng.normal(0.0, noise, (angle.size, 2))
    y = (np.sin(angle) > 0).astype(np.int64)
    return X, y


def load_toy_mat(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """toy.mat's `feat` (2 x n) and `label` (n x 1) as X (n, 2) and labels 0/1; an
    InputError for a file that is not such a MATLAB file (it never runs code)."""
    from scipy.io import loadmat

    from wsc.errors import InputError

    try:
        mat = loadmat(str(path))
    except Exception as exc:  # scipy raises several types for a file that is not .mat
        raise InputError(f"not a MATLAB .mat file ({type(exc).__name__})", file=str(path)) from None
    missing = [k for k in ("feat", "label") if k not in mat]
    if missing:
        raise InputError(f"no variable {missing[0]!r} (expected feat 2 x n and label n x 1)",
                         file=str(path))
    feat, label = np.asarray(mat["feat"]), np.asarray(mat["label"]).ravel()
    if feat.ndim != 2 or feat.shape[0] != 2 or feat.shape[1] != label.size or \
            not np.issubdtype(feat.dtype, np.number) or not np.issubdtype(label.dtype, np.number):
        raise InputError(f"feat must be numeric 2 x n and label n numbers, got feat "
                         f"{feat.shape} {feat.dtype} and label {label.shape}", file=str(path))
    if np.unique(label).size != 2 or not np.all(np.isfinite(feat)):
        raise InputError("label must hold two classes and feat finite numbers", file=str(path))
    label = label.astype(np.int64)
    return feat.T.astype(np.float64), (label == label.max()).astype(np.int64)


def flip_per_class(y: np.ndarray, fraction: float, random_state: int | None = 0) -> np.ndarray:
    """Binary weak labels: exactly round(fraction * n_c) labels of each class c flipped."""
    rng = np.random.default_rng(random_state)
    weak = y.copy()
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        chosen = rng.choice(members, size=int(round(fraction * members.size)), replace=False)
        weak[chosen] = 1 - c
    return weak
