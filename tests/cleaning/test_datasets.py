"""The synthetic AU generator: shapes, determinism, the annotator noise model."""
import numpy as np

from wsc.datasets import make_au_data


def test_au_data_properties():
    d = make_au_data(20000, random_state=1)
    assert d.X.shape == (20000, 64) and d.X.dtype == np.float32
    assert d.Y_true.shape == d.Y_noisy.shape == (20000, len(d.au_names))
    rates = d.Y_true.mean(axis=0)
    assert rates.min() < 0.02 and rates.max() > 0.35
    accuracy = (d.Y_true == d.Y_noisy).mean()
    assert 0.75 < accuracy < 0.85
    rare = int(np.argmin(rates))
    pos, neg = d.Y_true[:, rare] == 1, d.Y_true[:, rare] == 0
    miss = (d.Y_noisy[pos, rare] == 0).mean()
    false_alarm = (d.Y_noisy[neg, rare] == 1).mean()
    assert miss > 5 * false_alarm
    # errors correlate with pose: more errors at extreme yaw
    wrong = (d.Y_true != d.Y_noisy).mean(axis=1)
    assert wrong[np.abs(d.pose) > 0.6].mean() > wrong[np.abs(d.pose) < 0.2].mean() + 0.05


def test_au_data_deterministic_and_missing():
    a, b = make_au_data(500, random_state=3), make_au_data(500, random_state=3)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.Y_noisy, b.Y_noisy)
    c = make_au_data(2000, missing_rate=0.2, random_state=3)
    assert 0.15 < (c.Y_noisy == -1).mean() < 0.25
