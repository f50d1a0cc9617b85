"""The model file: numbers and JSON only, so opening one can never run code.

A model file is a NumPy .npz archive read with `allow_pickle=False`: one JSON entry
(`meta`: format, version, AU names, feature configuration, extraction settings, run info
and the layout of each AU's classifier) and plain numeric arrays (scaler, weights, tree
nodes, calibration, thresholds, the store's transform). Anything else, a pickle included,
is refused with one line before any of it is interpreted.

Loaded classifiers score with the saved arrays (`ArrayScorer`), exactly as the fitted
scikit-learn models they came from (a test checks it per classifier kind).
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
from scipy.special import expit, logit
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from wsc.classifiers.calibration import PlattCalibrator
from wsc.errors import InputError
from wsc.outputs import atomic_path

FORMAT = "wsc-au-classifier"
VERSION = 2
META = "meta"


class ArrayScorer:
    """A trained base classifier as arrays: `decision_function` gives the same scores as
    the scikit-learn model it was made from (see `wsc.classifiers.base.scores`).

    kind 'linear': z-scoring then a linear map; 'mlp': z-scoring then ReLU layers with a
    logistic output (scored as the clipped log-odds, as `scores` does for the MLP);
    'trees': a sum of regression trees plus a baseline (gradient boosting)."""

    def __init__(self, kind: str, arrays: dict[str, np.ndarray]) -> None:
        self.kind = kind
        self.arrays = arrays

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        a = self.arrays
        if self.kind == "trees":
            return _tree_scores(a, np.asarray(X, dtype=np.float64))
        Z = np.asarray(X, dtype=np.float64)
        if "mean" in a:
            Z = (Z - a["mean"]) / a["scale"]
        if self.kind == "linear":
            return Z @ a["coef"] + a["intercept"]
        n_layers = sum(k.startswith("w") for k in a)
        for k in range(n_layers):
            Z = Z @ a[f"w{k}"] + a[f"b{k}"]
            if k < n_layers - 1:
                Z = np.maximum(Z, 0.0)
        return logit(np.clip(expit(Z[:, 0]), 1e-7, 1 - 1e-7))


def _tree_scores(a: dict[str, np.ndarray], X: np.ndarray) -> np.ndarray:
    """Baseline plus every tree's leaf value, all rows walked down a tree at once."""
    out = np.full(X.shape[0], float(a["baseline"].ravel()[0]))
    rows = np.arange(X.shape[0])
    for start in a["roots"]:
        node = np.full(X.shape[0], start, dtype=np.int64)
        while True:
            inner = ~a["is_leaf"][node]
            if not inner.any():
                break
            x = X[rows, a["feature"][node]]
            left = np.where(np.isnan(x), a["missing_left"][node], x <= a["threshold"][node])
            node = np.where(inner, np.where(left, a["left"][node], a["right"][node]), node)
        out += a["value"][node]
    return out


def _scaler_arrays(steps) -> dict[str, np.ndarray]:
    scaler = steps[0]
    if not isinstance(scaler, StandardScaler):
        raise TypeError(f"cannot save a {type(scaler).__name__} step")
    return {"mean": scaler.mean_, "scale": scaler.scale_}


def to_arrays(model) -> tuple[str, dict[str, np.ndarray]]:
    """A fitted base classifier (or an ArrayScorer) as (kind, arrays)."""
    if isinstance(model, ArrayScorer):
        return model.kind, model.arrays
    steps = [s for _, s in model.steps] if hasattr(model, "steps") else [model]
    last = steps[-1]
    if isinstance(last, LogisticRegression):
        arrays = _scaler_arrays(steps) if len(steps) > 1 else {}
        return "linear", {**arrays, "coef": last.coef_[0], "intercept": last.intercept_[:1]}
    if isinstance(last, MLPClassifier):
        if last.activation != "relu" or last.out_activation_ != "logistic":
            raise TypeError("only ReLU MLPs with a logistic output can be saved")
        arrays = _scaler_arrays(steps) if len(steps) > 1 else {}
        for k, (w, b) in enumerate(zip(last.coefs_, last.intercepts_)):
            arrays[f"w{k}"], arrays[f"b{k}"] = w, b
        return "mlp", arrays
    if isinstance(last, HistGradientBoostingClassifier):
        return "trees", _tree_arrays(last)
    raise TypeError(f"cannot save a {type(last).__name__}")


def _tree_arrays(model: HistGradientBoostingClassifier) -> dict[str, np.ndarray]:
    """Every tree's nodes, concatenated, with child indices made global."""
    fields = {k: [] for k in ("value", "feature", "threshold", "missing_left", "left", "right",
                              "is_leaf")}
    roots, offset = [], 0
    for (predictor,) in model._predictors:  # binary: one tree per iteration
        nodes = predictor.nodes
        if nodes["is_categorical"].any():
            raise TypeError("trees with categorical splits cannot be saved")
        roots.append(offset)
        fields["value"].append(nodes["value"])
        fields["feature"].append(nodes["feature_idx"].astype(np.int64))
        fields["threshold"].append(nodes["num_threshold"])
        fields["missing_left"].append(nodes["missing_go_to_left"].astype(bool))
        fields["left"].append(nodes["left"].astype(np.int64) + offset)
        fields["right"].append(nodes["right"].astype(np.int64) + offset)
        fields["is_leaf"].append(nodes["is_leaf"].astype(bool))
        offset += len(nodes)
    arrays = {k: np.concatenate(v) if v else np.zeros(0) for k, v in fields.items()}
    arrays["roots"] = np.asarray(roots, dtype=np.int64)
    arrays["baseline"] = np.asarray(model._baseline_prediction, dtype=np.float64).ravel()[:1]
    return arrays


def save_model(path: str | Path, classifier, au_names: list[str], feature_config: dict,
               extraction: dict | None = None, info: dict | None = None) -> None:
    """Write the model file atomically; `extraction` (store settings and transform)
    enables predicting on new images."""
    arrays: dict[str, np.ndarray] = {}
    models = []
    for j, (model, calibrator) in enumerate(zip(classifier.models_, classifier.calibrators_)):
        if model is None:
            models.append(None)
            continue
        kind, parts = to_arrays(model)
        for key, value in parts.items():
            arrays[f"au{j}/{key}"] = np.asarray(value)
        models.append({"kind": kind, "keys": sorted(parts), "a": calibrator.a_,
                       "b": calibrator.b_})
    for name in ("thresholds_", "validation_f1_", "prevalence_", "n_labelled_"):
        arrays[f"classifier/{name}"] = np.asarray(getattr(classifier, name))
    transform = None
    if extraction is not None:
        transform = sorted(extraction["transform"])
        for key, value in extraction["transform"].items():
            arrays[f"transform/{key}"] = np.asarray(value)
    meta = {"format": FORMAT, "version": VERSION, "au_names": list(au_names),
            "feature_config": feature_config, "info": info or {},
            "extraction": None if extraction is None else {"settings": extraction["settings"],
                                                           "transform": transform},
            "classifier": {"kind": classifier.kind, "n_folds": classifier.n_folds,
                           "random_state": classifier.random_state,
                           "n_features_in": int(classifier.n_features_in_),
                           "n_outputs": int(classifier.n_outputs_), "models": models}}
    arrays[META] = np.array(json.dumps(meta, default=_json_default))
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)


def _json_default(value):
    """numpy scalars in the metadata as plain numbers."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def load_model(path: str | Path) -> dict:
    """The model written by `save_model` (format, au_names, feature_config, extraction,
    info, classifier); an InputError for any other file, without interpreting it."""
    from wsc.classifiers.estimator import AUClassifier

    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise InputError("model file not found", file=name)
    if not zipfile.is_zipfile(path):
        old = path.read_bytes()[:2] in (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05")
        raise InputError("not a wsc model file" + (
            " (it is a pickle: pickles can run code and are never opened; retrain the model "
            "with this version of wsc)" if old else ""), file=name)
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        meta = json.loads(str(arrays.pop(META)))
    except (ValueError, KeyError, OSError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
        raise InputError(f"not a wsc model file ({str(exc).splitlines()[0][:80]})",
                         file=name) from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise InputError("not a wsc model file", file=name)
    for key, value in arrays.items():
        if value.dtype.kind not in "biuf":
            raise InputError(f"damaged wsc model file (entry {key!r} is not numeric)", file=name)
    if not isinstance(meta.get("version"), int) or meta["version"] > VERSION:
        raise InputError(f"model file version {meta.get('version')} is newer than this wsc "
                         f"reads ({VERSION}); upgrade wsc", file=name)
    if meta["version"] < VERSION:
        raise InputError(f"model file version {meta['version']} is no longer read; retrain "
                         "the model", file=name)
    try:
        c = meta["classifier"]
        clf = AUClassifier(kind=c["kind"], n_folds=c["n_folds"], random_state=c["random_state"])
        clf.n_features_in_, clf.n_outputs_ = int(c["n_features_in"]), int(c["n_outputs"])
        for attr in ("thresholds_", "validation_f1_", "prevalence_", "n_labelled_"):
            value = arrays[f"classifier/{attr}"]
            if value.shape != (clf.n_outputs_,):
                raise ValueError(f"{attr} has shape {value.shape}")
            setattr(clf, attr, value)
        clf.models_, clf.calibrators_ = [], []
        for j, entry in enumerate(c["models"]):
            if entry is None:
                clf.models_.append(None)
                clf.calibrators_.append(None)
                continue
            if entry["kind"] not in ("linear", "mlp", "trees"):
                raise ValueError(f"unknown classifier kind {entry['kind']!r}")
            parts = {k: arrays[f"au{j}/{k}"] for k in entry["keys"]}
            clf.models_.append(ArrayScorer(entry["kind"], parts))
            cal = PlattCalibrator()
            cal.a_, cal.b_ = float(entry["a"]), float(entry["b"])
            clf.calibrators_.append(cal)
        if len(clf.models_) != clf.n_outputs_ or len(meta["au_names"]) != clf.n_outputs_:
            raise ValueError("AU count does not match")
        extraction = meta["extraction"]
        if extraction is not None:
            extraction = {"settings": extraction["settings"],
                          "transform": {k: arrays[f"transform/{k}"]
                                        for k in extraction["transform"]}}
            t = extraction["transform"]
            width = t["mean"].shape[0]
            if t["components"].shape != (clf.n_features_in_, width) or any(
                    t[k].shape != (width,) for k in ("scale", "weight", "pca_mean")):
                raise ValueError("the transform's shapes do not match the classifier")
        clf.predict_proba(np.zeros((1, clf.n_features_in_), np.float32))  # shapes agree
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise InputError(f"damaged wsc model file ({type(exc).__name__}: "
                         f"{str(exc).splitlines()[0][:80] if str(exc) else ''})",
                         file=name) from None
    return {"format": FORMAT, "version": meta["version"], "au_names": meta["au_names"],
            "feature_config": meta["feature_config"], "extraction": extraction,
            "classifier": clf, "info": meta["info"]}

