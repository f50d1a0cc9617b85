"""Report scale benchmark: build time, folder size and time to open in headless Chromium.

Synthetic cleaning outputs (no cleaner run: the report only reads files): the synthetic AU
data's labels as raw, the true labels as "cleaned" with 5% pruned, random confidences,
Zipf-sized shared clusters, a summary JSON, and the features as .npy. With --store-rows,
the first rows also get a feature store with 64x64 JPEG thumbnails (and 1% failed images),
so the thumbnail read is measured too.

    .venv/bin/python benchmarks/bench_report.py [--rows 10000 100000 1000000] [--store-rows 100000]

Writes benchmarks/results/report_scale.csv.
"""
from __future__ import annotations

import argparse
import io
import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

RESULTS = Path(__file__).resolve().parent / "results"
CHROMIUM = "/usr/bin/chromium"


def synthetic_run(folder: Path, n: int, seed: int = 0) -> tuple[Path, Path, list[str], np.ndarray]:
    """Write cleaned.csv + cleaned.summary.json + features.npy for n rows."""
    from wsc.datasets import make_au_data

    rng = np.random.default_rng(seed)
    data = make_au_data(n, random_state=seed)
    ids = [f"img{i:07d}" for i in range(n)]
    sizes = np.minimum(rng.zipf(1.6, n // 20 + 1), 5000)
    clusters = np.repeat(np.arange(sizes.size), sizes)[:n]
    if clusters.size < n:
        clusters = np.concatenate([clusters, sizes.size + np.arange(n - clusters.size)])
    clusters = rng.permutation(clusters)
    out = {"id": ids}
    summary = []
    for j, au in enumerate(data.au_names):
        cleaned = data.Y_true[:, j].astype(object)
        pruned = rng.random(n) < 0.05
        cleaned[pruned] = ""
        raw = data.Y_noisy[:, j]
        conf = np.where(pruned, rng.uniform(0.5, 0.7, n), rng.beta(8, 1, n))
        out[au] = cleaned
        out[f"{au}_raw"] = raw
        out[f"{au}_changed"] = ((~pruned) & (raw != data.Y_true[:, j])).astype(int)
        out[f"{au}_confidence"] = np.round(conf, 4)
        T = pd.crosstab(data.Y_true[:, j], raw, normalize="index").to_numpy()
        summary.append({"column": au, "classes": [0, 1], "noise_matrix": T.round(4).tolist(),
                        "evidence_weights": {"knn": 0.1, "knn_wide": 0.3, "logistic": 0.5,
                                             "wse_knn": 0.1},
                        "posterior_from": "classifier", "reviewed": 0})
    out["cluster"] = clusters
    cleaned_path = folder / "cleaned.csv"
    pd.DataFrame(out).to_csv(cleaned_path, index=False)
    (folder / "cleaned.summary.json").write_text(json.dumps(
        {"columns": summary, "shared_clusters": True}))
    np.save(folder / "features.npy", data.X)
    return cleaned_path, folder / "features.npy", ids, data.X


def write_store(store: Path, ids: list[str], X: np.ndarray, seed: int = 0) -> None:
    """A feature store with a small JPEG per row and 1% failed images (store writer)."""
    from PIL import Image

    from wsc.io.store import write_chunk, write_manifest

    d = X.shape[1]
    widths = {"box": 4, "landmarks": 3, "blendshapes": 1, "features": d}
    write_manifest(store, {"version": 1, "settings": {"all_faces": False, "pca": d, "seed": seed},
                           "block_slices": {"geometry": [0, d]}, "widths": widths})
    rng = np.random.default_rng(seed)
    palette = []
    for k in range(64):                 # 64 distinct JPEGs, reused: encoding is not measured
        img = Image.fromarray(rng.integers(0, 255, (8, 8, 3), dtype=np.uint8)).resize((64, 64))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=80)
        palette.append(buf.getvalue())
    chunk = 50_000
    for number, start in enumerate(range(0, len(ids), chunk)):
        rows = [{"id": ids[i], "face": 0, "source": f"{ids[i]}.jpg", "success": True,
                 "reason": "", "features": X[i], "thumb": palette[i % 64]}
                for i in range(start, min(start + chunk, len(ids)))]
        rows += [{"id": f"fail{start + k:07d}", "face": -1, "source": "x.jpg", "success": False,
                  "reason": "no face found"} for k in range(len(rows) // 100)]
        write_chunk(store, number, rows, widths)


def open_time(index: Path) -> tuple[float, float, float]:
    """Seconds until the page is ready, then to show the Clusters and the Map tabs."""
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="wsc-bench-chromium-")
    try:
        with sync_playwright() as p:
            ctx = p.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                      "--disable-background-networking", "--disable-component-update",
                      "--disable-sync"])
            page = ctx.new_page()
            t0 = time.time()
            page.goto(index.as_uri())
            page.wait_for_selector("body[data-ready='1']")
            ready = time.time() - t0
            t0 = time.time()
            page.click("#tabs button[data-tab='clusters']")
            page.wait_for_function("[...document.querySelectorAll('#clusters img')]"
                                   ".every(i => i.complete)")
            clusters = time.time() - t0
            t0 = time.time()
            page.click("#tabs button[data-tab='map']")
            page.wait_for_selector("canvas.scatter")
            shown = time.time() - t0
            ctx.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return ready, clusters, shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--store-rows", type=int, nargs="*", default=[100_000])
    args = parser.parse_args()
    from wsc.report import build_report

    results = []
    cases = [(n, False) for n in args.rows] + [(n, True) for n in args.store_rows]
    for n, with_store in cases:
        with tempfile.TemporaryDirectory(prefix="wsc-bench-report-") as tmp:
            folder = Path(tmp)
            t0 = time.time()
            cleaned, npy, ids, X = synthetic_run(folder, n)
            features = npy
            if with_store:
                write_store(folder / "store", ids, X)
                features = folder / "store"
            prepare = time.time() - t0
            info = build_report(cleaned, folder / "report", features=features)
            ready, clusters, shown = open_time(folder / "report" / "index.html")
            row = {"rows": n, "store": with_store, "build_s": info["seconds"],
                   "report_mb": round(info["bytes"] / 1e6, 2),
                   "data_js_mb": round(info["data_bytes"] / 1e6, 2),
                   "thumbnails": info["thumbnails"], "shown_rows": info["shown_rows"],
                   "open_s": round(ready, 2), "clusters_tab_s": round(clusters, 2),
                   "map_tab_s": round(shown, 2), "inputs_s": round(prepare, 1)}
            results.append(row)
            print(row, flush=True)
    table = pd.DataFrame(results)
    RESULTS.mkdir(exist_ok=True)
    table.to_csv(RESULTS / "report_scale.csv", index=False)
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()
