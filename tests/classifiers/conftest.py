"""Shared fixtures: small labelled tables on disk."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest


def make_tables(folder: Path, n: int = 400, d: int = 10, seed: int = 0,
                columns: list[str] | None = None) -> tuple[Path, Path, np.ndarray]:
    """features.csv (id + d columns) and labels.csv (id, subject, AU1, AU12 with some
    pruned cells) of an easy two-AU problem; returns the paths and the true labels."""
    rng = np.random.default_rng(seed)
    Y = (rng.random((n, 2)) < [0.3, 0.5]).astype(int)
    X = rng.standard_normal((n, d))
    X[:, 0] += 3.0 * Y[:, 0]
    X[:, 1] += 3.0 * Y[:, 1]
    ids = [f"img{i:04d}" for i in range(n)]
    names = columns or [f"f{j}" for j in range(d)]
    features = folder / "features.csv"
    pd.DataFrame(X, columns=names).assign(id=ids)[["id", *names]].to_csv(features, index=False)
    labels = pd.DataFrame({"id": ids, "subject": [f"s{i % 20}" for i in range(n)],
                           "AU1": Y[:, 0].astype(str), "AU12": Y[:, 1].astype(str)})
    labels.loc[::10, "AU1"] = ""  # pruned by the cleaner
    path = folder / "labels.csv"
    labels.to_csv(path, index=False)
    return features, path, Y


@pytest.fixture()
def table_maker():
    """The `make_tables` function, for tests that need tables of another shape."""
    return make_tables


@pytest.fixture()
def tables(tmp_path: Path):
    """(features.csv, labels.csv, true labels) in a temporary folder."""
    return make_tables(tmp_path)
