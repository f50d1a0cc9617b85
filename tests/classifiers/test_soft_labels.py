"""Soft labels (the cleaner's P(present)): expected-F1 thresholds, soft calibration, training
that keeps the rare positives a hard argmax drops, and `wsc train` reading confidences."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score

from wsc.classifiers import AUClassifier, load_model
from wsc.classifiers.calibration import PlattCalibrator
from wsc.classifiers.thresholds import best_f1_threshold
from wsc.cli import main


def test_expected_f1_threshold():
    proba = np.array([0.9, 0.8, 0.3, 0.1])
    hard = np.array([1, 1, 0, 0])
    assert best_f1_threshold(hard, proba) == best_f1_threshold(hard.astype(float), proba)
    # soft: rows 1-2 are each half present: predicting the top two gives expected
    # TP 1.5 of 2.0 present -> F1 = 2 * 1.5 / (2 + 2.0) = 0.75; the top three 2 * 1.8 / 5
    threshold, f1 = best_f1_threshold(np.array([1.0, 0.5, 0.3, 0.2]), proba)
    assert f1 == pytest.approx(0.75) and 0.3 < threshold < 0.8


def test_soft_platt_matches_the_soft_rate():
    rng = np.random.default_rng(0)
    scores = rng.standard_normal(4000)
    soft = 1 / (1 + np.exp(-(2 * scores - 1)))
    cal = PlattCalibrator().fit(scores, soft)
    assert cal.a_ == pytest.approx(2.0, abs=0.2) and cal.b_ == pytest.approx(-1.0, abs=0.15)


def _rare(seed: int, n: int = 6000):
    """A rare AU whose present rows the cleaner only half believes (P(present) 0.35-0.45):
    its argmax labels keep no positives in the hard region, its soft labels do."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 4)).astype(np.float32)
    y = (X[:, 0] > 1.6).astype(int)
    hard_seen = y & (X[:, 1] > 1.0)                            # the few positives it is sure of
    p = np.where(y == 1, np.where(hard_seen == 1, 0.9, rng.uniform(0.35, 0.45, n)), 0.02)
    return X, y, (p >= 0.5).astype(int), p


def test_soft_labels_keep_rare_positives():
    X, y, hard, p = _rare(0)
    X_test, y_test, _, _ = _rare(1)
    f1 = {}
    for name, proba in (("hard", None), ("soft", p)):
        clf = AUClassifier(random_state=0).fit(X, hard, proba=proba)
        f1[name] = f1_score(y_test, clf.predict(X_test)[:, 0])
    assert f1["soft"] > f1["hard"] + 0.1
    same = AUClassifier(random_state=0).fit(X, hard, proba=hard.astype(float))
    np.testing.assert_allclose(same.predict_proba(X_test),
                               AUClassifier(random_state=0).fit(X, hard).predict_proba(X_test),
                               atol=1e-4)


def test_train_reads_confidence_columns(tmp_path, tables, capsys):
    features, labels, Y = tables
    frame = pd.read_csv(labels, dtype=str, keep_default_na=False)
    frame["AU1_confidence"] = "0.9"
    frame["AU12_confidence"] = "0.8"
    soft = tmp_path / "cleaned.csv"
    frame.to_csv(soft, index=False)
    args = ["train", "--features", str(features), "--labels", str(soft), "--quiet"]
    assert main([*args, "--out", str(tmp_path / "soft.model")]) == 0
    assert "soft labels" in capsys.readouterr().err
    model = load_model(tmp_path / "soft.model")
    assert model["info"]["soft_labels"] is True
    assert list(model["classifier"].n_labelled_) == [360, 400]
    assert main([*args, "--out", str(tmp_path / "hard.model"), "--hard-labels"]) == 0
    assert load_model(tmp_path / "hard.model")["info"]["soft_labels"] is False


def test_bad_confidence_is_one_line(tmp_path, tables, capsys):
    features, labels, _ = tables
    frame = pd.read_csv(labels, dtype=str, keep_default_na=False)
    frame["AU12_confidence"] = "0.9"
    frame.loc[4, "AU12_confidence"] = "1.7"
    bad = tmp_path / "bad.csv"
    frame.to_csv(bad, index=False)
    code = main(["train", "--features", str(features), "--labels", str(bad), "--out",
                 str(tmp_path / "m"), "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "row 6" in err[0] and "AU12_confidence" in err[0] and "[0, 1]" in err[0]
