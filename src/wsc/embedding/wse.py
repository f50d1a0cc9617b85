"""`WeaklySupervisedEmbedding`: the weakly-supervised spectral embedding (WSE) estimator."""
from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data

from wsc.embedding.batch import random_init, solve_batch
from wsc.embedding.blocks import LaplacianBlocks
from wsc.embedding.groups import GroupScatter, MultiGroupScatter, encode_groups
from wsc.embedding.stochastic import solve_stochastic
from wsc.graph.affinity import isolated_points, knn_affinity
from wsc.graph.knn import METRICS
from wsc.graph.laplacian import KINDS, laplacian


class WeaklySupervisedEmbedding(BaseEstimator):
    """Embedding W (n x r, W^T W = I) minimising tr(W^T L W) + lam sum_g (m/(G n_g)) tr(W_g^T C_g W_g).

    Small lam gives the plain spectral embedding of the kNN graph, large lam collapses
    each weak-label group to a point; in between a group stays together only where
    appearance agrees. X: features (n, d), a precomputed sparse affinity (n, n), or a
    `LaplacianBlocks` store (stochastic solver). y: weak labels of any hashable type;
    None, NaN and -1 join no group. A 2-D y (n, m) holds one label column per column
    (missing per cell) and uses the joint term, the sum of the columns' scatters
    (`MultiGroupScatter`); classes_ is then a list per column. Parameters are checked
    before any work; n_neighbors above n - 1 is lowered to n - 1 with a warning.
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "lam": [Interval(Real, 0, None, closed="left")],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "laplacian": [StrOptions(set(KINDS))],
        "symmetrize": [StrOptions({"mutual", "union"})],
        "sigma": [StrOptions({"local", "median"}), Interval(Real, 0, None, closed="neither")],
        "metric": [StrOptions(set(METRICS))],
        "solver": [StrOptions({"batch", "stochastic"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "momentum": ["boolean"],
        "batch_fraction": [Interval(Real, 0, 1, closed="right")],
        "n_epochs": [Interval(Integral, 1, None, closed="left")],
        "random_state": [None, Interval(Integral, 0, None, closed="left")],
    }

    def __init__(self, n_components: int = 10, lam: float = 1.0, n_neighbors: int = 100,
                 laplacian: str = "symmetric", symmetrize: str = "mutual",
                 sigma: str | float = "local", metric: str = "euclidean",
                 solver: str = "batch", max_iter: int = 1000, tol: float = 1e-5,
                 momentum: bool = True, batch_fraction: float = 0.1, n_epochs: int = 100,
                 random_state: int | None = 0) -> None:
        self.n_components = n_components
        self.lam = lam
        self.n_neighbors = n_neighbors
        self.laplacian = laplacian
        self.symmetrize = symmetrize
        self.sigma = sigma
        self.metric = metric
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.momentum = momentum
        self.batch_fraction = batch_fraction
        self.n_epochs = n_epochs
        self.random_state = random_state

    def _graph(self, X) -> sp.csr_matrix | LaplacianBlocks:
        """The Laplacian (or its block store) of the input."""
        if isinstance(X, LaplacianBlocks):  # no affinity in memory: nothing to count
            self.n_isolated_, self.affinity_ = None, None
            return X
        if sp.issparse(X):
            if X.shape[0] != X.shape[1]:
                raise ValueError(f"a sparse X must be a square affinity, got shape {X.shape}")
            A = sp.csr_matrix(X, dtype=np.float64)
            if not np.all(np.isfinite(A.data)) or (A.data < 0).any():
                raise ValueError("the affinity has a negative, NaN or infinite weight")
            A = sp.csr_matrix((A + A.T) * 0.5)
            A.setdiag(0)
            A.eliminate_zeros()
        else:
            k = self.n_neighbors
            if k > X.shape[0] - 1:
                warnings.warn(f"n_neighbors={k} is more than n_samples - 1 = {X.shape[0] - 1}; "
                              f"using {X.shape[0] - 1}", stacklevel=3)
                k = X.shape[0] - 1
            A = knn_affinity(X, k, symmetrize=self.symmetrize, sigma=self.sigma,
                             metric=self.metric, random_state=self.random_state or 0)
        self.n_isolated_ = int(isolated_points(A).size)
        self.affinity_ = A
        return laplacian(A, self.laplacian)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags

    def fit(self, X, y) -> "WeaklySupervisedEmbedding":
        """Build the kNN graph of X and solve for the embedding guided by the weak labels y."""
        self._validate_params()
        if y is None:
            raise ValueError("WeaklySupervisedEmbedding requires y to be passed, but the target "
                             "y is None (y: the weak labels)")
        if isinstance(X, LaplacianBlocks):
            self.n_features_in_ = X.n
        elif sp.issparse(X):
            X = validate_data(self, X, accept_sparse="csr", ensure_min_samples=2)
        else:
            X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        n = X.n if isinstance(X, LaplacianBlocks) else X.shape[0]
        y = np.asarray(y, dtype=object)
        joint = y.ndim == 2
        y = y if joint else y.ravel()
        if y.shape[0] != n:
            raise ValueError(f"X has {n} rows but y has {y.shape[0]} labels")
        if not 1 <= self.n_components < n:
            raise ValueError(f"n_components must be in [1, {n - 1}], got {self.n_components}")
        if self.lam < 0:
            raise ValueError(f"lam must be >= 0, got {self.lam}")
        columns = [encode_groups(y[:, j]) for j in range(y.shape[1])] if joint \
            else [encode_groups(y)]
        for j, (_, classes) in enumerate(columns):
            where = f" in column {j} of y" if joint else ""
            if classes.size == 0:
                raise ValueError(f"all weak labels are missing{where}: WSE needs at least "
                                 "two labelled groups")
            if classes.size < 2:
                raise ValueError(f"the weak labels{where} form a single group "
                                 f"({classes[0]!r}); WSE needs at least two")
        if joint:
            self.classes_ = [classes for _, classes in columns]
            groups = MultiGroupScatter(np.stack([c for c, _ in columns], axis=1))
        else:
            codes, self.classes_ = columns[0]
            groups = GroupScatter(codes)
        L = self._graph(X)
        W0 = random_init(n, self.n_components, self.random_state)
        if self.solver == "batch":
            if isinstance(L, LaplacianBlocks):
                L = L.to_matrix()
            W, hist, n_iter = solve_batch(L, groups, W0, self.lam, max_iter=self.max_iter,
                                          tol=self.tol, momentum=self.momentum)
        elif self.solver == "stochastic":
            blocks = L if isinstance(L, LaplacianBlocks) else LaplacianBlocks.from_matrix(L)
            W, hist, n_iter = solve_stochastic(blocks, groups, W0, self.lam,
                                               n_epochs=self.n_epochs,
                                               batch_fraction=self.batch_fraction,
                                               tol=self.tol, random_state=self.random_state)
        else:
            raise ValueError(f"solver must be 'batch' or 'stochastic', got {self.solver!r}")
        if n_iter >= self.max_iter and self.solver == "batch":
            warnings.warn(f"WSE stopped at max_iter={self.max_iter} before converging", stacklevel=2)
        self.embedding_ = W
        self.objective_ = hist.as_dict()
        self.n_iter_ = n_iter
        return self

    def fit_transform(self, X, y=None) -> np.ndarray:
        """Fit and return the embedding (n, n_components)."""
        if y is None:
            raise ValueError("WSE needs weak labels y")
        return self.fit(X, y).embedding_
