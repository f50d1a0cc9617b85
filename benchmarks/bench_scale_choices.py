"""Scale choices measured on quality: searched neighbour lists vs re-ranked feature candidates.

Variants, side by side on the tuning seeds, in both modes:
- searched: every WSE embedding searched for its neighbour lists (held-out votes and
  rank-order lists; exact below 20k rows, HNSW above), the rejected way;
- default: `WSC()` (held-out votes among the feature candidates; on small data the
  rank-order lists searched exactly and graph k = 1% of rows up to 100);
- large: the large-data choices forced at any size (graph k = 30, rank-order lists from
  the feature candidates), what `WSC()` does above 20k rows;
- any other string: WSC parameters as JSON (an experiment at scale).

    .venv/bin/python benchmarks/bench_scale_choices.py [--seeds 100 101] [--n-au 20000]
        [--variants searched candidates '{"max_fit_rows": 40000}' ...] [--csv ...]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_cleaning import load  # noqa: E402

import wsc.reannotation.context as context_module  # noqa: E402
from wsc.reannotation import WSC  # noqa: E402
from wsc.reannotation.context import LARGE_N  # noqa: E402
from wsc.reannotation.clusters import Clusters, rank_order_clusters  # noqa: E402
from wsc.reannotation.sources import EmbeddingVote  # noqa: E402


def searched(E: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
    """The k nearest other rows of E for `rows`, by a search of E (the rejected way)."""
    from wsc.graph import knn

    X, k, method = knn._checked(E, k, "euclidean", "auto")
    return knn._search(knn._index(X, method), X, rows, k)[0]


class SearchedEmbeddingVote(EmbeddingVote):
    """The held-out WSE vote with each fold's neighbours searched in its embedding."""

    def _neighbours(self, context, groups):
        folds = context.folds
        hidden = [np.where(folds == f, -1, groups) for f in range(context.n_folds)]
        out = np.empty((context.n, self.n_neighbors), dtype=np.int64)
        for f, E in enumerate(context.embed_many(hidden, self.lam, self.n_components)):
            test = np.flatnonzero(folds == f)
            out[test] = searched(E, test, self.n_neighbors)
        return out


class SearchedWSC(WSC):
    """WSC with every embedding searched (held-out votes and rank-order lists)."""

    def _sources(self, n):
        return [SearchedEmbeddingVote(s.n_neighbors, s.lam, s.n_components, s.grouping)
                if isinstance(s, EmbeddingVote) else s for s in super()._sources(n)]

    def _cluster(self, context, E) -> Clusters:
        return self._timed("rank-order", rank_order_clusters, E,
                           min(self.cluster_neighbors, context.n - 1), self.threshold,
                           self.random_state)


def score(model: WSC, Yt: np.ndarray) -> tuple[float, float]:
    """Mean over columns of agreement on kept rows, and coverage."""
    codes = model.label_codes_.reshape(Yt.shape)
    kept = model.kept_.reshape(Yt.shape) & (codes >= 0)
    agreement = np.mean([(codes[kept[:, j], j] == Yt[kept[:, j], j]).mean()
                         for j in range(Yt.shape[1])])
    return float(agreement), float(kept.mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[100, 101])
    parser.add_argument("--datasets", nargs="+",
                        default=["au_synth", "digits_sym20", "digits_sym40", "digits_pair30"])
    parser.add_argument("--modes", nargs="+", default=["evidence", "paper"])
    parser.add_argument("--variants", nargs="+", default=["searched", "default", "large"])
    parser.add_argument("--n-au", type=int, default=20000)
    parser.add_argument("--n-features", type=int, default=64,
                        help="AU data dimensions (bench_scale uses 128)")
    parser.add_argument("--csv", default="scale_choices.csv")
    args = parser.parse_args()
    rows = []
    for name in args.datasets:
        for seed in args.seeds:
            if name == "au_synth":
                from wsc.datasets import make_au_data

                d = make_au_data(args.n_au, n_features=args.n_features, random_state=seed)
                X, Yt, Yn = d.X, d.Y_true, d.Y_noisy
            else:
                X, Yt, Yn, _ = load(name, seed, args.n_au)
            for mode in args.modes:
                for variant in args.variants:
                    options = {} if variant in ("searched", "default", "large") \
                        else json.loads(variant)
                    cls = SearchedWSC if variant == "searched" else WSC
                    context_module.LARGE_N = -1 if variant == "large" else LARGE_N
                    start = time.perf_counter()
                    model = cls(mode=mode, random_state=seed, **options).fit(X, Yn)
                    agreement, coverage = score(model, Yt)
                    rows.append(dict(dataset=name, seed=seed, mode=mode, variant=variant,
                                     agreement=round(agreement, 4), coverage=round(coverage, 4),
                                     seconds=round(time.perf_counter() - start, 1)))
                    print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    table.to_csv(HERE / "results" / args.csv, index=False)
    mean = table.groupby(["dataset", "mode", "variant"], sort=False)[
        ["agreement", "coverage", "seconds"]].mean().reset_index()
    print("| data set | mode | variant | agreement | coverage | seconds |\n|---|---|---|---|---|---|")
    for r in mean.itertuples():
        print(f"| {r.dataset} | {r.mode} | {r.variant} | {r.agreement:.4f} | {r.coverage:.3f} "
              f"| {r.seconds:.1f} |")


if __name__ == "__main__":
    main()
