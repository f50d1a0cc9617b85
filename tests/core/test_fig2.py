from pathlib import Path

import numpy as np
import pytest

from wsc.datasets.toy import load_toy_mat, make_rings
from wsc.embedding.toy import reproduce_fig2, run_draws, summarize

TOY = Path(__file__).resolve().parents[3] / "shared" / "data" / "toy.mat"


@pytest.mark.skipif(not TOY.is_file(), reason=f"{TOY} not present (the shared data is not beside this checkout)")
def test_fig2_on_the_papers_toy_mat(tmp_path):
    table = reproduce_fig2(tmp_path, TOY, n_draws=20).set_index("lam")
    assert table.loc[0.3413, "mean_accuracy"] >= 0.91
    assert table.loc[0.3413, "min_accuracy"] > 0.70
    assert table.loc[1e-4, "mean_accuracy"] < 0.65           # the rings win
    assert abs(table.loc[10.0, "mean_accuracy"] - 0.70) < 0.02  # collapse onto the weak labels
    assert table.loc[0.3413, "objective_end"] < table.loc[0.3413, "objective_start"]
    assert (tmp_path / "fig2.png").stat().st_size > 10_000


def test_generated_rings_match_toy_mat_statistics():
    X, y = make_rings(random_state=0)
    assert X.shape == (1500, 2) and abs(y.mean() - 0.5) < 0.01
    radii = np.sort(np.hypot(X[:, 0], X[:, 1]).reshape(3, 500).mean(axis=1))
    assert np.allclose(radii, [1, 5, 10], atol=0.15)
    if TOY.is_file():
        Xm, ym = load_toy_mat(TOY)
        assert Xm.shape == X.shape and abs(ym.mean() - 0.5) < 0.01


def test_fig2_on_generated_rings():
    X, y = make_rings(random_state=0)
    table = summarize(run_draws(X, y, 0.3413, n_draws=8)).iloc[0]
    assert table.mean_accuracy >= 0.91 and table.min_accuracy > 0.70
