"""The WSE graph term on a Dask cluster: the Laplacian as row blocks held by the workers.

`BlockLaplacian` is an operator `solve_batch` accepts in place of the sparse L: each product
L @ W sends the small n x r iterate once to the cluster (one task that Dask copies to the
workers that need it) and stacks the blocks' products L[a:b] @ W. A block's product is the
same row-by-row sum the whole matrix's product does, so the solve is the same to the bit as
on one machine; a worker holds its blocks and one iterate, not the graph.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from wsc.graph.dask import held, task_key


def _block_product(block: sp.csr_matrix, W: np.ndarray) -> np.ndarray:
    return block @ W


class BlockLaplacian:
    """A symmetric sparse L held as row blocks on a Dask cluster; supports L @ W.

    bounds: the (start, stop) row ranges of the blocks. The client keeps only the futures;
    the blocks are freed on the workers when this object is."""

    def __init__(self, client: Any, L: sp.csr_matrix, bounds: list[tuple[int, int]]) -> None:
        L = sp.csr_matrix(L)
        self.shape = L.shape
        self.dtype = L.dtype
        self.nnz = L.nnz
        self.bounds = bounds
        self._client = client
        self._blocks = [client.submit(held, L[a:b], key=task_key("laplacian-block"))
                        for a, b in bounds]

    def __matmul__(self, W: np.ndarray) -> np.ndarray:
        """L @ W; a float32 L multiplies in float32 and returns float64, as the solver does
        with a local float32 L (`wsc.embedding.batch`), so both give the same bits."""
        W = np.asarray(W)
        if W.shape[0] != self.shape[1]:
            raise ValueError(f"L is {self.shape}, W has {W.shape[0]} rows")
        single = self.dtype == np.float32
        iterate = self._client.submit(held, W.astype(np.float32) if single else W,
                                      key=task_key("iterate"))
        parts = [self._client.submit(_block_product, block, iterate, key=task_key("product"))
                 for block in self._blocks]
        out = np.vstack(self._client.gather(parts))
        return out.astype(np.float64) if single else out
