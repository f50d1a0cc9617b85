"""Synthetic AU-like data: correlated binary AUs, nuisance-dominated features, annotator noise.

The features are built so that who the person is (identity), head pose and illumination form
the dominant clusters, while each AU moves only two of the expression dimensions, weakly.
The noisy labels come from a simulated automatic annotator: per-AU miss and false-alarm
rates (misses far more likely than false alarms for rare AUs) whose log-odds rise with the
nuisance factors (extreme pose, dark illumination, some subjects), so errors are correlated
with appearance instead of uniform. Everything is vectorised: 1M rows take a few seconds.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, logit
from scipy.stats import norm

# AU name, base rate, miss rate P(0 | 1), false-alarm rate P(1 | 0): rare AUs are missed
# far more often than they are falsely detected (EmotioNet-like annotator behaviour).
AU_SPEC: tuple[tuple[str, float, float, float], ...] = (
    ("AU1", 0.15, 0.30, 0.10),
    ("AU2", 0.10, 0.35, 0.08),
    ("AU4", 0.05, 0.45, 0.05),
    ("AU6", 0.25, 0.25, 0.15),
    ("AU12", 0.40, 0.20, 0.20),
    ("AU25", 0.30, 0.20, 0.18),
    ("AU26", 0.01, 0.55, 0.02),
)
# Latent correlations between AUs (Gaussian copula): brow raisers together, smile pairs.
AU_CORRELATIONS: tuple[tuple[str, str, float], ...] = (
    ("AU1", "AU2", 0.75), ("AU6", "AU12", 0.65), ("AU12", "AU25", 0.40),
    ("AU25", "AU26", 0.55), ("AU4", "AU12", -0.30),
)


@dataclass
class AUData:
    """A synthetic AU data set: features, true and noisy labels, and the nuisance factors."""

    X: np.ndarray            # (n, d) float32 features
    Y_true: np.ndarray       # (n, m) int8 true AU labels
    Y_noisy: np.ndarray      # (n, m) int8 annotator labels; -1 where unknown
    au_names: list[str]
    subject: np.ndarray      # (n,) int subject id
    pose: np.ndarray         # (n,) float yaw in [-1, 1]
    illumination: np.ndarray  # (n,) int illumination condition
    error_shift: np.ndarray  # (n,) the annotator's error log-odds shift of each row


def _au_covariance(names: list[str]) -> np.ndarray:
    """Latent correlation matrix of the AUs, projected to the nearest valid correlation."""
    index = {name: i for i, name in enumerate(names)}
    corr = np.eye(len(names))
    for a, b, rho in AU_CORRELATIONS:
        if a in index and b in index:
            corr[index[a], index[b]] = corr[index[b], index[a]] = rho
    w, v = np.linalg.eigh(corr)
    corr = (v * np.clip(w, 1e-3, None)) @ v.T
    d = np.sqrt(np.diag(corr))
    return corr / np.outer(d, d)


def make_au_data(n: int = 20000, n_features: int = 64, n_subjects: int = 100,
                 au_strength: float = 1.5, identity_scale: float = 3.0,
                 noise_scale: float = 1.0, annotator_bias: float = 0.35, missing_rate: float = 0.0,
                 random_state: int = 0) -> AUData:
    """Generate `n` rows of AU-like data (see the module docstring); same seed, same data.

    `annotator_bias` raises the log-odds of every annotator error (0.35: about 80% of the
    labels correct overall); `missing_rate` marks that fraction of labels unknown (-1).
    """
    rng = np.random.default_rng(random_state)
    names = [spec[0] for spec in AU_SPEC]
    rates = np.array([spec[1] for spec in AU_SPEC])
    miss = np.array([spec[2] for spec in AU_SPEC])
    false_alarm = np.array([spec[3] for spec in AU_SPEC])
    m = len(names)

    # True AUs from a Gaussian copula with the listed correlations and base rates.
    chol = np.linalg.cholesky(_au_covariance(names))
    latent = rng.standard_normal((n, m)) @ chol.T
    Y_true = (latent > norm.ppf(1.0 - rates)).astype(np.int8)

    # Nuisance factors: subject (identity), yaw pose, illumination condition.
    subject = rng.integers(0, n_subjects, n)
    pose = np.clip(rng.choice([-0.8, -0.4, 0.0, 0.4, 0.8], n) + 0.1 * rng.standard_normal(n), -1, 1)
    illumination = rng.integers(0, 4, n)

    # Latent blocks: identity (16 dims, dominant), pose (4), illumination (4), expression (16),
    # padded with pure noise dims; then a random rotation mixes every block into every feature.
    n_id, n_pose, n_ill, n_expr = 16, 4, 4, 16
    n_latent = max(n_features, n_id + n_pose + n_ill + n_expr)
    Z = noise_scale * rng.standard_normal((n, n_latent)).astype(np.float32)
    centres = identity_scale * rng.standard_normal((n_subjects, n_id)).astype(np.float32)
    Z[:, :n_id] += centres[subject]
    pose_dirs = rng.standard_normal((2, n_pose)).astype(np.float32)
    Z[:, n_id:n_id + n_pose] += 2.0 * (pose[:, None] * pose_dirs[0]
                                       + (pose ** 2)[:, None] * pose_dirs[1])
    ill_offsets = 2.0 * rng.standard_normal((4, n_ill)).astype(np.float32)
    Z[:, n_id + n_pose:n_id + n_pose + n_ill] += ill_offsets[illumination]
    # Each AU moves two expression dimensions (neighbouring AUs share one), weakly.
    expr = np.zeros((m, n_expr), dtype=np.float32)
    for j in range(m):
        expr[j, (2 * j) % n_expr] = au_strength
        expr[j, (2 * j + 1) % n_expr] = au_strength
        expr[j, (2 * j + 2) % n_expr] += 0.3 * au_strength
    start = n_id + n_pose + n_ill
    Z[:, start:start + n_expr] += Y_true.astype(np.float32) @ expr
    rotation, _ = np.linalg.qr(rng.standard_normal((n_latent, n_latent)))
    X = (Z @ rotation[:, :n_features].astype(np.float32)).astype(np.float32)

    # Annotator: error log-odds rise with extreme pose, dark illumination and some subjects.
    subject_shift = 0.6 * rng.standard_normal(n_subjects)
    shift = (annotator_bias + 1.5 * (np.abs(pose) - 0.48) + 0.6 * ((illumination == 3) - 0.25)
             + subject_shift[subject])
    p_miss = expit(logit(miss)[None, :] + shift[:, None])
    p_fa = expit(logit(false_alarm)[None, :] + shift[:, None])
    u = rng.random((n, m))
    flip = np.where(Y_true == 1, u < p_miss, u < p_fa)
    Y_noisy = np.where(flip, 1 - Y_true, Y_true).astype(np.int8)
    if missing_rate > 0:
        Y_noisy[rng.random((n, m)) < missing_rate] = -1
    return AUData(X=X, Y_true=Y_true, Y_noisy=Y_noisy, au_names=names, subject=subject,
                  pose=pose, illumination=illumination, error_shift=shift)
