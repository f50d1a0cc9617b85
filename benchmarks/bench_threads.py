"""Thread policy, side by side: BLAS threads x fold threads for the default cleaner.

Runs `WSC()` on synthetic AU data (7 AUs, 128-d) in one fresh process per setting:
- policy: BLAS on 1 thread, folds on all cores (`wsc.threads.cleaner_threads`, the default);
- BLAS on all cores, folds one at a time (what the libraries do unasked);
- BLAS on 1 thread, folds one at a time.
Prints wall / CPU seconds and checks that every setting gives the same cleaned labels.

    .venv/bin/python benchmarks/bench_threads.py [--n 20000] [--csv threads.csv]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

RESULTS = Path(__file__).resolve().parent / "results"
SETTINGS = {
    "BLAS 1 thread, folds on all cores (policy)": dict(blas=1, n_jobs=None),
    "BLAS all cores, folds one at a time": dict(blas=None, n_jobs=1),
    "BLAS 1 thread, folds one at a time": dict(blas=1, n_jobs=1),
}


def child(n: int, setting: str, out: str) -> None:
    """One setting in this process: time the fit, save labels' digest and seconds."""
    import hashlib

    import wsc.reannotation.estimator as estimator
    from wsc.datasets import make_au_data
    from wsc.reannotation import WSC
    from wsc.threads import cleaner_threads

    options = SETTINGS[setting]
    if options["blas"] is None:      # leave BLAS at its own default (all cores)
        @contextmanager
        def unlimited(n_jobs=None):
            with cleaner_threads(n_jobs) as jobs:
                from threadpoolctl import threadpool_limits
                with threadpool_limits(limits=os.cpu_count(), user_api="blas"):
                    yield jobs
        estimator.cleaner_threads = unlimited
    data = make_au_data(n, n_features=128, random_state=0)
    cpu, wall = time.process_time(), time.perf_counter()
    model = WSC(n_jobs=options["n_jobs"]).fit(data.X, data.Y_noisy.astype(np.int64))
    row = dict(setting=setting, n=n, wall_s=round(time.perf_counter() - wall, 1),
               cpu_s=round(time.process_time() - cpu, 1),
               labels_md5=hashlib.md5(model.label_codes_.tobytes()).hexdigest(),
               stages=json.dumps({k: round(v, 1) for k, v in model.timings_.items()}))
    Path(out).write_text(json.dumps(row))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(int(sys.argv[2]), sys.argv[3], sys.argv[4])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--csv", default="threads.csv")
    args = parser.parse_args()
    rows = []
    for setting in SETTINGS:
        out = RESULTS / f".threads_{len(rows)}.json"
        subprocess.run([sys.executable, __file__, "--child", str(args.n), setting, str(out)],
                       check=True)
        rows.append(json.loads(out.read_text()))
        out.unlink()
        print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    table.to_csv(RESULTS / args.csv, index=False)
    print("| setting | wall s | CPU s | same labels as the policy | stages (s) |\n|---|---|---|---|---|")
    for r in table.itertuples():
        print(f"| {r.setting} | {r.wall_s} | {r.cpu_s} | {r.labels_md5 == rows[0]['labels_md5']} "
              f"| {r.stages} |")


if __name__ == "__main__":
    main()
