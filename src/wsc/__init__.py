"""wsc: weakly supervised clustering for facial action units (Zhao, Chu, Martinez, CVPR 2018)."""
from __future__ import annotations

from wsc.clustering import RankOrderClustering
from wsc.embedding import LaplacianBlocks, WeaklySupervisedEmbedding
from wsc.reannotation import WSC

__version__ = "0.1.0"
__all__ = ["WSC", "RankOrderClustering", "WeaklySupervisedEmbedding", "LaplacianBlocks",
           "__version__"]
