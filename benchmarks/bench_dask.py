"""Dask benchmark: the cleaner on one machine against `WSC(client=...)` on a LocalCluster.

Synthetic AU data (`wsc.datasets.make_au_data`, 7 AUs, 128-d, seed 0, as bench_scale.py),
both modes. Per (rows, mode, setting), in its own process: wall and CPU seconds of the fit
(CPU of the client process only), peak RSS of the client process (with the in-process
scheduler) and of each worker (its system monitor's samples, every 0.5 s), bytes moved between workers (the
workers' incoming transfer logs) and sent by the workers to the client (their outgoing
byte counters minus the peer transfers), the seconds of each kind of task (the task
stream), whether the cleaned labels equal the local run's, and the agreement with the true
labels. Then a projection to N machines from those measured costs (docs/dask.md).

    .venv/bin/python benchmarks/bench_dask.py [--sizes 10000 100000] [--modes evidence paper]
        [--workers 2] [--csv dask_runs.csv]

Settings: `local` (WSC() in the process) and `dask` (a LocalCluster of --workers worker
processes with one thread each, nannies, on this machine). Finished rows of the runs CSV are
skipped on a rerun; the table goes to dask_summary.md. 1M rows are supported
(--sizes 1000000) and take a machine to themselves.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
N_FEATURES = 128
MACHINES = (1, 2, 4, 8, 16, 32, 64)
# The link assumed between machines for the projection (10 Gbit/s Ethernet, in bytes/s);
# the LocalCluster's transfers are on loopback and say nothing about a network.
NETWORK_BYTES_S = 1.25e9
COLUMNS = ["rows", "dims", "mode", "setting", "workers", "wall_s", "cpu_s", "client_peak_mb",
           "client_data_mb", "worker_peak_mb", "worker_start_mb", "peer_mb", "to_client_mb",
           "same_labels", "agreement", "coverage", "stages", "tasks", "n_jobs", "loadavg"]
# Stages whose work is tasks on the workers (the rest of a fit runs on the client). A WSE
# solve's own task ('wse-solve') is not counted: its seconds include its waits for its
# products, and its iterate passes stay in the stage's unspread share (docs/dask.md).
TASK_STAGES = {"graph": ("search", "index", "merge", "rows", "queries"),
               "logistic": ("_fit_fold",),
               "wse": ("product", "iterate", "laplacian-block")}


def _prefix(key: str) -> str:
    """Task kind from its key: 'wsc-<kind>-<uuid>' or '<function>-<hash>'."""
    parts = str(key).strip("()',").split("-")
    return "-".join(parts[1:-1]) if parts[0] == "wsc" else parts[0]


def _worker_stats(dask_worker) -> dict:
    """A worker's memory (its system monitor's RSS samples, every 0.5 s: getrusage's peak
    would count the client's memory at the fork) and its transfer counters."""
    samples = dask_worker.monitor.quantities["memory"]
    peer = sum(entry["total"] for entry in dask_worker.transfer_incoming_log)
    return {"peak_mb": max(samples) / 2**20, "now_mb": samples[-1] / 2**20,
            "peer_in_bytes": peer, "out_bytes": dask_worker.transfer_outgoing_bytes_total,
            "peer_in_count": len(dask_worker.transfer_incoming_log)}


def run_one(n: int, mode: str, setting: str, workers: int, seed: int, codes_out: str,
            n_features: int = N_FEATURES) -> dict:
    """One fit in this process, measured."""
    import resource

    from wsc.datasets import make_au_data
    from wsc.reannotation import WSC

    data = make_au_data(n, n_features=n_features, random_state=seed)
    X, Yn, Yt = data.X, data.Y_noisy.astype(np.int64), data.Y_true
    start_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    say = lambda m: print(f"    [{time.perf_counter() - wall0:7.1f}s] {m}", flush=True)  # noqa: E731
    row: dict = {"worker_peak_mb": "[]", "worker_start_mb": "[]", "peer_mb": np.nan,
                 "to_client_mb": np.nan, "tasks": "{}"}
    if setting == "local":
        cpu0, wall0 = time.process_time(), time.perf_counter()
        model = WSC(mode=mode, random_state=seed, progress=say).fit(X, Yn)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    else:
        import dask
        import distributed

        # every transfer kept in the workers' logs (default: the last 1000)
        dask.config.set({"distributed.admin.low-level-log-length": 10_000_000})
        with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                      dashboard_address=None, silence_logs=logging.ERROR) \
                as cluster, distributed.Client(cluster) as client:
            base = client.run(_worker_stats)
            cpu0, wall0 = time.process_time(), time.perf_counter()
            with distributed.get_task_stream(client) as stream:
                model = WSC(mode=mode, random_state=seed, progress=say, client=client).fit(X, Yn)
            wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            stats = client.run(_worker_stats)
            tasks: dict = defaultdict(lambda: [0, 0.0])
            for task in stream.data:
                for part in task["startstops"]:
                    if part["action"] == "compute":
                        kind = _prefix(task["key"])
                        tasks[kind][0] += 1
                        tasks[kind][1] += part["stop"] - part["start"]
        peer = sum(s["peer_in_bytes"] - base[w]["peer_in_bytes"] for w, s in stats.items())
        out = sum(s["out_bytes"] - base[w]["out_bytes"] for w, s in stats.items())
        row.update(worker_peak_mb=json.dumps([round(s["peak_mb"]) for s in stats.values()]),
                   worker_start_mb=json.dumps([round(s["now_mb"]) for s in base.values()]),
                   peer_mb=round(peer / 2**20, 1), to_client_mb=round((out - peer) / 2**20, 1),
                   tasks=json.dumps({k: [c, round(s, 2)] for k, (c, s) in sorted(tasks.items())}))
    np.save(codes_out, model.label_codes_)
    ok = model.kept_ & (model.label_codes_ >= 0)
    agreement = np.mean([(model.label_codes_[ok[:, j], j] == Yt[ok[:, j], j]).mean()
                         for j in range(Yt.shape[1])])
    row.update(rows=n, dims=n_features, mode=mode, setting=setting, workers=workers if setting == "dask" else 0,
               wall_s=round(wall, 1), cpu_s=round(cpu, 1),
               client_peak_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
               client_data_mb=round(start_mb),
               agreement=round(float(agreement), 4), coverage=round(float(ok.mean()), 4),
               stages=json.dumps({k: round(v, 2) for k, v in model.timings_.items()}),
               n_jobs=os.cpu_count(), loadavg=round(os.getloadavg()[0], 2))
    return row


def measure(n: int, mode: str, setting: str, workers: int, seed: int, n_features: int
            ) -> tuple[dict, np.ndarray]:
    """One run in a child process: its row and its cleaned label codes."""
    with tempfile.TemporaryDirectory() as tmp:
        out, codes = os.path.join(tmp, "row.json"), os.path.join(tmp, "codes.npy")
        cmd = [sys.executable, __file__, "--child", str(n), mode, setting, str(workers),
               str(seed), out, codes, str(n_features)]
        subprocess.run(cmd, check=True)
        return json.loads(Path(out).read_text()), np.load(codes)


def projection(local: pd.Series, dask_row: pd.Series) -> list[tuple[int, float]]:
    """Projected fit seconds on N machines (one worker each) from the measured run on P
    workers: per task stage, its client share U = max(0, wall - C / P) (latency, client
    work, transfers) plus its task seconds C spread over N (the classifier's over at most
    its 5 folds); the WSE adds the iterate's broadcast to N machines per product over
    NETWORK_BYTES_S; the rest of the fit (client only) stays. docs/dask.md states the model."""
    P = int(dask_row.workers)
    stages = json.loads(dask_row.stages)
    tasks = json.loads(dask_row.tasks)
    seconds = {s: sum(tasks.get(k, [0, 0.0])[1] for k in kinds) for s, kinds in TASK_STAGES.items()}
    walls = {"graph": stages.get("graph", 0.0), "logistic": stages.get("logistic", 0.0),
             "wse": stages.get("wse_knn", 0.0) + stages.get("embedding", 0.0)}
    rest = dask_row.wall_s - sum(walls.values())
    products = tasks.get("product", [0, 0.0])[0] / P
    iterate_bytes = dask_row.rows * 10 * 4   # the iterate goes out in float32 (L's dtype)
    out = []
    for N in MACHINES:
        total = rest
        for s in walls:
            share = max(0.0, walls[s] - seconds[s] / P)
            spread = min(N, 5) if s == "logistic" else N
            total += share + seconds[s] / spread
        total += products * iterate_bytes * max(0, N - P) / NETWORK_BYTES_S
        out.append((N, round(total, 1)))
    return out


def summarise(runs: pd.DataFrame, path: Path) -> str:
    lines = ["| rows | mode | setting | wall s | client CPU s | client peak MiB | worker peak MiB "
             "| between workers MiB | workers to client MiB | same labels as local | agreement "
             "| coverage |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in runs.sort_values(["rows", "mode", "setting"]).itertuples():
        dask_run = r.setting == "dask"
        lines.append(
            f"| {r.rows:,} | {r.mode} | {r.setting}{f' ({r.workers})' if dask_run else ''} | "
            f"{r.wall_s} | {r.cpu_s} | {r.client_peak_mb} | "
            f"{', '.join(map(str, json.loads(r.worker_peak_mb))) if dask_run else ''} | "
            f"{r.peer_mb if dask_run else ''} | {r.to_client_mb if dask_run else ''} | "
            f"{r.same_labels:.4f} | {r.agreement:.3f} | {r.coverage:.3f} |")
    lines += ["", "Task seconds on the workers (count, compute seconds summed over tasks):", ""]
    for r in runs[runs.setting == "dask"].sort_values(["rows", "mode"]).itertuples():
        lines.append(f"- {r.rows:,} {r.mode}: " + ", ".join(
            f"{k} {c} / {s} s" for k, (c, s) in json.loads(r.tasks).items()))
    lines += ["", "Projected fit seconds on N machines (model of docs/dask.md):", "",
              "| rows | mode | " + " | ".join(f"N={N}" for N in MACHINES) + " |",
              "|---|---|" + "---|" * len(MACHINES)]
    for (n, mode), g in runs.groupby(["rows", "mode"]):
        local, dask_runs = g[g.setting == "local"], g[g.setting == "dask"]
        if len(local) and len(dask_runs):
            proj = projection(local.iloc[-1], dask_runs.iloc[-1])
            lines.append(f"| {n:,} | {mode} | " + " | ".join(str(t) for _, t in proj) + " |")
    text = "\n".join(lines) + "\n"
    path.write_text(text)
    return text


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        n, mode, setting, workers, seed, out, codes, dims = sys.argv[2:10]
        row = run_one(int(n), mode, setting, int(workers), int(seed), codes, int(dims))
        Path(out).write_text(json.dumps(row))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--modes", nargs="+", default=["evidence", "paper"],
                        choices=["evidence", "paper"])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-features", type=int, default=N_FEATURES,
                        help="feature dimensions (at most 32 above 20k rows: the HNSW search)")
    parser.add_argument("--csv", default="dask_runs.csv", help="runs file in results/")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    runs_path = RESULTS / args.csv
    for n in args.sizes:
        for mode in args.modes:
            runs = pd.read_csv(runs_path) if runs_path.exists() else pd.DataFrame()
            if len(runs) and ((runs.rows == n) & (runs["mode"] == mode)).sum() >= 2:
                continue
            codes = {}
            for setting in ("local", "dask"):
                print(f"{mode} at {n:,} rows, {setting} ...", flush=True)
                row, codes[setting] = measure(n, mode, setting, args.workers, args.seed,
                                              args.n_features)
                codes_local = codes["local"]
                row["same_labels"] = float((codes[setting] == codes_local).mean())
                row["same_labels"] = round(row["same_labels"], 5)
                print(f"  {row['wall_s']} s wall, client peak {row['client_peak_mb']} MB, "
                      f"same labels {row['same_labels']:.4f}", flush=True)
                frame = pd.DataFrame([row])[COLUMNS]
                frame.to_csv(runs_path, mode="a", header=not runs_path.exists(), index=False)
    runs = pd.read_csv(runs_path)
    print(summarise(runs, runs_path.with_name(runs_path.stem.replace("_runs", "")
                                              + "_summary.md")))


if __name__ == "__main__":
    main()
