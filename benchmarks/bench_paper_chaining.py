"""Why rank-order linking chains real faces into one cluster: measurements.

For real faces (FER2013, the store of benchmarks/bench_real.py) and, for contrast, digits with
20% symmetric noise (seed 100, a tuning seed): the paper mode's WSE embedding (lam = 1,
rows L2-normalised), the same without row normalisation, WSEs with smaller lam, and the
features themselves; for each and for list lengths k, the share of approximate rank-order
distances that are exactly 0, the partition at D = 0 and at the uMQI maximum (clusters,
largest cluster share), and the uMQI's range over the thresholds. Plus near-duplicate faces
(identical pixels; feature-space nearest neighbours much closer than typical) and whether
dropping them changes the chaining.

    .venv/bin/python benchmarks/bench_paper_chaining.py [--data fer_dev.npz] [--work out/fer_dev]

Writes benchmarks/results/paper_chaining.csv and paper_chaining_curve.csv (the uMQI curve of
the paper mode's embedding at k = 50) and prints the table.
"""
from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

RESULTS = Path(__file__).resolve().parent / "results"


def measure(Z: np.ndarray, k: int) -> dict:
    """Rank-order statistics of Z at list length k."""
    from wsc.clustering.estimator import RankOrderClustering
    from wsc.clustering.rank_order import approximate_rank_order, link_components
    from wsc.graph.knn import kneighbors

    Z = np.ascontiguousarray(Z, dtype=np.float32)
    idx, _ = kneighbors(Z, k)
    D = approximate_rank_order(idx)
    finite = D[np.isfinite(D)]
    zero = np.bincount(link_components(idx, D, 0.0))
    roc = RankOrderClustering(n_neighbors=k, max_cluster_share=1.0).fit(Z)
    sizes = np.bincount(roc.labels_)
    return dict(k=k, mutual_share=float(np.isfinite(D).mean()),
                d_zero_share=float(np.mean(finite == 0)),
                clusters_at_0=int(zero.size), largest_at_0=float(zero.max() / Z.shape[0]),
                auto_threshold=roc.threshold_, auto_clusters=int(sizes.size),
                auto_largest=float(sizes.max() / Z.shape[0]),
                umqi_max=float(roc.curve_.index.max()), umqi_min=float(roc.curve_.index.min()))


def spaces(X: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """The embeddings and feature spaces compared."""
    from wsc.embedding.wse import WeaklySupervisedEmbedding
    from wsc.reannotation.estimator import auto_graph_neighbors

    out = {"features": X}
    for lam in (1.0, 0.1, 0.01):
        W = WeaklySupervisedEmbedding(n_components=10, lam=lam,
                                      n_neighbors=auto_graph_neighbors(len(y)),
                                      random_state=0).fit_transform(X, y)
        norm = W / np.maximum(np.linalg.norm(W, axis=1, keepdims=True), 1e-12)
        out[f"wse lam={lam:g}, rows normalised"] = norm
        if lam == 1.0:
            out["wse lam=1, raw rows"] = W
    return out


def duplicates(images: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, dict]:
    """Rows that are near-duplicates of another row, and counts of both kinds."""
    from wsc.graph.knn import kneighbors

    flat = images.reshape(len(images), -1)
    _, first, counts = np.unique(flat, axis=0, return_index=True, return_counts=True)
    identical = np.ones(len(images), dtype=bool)
    identical[first] = False                      # every copy after the first
    _, dist = kneighbors(np.ascontiguousarray(X, np.float32), 10)
    close = dist[:, 0] < 0.1 * np.median(dist[:, -1])
    return identical | close, {"identical_pixel_copies": int(identical.sum()),
                               "nn_under_a_tenth_of_median_10nn": int(close.sum())}


def main() -> None:
    from real_faces import add_data_arguments, data_paths, load

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_arguments(parser)
    parser.add_argument("--ks", type=int, nargs="+", default=[5, 10, 20, 50])
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    work, data_file = data_paths(args)
    faces = load(work, data_file)
    from bench_cleaning import digits

    Xd, _, yd = digits("sym", 0.2, 100)
    rows = []
    data = {"real": (faces.X, faces.noisy), "digits_sym20": (Xd, yd[:, 0])}
    for name, (X, y) in data.items():
        for space, Z in spaces(X, y).items():
            for k in args.ks:
                rows.append(dict(dataset=name, space=space, **measure(Z, k)))
                print(rows[-1], flush=True)
    with np.load(data_file) as d:
        images = d["images"][faces.index]
    dup, counts = duplicates(images, faces.X)
    print(counts)
    keep = ~dup
    Z = spaces(faces.X[keep], faces.noisy[keep])["wse lam=1, rows normalised"]
    for k in args.ks:
        rows.append(dict(dataset=f"real without {int(dup.sum())} near-duplicates",
                         space="wse lam=1, rows normalised", **measure(Z, k)))
        print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    RESULTS.mkdir(parents=True, exist_ok=True)
    table.to_csv(RESULTS / "paper_chaining.csv", index=False)
    from wsc.clustering.estimator import RankOrderClustering

    E = spaces(faces.X, faces.noisy)["wse lam=1, rows normalised"]
    curve = RankOrderClustering(n_neighbors=50, max_cluster_share=1.0).fit(E).curve_
    pd.DataFrame({"threshold": curve.thresholds, "umqi": curve.index,
                  "n_clusters": curve.n_clusters, "largest": curve.largest}).to_csv(
        RESULTS / "paper_chaining_curve.csv", index=False)
    print(table.round(3).to_string(index=False))


if __name__ == "__main__":
    main()
