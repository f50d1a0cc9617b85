"""`wsc train` -> `wsc evaluate` on small tables, and the feature-configuration check."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from wsc.classifiers import load_model
from wsc.classifiers.config import check_config, feature_config
from wsc.cli import main
from wsc.errors import InputError


def _train(features, labels, out, *extra):
    return main(["train", "--features", str(features), "--labels", str(labels), "--out", str(out),
                 "--quiet", *extra])


def test_train_evaluate_round_trip(tmp_path, tables, capsys):
    features, labels, Y = tables
    model_path = tmp_path / "model.joblib"
    assert _train(features, labels, model_path) == 0
    model = load_model(model_path)
    assert model["au_names"] == ["AU1", "AU12"]
    assert model["info"]["subject"] == "subject"  # picked up automatically
    clf = model["classifier"]
    assert list(clf.n_labelled_) == [360, 400]  # the pruned (empty) AU1 cells are left out
    truth = tmp_path / "truth.csv"
    pd.DataFrame({"id": [f"img{i:04d}" for i in range(len(Y))], "AU01": Y[:, 0],
                  "AU12": Y[:, 1]}).to_csv(truth, index=False)
    metrics = tmp_path / "m" / "metrics.csv"
    capsys.readouterr()
    assert main(["evaluate", "--model", str(model_path), "--features", str(features),
                 "--labels", str(truth), "--out", str(metrics)]) == 0
    printed = capsys.readouterr().out
    assert "kappa" in printed and "mean" in printed
    table = pd.read_csv(metrics)
    assert list(table.columns) == ["au", "f1", "accuracy", "auc", "kappa", "n", "positives"]
    assert table["kappa"].iloc[:2].min() > 0.7
    assert list(table["au"]) == ["AU1", "AU12", "mean"]
    assert table["f1"].iloc[:2].min() > 0.85 and table["auc"].iloc[:2].min() > 0.95
    assert list(table["n"]) == [400, 400, 400]
    assert np.isclose(table["f1"].iloc[2], table["f1"].iloc[:2].mean(), atol=1e-4)


def test_same_seed_same_model_file_predictions(tmp_path, tables):
    features, labels, _ = tables
    for name in ("a", "b"):
        assert _train(features, labels, tmp_path / name, "--seed", "5") == 0
    a, b = (load_model(tmp_path / name)["classifier"] for name in ("a", "b"))
    assert np.array_equal(a.thresholds_, b.thresholds_)


def test_model_refuses_features_of_another_configuration(tmp_path, tables, table_maker, capsys):
    features, labels, Y = tables
    _train(features, labels, tmp_path / "model")
    other = tmp_path / "other"
    other.mkdir()
    renamed, _, _ = table_maker(other, columns=[f"hog{j}" for j in range(10)])
    narrow = tmp_path / "narrow"
    narrow.mkdir()
    narrower, _, _ = table_maker(narrow, d=8)
    capsys.readouterr()
    for bad in (renamed, narrower):
        code = main(["evaluate", "--model", str(tmp_path / "model"), "--features", str(bad),
                     "--labels", str(labels)])
        err = capsys.readouterr().err.strip()
        assert code == 2 and "configuration" in err and str(bad) in err
        assert len(err.splitlines()) == 1


def _fake_store(folder, mean_shift=0.0):
    """The two files feature_config reads from a store: manifest and transform."""
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({
        "settings": {"all_faces": False, "blocks": ["geometry"], "align_size": 128, "pca": 4,
                     "seed": 0}, "block_slices": {"geometry": [0, 6]}}))
    np.savez(folder / "transform.npz", mean=np.zeros(6) + mean_shift, scale=np.ones(6),
             weight=np.ones(6), pca_mean=np.zeros(6), components=np.eye(4, 6))
    return folder


def test_store_with_another_transform_is_refused(tmp_path):
    a = feature_config(_fake_store(tmp_path / "a"), 4)
    check_config(a, feature_config(_fake_store(tmp_path / "same"), 4), "same")
    with pytest.raises(InputError, match="transform"):
        check_config(a, feature_config(_fake_store(tmp_path / "b", 1.0), 4), "b")
    with pytest.raises(InputError, match="feature store"):
        check_config(a, {"kind": "table", "n_features": 4, "columns": None}, "x.npy")


def test_bad_label_value_is_one_line_naming_row_and_column(tmp_path, tables, capsys):
    features, labels, _ = tables
    frame = pd.read_csv(labels, dtype=str, keep_default_na=False)
    frame.loc[3, "AU12"] = "yes"
    frame.to_csv(labels, index=False)
    assert _train(features, labels, tmp_path / "m") == 2
    err = capsys.readouterr().err.strip()
    assert "row 5" in err and "AU12" in err and len(err.splitlines()) == 1


def test_not_a_model_file(tmp_path, tables, capsys):
    features, labels, _ = tables
    junk = tmp_path / "junk.joblib"
    junk.write_bytes(b"not a pickle")
    assert main(["evaluate", "--model", str(junk), "--features", str(features),
                 "--labels", str(labels)]) == 2
    assert "not a wsc model file" in capsys.readouterr().err
