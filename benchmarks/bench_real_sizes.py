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
from real_faces import RealFaces, add_data_arguments, data_paths, load, prepare  # noqa: E402

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


def drawn_store(root: Path, data: Path, n: int, seed: int, processes: int = 2
                ) -> tuple[Path, Path]:
    """(work folder, .npz) of draw seed of n faces under root: drawn and through
    `wsc features` once, reused after."""
    sub = draw(data, n, seed, root / f"n{n}_draw{seed}.npz")
    folder = root / f"n{n}_draw{seed}"
    prepare(folder, sub, processes)
    return folder, sub


def sizes_root(work: Path) -> Path:
    """Where the draws of a data set's work folder live by default: beside it, <name>_sizes."""
    return work.with_name(f"{work.name}_sizes")


def clipped_inverse(p_weak: np.ndarray, T: np.ndarray) -> np.ndarray:
    """The noise inversion before `invert_noise`: P(weak | x) T^-1 clipped at zero (the
    posterior then floors it at 1e-6 and renormalises, as before)."""
    return np.clip(p_weak @ np.linalg.pinv(T), 0.0, None)


def before(faces: RealFaces) -> pd.DataFrame:
    """The WSC default with the clipped inverse, scored as bench_real scores the rest."""
    import wsc.reannotation.noise as noise

    current = noise.invert_noise
    noise.invert_noise = clipped_inverse
    try:
        model = wsc_fit(faces.X, faces.noisy, "evidence", 0)
    finally:
        noise.invert_noise = current
    rows = score("wsc_default_clipped_inverse", model.label_codes_, model.kept_, faces.truth,
                 faces.classes, 0.0)
    return pd.DataFrame(rows[:1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[400, 1000, 2000])
    parser.add_argument("--draws", type=int, nargs="+", default=[0, 1, 2])
    add_data_arguments(parser)      # --work: the draws' folder (default out/<stem>_sizes)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--csv", default="real_sizes.csv")
    args = parser.parse_args()
    work, data = data_paths(args)
    root = work if args.work is not None else sizes_root(work)
    rows = []
    for n in args.sizes:
        for seed in args.draws:
            folder, sub = drawn_store(root, data, n, seed, args.processes)
            faces = load(folder, sub)
            table = cleaning_table(faces, None, 0)
            table = pd.concat([table[table.cls == "all"], before(faces)], ignore_index=True)
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
