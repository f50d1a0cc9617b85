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
def _column_loss(Z: np.ndarray, E: np.ndarray, e: np.ndarray, y: np.ndarray, known: np.ndarray,
                 G_Z: np.ndarray, g_A: np.ndarray, g_s: np.ndarray) -> float:
    """One column's negative log-likelihood; fills dL/dZ (G_Z), adds dL/dA to g_A and
    dL/ds to g_s. Z: (n, K) logits of the true class; E = exp(A - rowmax); e = exp(s).
    T(x)[c, a] = E[c, a] (e if a != c else 1) / den_c with
    den_c = E[c, c] + e (sum_a E[c, a] - E[c, c]). One pass over the rows, O(n K^2): the
    vectorised form spent its time in tiny reductions."""
    n, K = Z.shape
    off = np.empty(K)
    for c in range(K):
        off[c] = E[c].sum() - E[c, c]
    S = np.empty(K)
    Ty = np.empty(K)
    den = np.empty(K)
    value = 0.0
    for i in range(n):
        if not known[i]:
            G_Z[i] = 0.0
            continue
        yi = y[i]
        top = Z[i].max()
        total = 0.0
        for c in range(K):
            S[c] = np.exp(Z[i, c] - top)
            total += S[c]
        q = 0.0
        for c in range(K):
            S[c] /= total
            den[c] = E[c, c] + e[i] * off[c]
            Ty[c] = E[c, yi] * (1.0 if c == yi else e[i]) / den[c]
            q += S[c] * Ty[c]
        q = max(q, 1e-12)
        value -= np.log(q)
        g_q = -1.0 / q
        dot = 0.0
        for c in range(K):
            dot += g_q * Ty[c] * S[c]
        for c in range(K):
            u = g_q * Ty[c] * S[c]
            G_Z[i, c] = u - S[c] * dot
            g_A[c, yi] += u
            for a in range(K):
                g_A[c, a] -= u * E[c, a] * (1.0 if a == c else e[i]) / den[c]
            g_s[i] += u * (E[c, c] / den[c] - (1.0 if c == yi else 0.0))
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
        bounds = np.cumsum([0] + sizes)
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
        n_out = bounds[-1]

        def loss_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
            W = theta[:n_w].reshape(d, -1)
            v = theta[-(d - 1):] if self.shared_difficulty else np.zeros(d - 1)
            Wv = np.zeros((d, n_out + 1), dtype=np.float32)
            Wv[:, :n_out], Wv[:-1, n_out] = W, v
            Zs = (Xa32 @ Wv).astype(np.float64)
            Z, s = Zs[:, :n_out], Zs[:, n_out]
            G = np.empty((n, n_out + 1), dtype=np.float32)
            value = 0.5 * reg * float((penalty * W * W).sum())
            g_A, g_s, at = [], np.zeros(n), n_w
            e = np.exp(np.clip(s, -30.0, 30.0))
            for (known, y, K), lo in zip(columns, bounds):
                A = theta[at:at + K * K].reshape(K, K)
                at += K * K
                G_Zj, g_Aj = np.empty((n, K)), np.zeros((K, K))
                value += _column_loss(np.ascontiguousarray(Z[:, lo:lo + K]),
                                      np.exp(A - A.max(axis=1, keepdims=True)), e, y, known,
                                      G_Zj, g_Aj, g_s)
                G[:, lo:lo + K] = G_Zj
                g_A.append(g_Aj.ravel())
            G[:, n_out] = g_s
            GX = (Xa32.T @ G).astype(np.float64)
            G_W = GX[:, :n_out] + reg * penalty * W
            if self.shared_difficulty:
                value += 0.5 * reg * float(v @ v)
                g_v = GX[:-1, n_out] + reg * v
            else:
                g_v = np.zeros(d - 1)
            return value, np.concatenate([G_W.ravel()] + g_A + [g_v])

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
