"""Annotator noise: estimate P(weak label | true label) and turn it into clean posteriors."""
from __future__ import annotations

import numpy as np


def estimate_transition(p_weak: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Noise matrix T[c, a] = P(weak = a | true = c) by the confident joint (Northcutt et al.).

    A row counts as confidently of class c when its held-out P(weak = c | x) reaches the
    mean of that probability over the rows labelled c; the weak labels of the confident
    rows of class c give row c of T. Diagonal-dominant rows are enforced, since a class
    that the annotator gets wrong more often than right cannot be told from another.
    """
    n_classes = p_weak.shape[1]
    known = codes >= 0
    thresholds = np.array([p_weak[known & (codes == c), c].mean() if np.any(known & (codes == c))
                           else 1.0 for c in range(n_classes)])
    above = p_weak >= thresholds[None, :]
    masked = np.where(above, p_weak, -np.inf)
    confident = above.any(axis=1) & known
    true_c = masked.argmax(axis=1)
    joint = np.zeros((n_classes, n_classes))
    np.add.at(joint, (true_c[confident], codes[confident]), 1.0)
    joint += np.eye(n_classes)                                   # one pseudo-count on the diagonal
    T = joint / joint.sum(axis=1, keepdims=True)
    diag = np.diag(T)
    off_max = np.where(np.eye(n_classes, dtype=bool), 0.0, T).max(axis=1)
    scale = np.where(off_max >= diag, 0.99 * diag / np.maximum(off_max, 1e-12), 1.0)
    T_off = (T - np.diag(diag)) * scale[:, None]
    T = T_off + np.diag(1.0 - T_off.sum(axis=1))
    return T


def clean_posterior(p_weak: np.ndarray, T: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """P(true = c | x, weak label): invert the noise on P(weak | x), then weigh by T[c, weak].

    P(weak | x) = T^T P(true | x), so P(true | x) is the distribution whose image through T
    is P(weak | x) (`invert_noise`); the row's own weak label (independent of x given the
    true class) multiplies it by T[c, weak]. Rows without a weak label keep P(true | x).
    """
    p_true = np.clip(invert_noise(p_weak, T), 1e-6, None)
    p_true /= p_true.sum(axis=1, keepdims=True)
    like = np.where(codes[:, None] >= 0, T[:, np.maximum(codes, 0)].T, 1.0)
    post = p_true * like
    return post / post.sum(axis=1, keepdims=True)


def invert_noise(p_weak: np.ndarray, T: np.ndarray, max_iter: int = 1000,
                 tol: float = 1e-4) -> np.ndarray:
    """Per row the P(true | x) in the simplex whose image P(true | x) T is nearest P(weak | x)
    in KL divergence: the exact inverse where it is a distribution, else EM on the mixture
    weights (the weak distributions T[c] are the components), each row until no weight
    moves by tol (within about 0.005 of the optimum, enough for a posterior). Clipping the
    inverse instead amplifies noise when T is ill-conditioned (a few hundred rows, weak
    classes the annotator rarely gets right): on 386 real faces it gave fear 31% of the
    posterior mass (docs/cleaning.md)."""
    p = p_weak @ np.linalg.pinv(T)
    active = np.flatnonzero((p < 0).any(axis=1))
    # start near the clipped inverse, which is usually close to the answer's support, with
    # every class kept alive (EM never revives a zero weight)
    q = np.clip(p[active], 0.0, None)
    q = 0.9 * q / np.maximum(q.sum(axis=1, keepdims=True), 1e-300) + 0.1 / T.shape[0]
    target = p_weak[active]
    rows = np.arange(active.size)          # rows of q still moving
    for _ in range(max_iter):
        if rows.size == 0:
            break
        old = q[rows]
        new = old * ((target[rows] / np.clip(old @ T, 1e-300, None)) @ T.T)
        new /= new.sum(axis=1, keepdims=True)
        q[rows] = new
        rows = rows[np.abs(new - old).max(axis=1) >= tol]
    p[active] = q
    return p


def row_posterior(p_true: np.ndarray, likelihood: np.ndarray) -> np.ndarray:
    """P(true = c | x, weak) proportional to P(true = c | x) T(x)[c, weak], given each row's
    own weak-label likelihood T(x)[c, weak] (n, K; ones for rows without a weak label)."""
    post = np.clip(p_true, 1e-12, None) * likelihood
    return post / post.sum(axis=1, keepdims=True)


def match_prior(posterior: np.ndarray, prior: np.ndarray, n_iter: int = 50,
                tol: float = 1e-8) -> np.ndarray:
    """The posterior with each class reweighed so that its mean over the rows is prior.

    A new class prior for a posterior (Saerens, Latinne & Decaestecker 2002): q_i is
    proportional to posterior_i * exp(b), with b the minimum of the convex
    mean_i logsumexp(log posterior_i + b) - prior . b, whose gradient is mean q - prior. A
    few damped Newton steps find it (EM on the weights took 20-50 passes over the rows). A
    posterior from weak labels keeps the annotator's class shares wherever its noise
    estimate trusts the label; the true shares the noise model estimates correct that."""
    prior = np.clip(np.asarray(prior, dtype=np.float64), 1e-6, None)
    prior = prior / prior.sum()
    logp = np.log(np.clip(posterior, 1e-300, None))
    n = logp.shape[0]

    def at(b: np.ndarray) -> tuple[float, np.ndarray]:
        z = logp + b
        top = z.max(axis=1, keepdims=True)
        q = np.exp(z - top)
        total = q.sum(axis=1, keepdims=True)
        value = float(np.mean(top[:, 0] + np.log(total[:, 0])) - prior @ b)
        return value, q / total

    b = np.zeros(logp.shape[1])
    value, q = at(b)
    for _ in range(n_iter):
        grad = q.mean(axis=0) - prior
        if np.abs(grad).max() < tol:
            break
        hessian = (np.diag(q.sum(axis=0)) - q.T @ q) / n
        step = np.linalg.lstsq(hessian, grad, rcond=None)[0]   # b + c 1 is the same q
        for _ in range(30):           # halve the step until the objective falls
            new_value, new_q = at(b - step)
            if new_value <= value:
                break
            step = step / 2
        b, value, q = b - step, new_value, new_q
    return q
