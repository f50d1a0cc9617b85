"""`wsc clean` outputs: raw beside cleaned, changed flag, shared cluster column, the summary
JSON, reviewed labels (--corrections), column choice, and OpenFace / py-feat label files."""
import json

import numpy as np
import pandas as pd
import pytest

from wsc.cli import main
from wsc.reannotation import WSC

FAST = ["--vote-neighbors", "5", "--cluster-neighbors", "15", "--neighbors", "10", "--quiet"]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("clean")
    rng = np.random.default_rng(3)
    n = 160
    truth = np.repeat([0, 1], n // 2)
    X = (rng.normal(size=(n, 4)) + 3.0 * truth[:, None]).astype(np.float32)
    noisy = np.where(rng.random(n) < 0.2, 1 - truth, truth)
    ids = [f"r{i:03d}" for i in range(n)]
    frame = pd.DataFrame({"id": ids, "AU12": noisy, "AU6": noisy[::-1]})
    frame.to_csv(tmp / "labels.csv", index=False)
    feats = pd.DataFrame(X, columns=[f"f{j}" for j in range(4)])
    feats.insert(0, "id", ids)
    feats.to_csv(tmp / "feats.csv", index=False)
    return tmp, ids, truth, noisy


def clean(tmp, *extra, out="out.csv"):
    code = main(["clean", "--features", str(tmp / "feats.csv"), "--labels",
                 str(tmp / "labels.csv"), "--out", str(tmp / out), *FAST, *extra])
    assert code == 0
    return pd.read_csv(tmp / out, dtype=str, keep_default_na=False)


def test_raw_changed_and_summary(files, capsys):
    tmp, ids, truth, noisy = files
    out = clean(tmp)
    assert "cluster" in out.columns and "AU12_cluster" not in out.columns
    assert out["AU12_raw"].astype(int).tolist() == noisy.tolist()
    changed = (out["AU12"] != "") & (out["AU12"] != out["AU12_raw"])
    assert out["AU12_changed"].astype(int).tolist() == changed.astype(int).tolist()
    assert changed.sum() > 5            # 20% of the labels are wrong: some are changed
    summary = json.loads((tmp / "out.summary.json").read_text())
    au12 = summary["columns"][0]
    assert au12["column"] == "AU12" and au12["changed"] == int(changed.sum())
    assert au12["pruned"] == int((out["AU12"] == "").sum())
    assert au12["raw_counts"] == np.bincount(noisy).tolist()
    T = np.array(au12["noise_matrix"])
    assert T.shape == (2, 2) and np.allclose(T.sum(axis=1), 1.0, atol=1e-3)
    assert set(au12["evidence_weights"]) >= {"knn", "logistic"}
    assert summary["shared_clusters"] is True
    assert f"AU12: changed {au12['changed']}" in capsys.readouterr().out


def test_columns_option(files):
    tmp = files[0]
    out = clean(tmp, "--columns", "AU6", out="au6.csv")
    assert [c for c in out.columns if c.startswith("AU12")] == []
    assert "AU6" in out.columns and "AU6_cluster" in out.columns   # one column: no shared one


def test_unknown_column_is_one_line(files, capsys):
    tmp = files[0]
    code = main(["clean", "--features", str(tmp / "feats.csv"), "--labels",
                 str(tmp / "labels.csv"), "--out", str(tmp / "x.csv"), "--columns", "AU99", *FAST])
    err = capsys.readouterr().err
    assert code == 2 and "no column 'AU99'" in err and len(err.strip().splitlines()) == 1


def test_corrections_fix_rows(files, capsys):
    tmp, ids, truth, noisy = files
    rows = [0, 1, 2, 90, 91]
    pd.DataFrame({"id": [ids[i] for i in rows], "column": "AU12",
                  "label": [1 - truth[i] for i in rows]}).to_csv(tmp / "fix.csv", index=False)
    out = clean(tmp, "--corrections", str(tmp / "fix.csv"), out="fixed.csv")
    got = out.set_index("id")
    for i in rows:    # deliberately wrong "reviews" are still obeyed: the reviewer decides
        assert got.loc[ids[i], "AU12"] == str(1 - truth[i])
        assert float(got.loc[ids[i], "AU12_confidence"]) == 1.0
    summary = json.loads((tmp / "fixed.summary.json").read_text())
    assert summary["columns"][0]["reviewed"] == 5 and summary["columns"][1]["reviewed"] == 0
    assert "reviewed 5" in capsys.readouterr().out


@pytest.mark.parametrize("body, message", [
    ("id,column,label\nnope,AU12,1\n", "id 'nope' is not a row"),
    ("id,column,label\nr000,AU7,1\n", "unknown label column 'AU7'"),
    ("id,column,label\nr000,AU12,2\n", "AU label must be 0 or 1"),
    ("id,column,label\nr000,AU12,1\nr000,AU12,0\n", "contradicts"),
    ("id,label\nr000,1\n", "no 'column' column"),
])
def test_bad_corrections(files, capsys, body, message):
    tmp = files[0]
    (tmp / "bad.csv").write_text(body)
    code = main(["clean", "--features", str(tmp / "feats.csv"), "--labels",
                 str(tmp / "labels.csv"), "--out", str(tmp / "x.csv"), "--corrections",
                 str(tmp / "bad.csv"), *FAST])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "bad.csv" in err, err


def test_trusted_in_estimator():
    rng = np.random.default_rng(0)
    truth = np.repeat([0, 1], 60)
    X = rng.normal(size=(120, 3)) + 3.0 * truth[:, None]
    noisy = np.where(rng.random(120) < 0.2, 1 - truth, truth)
    trusted = np.full(120, None, dtype=object)
    trusted[:10] = 1                      # against the features: obeyed anyway
    model = WSC(vote_neighbors=5, cluster_neighbors=15, n_neighbors=10).fit(X, noisy, trusted)
    assert (model.labels_[:10] == 1).all() and (model.confidence_[:10] == 1).all()
    assert model.kept_[:10].all()
    with pytest.raises(ValueError, match="trusted must have"):
        WSC(vote_neighbors=5).fit(X, noisy, trusted[:5])


def test_openface_file(pyfeat, tmp_path, capsys):
    """py-feat's real OpenFace 2.x output: 431 columns, 18 AU presence columns are labels."""
    raw = pd.read_csv(pyfeat / "OpenFace_Test.csv")
    np.save(tmp_path / "f.npy", np.random.default_rng(0).normal(size=(len(raw), 6)))
    code = main(["clean", "--features", str(tmp_path / "f.npy"), "--labels",
                 str(pyfeat / "OpenFace_Test.csv"), "--out", str(tmp_path / "o.csv"), *FAST])
    assert code == 0, capsys.readouterr().err
    out = pd.read_csv(tmp_path / "o.csv", dtype=str, keep_default_na=False)
    aus = [c for c in out.columns if c.startswith("AU") and "_" not in c]
    assert aus == [c.strip()[:-2] for c in raw.columns if c.strip().endswith("_c")]
    assert out["AU05_raw"].astype(int).tolist() == raw[" AU05_c"].astype(int).tolist()
    assert out["id"].tolist() == raw["frame"].astype(str).tolist()


def test_openface_intensity_and_success(pyfeat):
    from wsc.io.tables import read_labels

    raw = pd.read_csv(pyfeat / "OpenFace_Test.csv")
    ids, cols, values = read_labels(pyfeat / "OpenFace_Test.csv", False, ["AU01", "AU45"], 0.5)
    assert cols == ["AU01", "AU45"]
    assert values[:, 0].astype(int).tolist() == (raw[" AU01_r"] >= 0.5).astype(int).tolist()


def test_openface_failed_rows_unknown(pyfeat, tmp_path):
    from wsc.io.tables import read_labels

    raw = pd.read_csv(pyfeat / "OpenFace_Test.csv")
    raw.loc[[3, 7], " success"] = 0
    raw.to_csv(tmp_path / "of.csv", index=False)
    _, cols, values = read_labels(tmp_path / "of.csv", False)
    assert len(cols) == 18
    unknown = np.array([v is None for v in values[:, 0]])
    assert np.flatnonzero(unknown).tolist() == [3, 7]


def test_fex_file(pyfeat):
    from wsc.io.tables import read_labels

    raw = pd.read_csv(pyfeat / "001.csv")
    ids, cols, values = read_labels(pyfeat / "001.csv", False)
    assert cols == [c for c in raw.columns if c.startswith("AU")] and len(cols) == 20
    assert values[:, 0].astype(int).tolist() == (raw["AU01"] >= 0.5).astype(int).tolist()
    _, _, strict = read_labels(pyfeat / "001.csv", False, ["AU01"], 0.9)
    assert strict[:, 0].astype(int).tolist() == (raw["AU01"] >= 0.9).astype(int).tolist()
    assert ids[0] == f"{raw['input'][0]}#{raw['frame'][0]}"


def test_intensity_threshold_needs_a_tool_file(files, capsys):
    tmp = files[0]
    code = main(["clean", "--features", str(tmp / "feats.csv"), "--labels",
                 str(tmp / "labels.csv"), "--out", str(tmp / "x.csv"),
                 "--intensity-threshold", "1", *FAST])
    assert code == 2 and "--intensity-threshold applies" in capsys.readouterr().err
