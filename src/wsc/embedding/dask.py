"""The WSE on a Dask cluster: the Laplacian as row blocks held by the workers, each solve a task.

`BlockLaplacian` is an operator `solve_batch` accepts in place of the sparse L: each product
L @ W sends the small n x r iterate once to the cluster (from the client: one task that
Dask copies to the workers that need it; from a solve's task: kept on its own worker, see
`solve_tasks`) and stacks the blocks' products L[a:b] @ W. A block's product is the
same row-by-row sum the whole matrix's product does, so the solve is the same to the bit as
on one machine; a worker holds its blocks and one iterate, not the graph.

`solve_tasks` runs whole solves as tasks (the held-out folds', say): each task drives its
iterations on a worker, its products still block tasks on the blocks' holders, so a solve
costs its worker the n x r iterates and no part of L it does not hold. Its iterate for a
product is stored on its own worker (`Client.scatter`), not sent as a task through the
scheduler: the WSE stages took a fifth less at 1M rows (docs/dask.md). Such an iterate cannot
be recomputed, and need not be: it is lost only with the worker running the solve, whose
task Dask then runs again from its start.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Sequence

import numpy as np
import scipy.sparse as sp

from wsc.embedding.batch import solve_batch
from wsc.embedding.groups import GroupScatter
from wsc.graph.dask import held, quiet_large_graphs, task_key


def _block_product(block: sp.csr_matrix, W: np.ndarray) -> np.ndarray:
    return block @ W


class BlockLaplacian:
    """A symmetric sparse L held as row blocks on a Dask cluster; supports L @ W.

    bounds: the (start, stop) row ranges of the blocks. The client keeps only the futures;
    the blocks are freed on the workers when this object is. client: the client products
    are submitted through."""

    def __init__(self, client: Any, L: sp.csr_matrix, bounds: list[tuple[int, int]]) -> None:
        L = sp.csr_matrix(L)
        self._attach(client, [client.submit(held, L[a:b], key=task_key("laplacian-block"))
                              for a, b in bounds], bounds, L.shape, L.dtype, L.nnz, None)

    def _attach(self, client: Any, blocks: list, bounds: list[tuple[int, int]],
                shape: tuple[int, int], dtype: Any, nnz: int, here: str | None) -> None:
        self.shape, self.dtype, self.nnz, self.bounds = shape, np.dtype(dtype), nnz, bounds
        self.client = client
        self._blocks = blocks
        self._here = here   # the worker address iterates are stored on, if any

    def recipe(self) -> tuple:
        """What a task needs to use the same blocks through its own client (`attached`):
        the blocks' keys, not their futures, which Dask would replace by the blocks' data."""
        return ([b.key for b in self._blocks], self.bounds, self.shape, self.dtype.str, self.nnz)

    @classmethod
    def attached(cls, client: Any, recipe: tuple, here: str | None = None) -> "BlockLaplacian":
        """The operator over blocks already on the cluster (see `recipe`), for client; here:
        a worker's address to store each product's iterate on, instead of a task."""
        from distributed import Future

        keys, bounds, shape, dtype, nnz = recipe
        out = cls.__new__(cls)
        out._attach(client, [Future(k, client=client) for k in keys], bounds, shape, dtype, nnz,
                    here)
        return out

    def __matmul__(self, W: np.ndarray) -> np.ndarray:
        """L @ W; a float32 L multiplies in float32 and returns float64, as the solver does
        with a local float32 L (`wsc.embedding.batch`), so both give the same bits."""
        W = np.asarray(W)
        if W.shape[0] != self.shape[1]:
            raise ValueError(f"L is {self.shape}, W has {W.shape[0]} rows")
        single = self.dtype == np.float32
        W = W.astype(np.float32) if single else W
        if self._here is None:
            iterate = self.client.submit(held, W, key=task_key("iterate"))
        else:
            [iterate] = self.client.scatter([W], workers=[self._here], hash=False)
        parts = [self.client.submit(_block_product, block, iterate, key=task_key("product"))
                 for block in self._blocks]
        out = np.vstack(self.client.gather(parts))
        return out.astype(np.float64) if single else out


def _solve(recipe: tuple, codes: np.ndarray, W0: np.ndarray, lam: float) -> np.ndarray:
    """One solve as a task: its iterations here, its products through a client of this
    worker (the task leaves the worker's thread pool meanwhile, so the products it waits
    for can run on this worker's blocks too)."""
    from distributed import get_worker, worker_client

    with worker_client() as client, quiet_large_graphs():
        L = BlockLaplacian.attached(client, recipe, here=get_worker().address)
        W, _, _ = solve_batch(L, GroupScatter(codes), W0, lam)
    return W


def solve_tasks(L: BlockLaplacian, group_codes: Sequence[np.ndarray], W0: np.ndarray,
                lam: float, report: Callable[[int, int, float], None] | None = None,
                at_once: int | None = None) -> list[np.ndarray]:
    """`solve_batch(L, GroupScatter(codes), W0, lam)`'s W for each codes, one task per solve:
    at most at_once at a time (default: one per worker; each holds its n x r iterates),
    handed to the workers in turn. The same W, bit for bit, as a local solve. report(done,
    total, seconds left) after each."""
    from distributed import as_completed

    client = L.client
    workers = sorted(client.nthreads())
    at_once = max(1, at_once or len(workers))
    start = client.submit(held, np.asarray(W0, dtype=np.float64), key=task_key("start"))
    recipe = L.recipe()
    futures: dict[Any, tuple[int, int]] = {}
    out: list[np.ndarray | None] = [None] * len(group_codes)
    begun = time.perf_counter()
    pending = as_completed()

    def submit(i: int, slot: int) -> None:
        # each slot's solves prefer one worker, spreading the iterates; any other worker
        # may take one if that worker is lost
        future = client.submit(_solve, recipe, np.asarray(group_codes[i]), start, lam,
                               key=task_key("wse-solve"),
                               workers=[workers[slot % len(workers)]], allow_other_workers=True)
        futures[future] = (i, slot)
        pending.add(future)

    queued = min(at_once, len(group_codes))
    for i in range(queued):
        submit(i, i)
    for done, future in enumerate(pending, 1):
        i, slot = futures.pop(future)
        out[i] = future.result()
        if queued < len(group_codes):
            submit(queued, slot)
            queued += 1
        if report is not None:
            elapsed = time.perf_counter() - begun
            report(done, len(group_codes), elapsed / done * (len(group_codes) - done))
    return out  # type: ignore[return-value]
