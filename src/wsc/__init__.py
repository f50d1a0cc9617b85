"""wsc: weakly supervised clustering for facial action units (Zhao, Chu, Martinez, CVPR 2018)."""
from __future__ import annotations

from wsc.embedding import LaplacianBlocks, WeaklySupervisedEmbedding

__version__ = "0.1.0"
__all__ = ["WeaklySupervisedEmbedding", "LaplacianBlocks", "__version__"]
