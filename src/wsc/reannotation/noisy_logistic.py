"""Logistic regression through a learned noise layer: P(weak | x) = softmax(W x)^T T.

A plain logistic regression fitted to noisy labels has to bend its weights to reproduce the
annotator's floor (false alarms) and ceiling (misses); with the noise matrix T as a learned
layer (the "forward" model of Patrini et al. 2017, fitted jointly as in Bootkrajang and
Kaban 2012) the weights only need to separate the true classes, which measured better
cleaned labels on the synthetic AU data (docs/cleaning.md).
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import minimize
from scipy.special import softmax


class NoiseAwareLogistic:
    """Multinomial logistic regression of the true class, seen through a noise matrix.

    Fitted on standardised features by L-BFGS from a plain logistic regression's weights
    and a diagonal-heavy T (initial_agreement on the diagonal), which keeps the solution
    on the side where T's diagonal is its largest column entry. C is the inverse L2
    strength, as in scikit-learn. Fitted: coef_ (K, d), intercept_ (K,), transition_
    (K, K; T[c, a] = P(weak a | true c)), classes_, n_iter_.
    """

    def __init__(self, C: float = 1.0, initial_agreement: float = 0.8, max_iter: int = 500) -> None:
        self.C = C
        self.initial_agreement = initial_agreement
        self.max_iter = max_iter

    def fit(self, X: np.ndarray, y: np.ndarray) -> "NoiseAwareLogistic":
        """Fit on rows with known labels y (integer classes)."""
        from sklearn.linear_model import LogisticRegression

        X = np.asarray(X, dtype=np.float64)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        K = self.classes_.size
        if K < 2:
            raise ValueError("NoiseAwareLogistic needs at least two classes")
        self.mean_ = X.mean(axis=0)
        self.scale_ = np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
        Xa = np.hstack([(X - self.mean_) / self.scale_, np.ones((X.shape[0], 1))])
        d = Xa.shape[1]
        plain = LogisticRegression(C=self.C, max_iter=self.max_iter).fit(Xa[:, :-1], y_idx)
        W0 = np.zeros((d, K))
        if K == 2:
            W0[:-1, 1], W0[-1, 1] = plain.coef_[0], plain.intercept_[0]
        else:
            W0[:-1], W0[-1] = plain.coef_.T, plain.intercept_
        off = (1.0 - self.initial_agreement) / (K - 1)
        A0 = np.log(np.where(np.eye(K, dtype=bool), self.initial_agreement, off))
        onehot = np.eye(K)[y_idx]
        penalty = np.ones((d, K))
        penalty[-1] = 0.0                                    # intercepts are not penalised
        reg = 1.0 / self.C

        def loss_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
            W, A = theta[:d * K].reshape(d, K), theta[d * K:].reshape(K, K)
            S = softmax(Xa @ W, axis=1)
            T = softmax(A, axis=1)
            Q = np.clip(S @ T, 1e-12, None)
            q = (Q * onehot).sum(axis=1)
            G_Q = -onehot / q[:, None]
            G_S = G_Q @ T.T
            G_Z = S * (G_S - (G_S * S).sum(axis=1, keepdims=True))
            G_T = S.T @ G_Q
            G_A = T * (G_T - (G_T * T).sum(axis=1, keepdims=True))
            G_W = Xa.T @ G_Z + reg * penalty * W
            value = -np.log(q).sum() + 0.5 * reg * float((penalty * W * W).sum())
            return value, np.concatenate([G_W.ravel(), G_A.ravel()])

        result = minimize(loss_grad, np.concatenate([W0.ravel(), A0.ravel()]), jac=True,
                          method="L-BFGS-B", options={"maxiter": self.max_iter})
        W = result.x[:d * K].reshape(d, K)
        self.coef_ = W[:-1].T / self.scale_[None, :]
        self.intercept_ = W[-1] - self.coef_ @ self.mean_
        self.transition_ = softmax(result.x[d * K:].reshape(K, K), axis=1)
        self.n_iter_ = int(result.nit)
        return self

    def predict_true_proba(self, X: np.ndarray) -> np.ndarray:
        """P(true class | x)."""
        return softmax(np.asarray(X, dtype=np.float64) @ self.coef_.T + self.intercept_, axis=1)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """P(weak label | x) = P(true | x) T: what the annotator would say."""
        return self.predict_true_proba(X) @ self.transition_
