"""The weakly-supervised spectral embedding (WSE): objective, solvers and estimator."""
from wsc.embedding.blocks import LaplacianBlocks
from wsc.embedding.wse import WeaklySupervisedEmbedding

__all__ = ["WeaklySupervisedEmbedding", "LaplacianBlocks"]
