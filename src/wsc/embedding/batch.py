"""Accelerated proximal gradient on the Stiefel manifold for the WSE objective (reference 'agd')."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from wsc.embedding.groups import GroupScatter
from wsc.graph.laplacian import symmetric_part


def orthonormalize(W: np.ndarray) -> np.ndarray:
    """Q of the thin QR of W with a non-negative R diagonal: a unique, deterministic retraction."""
    Q, R = np.linalg.qr(W)
    signs = np.sign(np.diag(R))
    signs[signs == 0] = 1.0
    return Q * signs


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


def solve_batch(L, groups: GroupScatter, W0: np.ndarray, lam: float, *,
                max_iter: int = 1000, tol: float = 1e-5, momentum: bool = True,
                step: float = 1.0, callback=None) -> tuple[np.ndarray, History, int]:
    """Minimise tr(W^T L W) + lam * groups.value(W) over W^T W = I.

    Each iteration: gradient step on the graph term from the extrapolated point, exact
    group proximal step, QR retraction, backtracking (step *= 0.9) until the graph term
    is below its quadratic upper model. Stops when |F_t - F_{t-1}| < tol, when F rises
    (the previous iterate is kept) or at max_iter. One sparse product per trial: L W is
    linear, so the product at the extrapolated point is combined from cached ones.
    L: a sparse matrix, or any symmetric operator supporting `L @ W` (streamed blocks).
    """
    Ls = symmetric_part(L) if sp.issparse(L) else L
    W, LW = W0, Ls @ W0
    W_prev, LW_prev = W, LW
    f = float(np.einsum("ij,ij->", W, LW))
    hist = History()
    hist.add(f, lam * groups.value(W))
    a_prev = 1.0
    n_iter = 0
    for t in range(max_iter):
        a = 2.0 / (t + 3.0)
        beta = ((1.0 - a_prev) / a_prev) * a if momentum else 0.0
        Y = W + beta * (W - W_prev)
        LY = LW + beta * (LW - LW_prev)
        fY = float(np.einsum("ij,ij->", Y, LY))
        grad = 2.0 * LY
        for _ in range(100):
            W_new = orthonormalize(groups.prox(Y - step * grad, lam * step))
            LW_new = Ls @ W_new
            f_new = float(np.einsum("ij,ij->", W_new, LW_new))
            D = W_new - Y
            if f_new <= fY + float(np.einsum("ij,ij->", grad, D)) + np.einsum("ij,ij->", D, D) / (2 * step) + 1e-12:
                break
            step *= 0.9
        g_new = lam * groups.value(W_new)
        F_old, F_new = hist.total[-1], f_new + g_new
        n_iter = t + 1
        if F_new > F_old:
            break
        W_prev, LW_prev, W, LW = W, LW, W_new, LW_new
        hist.add(f_new, g_new)
        a_prev = a
        if callback is not None:
            callback(t, F_new)
        if abs(F_old - F_new) < tol:
            break
    return W, hist, n_iter
