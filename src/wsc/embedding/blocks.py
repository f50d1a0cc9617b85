"""Row blocks of a symmetric Laplacian, in memory or streamed from on-disk shards."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterator

import numpy as np
import scipy.sparse as sp

from wsc.graph.laplacian import symmetric_part


class LaplacianBlocks:
    """A symmetric n x n Laplacian split into P row blocks.

    Blocks live in memory (`from_matrix`) or in .npz shards of a folder (`save`/`open`),
    read one at a time, so the whole Laplacian need never be in memory at once.
    """

    def __init__(self, n: int, bounds: np.ndarray, blocks: list[sp.csr_matrix] | None = None,
                 folder: Path | None = None) -> None:
        self.n = int(n)
        self.bounds = np.asarray(bounds, dtype=np.int64)
        self._blocks = blocks
        self._folder = folder

    @property
    def n_blocks(self) -> int:
        return self.bounds.size - 1

    @classmethod
    def from_matrix(cls, L: sp.spmatrix, n_blocks: int = 50) -> "LaplacianBlocks":
        """Split (the symmetric part of) L into n_blocks row blocks of near-equal size."""
        Ls = symmetric_part(L).astype(np.float32)
        n = Ls.shape[0]
        bounds = np.linspace(0, n, min(n_blocks, n) + 1).round().astype(np.int64)
        return cls(n, bounds, [Ls[a:b] for a, b in zip(bounds[:-1], bounds[1:])])

    def save(self, folder: str | Path) -> "LaplacianBlocks":
        """Write every block to folder/block_XXXXX.npz (atomically) plus an index; return the on-disk view."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for p in range(self.n_blocks):
            tmp = folder / f"block_{p:05d}.tmp.npz"
            sp.save_npz(tmp, self.block(p), compressed=False)
            os.replace(tmp, folder / f"block_{p:05d}.npz")
        (folder / "index.json").write_text(json.dumps({"n": self.n, "bounds": self.bounds.tolist()}))
        return LaplacianBlocks.open(folder)

    @classmethod
    def open(cls, folder: str | Path) -> "LaplacianBlocks":
        """A view of blocks saved in folder; each block is read from disk when used."""
        folder = Path(folder)
        meta = json.loads((folder / "index.json").read_text())
        return cls(meta["n"], np.asarray(meta["bounds"]), folder=folder)

    def block(self, p: int) -> sp.csr_matrix:
        """Rows bounds[p]:bounds[p+1] of L (CSR, all n columns)."""
        if self._blocks is not None:
            return self._blocks[p]
        return sp.load_npz(self._folder / f"block_{p:05d}.npz").tocsr()

    def __iter__(self) -> Iterator[tuple[int, int, sp.csr_matrix]]:
        for p in range(self.n_blocks):
            yield int(self.bounds[p]), int(self.bounds[p + 1]), self.block(p)

    def matmul(self, W: np.ndarray) -> np.ndarray:
        """L @ W, streaming over the blocks."""
        out = np.empty((self.n, W.shape[1]), dtype=np.float64)
        for a, b, B in self:
            out[a:b] = B @ W
        return out

    __matmul__ = matmul

    def to_matrix(self) -> sp.csr_matrix:
        """The whole Laplacian in memory."""
        return sp.vstack([B for _, _, B in self], format="csr")
