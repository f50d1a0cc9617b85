"""`wsc clean` round trips for every feature format, and one-line errors for bad files."""
import json

import numpy as np
import pandas as pd
import pytest

from wsc.cli import main

N = 120
FAST = ["--vote-neighbors", "5", "--cluster-neighbors", "15", "--neighbors", "10", "--quiet"]


@pytest.fixture(scope="module")
def data(cli_blobs):
    return cli_blobs


def write_labels(path, ids, noisy, mood, with_id=True, extra=None):
    frame = pd.DataFrame({"AU12": noisy.astype(str), "mood": mood})
    frame.loc[3, "AU12"] = ""
    frame.loc[4, "AU12"] = "999"
    if with_id:
        frame.insert(0, "id", ids)
    if extra:
        extra(frame)
    frame.to_csv(path, index=False)
    return path


def run(tmp_path, features, labels, capsys, *extra):
    out = tmp_path / "out.csv"
    code = main(["clean", "--features", str(features), "--labels", str(labels), "--out", str(out),
                 *FAST, *extra])
    return code, out, capsys.readouterr()


@pytest.mark.parametrize("fmt", ["npy", "npy-id", "csv", "parquet"])
def test_round_trip(tmp_path, data, capsys, fmt):
    X, truth, noisy, ids, mood = data
    labels = write_labels(tmp_path / "labels.csv", ids, noisy, mood, with_id=fmt != "npy")
    order = np.random.default_rng(1).permutation(N)     # table rows in another order
    if fmt.startswith("npy"):
        features = tmp_path / "f.npy"
        np.save(features, X)
    else:
        frame = pd.DataFrame(X[order], columns=[f"f{j}" for j in range(4)])
        frame.insert(0, "id", np.array(ids)[order])
        features = tmp_path / f"f.{fmt}"
        frame.to_csv(features, index=False) if fmt == "csv" else frame.to_parquet(features)
    code, out, captured = run(tmp_path, features, labels, capsys)
    assert code == 0, captured.err
    result = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(result.columns) == ["id", "AU12", "AU12_raw", "AU12_changed", "AU12_confidence",
                                    "mood", "mood_raw", "mood_changed", "mood_confidence",
                                    "cluster"]
    expected_ids = [str(i) for i in range(N)] if fmt == "npy" else ids
    assert result["id"].tolist() == expected_ids
    cleaned = result["AU12"]
    kept = cleaned != ""
    assert set(cleaned[kept]) <= {"0", "1"}
    assert (cleaned[kept].astype(int).to_numpy() == truth[kept.to_numpy()]).mean() > 0.95
    assert set(result["mood"][result["mood"] != ""]) <= {"happy", "calm"}
    assert "AU12: changed" in captured.out and "coverage" in captured.out


def test_paper_mode_round_trip(tmp_path, data, capsys):
    X, truth, noisy, ids, mood = data
    labels = write_labels(tmp_path / "labels.csv", ids, noisy, mood, with_id=False)
    np.save(tmp_path / "f.npy", X)
    code, out, captured = run(tmp_path, tmp_path / "f.npy", labels, capsys, "--mode", "paper")
    assert code == 0, captured.err
    assert len(pd.read_csv(out)) == N
    # the summary gives the pruned rows by reason, and the reasons add up to the pruned rows
    summary = json.loads((tmp_path / "out.summary.json").read_text())
    for column in summary["columns"]:
        why = column["pruned_clusters"]
        assert why["min_majority"] == round(2 / 3, 4)
        assert sum(why[k] for k in ("oversize", "small", "tied", "no_majority")) == \
            column["pruned"]
        if why["no_majority"]:
            assert f"{why['no_majority']} in clusters whose top label holds at most 67%" in \
                captured.out


def bad_case(tmp_path, data, capsys, labels_edit=None, features_edit=None, npy=None,
             with_id=True):
    X, truth, noisy, ids, mood = data
    labels = write_labels(tmp_path / "labels.csv", ids, noisy, mood, with_id, labels_edit)
    if npy is not None:
        features = tmp_path / "f.npy"
        np.save(features, npy)
    else:
        frame = pd.DataFrame(X.astype(object), columns=[f"f{j}" for j in range(4)])
        frame.insert(0, "id", ids)
        if features_edit:
            features_edit(frame)
        features = tmp_path / "f.csv"
        frame.to_csv(features, index=False)
    code, _, captured = run(tmp_path, features, labels, capsys)
    assert code == 2
    err = captured.err.strip()
    assert "\n" not in err and "Traceback" not in err
    return err


def test_missing_id_column(tmp_path, data, capsys):
    err = bad_case(tmp_path, data, capsys, with_id=False)
    assert "labels.csv" in err and "'id'" in err


def test_missing_id_column_in_features(tmp_path, data, capsys):
    err = bad_case(tmp_path, data, capsys, features_edit=lambda f: f.insert(0, "key", f.pop("id")))
    assert "f.csv" in err and "'id'" in err


def test_duplicate_ids(tmp_path, data, capsys):
    def dup(frame):
        frame.loc[7, "id"] = frame.loc[2, "id"]
    err = bad_case(tmp_path, data, capsys, labels_edit=dup)
    assert "labels.csv" in err and "row 9" in err and "duplicate" in err


def test_id_only_in_labels(tmp_path, data, capsys):
    def rename(frame):
        frame.loc[5, "id"] = "stranger"
    err = bad_case(tmp_path, data, capsys, labels_edit=rename)
    assert "labels.csv" in err and "row 7" in err and "stranger" in err


def test_id_only_in_features(tmp_path, data, capsys):
    def extra_row(frame):
        frame.loc[N] = ["ghost", 0.0, 0.0, 0.0, 0.0]
    err = bad_case(tmp_path, data, capsys, features_edit=extra_row)
    assert "f.csv" in err and f"row {N + 2}" in err and "ghost" in err


def test_non_numeric_feature(tmp_path, data, capsys):
    def text(frame):
        frame.loc[6, "f2"] = "abc"
    err = bad_case(tmp_path, data, capsys, features_edit=text)
    assert "f.csv" in err and "row 8" in err and "'f2'" in err


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_nan_inf_feature(tmp_path, data, capsys, value):
    def put(frame):
        frame.loc[11, "f1"] = value
    err = bad_case(tmp_path, data, capsys, features_edit=put)
    assert "f.csv" in err and "row 13" in err and "'f1'" in err


def test_nan_in_npy(tmp_path, data, capsys):
    X = data[0].copy()
    X[20, 3] = np.nan
    err = bad_case(tmp_path, data, capsys, npy=X, with_id=False)
    assert "f.npy" in err and "row 20" in err


def test_bad_au_value(tmp_path, data, capsys):
    def put(frame):
        frame.loc[15, "AU12"] = "2"
    err = bad_case(tmp_path, data, capsys, labels_edit=put)
    assert "labels.csv" in err and "row 17" in err and "'AU12'" in err


def test_too_few_rows(tmp_path, data, capsys):
    X = data[0][:10]
    labels = tmp_path / "small.csv"
    pd.DataFrame({"AU1": [0, 1] * 5}).to_csv(labels, index=False)
    np.save(tmp_path / "f.npy", X)
    code, _, captured = run(tmp_path, tmp_path / "f.npy", labels, capsys)
    assert code == 2 and "f.npy" in captured.err and "neighbours" in captured.err


def test_row_count_mismatch_npy(tmp_path, data, capsys):
    err = bad_case(tmp_path, data, capsys, npy=data[0][:-5], with_id=False)
    assert "labels.csv" in err and "115" in err


@pytest.mark.parametrize("option", ["--min-majority", "--min-confidence", "--min-coverage"])
def test_share_option_out_of_range(tmp_path, data, capsys, option):
    X, _, noisy, ids, mood = data
    labels = write_labels(tmp_path / "labels.csv", ids, noisy, mood, with_id=False)
    np.save(tmp_path / "f.npy", X)
    code, _, captured = run(tmp_path, tmp_path / "f.npy", labels, capsys, option, "1.5")
    err = captured.err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert option in err[0] and "1.5" in err[0]
