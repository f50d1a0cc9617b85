"""k-nearest-neighbour graphs: neighbour search, affinities and Laplacians."""
from wsc.graph.affinity import isolated_points, knn_affinity
from wsc.graph.knn import kneighbors
from wsc.graph.laplacian import laplacian

__all__ = ["kneighbors", "knn_affinity", "isolated_points", "laplacian"]
