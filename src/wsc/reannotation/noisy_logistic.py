"""Logistic regression through a learned noise layer: P(weak | x) = P(true | x) T(x).

A plain logistic regression fitted to noisy labels has to bend its weights to reproduce the
annotator's floor (false alarms) and ceiling (misses); with the noise matrix as a learned
layer (the "forward" model of Patrini et al. 2017, fitted jointly as in Bootkrajang and
Kaban 2012) the weights only need to separate the true classes. An automatic annotator
fails more on some images (profile views, dark ones) for every AU at once, so the layer
may also carry one shared difficulty score s(x) = v.x that raises the log-odds of every
error in every column; the common labels pin v down and the rare ones profit
(docs/cleaning.md has the measurements).
"""
from __future__ import annotations

import numba
import numpy as np
from scipy.optimize import minimize
from scipy.special import softmax


@numba.njit(cache=True, nogil=True)
def _joint_loss(Zs: np.ndarray, bounds: np.ndarray, E: np.ndarray, off: np.ndarray,
                Y: np.ndarray, G: np.ndarray, g_A: np.ndarray) -> float:
    """Negative log-likelihood of every column in one pass over the rows, O(n sum K^2).

    Zs: (n, n_out + 1) float32, the true-class logits of all columns side by side
    (column j in bounds[j]:bounds[j+1]) and last the difficulty s = v.x. E: each column's
    exp(A_j - rowmax) (K_j x K_j, row-major), one after another; off: sum_a E_j[c, a] -
    E_j[c, c], side by side like the logits. Y: (n, m) class
    indices, -1 = unknown. Fills G = dL/dZs (float32, ready for X^T G) and adds dL/dA to
    g_A (laid out like E). T_j(x)[c, a] = E[c, a] (e if a != c else 1) / den_c with e =
    exp(s) and den_c = E[c, c] + e off[c]. The rows are the outer loop so each is read once
    (a pass per column spent its time in loop set-up and copies of the logits)."""
    n = Zs.shape[0]
    m = Y.shape[1]
    n_out = bounds[m]
    k_max = 0
    for j in range(m):
        k_max = max(k_max, bounds[j + 1] - bounds[j])
    S = np.empty(k_max)
    Ty = np.empty(k_max)
    den = np.empty(k_max)
    value = 0.0
    for i in range(n):
        e = np.exp(min(max(np.float64(Zs[i, n_out]), -30.0), 30.0))
        g_s = 0.0
        at = 0
        for j in range(m):
            lo = bounds[j]
            K = bounds[j + 1] - lo
            yi = Y[i, j]
            if yi < 0:
                for c in range(K):
                    G[i, lo + c] = 0.0
                at += K * K
                continue
            top = np.float64(Zs[i, lo])
            for c in range(1, K):
                top = max(top, np.float64(Zs[i, lo + c]))
            total = 0.0
            for c in range(K):
                S[c] = np.exp(np.float64(Zs[i, lo + c]) - top)
                total += S[c]
            q = 0.0
            for c in range(K):
                S[c] /= total
                den[c] = E[at + c * K + c] + e * off[lo + c]
                Ty[c] = E[at + c * K + yi] * (1.0 if c == yi else e) / den[c]
                q += S[c] * Ty[c]
            q = max(q, 1e-12)
            value -= np.log(q)
            g_q = -1.0 / q
            dot = 0.0
            for c in range(K):
                dot += g_q * Ty[c] * S[c]
            for c in range(K):
                u = g_q * Ty[c] * S[c]
                G[i, lo + c] = u - S[c] * dot
                g_A[at + c * K + yi] += u
                for a in range(K):
                    g_A[at + c * K + a] -= u * E[at + c * K + a] * (1.0 if a == c else e) / den[c]
                g_s += u * (E[at + c * K + c] / den[c] - (1.0 if c == yi else 0.0))
            at += K * K
        G[i, n_out] = g_s
    return value


class NoiseAwareLogistic:
    """Per-column multinomial logistic regressions of the true class seen through noise layers.

    Column j: P(weak_j = a | x) = sum_c softmax(W_j x)_c T_j(x)[c, a], with
    T_j(x)[c, :] = softmax(A_j[c, :] + s(x) [a != c]) and s(x) = v.x shared by all columns
    (v = 0 without shared_difficulty: class-conditional noise). Fitted on standardised
    features by L-BFGS from plain logistic weights, a diagonal-heavy T (initial_agreement)
    and v = 0, which keeps the solution on the side where the annotator is mostly right.
    C: inverse L2 strength on W and v, as in scikit-learn. Fitted: classes_ (per column),
    coef_ / intercept_ (per column), base_transition_ (per column, T at s = 0),
    difficulty_coef_ / difficulty_intercept_ (s(x) in raw feature units), n_iter_.
    max_iter = 200 stops L-BFGS early on purpose: measured better for the rarest AU than
    running to convergence.
    """

    def __init__(self, C: float = 1.0, initial_agreement: float = 0.8,
                 shared_difficulty: bool = True, max_iter: int = 200) -> None:
        self.C = C
        self.initial_agreement = initial_agreement
        self.shared_difficulty = shared_difficulty
        self.max_iter = max_iter

    def fit(self, X: np.ndarray, Y: np.ndarray) -> "NoiseAwareLogistic":
        """Fit on X (n, d) and integer labels Y (n,) or (n, m); -1 = unknown."""
        from sklearn.linear_model import LogisticRegression

        X = np.asarray(X, dtype=np.float64)
        Y = np.asarray(Y).reshape(X.shape[0], -1)
        self.mean_ = X.mean(axis=0)
        self.scale_ = np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
        Xs = (X - self.mean_) / self.scale_
        Xa = np.hstack([Xs, np.ones((X.shape[0], 1))])
        n, d = Xa.shape
        self.classes_, columns = [], []
        for j in range(Y.shape[1]):
            known = Y[:, j] >= 0
            classes, idx = np.unique(Y[known, j], return_inverse=True)
            if classes.size < 2:
                raise ValueError(f"column {j}: NoiseAwareLogistic needs at least two classes")
            self.classes_.append(classes)
            y = np.zeros(n, dtype=np.int64)
            y[known] = idx
            columns.append((known, y, classes.size))
        sizes = [K for *_, K in columns]
        bounds = np.cumsum([0] + sizes).astype(np.int64)
        n_w = d * bounds[-1]
        # initial values: plain logistic weights, diagonal-heavy noise, no difficulty
        W0 = np.zeros((d, bounds[-1]))
        A0 = []
        for (known, y, K), lo in zip(columns, bounds):
            plain = LogisticRegression(C=self.C, max_iter=500).fit(Xs[known], y[known])
            if K == 2:
                W0[:-1, lo + 1], W0[-1, lo + 1] = plain.coef_[0], plain.intercept_[0]
            else:
                W0[:-1, lo:lo + K], W0[-1, lo:lo + K] = plain.coef_.T, plain.intercept_
            off = (1.0 - self.initial_agreement) / (K - 1)
            A0.append(np.log(np.where(np.eye(K, dtype=bool), self.initial_agreement, off)).ravel())
        theta0 = np.concatenate([W0.ravel()] + A0 + [np.zeros(d - 1)])
        reg = 1.0 / self.C
        penalty = np.ones((d, bounds[-1]))
        penalty[-1] = 0.0                                    # intercepts are not penalised

        # float32 products with W and v stacked: one pass over X each way per evaluation
        # (the products are most of the time; float32 halves it, docs/scale.md)
        Xa32 = Xa.astype(np.float32)
        n_out = int(bounds[-1])
        a_bounds = n_w + np.cumsum([0] + [K * K for K in sizes])     # each A_j in theta
        Y_idx = np.stack([np.where(known, y, -1) for known, y, _ in columns], axis=1)

        def loss_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
            W = theta[:n_w].reshape(d, -1)
            v = theta[-(d - 1):] if self.shared_difficulty else np.zeros(d - 1)
            Wv = np.zeros((d, n_out + 1), dtype=np.float32)
            Wv[:, :n_out], Wv[:-1, n_out] = W, v
            Zs = Xa32 @ Wv
            A = [theta[lo:hi].reshape(K, K) for lo, hi, K in zip(a_bounds, a_bounds[1:], sizes)]
            E = [np.exp(Aj - Aj.max(axis=1, keepdims=True)) for Aj in A]
            off = np.concatenate([Ej.sum(axis=1) - np.diag(Ej) for Ej in E])
            G = np.empty((n, n_out + 1), dtype=np.float32)
            g_A = np.zeros(a_bounds[-1] - n_w)
            value = 0.5 * reg * float((penalty * W * W).sum())
            value += _joint_loss(Zs, bounds, np.concatenate([Ej.ravel() for Ej in E]), off,
                                 Y_idx, G, g_A)
            GX = (Xa32.T @ G).astype(np.float64)
            G_W = GX[:, :n_out] + reg * penalty * W
            if self.shared_difficulty:
                value += 0.5 * reg * float(v @ v)
                g_v = GX[:-1, n_out] + reg * v
            else:
                g_v = np.zeros(d - 1)
            return value, np.concatenate([G_W.ravel(), g_A, g_v])

        result = minimize(loss_grad, theta0, jac=True, method="L-BFGS-B",
                          options={"maxiter": self.max_iter})
        W = result.x[:n_w].reshape(d, -1)
        self.coef_, self.intercept_, self.base_transition_, at = [], [], [], n_w
        for lo, K in zip(bounds, sizes):
            coef = W[:-1, lo:lo + K].T / self.scale_[None, :]
            self.coef_.append(coef)
            self.intercept_.append(W[-1, lo:lo + K] - coef @ self.mean_)
            self.base_transition_.append(softmax(result.x[at:at + K * K].reshape(K, K), axis=1))
            at += K * K
        v = result.x[-(d - 1):] if self.shared_difficulty else np.zeros(d - 1)
        self.difficulty_coef_ = v / self.scale_
        self.difficulty_intercept_ = -float(self.difficulty_coef_ @ self.mean_)
        self.n_iter_ = int(result.nit)
        return self

    def difficulty(self, X: np.ndarray) -> np.ndarray:
        """s(x): the shared shift of every error's log-odds (0 = an average image)."""
        return np.asarray(X, dtype=np.float64) @ self.difficulty_coef_ + self.difficulty_intercept_

    def transition(self, X: np.ndarray, column: int = 0) -> np.ndarray:
        """T_j(x) (n, K, K): P(weak = a | true = c, x) for each row."""
        A = np.log(self.base_transition_[column])
        K = A.shape[0]
        return softmax(A[None] + self.difficulty(X)[:, None, None] * (1.0 - np.eye(K))[None],
                       axis=2)

    def weak_likelihood(self, X: np.ndarray, y: np.ndarray, column: int = 0) -> np.ndarray:
        """T_j(x)[c, y] (n, K): how likely each row's given label y (a class index) is under
        each true class, in O(n K) memory (no per-row K x K matrix)."""
        E = self.base_transition_[column]
        diag = np.diag(E)
        e = np.exp(np.clip(self.difficulty(X), -30.0, 30.0))[:, None]
        den = diag[None, :] + e * (E.sum(axis=1) - diag)[None, :]
        same = np.asarray(y)[:, None] == np.arange(E.shape[0])[None, :]
        return E[:, y].T * np.where(same, 1.0, e) / den

    def predict_true_proba(self, X: np.ndarray, column: int = 0) -> np.ndarray:
        """P(true class | x) for one column (its classes_ order)."""
        X = np.asarray(X, dtype=np.float64)
        return softmax(X @ self.coef_[column].T + self.intercept_[column], axis=1)

    def predict_proba(self, X: np.ndarray, column: int = 0) -> np.ndarray:
        """P(weak label | x) for one column: what the annotator would say."""
        return np.einsum("ic,ica->ia", self.predict_true_proba(X, column),
                         self.transition(X, column))
