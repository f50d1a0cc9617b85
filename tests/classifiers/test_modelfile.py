"""Model files hold numbers and JSON only: a loaded model scores as the fitted one, and a
pickle (or any other file) is refused without being interpreted."""
from __future__ import annotations

import json
import pickle
import zipfile

import numpy as np
import pytest

from wsc.classifiers import AUClassifier, load_model, save_model
from wsc.cli import main
from wsc.errors import InputError


def _data(seed=0, n=240, d=6):
    rng = np.random.default_rng(seed)
    Y = (rng.random((n, 2)) < [0.3, 0.5]).astype(int)
    X = rng.standard_normal((n, d)).astype(np.float32)
    X[:, 0] += 2.0 * Y[:, 0]
    X[:, 1] += 2.0 * Y[:, 1]
    Y[:5, 0] = -1
    return X, Y


@pytest.mark.parametrize("kind", ["linear", "boosting", "mlp"])
def test_loaded_model_scores_as_the_fitted_one(tmp_path, kind):
    X, Y = _data()
    clf = AUClassifier(kind=kind, n_folds=2).fit(X, Y)
    path = tmp_path / "au.model"
    save_model(path, clf, ["AU1", "AU12"], {"kind": "table", "n_features": 6, "columns": None},
               info={"classifier": kind})
    model = load_model(path)
    loaded = model["classifier"]
    X_new = _data(seed=1)[0]
    assert np.allclose(loaded.predict_proba(X_new), clf.predict_proba(X_new), atol=1e-6)
    assert np.array_equal(loaded.predict(X_new), clf.predict(X_new))
    assert model["au_names"] == ["AU1", "AU12"] and model["info"]["classifier"] == kind
    assert zipfile.is_zipfile(path)
    assert not list(tmp_path.glob(".*.tmp"))


class _Payload:
    """Unpickling this would create the marker file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_crafted_pickle_is_refused_without_running(tmp_path, capsys):
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.model"
    evil.write_bytes(pickle.dumps({"format": "wsc-au-classifier", "x": _Payload(marker)},
                                  protocol=4))
    with pytest.raises(InputError, match="pickle"):
        load_model(evil)
    assert not marker.exists()
    features = tmp_path / "f.npy"
    np.save(features, _data()[0])
    for command in (["evaluate", "--labels", str(features)], ["predict", "--images", str(tmp_path),
                                                              "--out", str(tmp_path / "p.csv")]):
        code = main([command[0], "--model", str(evil), "--features", str(features), *command[1:]]
                    if command[0] == "evaluate" else [command[0], "--model", str(evil),
                                                      *command[1:]])
        err = capsys.readouterr().err.strip()
        assert code == 2 and len(err.splitlines()) == 1 and "evil.model" in err
        assert not marker.exists()


def test_npz_with_an_object_array_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "obj.model"
    meta = {"format": "wsc-au-classifier", "version": 2}
    with open(path, "wb") as fh:
        np.savez(fh, meta=np.array(json.dumps(meta)),
                 evil=np.array([_Payload(marker)], dtype=object))
    with pytest.raises(InputError, match="model file"):
        load_model(path)
    assert not marker.exists()


@pytest.mark.parametrize("content", [b"", b"not a model", b"PK\x03\x04broken zip"])
def test_junk_is_not_a_model_file(tmp_path, content):
    path = tmp_path / "junk.model"
    path.write_bytes(content)
    with pytest.raises(InputError, match="not a wsc model file"):
        load_model(path)


def test_damaged_and_newer_model_files(tmp_path):
    X, Y = _data()
    clf = AUClassifier(n_folds=2).fit(X, Y)
    good = tmp_path / "good.model"
    save_model(good, clf, ["AU1", "AU12"], {"kind": "table", "n_features": 6, "columns": None})
    with np.load(good, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    meta = json.loads(str(arrays["meta"]))
    for name, edit in [("newer", lambda m, a: m.update(version=99)),
                       ("shape", lambda m, a: a.update({"au0/coef": np.zeros(3)})),
                       ("missing", lambda m, a: a.pop("classifier/thresholds_"))]:
        m, a = json.loads(json.dumps(meta)), dict(arrays)
        edit(m, a)
        a["meta"] = np.array(json.dumps(m))
        path = tmp_path / f"{name}.model"
        with open(path, "wb") as fh:
            np.savez(fh, **a)
        with pytest.raises(InputError, match="newer" if name == "newer" else "damaged"):
            load_model(path)
