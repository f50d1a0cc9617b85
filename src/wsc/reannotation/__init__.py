"""Re-annotation: the `WSC` cleaner over one shared context, evidence sources, pooling, rules."""
from wsc.reannotation.estimator import WSC
from wsc.reannotation.paper import cluster_majority
from wsc.reannotation.sources import (EmbeddingVote, Evidence, EvidenceSource, NeighbourVote,
                                      NoiseAwareClassifier, PrecomputedProba)
from wsc.reannotation.votes import encode_labels, neighbour_proba

__all__ = ["WSC", "Evidence", "EvidenceSource", "EmbeddingVote", "NeighbourVote",
           "NoiseAwareClassifier", "PrecomputedProba", "cluster_majority", "encode_labels",
           "neighbour_proba"]
