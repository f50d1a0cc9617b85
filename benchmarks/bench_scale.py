"""Scale benchmark: the cleaner and the baselines at 10k, 100k and 1M rows, one process each.

Synthetic AU data (`wsc.datasets.make_au_data`, 7 AUs, 128-d, the same seed for every
method): WSC default, WSC paper mode, the 10-NN vote and cleanlab (5-fold cross-validated
logistic regression + find_label_issues, flagged labels relabelled). Per (rows, method):
wall and CPU seconds of the method alone (data generation excluded), peak RSS of its
process (data included, the same for all), agreement with the true labels on the kept
rows and coverage, and for the WSC modes the seconds per stage.

    .venv/bin/python benchmarks/bench_scale.py [--sizes 10000 100000 1000000]
        [--methods ...] [--csv scale_runs.csv]

Each (rows, method) runs in its own process; finished rows of the runs CSV are skipped on a
rerun (a 1M run can be done method by method); the table goes to scale_summary.md.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
METHODS = ["wsc_default", "wsc_paper", "knn10_vote", "cleanlab_relabel"]
N_FEATURES = 128


def run_one(n: int, method: str, seed: int, options: dict) -> dict:
    """Run one method on freshly generated data (in this process) and measure it."""
    import resource

    sys.path.insert(0, str(HERE))
    from bench_cleaning import cleanlab_probs, knn_vote

    from wsc.datasets import make_au_data

    data = make_au_data(n, n_features=N_FEATURES, random_state=seed)
    X, Yn, Yt = data.X, data.Y_noisy.astype(np.int64), data.Y_true
    cpu0, wall0 = time.process_time(), time.perf_counter()
    stages: dict[str, float] = {}
    kept = np.ones(Yn.shape, dtype=bool)
    if method.startswith("wsc_"):
        from wsc.reannotation import WSC

        model = WSC(mode="paper" if method == "wsc_paper" else "evidence", random_state=seed,
                    progress=lambda m: print(f"    [{time.perf_counter() - wall0:7.1f}s] {m}",
                                             flush=True), **options)
        model.fit(X, Yn)
        labels, kept, stages = model.label_codes_, model.kept_, model.timings_
    elif method == "knn10_vote":
        from wsc.graph.knn import kneighbors

        idx, _ = kneighbors(X, 10, random_state=seed)     # one search, every column votes
        labels = np.stack([knn_vote(None, Yn[:, j], seed, neighbors=idx)
                           for j in range(Yn.shape[1])], axis=1)
    elif method == "cleanlab_relabel":
        from cleanlab.filter import find_label_issues

        labels = Yn.copy()
        for j in range(Yn.shape[1]):
            probs = cleanlab_probs(X, Yn[:, j], seed)
            issues = find_label_issues(Yn[:, j], probs)
            labels[:, j] = np.where(issues, probs.argmax(axis=1), Yn[:, j])
    else:
        raise ValueError(f"unknown method {method!r}")
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    ok = kept & (labels >= 0)
    agreement = np.mean([(labels[ok[:, j], j] == Yt[ok[:, j], j]).mean()
                         for j in range(Yt.shape[1])])
    return dict(rows=n, method=method, wall_s=round(wall, 1), cpu_s=round(cpu, 1),
                agreement=round(float(agreement), 4), coverage=round(float(ok.mean()), 4),
                raw_agreement=round(float((Yn == Yt).mean()), 4),
                stages=json.dumps({k: round(v, 1) for k, v in stages.items()}),
                options=json.dumps(options), loadavg=round(os.getloadavg()[0], 2),
                peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def measure(n: int, method: str, seed: int, options: dict) -> dict:
    """One (rows, method) in a child process; its peak RSS from wait4."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
        out = tmp.name
    cmd = [sys.executable, __file__, "--child", str(n), method, str(seed), json.dumps(options), out]
    proc = subprocess.Popen(cmd)
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise RuntimeError(f"{method} at {n} rows failed (status {status})")
    row = json.loads(Path(out).read_text())
    os.unlink(out)
    row["peak_rss_mb"] = round(usage.ru_maxrss / 1024)
    return row


def summarise(runs: pd.DataFrame, path: Path) -> str:
    """Markdown table of the runs, plus the n^p growth of wall time between sizes."""
    lines = ["| rows | method | wall s | CPU s | peak RSS MB | agreement | coverage | stages (s) |",
             "|---|---|---|---|---|---|---|---|"]
    for r in runs.sort_values(["rows", "method"]).itertuples():
        stages = ", ".join(f"{k} {v}" for k, v in json.loads(r.stages).items())
        lines.append(f"| {r.rows:,} | {r.method} | {r.wall_s} | {r.cpu_s} | {r.peak_rss_mb} | "
                     f"{r.agreement:.3f} | {r.coverage:.3f} | {stages} |")
    lines += ["", "| method | from | to | wall-time exponent p (t ~ n^p) |", "|---|---|---|---|"]
    for method, g in runs.groupby("method"):
        g = g.sort_values("rows")
        for a, b in zip(g.itertuples(), list(g.itertuples())[1:]):
            p = np.log(b.wall_s / a.wall_s) / np.log(b.rows / a.rows)
            lines.append(f"| {method} | {a.rows:,} | {b.rows:,} | {p:.2f} |")
    text = "\n".join(lines) + "\n"
    path.write_text(text)
    return text


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        n, method, seed, options, out = sys.argv[2:7]
        row = run_one(int(n), method, int(seed), json.loads(options))
        Path(out).write_text(json.dumps(row))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--methods", nargs="+", default=METHODS, choices=METHODS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--options", default="{}",
                        help="JSON of WSC parameters for both WSC modes (an experiment)")
    parser.add_argument("--csv", default="scale_runs.csv", help="runs file in results/")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    runs_path = RESULTS / args.csv
    options = json.loads(args.options)
    for n in args.sizes:
        for method in args.methods:
            runs = pd.read_csv(runs_path) if runs_path.exists() else pd.DataFrame()
            if len(runs) and ((runs.rows == n) & (runs.method == method)
                              & (runs.options == json.dumps(options))).any():
                continue
            print(f"{method} at {n:,} rows ...", flush=True)
            row = measure(n, method, args.seed, options)
            print(f"  {row['wall_s']} s wall, {row['cpu_s']} s CPU, {row['peak_rss_mb']} MB, "
                  f"agreement {row['agreement']:.3f}, coverage {row['coverage']:.3f} "
                  f"{row['stages']}", flush=True)
            pd.DataFrame([row]).to_csv(runs_path, mode="a", header=not runs_path.exists(),
                                       index=False)
    runs = pd.read_csv(runs_path)
    print(summarise(runs, runs_path.with_name(runs_path.stem.replace("_runs", "")
                                              + "_summary.md")))


if __name__ == "__main__":
    main()
