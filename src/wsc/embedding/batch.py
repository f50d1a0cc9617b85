"""Accelerated proximal gradient on the Stiefel manifold for the WSE objective (reference 'agd')."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from wsc.embedding import passes
from wsc.embedding.groups import GroupScatter
from wsc.graph.laplacian import symmetric_part


def _rotation(P: np.ndarray) -> np.ndarray:
    """M with P M = the polar factor of P: (P^T P)^{-1/2}, from an r x r eigenproblem."""
    vals, vecs = np.linalg.eigh(P.T @ P)
    return (vecs / np.sqrt(np.maximum(vals, 1e-300))) @ vecs.T


def _polar(W: np.ndarray) -> np.ndarray:
    """W (W^T W)^{-1/2}: the closest orthonormal matrix to W."""
    return W @ _rotation(W)


def orthonormalize(W: np.ndarray) -> np.ndarray:
    """Polar retraction onto W^T W = I (unique and deterministic).

    Costs O(n r^2) in one GEMM (a LAPACK thin QR of a tall matrix was measured 10-50x
    slower here); a second pass removes the rounding left by ill-conditioned inputs.
    """
    Q = _polar(W)
    if np.abs(Q.T @ Q - np.eye(W.shape[1])).max() > 1e-10:
        Q = _polar(Q)
    return Q


def random_init(n: int, r: int, random_state: int | None) -> np.ndarray:
    """Orthonormalised uniform random n x r start (the reference's init, with a seed)."""
    rng = np.random.default_rng(random_state)
    return orthonormalize(rng.random((n, r)))


@dataclass
class History:
    """Objective per accepted iterate: total = graph + lam * group."""

    total: list[float] = field(default_factory=list)
    graph: list[float] = field(default_factory=list)
    group: list[float] = field(default_factory=list)

    def add(self, graph: float, group: float) -> None:
        self.graph.append(graph)
        self.group.append(group)
        self.total.append(graph + group)

    def as_dict(self) -> dict[str, np.ndarray]:
        return {k: np.asarray(v) for k, v in (("total", self.total), ("graph", self.graph),
                                               ("group", self.group))}


class _Iterates:
    """The solver's n x r arrays, allocated once and reused: at 1M rows each is 80 MB, and
    fresh ones cost page faults on every trial (docs/scale.md, "Passes over memory")."""

    def __init__(self, W0: np.ndarray, float32: bool) -> None:
        shape = W0.shape
        self.W, self.W_prev, self.W_new, self.Y, self.S = (np.empty(shape) for _ in range(5))
        self.LW, self.LW_prev, self.LW_new, self.LY = (np.empty(shape) for _ in range(4))
        self.W32 = np.empty(shape, dtype=np.float32) if float32 else np.empty((0, 0), np.float32)
        self.W[...] = W0

    def accept(self) -> None:
        """W_new becomes the iterate and the iterate the previous one (buffers rotate)."""
        self.W_prev, self.W, self.W_new = self.W, self.W_new, self.W_prev
        self.LW_prev, self.LW, self.LW_new = self.LW, self.LW_new, self.LW_prev

    def restart(self) -> None:
        """The previous iterate := the current one (the momentum restarts)."""
        np.copyto(self.W_prev, self.W)
        np.copyto(self.LW_prev, self.LW)

    def retract(self) -> None:
        """W_new := the polar factor of S (S is scratch afterwards), W32 its float32 copy; a
        second pass removes the rounding left by an ill-conditioned S."""
        with32 = self.W32.size > 0
        passes.rotate(self.S, _rotation(self.S), self.W_new, self.W32, with32)
        if np.abs(self.W_new.T @ self.W_new - np.eye(self.S.shape[1])).max() > 1e-10:
            self.S, self.W_new = self.W_new, self.S
            passes.rotate(self.S, _rotation(self.S), self.W_new, self.W32, with32)


def solve_batch(L, groups: GroupScatter, W0: np.ndarray, lam: float, *,
                max_iter: int = 1000, tol: float = 1e-5, momentum: bool = True,
                step: float = 1.0, callback=None) -> tuple[np.ndarray, History, int]:
    """Minimise tr(W^T L W) + lam * groups.value(W) over W^T W = I.

    Each iteration: gradient step on the graph term from the extrapolated point, exact
    group proximal step, polar retraction, backtracking (step *= 0.9) until the graph term
    is below its quadratic upper model. Where F rises, the momentum restarts from the
    current iterate (adaptive restart, O'Donoghue & Candes 2015) instead of stopping there
    as the reference does; a plain step that still rises (the retraction can spoil the
    upper model) is retried with half the step. Stops when |F_t - F_{t-1}| < tol, when
    the step falls below 1e-8, or at max_iter. One sparse product per trial: L W is
    linear, so the product at the extrapolated point is combined from cached ones; the
    element-wise work is fused into a few passes (`wsc.embedding.passes`). A float32 sparse
    L multiplies float32 iterates (less than half the time of letting scipy upcast L on
    every product; the solver's sums stay in float64).
    L: a sparse matrix, or any symmetric operator supporting `L @ W` (streamed blocks).
    """
    Ls = symmetric_part(L) if sp.issparse(L) else L
    float32 = sp.issparse(Ls) and Ls.dtype == np.float32
    it = _Iterates(np.asarray(W0, dtype=np.float64), float32)

    def product() -> np.ndarray:
        """L @ W_new (float32 for a float32 L)."""
        return Ls @ (it.W32 if float32 else it.W_new)

    it.LW[...] = Ls @ (it.W.astype(np.float32) if float32 else it.W)
    it.restart()
    f = float(np.einsum("ij,ij->", it.W, it.LW))
    hist = History()
    hist.add(f, lam * groups.value(it.W))
    a_prev, j = 1.0, 0  # j counts iterations since the last momentum restart
    n_iter = 0
    for t in range(max_iter):
        a = 2.0 / (j + 3.0)
        beta = ((1.0 - a_prev) / a_prev) * a if momentum else 0.0
        fY = passes.extrapolate(it.W, it.W_prev, it.LW, it.LW_prev, beta, it.Y, it.LY)
        for _ in range(100):
            passes.gradient_step(it.Y, it.LY, step, it.S)
            groups.prox(it.S, lam * step, out=it.S)
            it.retract()
            f_new, cross, dist = passes.trial_terms(it.W_new, product(), it.Y, it.LY,
                                                    it.LW_new)
            if f_new <= fY + 2.0 * cross + dist / (2 * step) + 1e-12:
                break
            step *= 0.9
        g_new = lam * groups.value(it.W_new)
        F_old, F_new = hist.total[-1], f_new + g_new
        n_iter = t + 1
        if F_new > F_old:
            if beta > 0.0:  # momentum overshot: restart it from the current iterate
                it.restart()
                a_prev, j = 1.0, 0
                continue
            step *= 0.5  # the retraction spoilt a plain step: retry shorter
            if step < 1e-8:
                break
            continue
        it.accept()
        hist.add(f_new, g_new)
        a_prev, j = a, j + 1
        if callback is not None:
            callback(t, F_new)
        if abs(F_old - F_new) < tol:
            break
    return it.W, hist, n_iter
