"""What the report shows, computed from a cleaning run: per-column counts and histograms,
ranked row galleries, ranked clusters to review, and a 2-D map. Everything is capped
(galleries, clusters, map points) so that a million-row run gives a page of the same size."""
from __future__ import annotations

import numpy as np
import pandas as pd

from wsc.report.inputs import CleanedRun

HIST_BINS = 20


def class_order(values: list[np.ndarray]) -> list[str]:
    """The known values of a column, numbers in numeric order, else alphabetical."""
    seen = pd.unique(np.concatenate([v[v != ""] for v in values]))
    try:
        return sorted(seen, key=float)
    except ValueError:
        return sorted(seen)


def changed_mask(run: CleanedRun, j: int) -> np.ndarray:
    """Rows whose known input label was replaced by a different cleaned label."""
    raw, cleaned = run.raw[j], run.cleaned[j]
    return (raw != "") & (cleaned != "") & (raw != cleaned)


def column_stats(run: CleanedRun, j: int) -> dict:
    """Counts, class rates before and after, and the confidence histogram by outcome."""
    raw, cleaned, conf = run.raw[j], run.cleaned[j], run.confidence[:, j]
    classes = class_order([raw, cleaned])
    changed = changed_mask(run, j)
    kept = cleaned != ""
    edges = np.linspace(0.0, 1.0, HIST_BINS + 1)

    def hist(mask: np.ndarray) -> list[int]:
        return np.histogram(np.clip(conf[mask], 0, 1), bins=edges)[0].tolist()

    stats = {
        "name": run.columns[j], "classes": classes, "rows": run.n,
        "known_before": int((raw != "").sum()), "kept": int(kept.sum()),
        "pruned": int((~kept).sum()), "changed": int(changed.sum()),
        "filled": int((kept & (raw == "")).sum()),
        "raw_counts": [int((raw == c).sum()) for c in classes],
        "cleaned_counts": [int((cleaned == c).sum()) for c in classes],
        "hist": {"kept": hist(kept & ~changed), "changed": hist(changed), "pruned": hist(~kept)},
        "n_clusters": int(np.unique(run.clusters[:, j]).size),
    }
    summary = _summary_column(run, run.columns[j])
    if summary:
        stats.update(noise_matrix=summary.get("noise_matrix"),
                     noise_classes=[str(c) for c in summary.get("classes", [])],
                     evidence_weights=summary.get("evidence_weights"),
                     posterior_from=summary.get("posterior_from"),
                     pruned_clusters=summary.get("pruned_clusters"),
                     reviewed=summary.get("reviewed", 0))
    return stats


def _summary_column(run: CleanedRun, name: str) -> dict | None:
    if not run.summary:
        return None
    return next((c for c in run.summary.get("columns", []) if c.get("column") == name), None)


def _top(order_keys: tuple, mask: np.ndarray, k: int) -> np.ndarray:
    """Indices of `mask` rows sorted by np.lexsort keys (last key first), the first k."""
    rows = np.flatnonzero(mask)
    order = np.lexsort(tuple(key[rows] for key in order_keys))
    return rows[order[:k]]


def galleries(run: CleanedRun, j: int, k: int) -> dict[str, list[int]]:
    """Row indices to show, ranked as label-issue finders rank them: changed rows most
    confident first (their input label is the least likely), pruned rows and kept rows
    least confident first."""
    conf = run.confidence[:, j]
    index = np.arange(run.n)
    changed = changed_mask(run, j)
    kept = run.cleaned[j] != ""
    return {"changed": _top((index, -conf), changed, k).tolist(),
            "pruned": _top((index, conf), ~kept, k).tolist(),
            "unsure": _top((index, conf), kept & ~changed, k).tolist()}


def cluster_table(run: CleanedRun, j: int) -> pd.DataFrame:
    """Per cluster of column j: size, cleaned majority label and its share of the kept rows
    (purity), changed and pruned counts."""
    cleaned = run.cleaned[j]
    frame = pd.DataFrame({"cluster": run.clusters[:, j], "label": cleaned,
                          "changed": changed_mask(run, j), "pruned": cleaned == ""})
    base = frame.groupby("cluster").agg(size=("label", "size"), changed=("changed", "sum"),
                                        pruned=("pruned", "sum"))
    kept = frame[~frame["pruned"]]
    counts = kept.groupby(["cluster", "label"]).size().rename("count").reset_index()
    counts = counts.sort_values(["cluster", "count", "label"], ascending=[True, False, True])
    top = counts.drop_duplicates("cluster").set_index("cluster")
    base["label"] = top["label"].reindex(base.index).fillna("")
    base["purity"] = (top["count"].reindex(base.index).fillna(0)
                      / (base["size"] - base["pruned"]).clip(lower=1))
    return base


def ranked_clusters(table: pd.DataFrame, k: int, min_size: int = 3) -> dict[str, list[int]]:
    """Cluster ids: largest, purest (at least min_size rows) and most changed."""
    big = table[table["size"] >= min_size]
    ids = big.index.to_numpy()
    largest = big.sort_values(["size"], ascending=False, kind="stable").index[:k]
    purest = big.assign(_i=ids).sort_values(["purity", "size", "_i"],
                                            ascending=[False, False, True]).index[:k]
    most = table[table["changed"] > 0]
    most = most.assign(_share=most["changed"] / most["size"]).sort_values(
        ["changed", "_share"], ascending=False, kind="stable").index[:k]
    return {"largest": [int(c) for c in largest], "purest": [int(c) for c in purest],
            "changed": [int(c) for c in most]}


def cluster_faces(run: CleanedRun, j: int, members: np.ndarray, changed: np.ndarray,
                  k: int) -> list[int]:
    """Up to k members to show: changed rows first (`changed`: the column's mask), then the
    least confident."""
    order = np.lexsort((members, run.confidence[members, j], ~changed[members]))
    return members[order[:k]].tolist()


def map_points(X: np.ndarray | None, run: CleanedRun, n_points: int, seed: int
               ) -> tuple[np.ndarray, np.ndarray] | None:
    """A 2-D view of a seeded sample of rows: their 10-D weakly-supervised embedding guided
    by the cleaned labels (their combinations; pruned rows join no group), projected on its
    two principal axes (a 2-D WSE collapses onto one line): (rows, xy scaled to [0, 1])."""
    if X is None:
        return None
    from wsc.embedding.wse import WeaklySupervisedEmbedding
    from wsc.reannotation.estimator import combination_groups

    usable = np.flatnonzero(np.isfinite(X).all(axis=1))
    if usable.size < 10:
        return None
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(usable, size=min(n_points, usable.size), replace=False))
    codes = np.stack([pd.Index(class_order([c])).get_indexer(c[rows]) for c in run.cleaned],
                     axis=1)
    wse = WeaklySupervisedEmbedding(n_components=min(10, rows.size - 2),
                                    n_neighbors=min(15, rows.size - 1), random_state=seed)
    E = wse.fit_transform(X[rows].astype(np.float32), combination_groups(codes))
    E = E - E.mean(axis=0)
    axes = np.linalg.svd(E, full_matrices=False)[2][:2]
    xy = E @ axes.T
    xy = xy - xy.min(axis=0)
    xy = xy / np.maximum(xy.max(axis=0), 1e-12)
    return rows, np.round(xy, 4)
