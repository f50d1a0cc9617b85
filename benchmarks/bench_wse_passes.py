"""The WSE batch solve at scale: its element-wise work as NumPy expressions or fused passes.

The NumPy form (below, the solver as it was) makes about 20 passes per trial over n x r
arrays and allocates fresh ones on every trial; `wsc.embedding.batch.solve_batch` fuses
them into a few compiled passes over arrays allocated once. On synthetic AU data
(`make_au_data`, 128-d) one cleaning context is built (the large-data choices: IVF search
at k = 100, WSE graph k = 30, the locality order); then one column's solve (lam 1, 10-d,
the context's start) in each form, one after the other in this process, BLAS on one
thread as in the cleaner. Prints seconds, iterations, the final objective of each and the
largest difference of the two embeddings, and saves them as CSV.

    .venv/bin/python benchmarks/bench_wse_passes.py [--sizes 100000 1000000]
        [--csv wse_passes.csv]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

RESULTS = Path(__file__).resolve().parent / "results"


def numpy_form(L, groups, W0: np.ndarray, lam: float, *, max_iter: int = 1000,
               tol: float = 1e-5, step: float = 1.0):
    """The batch solve with its element-wise work as NumPy expressions (the baseline): the
    same iteration, backtracking and restarts as `solve_batch`."""
    from wsc.embedding.batch import History, orthonormalize

    def product(W: np.ndarray) -> np.ndarray:
        return (L @ W.astype(np.float32)).astype(np.float64)

    W, LW = W0, product(W0)
    W_prev, LW_prev = W, LW
    hist = History()
    hist.add(float(np.einsum("ij,ij->", W, LW)), lam * groups.value(W))
    a_prev, j, n_iter = 1.0, 0, 0
    for t in range(max_iter):
        a = 2.0 / (j + 3.0)
        beta = ((1.0 - a_prev) / a_prev) * a
        Y = W + beta * (W - W_prev)
        LY = LW + beta * (LW - LW_prev)
        fY = float(np.einsum("ij,ij->", Y, LY))
        grad = 2.0 * LY
        for _ in range(100):
            W_new = orthonormalize(groups.prox(Y - step * grad, lam * step))
            LW_new = product(W_new)
            f_new = float(np.einsum("ij,ij->", W_new, LW_new))
            D = W_new - Y
            model = (fY + float(np.einsum("ij,ij->", grad, D))
                     + float(np.einsum("ij,ij->", D, D)) / (2 * step))
            if f_new <= model + 1e-12:
                break
            step *= 0.9
        g_new = lam * groups.value(W_new)
        F_old, F_new = hist.total[-1], f_new + g_new
        n_iter = t + 1
        if F_new > F_old:
            if beta > 0.0:
                W_prev, LW_prev, a_prev, j = W, LW, 1.0, 0
                continue
            step *= 0.5
            if step < 1e-8:
                break
            continue
        W_prev, LW_prev, W, LW = W, LW, W_new, LW_new
        hist.add(f_new, g_new)
        a_prev, j = a, j + 1
        if abs(F_old - F_new) < tol:
            break
    return W, hist, n_iter


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--csv", default="wse_passes.csv")
    args = parser.parse_args()
    from wsc.datasets import make_au_data
    from wsc.embedding.batch import random_init, solve_batch
    from wsc.embedding.groups import GroupScatter
    from wsc.reannotation.context import build_context, compact_codes
    from wsc.threads import cleaner_threads

    rows = []
    for n in args.sizes:
        data = make_au_data(n, n_features=128, random_state=0)
        with cleaner_threads():
            context = build_context(data.X, n_folds=5, graph_k=30, list_k=100,
                                    random_state=0, n_jobs=1, progress=lambda m: None)
            L = sp.csr_matrix(context.L)
            groups = GroupScatter(compact_codes(context.to_local(
                data.Y_noisy[:, 0].astype(np.int64))))
            W0 = context.to_local(random_init(n, 10, 0))
            solved = {}
            for form, solve in (("NumPy expressions", numpy_form), ("fused passes", solve_batch)):
                start = time.perf_counter()
                W, hist, n_iter = solve(L, groups, W0, 1.0)
                seconds = time.perf_counter() - start
                solved[form] = W
                rows.append(dict(n=n, form=form, seconds=round(seconds, 2), iterations=n_iter,
                                 objective=hist.total[-1]))
                print(rows[-1], flush=True)
        rows[-1]["largest_difference"] = float(np.abs(solved["NumPy expressions"]
                                                      - solved["fused passes"]).max())
    table = pd.DataFrame(rows)
    print(table.to_string(index=False))
    table.to_csv(RESULTS / args.csv, index=False)


if __name__ == "__main__":
    main()
