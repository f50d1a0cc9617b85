"""Real faces in small sets: does the cleaner hold where it has a few hundred faces?

Seeded draws of n faces from the real-face data (default ../shared/data/fer_dev.npz), each
written as its own .npz and run through the front end into its own store (`wsc features`,
so the transform is fitted on those faces alone, as a user with n images would get), then
the methods of `bench_real.py` (raw, 10-NN vote, cleanlab, WSC default and paper mode, the
true-label ceiling), and the WSC default as it was before the pooled posterior's noise
inversion became a nearest-distribution fit (`wsc_default_clipped_inverse`: the inverse of
the noise matrix, clipped and renormalised; docs/cleaning.md). Agreement with the truth on
kept rows, and coverage.

    .venv/bin/python benchmarks/bench_real_sizes.py [--sizes 400 1000 2000] [--draws 0 1 2]
        [--data fer_dev.npz] [--work out/fer_dev_sizes]

Writes benchmarks/results/real_sizes.csv (per size, draw, method) and prints the means.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_real import cleaning_table, score, wsc_fit  # noqa: E402
from real_faces import FER, load, prepare  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def draw(data: Path, n: int, seed: int, out: Path) -> Path:
    """n faces drawn without replacement (seeded) from data, saved as out (once)."""
    if not out.is_file():
        with np.load(data) as d:
            idx = np.sort(np.random.default_rng([n, seed]).choice(len(d["noisy"]), n,
                                                                  replace=False))
            arrays = {k: d[k][idx] for k in ("images", "noisy", "truth")}
            arrays["classes"] = d["classes"]
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.stem + ".tmp.npz")
        np.savez(tmp, **arrays)
        tmp.replace(out)
    return out


def clipped_inverse(p_weak: np.ndarray, T: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """The pooled posterior before: P(weak | x) T^-1 clipped at 1e-6 and renormalised, times
    T[c, weak]."""
    p_true = np.clip(p_weak @ np.linalg.pinv(T), 1e-6, None)
    p_true /= p_true.sum(axis=1, keepdims=True)
    like = np.where(codes[:, None] >= 0, T[:, np.maximum(codes, 0)].T, 1.0)
    post = p_true * like
    return post / post.sum(axis=1, keepdims=True)


def before(work: Path, data: Path) -> pd.DataFrame:
    """The WSC default with the clipped inverse, scored as bench_real scores the rest."""
    import wsc.reannotation.decision as decision

    faces = load(work, data)
    current = decision.clean_posterior
    decision.clean_posterior = clipped_inverse
    try:
        model = wsc_fit(faces.X, faces.noisy, "evidence", 0)
    finally:
        decision.clean_posterior = current
    rows = score("wsc_default_clipped_inverse", model.label_codes_, model.kept_, faces.truth,
                 faces.classes, 0.0)
    return pd.DataFrame(rows[:1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[400, 1000, 2000])
    parser.add_argument("--draws", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--data", type=Path, default=FER)
    parser.add_argument("--work", type=Path, default=None,
                        help="folder for the draws and their stores (default out/<stem>_sizes)")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--csv", default="real_sizes.csv")
    args = parser.parse_args()
    if not args.data.is_file():
        sys.exit(f"{args.data}: not found (the real-face data lives outside the repository)")
    root = args.work if args.work is not None else Path("out") / f"{args.data.stem}_sizes"
    rows = []
    for n in args.sizes:
        for seed in args.draws:
            sub = draw(args.data, n, seed, root / f"n{n}_draw{seed}.npz")
            work = root / f"n{n}_draw{seed}"
            prepare(work, sub, args.processes)
            table = cleaning_table(work, sub, None, 0)
            table = pd.concat([table[table.cls == "all"], before(work, sub)], ignore_index=True)
            table = table.drop(columns=["blocks", "cls", "precision", "f1"])
            table.insert(0, "draw", seed)
            table.insert(0, "size", n)
            rows.append(table)
            print(table.to_string(index=False), flush=True)
    out = pd.concat(rows, ignore_index=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out.to_csv(RESULTS / args.csv, index=False)
    mean = out.groupby(["size", "method"], sort=False)[["n", "agreement", "coverage"]].mean()
    print(mean.round(3).to_string())


if __name__ == "__main__":
    main()
