"""WSE at scale: graph build, batch and stochastic solvers, and scikit-learn's SpectralEmbedding.

For each n (10-class Gaussian data in 64-d, weak labels with 30% symmetric noise) each step
runs in its own process, so that its peak memory (max RSS) is its own:
  graph       kNN (faiss) -> mutual Gaussian affinity -> symmetric Laplacian, saved to disk
  batch       WSE batch solver on the whole Laplacian in memory
  batch_best_of_3  the batch solver from 3 random starts, keeping the lowest objective
  stochastic  WSE SVRG solver streaming the Laplacian's row blocks from disk
  sklearn     sklearn.manifold.SpectralEmbedding on the same affinity (no labels)
Quality: adjusted Rand index of k-means (10) on the embedding against the true classes.
Prints a table and writes benchmarks/results/wse.csv (or --csv NAME).
Usage: python benchmarks/bench_wse.py [--sizes 10000 100000] [--k 100] [--r 10] [--lam 0.3]
(the lam = 1 table: --lam 1 --csv wse_lam1.csv; 1M: --sizes 1000000 --csv wse_1m.csv)
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

RESULTS = Path(__file__).resolve().parent / "results"


def data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ten overlapping Gaussian classes in 64-d, and weak labels with 30% flipped at random."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n)
    X = (rng.normal(size=(10, 64)) * 0.9)[y] + rng.normal(size=(n, 64))
    weak = np.where(rng.random(n) < 0.3, rng.integers(0, 10, n), y)
    return X.astype(np.float32), y, weak


def quality(W: np.ndarray, y: np.ndarray) -> float:
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    Wn = W / np.maximum(np.linalg.norm(W, axis=1, keepdims=True), 1e-12)
    return float(adjusted_rand_score(y, KMeans(10, n_init=3, random_state=0).fit_predict(Wn)))


def step(name: str, n: int, k: int, r: int, lam: float, work: Path) -> dict:
    """Run one step in this process; return its metrics."""
    import scipy.sparse as sp

    from wsc.embedding import LaplacianBlocks
    from wsc.embedding.batch import random_init, solve_batch
    from wsc.embedding.groups import GroupScatter, encode_groups
    from wsc.embedding.stochastic import solve_stochastic

    X, y, weak = data(n)
    out: dict = {"step": name, "n": n}
    start = time.perf_counter()
    if name == "graph":
        from wsc.graph import kneighbors, knn_affinity, laplacian

        nb = kneighbors(X, k)
        out["knn_s"] = time.perf_counter() - start
        A = knn_affinity(neighbors=nb, symmetrize="mutual", sigma="local")
        L = laplacian(A, "symmetric")
        sp.save_npz(work / "A.npz", A)
        sp.save_npz(work / "L.npz", L)
        LaplacianBlocks.from_matrix(L, n_blocks=50).save(work / "blocks")
        out.update(seconds=time.perf_counter() - start, nnz=int(A.nnz))
        return out
    groups = GroupScatter(encode_groups(weak)[0])
    W0 = random_init(n, r, 0)
    if name == "batch":
        L = sp.load_npz(work / "L.npz").tocsr()
        start = time.perf_counter()
        W, hist, it = solve_batch(L, groups, W0, lam)
    elif name == "batch_best_of_3":
        L = sp.load_npz(work / "L.npz").tocsr()
        start = time.perf_counter()
        runs = [solve_batch(L, groups, random_init(n, r, seed), lam) for seed in range(3)]
        W, hist, it = min(runs, key=lambda run: run[1].total[-1])
    elif name == "stochastic":
        blocks = LaplacianBlocks.open(work / "blocks")
        start = time.perf_counter()
        W, hist, it = solve_stochastic(blocks, groups, W0, lam, n_epochs=100, batch_fraction=0.1)
    elif name == "sklearn":
        from sklearn.manifold import SpectralEmbedding

        A = sp.load_npz(work / "A.npz")
        start = time.perf_counter()
        W = SpectralEmbedding(r, affinity="precomputed", eigen_solver="lobpcg",
                              random_state=0).fit_transform(A)
        hist, it = None, 0
    else:
        raise ValueError(name)
    out["seconds"] = time.perf_counter() - start
    out["iterations"] = it
    out["s_per_iter"] = out["seconds"] / it if it else np.nan
    out["objective"] = min(hist.total) if hist is not None else np.nan
    out["ari"] = quality(W, y)
    return out


def run_child(name: str, n: int, k: int, r: int, lam: float, work: Path) -> dict:
    """Run a step in a fresh interpreter; add its peak RSS in MiB."""
    code = (f"import json, resource, sys; sys.path.insert(0, {str(Path(__file__).parent)!r});"
            f"import bench_wse as b; from pathlib import Path;"
            f"o = b.step({name!r}, {n}, {k}, {r}, {lam}, Path({str(work)!r}));"
            f"o['peak_rss_mib'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024;"
            f"print('RESULT' + json.dumps(o))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT")]
    if proc.returncode or not line:
        raise RuntimeError(f"step {name} at n={n} failed:\n{proc.stderr[-2000:]}")
    return json.loads(line[0][6:])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--k", type=int, default=100)
    ap.add_argument("--r", type=int, default=10)
    ap.add_argument("--lam", type=float, default=0.3)
    ap.add_argument("--csv", default="wse.csv", help="file name under benchmarks/results/")
    ap.add_argument("--steps", nargs="+", default=["graph", "batch", "batch_best_of_3", "stochastic", "sklearn"])
    args = ap.parse_args()
    rows = []
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            for name in args.steps:
                row = run_child(name, n, args.k, args.r, args.lam, Path(tmp))
                rows.append(row)
                print(json.dumps(row), flush=True)
    table = pd.DataFrame(rows)
    batch = table[table.step == "batch"].set_index("n")
    table["objective_vs_batch"] = [o / batch.objective.get(n, np.nan) for n, o in zip(table.n, table.objective)]
    table["time_vs_batch"] = [s / batch.seconds.get(n, np.nan) for n, s in zip(table.n, table.seconds)]
    RESULTS.mkdir(exist_ok=True)
    table.to_csv(RESULTS / args.csv, index=False)
    cols = ["n", "step", "seconds", "iterations", "s_per_iter", "objective", "objective_vs_batch",
            "time_vs_batch", "ari", "peak_rss_mib", "knn_s", "nnz"]
    print(table[[c for c in cols if c in table]].to_string(index=False, float_format=lambda v: f"{v:.4g}"))


if __name__ == "__main__":
    main()
