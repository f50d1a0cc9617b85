"""The README's workflows end to end on every feature format (.npy, .csv, .parquet and a
feature store), and the store's guarantees: one writer at a time, incomplete stores refused,
ids from another source not taken as done, a bad file name recorded as one failure."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from wsc.cli import main
from wsc.errors import InputError
from wsc.io import store as fs

N = 240
FAST = ["--vote-neighbors", "5", "--cluster-neighbors", "15", "--neighbors", "10", "--quiet"]


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(3)
    Y = (rng.random((N, 2)) < [0.4, 0.5]).astype(int)
    X = rng.normal(size=(N, 6))
    X[:, :2] += 3.0 * Y
    noisy = np.where(rng.random((N, 2)) < 0.12, 1 - Y, Y)
    return X.astype(np.float32), Y, noisy, [f"img{i:04d}" for i in range(N)]


def make_store(folder, X, ids):
    """A real feature store (manifest, Parquet chunks, fitted transform) of given vectors."""
    from wsc.features import transform

    d = X.shape[1]
    manifest = {"version": 1, "settings": {"all_faces": False, "blocks": ["geometry"],
                                           "align_size": 128, "pca": d, "seed": 0},
                "block_slices": {"geometry": [0, d]},
                "widths": {"box": 4, "landmarks": 3, "blendshapes": 2, "features": d}}
    fs.write_manifest(folder, manifest)
    rows = [{"id": i, "face": 0, "source": f"/src/{i}.jpg", "success": True, "reason": "",
             "box": np.zeros(4), "landmarks": np.zeros(3), "blendshapes": np.zeros(2),
             "features": x} for i, x in zip(ids, X)]
    fs.write_chunk(folder, 0, rows[: N // 2], manifest["widths"])
    fs.write_chunk(folder, 1, rows[N // 2:], manifest["widths"])
    transform.save(transform.fit(X.astype(np.float64), {"geometry": (0, d)}, d, 0),
                   folder / fs.TRANSFORM)
    return folder


def features_in(fmt, tmp_path, X, ids):
    if fmt == "npy":
        path = tmp_path / "f.npy"
        np.save(path, X)
        return path
    if fmt == "store":
        return make_store(tmp_path / "store", X, ids)
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    frame.insert(0, "id", ids)
    frame = frame.iloc[::-1]  # another row order than the labels
    path = tmp_path / f"f.{fmt}"
    frame.to_csv(path, index=False) if fmt == "csv" else frame.to_parquet(path)
    return path


def label_file(path, columns: dict, ids, fmt: str):
    """A label CSV of the given columns, with the ids unless the features are .npy."""
    frame = pd.DataFrame(columns)
    if fmt != "npy":
        frame.insert(0, "id", ids)
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("fmt", ["npy", "csv", "parquet", "store"])
def test_clean_train_evaluate(tmp_path, data, fmt, capsys):
    X, Y, noisy, ids = data
    features = features_in(fmt, tmp_path, X, ids)
    labels = label_file(tmp_path / "labels.csv", {"AU12": noisy[:, 0], "AU04": noisy[:, 1]},
                        ids, fmt)
    cleaned = tmp_path / "cleaned.csv"
    assert main(["clean", "--features", str(features), "--labels", str(labels),
                 "--out", str(cleaned), *FAST]) == 0, capsys.readouterr().err
    model = tmp_path / "au.model"
    assert main(["train", "--features", str(features), "--labels", str(cleaned),
                 "--out", str(model), "--quiet"]) == 0, capsys.readouterr().err
    truth = label_file(tmp_path / "truth.csv", {"AU12": Y[:, 0], "AU4": Y[:, 1]}, ids, fmt)
    metrics = tmp_path / "metrics.parquet"
    assert main(["evaluate", "--model", str(model), "--features", str(features),
                 "--labels", str(truth), "--out", str(metrics)]) == 0, capsys.readouterr().err
    table = pd.read_parquet(metrics)
    assert list(table["au"]) == ["AU12", "AU4", "mean"]
    assert table["f1"].iloc[:2].min() > 0.8


def test_incomplete_store_is_refused_unless_allowed(tmp_path, data, capsys):
    X, _, noisy, ids = data
    store = make_store(tmp_path / "store", X, ids)
    labels = tmp_path / "labels.csv"
    pd.DataFrame({"id": ids, "AU12": noisy[:, 0]}).to_csv(labels, index=False)
    fs.mark_incomplete(store)
    for command in (["clean", "--out", str(tmp_path / "c.csv"), *FAST],
                    ["train", "--out", str(tmp_path / "m.model"), "--quiet"]):
        code = main([command[0], "--features", str(store), "--labels", str(labels), *command[1:]])
        err = capsys.readouterr().err.strip()
        assert code == 2 and "incomplete" in err and len(err.splitlines()) == 1
    code = main(["annotate", "--features", str(store), "--out", str(tmp_path / "a.csv")])
    assert code == 2 and "incomplete" in capsys.readouterr().err
    assert main(["clean", "--features", str(store), "--labels", str(labels), "--out",
                 str(tmp_path / "c.csv"), "--allow-incomplete", *FAST]) == 0


def test_too_few_rows_to_train(tmp_path, data, capsys):
    X, _, noisy, _ = data
    np.save(tmp_path / "f.npy", X[:7])
    pd.DataFrame({"AU12": noisy[:7, 0]}).to_csv(tmp_path / "l.csv", index=False)
    code = main(["train", "--features", str(tmp_path / "f.npy"), "--labels",
                 str(tmp_path / "l.csv"), "--out", str(tmp_path / "m.model"), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "too few" in err and "l.csv" in err
    assert not (tmp_path / "m.model").exists()


def test_rare_au_is_warned_about(tmp_path, data, capsys):
    X, _, noisy, _ = data
    np.save(tmp_path / "f.npy", X)
    rare = np.zeros(N, int)
    rare[0] = 1
    pd.DataFrame({"AU12": noisy[:, 0], "AU9": rare}).to_csv(tmp_path / "l.csv", index=False)
    assert main(["train", "--features", str(tmp_path / "f.npy"), "--labels",
                 str(tmp_path / "l.csv"), "--out", str(tmp_path / "m.model"), "--quiet"]) == 0
    assert "warning: AU9 has 1 example" in capsys.readouterr().err


# -- store writing (no face model needed: undecodable files never reach it) --------------

@pytest.fixture()
def broken_folder(tmp_path):
    pytest.importorskip("cv2", reason="the feature store needs OpenCV: run `make setup`")

    def make(name, files=("a.jpg", "b.jpg")):
        folder = tmp_path / name
        folder.mkdir()
        for f in files:
            (folder / f).write_bytes(b"not an image")
        return folder
    return make


def _extract(folder, store):
    from wsc.features.extract import Settings, extract
    from wsc.io.sources import list_source

    items, _ = list_source(folder)
    return extract(items, store, Settings(model="unused"), processes=1, progress=False)


def test_second_writer_is_refused(broken_folder, tmp_path):
    folder = broken_folder("imgs")
    store = tmp_path / "store"
    with fs.locked(store):
        with pytest.raises(InputError, match="another wsc run is writing"):
            _extract(folder, store)
    counts = _extract(folder, store)
    assert counts["failed"] == 2 and not (store / fs.INCOMPLETE).exists()


def test_killed_run_leaves_the_store_marked_incomplete(broken_folder, tmp_path, monkeypatch):
    folder = broken_folder("imgs")
    store = tmp_path / "store"

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(fs, "write_chunk", killed)
    with pytest.raises(KeyboardInterrupt):
        _extract(folder, store)
    assert (store / fs.INCOMPLETE).exists()
    with pytest.raises(InputError, match="incomplete"):
        fs.check_complete(store)
    monkeypatch.undo()
    _extract(folder, store)
    fs.check_complete(store)


def test_same_names_from_another_folder_are_not_done(broken_folder, tmp_path):
    store = tmp_path / "store"
    _extract(broken_folder("first"), store)
    with pytest.raises(InputError, match="already in the store from"):
        _extract(broken_folder("second"), store)
    assert _extract(tmp_path / "first", store)["skipped"] == 2  # a real rerun resumes


def test_non_utf8_name_is_one_failure(broken_folder, tmp_path):
    folder = broken_folder("imgs")
    with open(os.path.join(os.fsencode(folder), b"caf\xe9.jpg"), "wb") as fh:
        fh.write(b"x")
    store = tmp_path / "store"
    counts = _extract(folder, store)
    assert counts["images"] == 3 and counts["failed"] == 3
    table = fs.read_table(store, ["id", "reason"])
    reasons = dict(zip(table["id"], table["reason"]))
    assert reasons["caf\\xe9.jpg"].startswith("name:") and reasons["a.jpg"].startswith("not-an-image")


# -- the core CLI without the face stack -------------------------------------------------

def test_core_cli_runs_without_the_face_stack(tmp_path, data):
    X, _, noisy, _ = data
    np.save(tmp_path / "f.npy", X)
    pd.DataFrame({"AU12": noisy[:, 0]}).to_csv(tmp_path / "l.csv", index=False)
    script = (
        "import sys\n"
        "for name in ('cv2', 'mediapipe', 'PIL', 'skimage'):\n"
        "    sys.modules[name] = None  # importing any of them now fails\n"
        "from wsc.cli import main\n"
        "assert main(['clean', '--help']) == 0\n"
        f"assert main(['clean', '--features', {str(tmp_path / 'f.npy')!r}, '--labels', "
        f"{str(tmp_path / 'l.csv')!r}, '--out', {str(tmp_path / 'o.csv')!r}, *{FAST!r}]) == 0\n"
        f"assert main(['train', '--features', {str(tmp_path / 'f.npy')!r}, '--labels', "
        f"{str(tmp_path / 'o.csv')!r}, '--out', {str(tmp_path / 'm.model')!r}, '--quiet']) == 0\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "o.csv").exists() and (tmp_path / "m.model").exists()


def test_damaged_store_chunk_is_named(tmp_path, data, capsys):
    X, _, noisy, ids = data
    store = make_store(tmp_path / "store", X, ids)
    chunk = sorted((store / "chunks").glob("part-*.parquet"))[1]
    chunk.write_bytes(chunk.read_bytes()[:100])
    labels = tmp_path / "labels.csv"
    pd.DataFrame({"id": ids, "AU12": noisy[:, 0]}).to_csv(labels, index=False)
    code = main(["clean", "--features", str(store), "--labels", str(labels), "--out",
                 str(tmp_path / "c.csv"), *FAST])
    err = capsys.readouterr().err.strip()
    assert code == 2 and chunk.name in err and len(err.splitlines()) == 1
