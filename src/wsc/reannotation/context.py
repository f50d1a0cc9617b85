"""What every part of one cleaning fit shares, built once: folds, one neighbour search, the graph.

The neighbour graph does not depend on the labels, so it is searched once at the largest k
any part needs (the WSE graph, the feature votes) and sliced per use; its affinity and
Laplacian serve every WSE fit, the full one and each held-out one (pynndescent's rule: the
graph is built once and passed around).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from wsc.embedding.batch import random_init, solve_batch
from wsc.embedding.groups import GroupScatter
from wsc.graph.affinity import knn_affinity
from wsc.graph.knn import EXACT_MAX_N, kneighbors
from wsc.graph.laplacian import laplacian, symmetric_part
from wsc.graph.order import inverse, locality_order
from wsc.reannotation.candidates import nearest_candidates
from wsc.reannotation.votes import class_counts, vote_block
from wsc.threads import map_threads

Progress = Callable[[str], None]


def fold_ids(n: int, n_folds: int, random_state: int | list[int]) -> np.ndarray:
    """A random balanced fold id per row."""
    rng = np.random.default_rng(random_state)
    return rng.permutation(np.arange(n) % n_folds)


# Above this many rows (where exact search stops, `wsc.graph.knn.EXACT_MAX_N`) the cleaner
# takes its large-data choices: a WSE graph of k = LARGE_GRAPH_K, neighbour lists in each
# embedding from the shared feature neighbours instead of a search, and the graph's work in
# a locality order of the rows (docs/scale.md).
LARGE_N = EXACT_MAX_N
LARGE_GRAPH_K = 30


def large(n: int) -> bool:
    """Whether n rows take the large-data choices."""
    return n > LARGE_N


def auto_graph_neighbors(n: int) -> int:
    """Graph k for the WSE when not given: about 1% of the rows, between 10 and 100; above
    LARGE_N rows LARGE_GRAPH_K (k = 100 cost 4x the WSE time for the same agreement at
    100k rows, docs/scale.md)."""
    return LARGE_GRAPH_K if large(n) else int(np.clip(n // 100, 10, 100))


def compact_codes(codes: np.ndarray) -> np.ndarray:
    """Group codes renumbered 0..G-1 over the groups present (-1 kept): a group whose rows
    are all hidden must not count as an empty group in the scatter's 1 / G weights."""
    out = np.full(codes.shape, -1, dtype=np.int64)
    known = codes >= 0
    if known.any():
        _, out[known] = np.unique(codes[known], return_inverse=True)
    return out


def reporter(progress: Progress, what: str) -> Callable[[int, int, float], None]:
    """report(done, total, seconds left) printing '<what> i/n done, about N s left' through
    progress, where there are several items."""
    def report(done: int, total: int, left: float) -> None:
        if total > 1:
            progress(f"{what} {done}/{total} done" +
                     (f", about {left:.0f} s left" if done < total else ""))
    return report


@dataclass
class CleaningContext:
    """Shared inputs of one fit. neighbors: (n, k_max) feature neighbours, nearest first;
    L: the symmetric part of the WSE graph's Laplacian (built from the first graph-k columns),
    as row blocks on the workers when client (a `distributed.Client`) is given.

    order (large data): L's rows and columns are in this order (order[p] = the row at
    position p, `wsc.graph.order`), and so are the embeddings while they are solved and
    clustered; everything the context hands out is in the rows' own order."""

    X: np.ndarray
    folds: np.ndarray
    neighbors: np.ndarray
    L: Any
    random_state: int
    n_jobs: int
    progress: Progress
    client: Any = None
    order: np.ndarray | None = None
    position: np.ndarray | None = field(init=False, default=None)
    local_neighbors: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        if self.order is None:
            self.local_neighbors = self.neighbors
        else:
            self.position = inverse(self.order)
            # int32: the renumbered copy costs half the original's memory
            self.local_neighbors = self.position.astype(np.int32)[self.neighbors[self.order]]

    def to_local(self, a: np.ndarray) -> np.ndarray:
        """Rows of a (in the rows' own order) in the locality order."""
        return a if self.order is None else a[self.order]

    def from_local(self, a: np.ndarray) -> np.ndarray:
        """Rows of a (in the locality order) back in the rows' own order."""
        return a if self.position is None else a[self.position]

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def n_folds(self) -> int:
        return int(self.folds.max()) + 1

    def reporter(self, what: str):
        """A map_threads report that prints '<what> i/n done, about N s left' (several items)."""
        return reporter(self.progress, what)

    def feature_neighbors(self, k: int) -> np.ndarray:
        """The k nearest other rows of each row in the features (a slice of the one search)."""
        if k > self.neighbors.shape[1]:
            raise ValueError(f"the context holds {self.neighbors.shape[1]} neighbours, {k} asked")
        return self.neighbors[:, :k]

    def vote(self, indices: np.ndarray, codes: np.ndarray, n_classes: Sequence[int],
             held_out: bool = False) -> list[np.ndarray]:
        """`neighbour_proba` of each column of codes (n, J) from one set of (n, k) neighbour
        lists; held_out: neighbours in the row's own fold do not vote. With a client, by row
        partitions on the workers, the lists sent once for all columns
        (`wsc.reannotation.dask.partitioned_votes`; the same probabilities)."""
        folds = self.folds if held_out else None
        if self.client is not None:
            from wsc.reannotation.dask import partitioned_votes
            return partitioned_votes(self.client, indices, codes, n_classes, folds)
        counts = [class_counts(codes[:, j], K) for j, K in enumerate(n_classes)]
        return vote_block(indices, codes, counts, folds)

    def embed(self, codes: np.ndarray, lam: float, n_components: int) -> np.ndarray:
        """WSE embedding guided by integer groups (-1 = none) on the shared graph, rows
        L2-normalised (the same solve as `WeaklySupervisedEmbedding` with this graph)."""
        return self.embed_many([codes], lam, n_components)[0]

    def embed_many(self, group_codes: list[np.ndarray], lam: float, n_components: int,
                   what: str = "embedding") -> list[np.ndarray]:
        """Several WSE embeddings of the shared graph (one per group coding), on n_jobs
        threads: the solver's time is in sparse products, which release the GIL. With a
        client, each solve is a task on the workers (`wsc.embedding.dask.solve_tasks`; the
        same embeddings)."""
        W0 = self.to_local(random_init(self.n, n_components, self.random_state))
        local_codes = [compact_codes(self.to_local(codes)) for codes in group_codes]

        def normalised(W: np.ndarray) -> np.ndarray:
            return self.from_local(W / np.maximum(np.linalg.norm(W, axis=1, keepdims=True),
                                                  1e-12))

        if self.client is not None:
            from wsc.embedding.dask import solve_tasks
            return [normalised(W) for W in solve_tasks(self.L, local_codes, W0, lam,
                                                       self.reporter(what))]
        return map_threads(lambda codes: normalised(solve_batch(self.L, GroupScatter(codes),
                                                                W0, lam)[0]),
                           local_codes, self.n_jobs, self.reporter(what))

    def nearest_in(self, E: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
        """For each of rows, the k of its feature neighbours nearest in the embedding E
        (`nearest_candidates`), worked out in the locality order."""
        if self.order is None:
            return nearest_candidates(E, rows, self.neighbors, k)
        local = self.position[rows]
        ascending = np.argsort(local, kind="stable")
        out = np.empty((rows.size, k), dtype=np.int64)
        out[ascending] = self.order[nearest_candidates(self.to_local(E), local[ascending],
                                                       self.local_neighbors, k)]
        return out


def build_context(X: np.ndarray, *, n_folds: int, graph_k: int, list_k: int,
                  random_state: int, n_jobs: int, progress: Progress,
                  client: Any = None) -> CleaningContext:
    """Folds, one feature neighbour search at max(graph_k, list_k) and the WSE Laplacian
    (mutual kNN, local Gaussian weights, symmetric normalisation: the WSE defaults), on
    large data with its rows and columns in the graph's locality order. With a Dask client
    the search is sharded over its workers and L held there in row blocks
    (`wsc.reannotation.dask`; the same result)."""
    n = X.shape[0]
    k_max = min(max(graph_k, list_k), n - 1)
    progress(f"nearest neighbours in the features (k = {k_max}, {n} rows)"
             + (" on the Dask cluster" if client is not None else ""))
    if client is None:
        indices, distances = kneighbors(X, k_max, random_state=random_state,
                                        report=reporter(progress, "feature search"))
    else:
        from wsc.reannotation.dask import search
        indices, distances = search(client, X, k_max, threads=n_jobs)
    progress(f"kNN graph and Laplacian (k = {graph_k})")
    A = knn_affinity(neighbors=(indices[:, :graph_k], distances[:, :graph_k]))
    order = None
    if large(n):
        order = locality_order(A)
        A = A[order][:, order]
    L = symmetric_part(laplacian(A, "symmetric"))
    if client is not None:
        from wsc.reannotation.dask import distribute_laplacian
        L = distribute_laplacian(client, L)
    return CleaningContext(X=X, folds=fold_ids(n, n_folds, random_state), neighbors=indices,
                           L=L, random_state=random_state, n_jobs=n_jobs, progress=progress,
                           client=client, order=order)
