"""`build_report`: one offline folder (index.html, data.js, assets/, thumbs/) from a cleaning
run. It opens from disk: no server, no network; the page's data is a script, not a fetch."""
from __future__ import annotations

import json
import os
import shutil
import time
import warnings
from html import escape
from importlib import resources
from pathlib import Path
from typing import Callable

import numpy as np

from wsc.errors import InputError
from wsc.reannotation.paper import describe_abstentions
from wsc.report import svg
from wsc.report.inputs import CleanedRun, load_cleaned, load_features
from wsc.report.media import is_store, read_failures, read_thumbs
from wsc.report.views import (changed_mask, cluster_faces, cluster_table, column_stats,
                              galleries, map_points, ranked_clusters)

MARKER = ".wsc-report"
MAX_FAILURES = 2000


def check_out(out: Path) -> None:
    """The output folder must be new, empty or an earlier report (replaced)."""
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and
                                              not (out / MARKER).is_file())):
        raise InputError("exists and is not an earlier report; choose a new folder",
                         file=str(out))


def _rows_table(run: CleanedRun, rows: list[int], thumbs: dict[str, str]) -> dict:
    """The rows the page refers to: id, thumbnail file, per column raw/cleaned/confidence."""
    return {"id": [str(run.ids[r]) for r in rows],
            "thumb": [thumbs.get(str(run.ids[r]), "") for r in rows],
            "raw": [[str(run.raw[j][r]) for j in range(len(run.columns))] for r in rows],
            "cleaned": [[str(run.cleaned[j][r]) for j in range(len(run.columns))] for r in rows],
            "conf": [[round(float(run.confidence[r, j]), 3) for j in range(len(run.columns))]
                     for r in rows],
            "cluster": [[int(run.clusters[r, j]) for j in range(len(run.columns))] for r in rows]}


def _overview(stats: list[dict]) -> str:
    """The static part of the page: the per-column table and charts."""
    head = ("<tr><th>column</th><th>rows</th><th>known before</th><th>kept</th>"
            "<th>changed</th><th>pruned</th><th>filled</th><th>raw rates</th>"
            "<th>cleaned rates</th><th>clusters</th></tr>")

    def rate(counts: list[int], classes: list[str]) -> str:
        total = max(sum(counts), 1)
        return ", ".join(f"{c}: {v / total:.3f}" for c, v in zip(classes, counts))

    lines = [f"<tr><td>{escape(s['name'])}</td><td>{s['rows']}</td><td>{s['known_before']}</td>"
             f"<td>{s['kept']}</td><td>{s['changed']}</td><td>{s['pruned']}</td>"
             f"<td>{s['filled']}</td><td>{escape(rate(s['raw_counts'], s['classes']))}</td>"
             f"<td>{escape(rate(s['cleaned_counts'], s['classes']))}</td>"
             f"<td>{s['n_clusters']}</td></tr>" for s in stats]
    parts = [f'<table class="stats">{head}{"".join(lines)}</table>']
    for s in stats:
        name = s["name"]
        charts = [svg.rates(s["classes"], s["raw_counts"], s["cleaned_counts"],
                            f"{name}: class rates"),
                  svg.histogram(s["hist"], f"{name}: confidence")]
        if s.get("noise_matrix"):
            charts.append(svg.heatmap(s["noise_matrix"], s["noise_classes"],
                                      f"{name}: estimated noise matrix"))
        if s.get("evidence_weights"):
            charts.append(svg.weights(s["evidence_weights"], f"{name}: evidence weights"))
        extra = f" · posterior from {escape(str(s['posterior_from']))}" \
            if s.get("posterior_from") else ""
        reviewed = f" · {s['reviewed']} reviewed" if s.get("reviewed") else ""
        why = s.get("pruned_clusters")
        pruned = f'<p class="note">pruned: {escape(describe_abstentions(why))}</p>' \
            if why and s["pruned"] else ""
        parts.append(f'<section class="column-card" data-column="{escape(name)}">'
                     f"<h3>{escape(name)}{extra}{reviewed}</h3>{pruned}"
                     f'<div class="charts">{"".join(charts)}</div></section>')
    return "".join(parts)


def build_report(cleaned: str | Path, out: str | Path, features: str | Path | None = None,
                 labels: str | Path | None = None, summary: str | Path | None = None,
                 gallery_size: int = 48, n_clusters: int = 30, faces_per_cluster: int = 8,
                 n_map_points: int = 3000, seed: int = 0,
                 progress: Callable[[str], None] | None = None) -> dict:
    """Write the report folder; returns what it holds (rows, thumbnails, bytes, seconds)."""
    say = progress or (lambda message: None)
    start = time.time()
    out = Path(out)
    check_out(out)
    if features is not None and not Path(features).exists():
        raise InputError("file not found", file=str(features))
    say(f"reading {cleaned}")
    run = load_cleaned(cleaned, summary, labels)
    store = Path(features) if features is not None and is_store(features) else None
    X = None
    if features is not None:
        say(f"reading features {features}")
        X = load_features(features, run.ids)
    if store is None:
        run.notes.append("no face thumbnails: " + (
            f"{features} is not a feature store" if features else "no --features given")
            + "; face galleries are omitted (rows are shown by id)")
    if X is None:
        run.notes.append("no features: the 2-D map is omitted")

    say("counting and ranking")
    m = len(run.columns)
    stats = [column_stats(run, j) for j in range(m)]
    shown: dict[int, int] = {}

    def ref(rows) -> list[int]:
        return [shown.setdefault(int(r), len(shown)) for r in rows]

    columns, clusters = [], {}
    for j in range(m):
        gal = {k: ref(v) for k, v in galleries(run, j, gallery_size).items()}
        table = cluster_table(run, j)
        ranked = ranked_clusters(table, n_clusters)
        changed = changed_mask(run, j)
        for cid in {c for ids in ranked.values() for c in ids}:
            key = f"{'*' if run.shared else j}:{cid}"
            entry = clusters.setdefault(key, {"id": cid, "members": None, "stats": {}})
            if entry["members"] is None:
                entry["members_rows"] = np.flatnonzero(run.clusters[:, j] == cid)
                entry["members"] = [str(i) for i in run.ids[entry["members_rows"]]]
            row = table.loc[cid]
            entry["stats"][str(j)] = {
                "size": int(row["size"]), "label": str(row["label"]),
                "purity": round(float(row["purity"]), 3), "changed": int(row["changed"]),
                "pruned": int(row["pruned"]),
                "faces": ref(cluster_faces(run, j, entry["members_rows"], changed,
                                           faces_per_cluster))}
        columns.append({**stats[j], "galleries": gal,
                        "clusters": {k: [f"{'*' if run.shared else j}:{c}" for c in v]
                                     for k, v in ranked.items()}})
    for entry in clusters.values():
        entry.pop("members_rows", None)

    scatter = None
    if X is not None:
        say("2-D map")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)   # isolated points: expected here
            points = map_points(X, run, n_map_points, seed)
        if points is not None:
            rows, xy = points
            scatter = {"rows": ref(rows), "x": xy[:, 0].tolist(), "y": xy[:, 1].tolist()}

    order = sorted(shown, key=shown.get)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "assets").mkdir(parents=True)
    thumbs: dict[str, str] = {}
    failures: list[dict] = []
    if store is not None:
        say(f"thumbnails of {len(order)} rows")
        jpegs = read_thumbs(store, [str(run.ids[r]) for r in order])
        (tmp / "thumbs").mkdir()
        for k, (key, jpeg) in enumerate(sorted(jpegs.items())):
            name = f"thumbs/{k:06d}.jpg"
            (tmp / name).write_bytes(jpeg)
            thumbs[key] = name
        failures = read_failures(store)
        if failures:       # all of them, the page shows the first MAX_FAILURES
            import pandas as pd

            pd.DataFrame(failures).to_csv(tmp / "failed_images.csv", index=False)

    reasons: dict[str, int] = {}
    for f in failures:
        reasons[f["reason"]] = reasons.get(f["reason"], 0) + 1
    data = {
        "meta": {"rows": run.n, "columns": run.columns, "shared": run.shared,
                 "thumbs": store is not None, "notes": run.notes,
                 "cleaned": str(cleaned), "features": str(features) if features else None,
                 "settings": (run.summary or {}).get("settings"),
                 "created": time.strftime("%Y-%m-%d %H:%M:%S")},
        "columns": columns, "clusters": clusters, "rows": _rows_table(run, order, thumbs),
        "map": scatter,
        "failures": {"count": len(failures), "reasons": reasons,
                     "shown": failures[:MAX_FAILURES]},
    }
    say("writing the page")
    (tmp / "data.js").write_text("window.WSC_REPORT = " + json.dumps(data, separators=(",", ":"))
                                 + ";\n")
    assets = resources.files("wsc.report") / "assets"
    for name in ("app.js", "style.css"):
        (tmp / "assets" / name).write_text((assets / name).read_text())
    (tmp / "index.html").write_text(_page(run, stats))
    (tmp / MARKER).write_text("made by wsc report\n")
    if out.exists():
        shutil.rmtree(out)
    os.replace(tmp, out)
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return {"rows": run.n, "columns": m, "shown_rows": len(order), "thumbnails": len(thumbs),
            "failures": len(failures), "bytes": size, "data_bytes": (out / "data.js").stat().st_size,
            "seconds": round(time.time() - start, 2)}


def _page(run: CleanedRun, stats: list[dict]) -> str:
    notes = "".join(f"<li>{escape(n)}</li>" for n in run.notes)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>wsc report: {run.n} rows, {len(run.columns)} label columns</title>
<link rel="stylesheet" href="assets/style.css">
</head><body>
<header><h1>Label cleaning report</h1>
<p class="sub">{run.n} rows · {len(run.columns)} label columns ·
{'one shared clustering' if run.shared else 'clusters per column'}</p>
<nav id="tabs">
<button data-tab="overview" class="active">Overview</button>
<button data-tab="rows">Rows</button>
<button data-tab="clusters">Clusters</button>
<button data-tab="map">Map</button>
<button data-tab="failures">Failed images</button>
<button data-tab="review">Review <span id="review-count">0</span></button>
</nav>
<label class="picker">column <select id="column"></select></label>
</header>
<main>
<section id="overview" class="tab active">
<ul class="notes">{notes}</ul>
{_overview(stats)}
</section>
<section id="rows" class="tab"></section>
<section id="clusters" class="tab"></section>
<section id="map" class="tab"></section>
<section id="failures" class="tab"></section>
<section id="review" class="tab"></section>
</main>
<div id="tip" hidden></div>
<script src="data.js"></script>
<script src="assets/app.js"></script>
</body></html>
"""
