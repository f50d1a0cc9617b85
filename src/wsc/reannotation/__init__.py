"""Re-annotation: cluster majority votes with pruning, held-out evidence, the `WSC` cleaner."""
from wsc.reannotation.estimator import WSC
from wsc.reannotation.votes import cluster_majority, encode_labels, neighbour_proba

__all__ = ["WSC", "cluster_majority", "encode_labels", "neighbour_proba"]
