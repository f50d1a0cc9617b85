"""Predicting AUs on new images: the model's saved feature extraction, then its classifiers.

Output columns (OpenFace-like): id, source, face_id, success, confidence, reason, face_x,
face_y, face_width, face_height, then per AU `AUnn_c` (0/1 presence at the tuned threshold)
and `AUnn_prob` (calibrated probability); failure rows have success 0 and empty AU cells."""
from __future__ import annotations

import multiprocessing as mp
from functools import partial
from typing import Iterator

import numpy as np
import pandas as pd

from wsc.classifiers.data import openface_name
from wsc.features.extract import process_chunk
from wsc.errors import InputError
from wsc.features.extract import Settings
from wsc.io.sources import Item

BOX = ("face_x", "face_y", "face_width", "face_height")


def extraction_settings(model: dict, landmarker: str | None = None,
                        all_faces: bool = True) -> Settings:
    """Settings that extract features exactly as the model's training store did;
    `landmarker` is the model file (default: found as `wsc features` finds it)."""
    from wsc.features.extract import landmarker_path

    if model.get("extraction") is None:
        raise InputError("this model was trained on a feature table, not a feature store, so "
                         "it cannot extract features from images; train it on a store")
    saved = model["extraction"]["settings"]
    return Settings(model=landmarker_path(landmarker), all_faces=all_faces,
                    blocks=tuple(saved["blocks"]), align_size=saved["align_size"],
                    pca=saved["pca"], seed=saved["seed"])


def record_chunks(items: list[Item], settings: Settings, processes: int,
             chunk_size: int = 16) -> Iterator[list[dict]]:
    """Face records per chunk of items, in-process or in a process pool, in input order."""
    chunks = [items[i:i + chunk_size] for i in range(0, len(items), chunk_size)]
    if processes <= 1:
        for chunk in chunks:
            yield process_chunk(chunk, settings)
        return
    with mp.get_context("spawn").Pool(processes) as pool:
        yield from pool.imap(partial(process_chunk, settings=settings), chunks)


def predictions(records: list[dict], model: dict) -> pd.DataFrame:
    """The output table for face records: transform features, classify, lay out columns."""
    from wsc.features import transform

    clf = model["classifier"]
    ok = [r for r in records if r["success"]]
    proba = np.empty((0, len(model["au_names"])))
    if ok:
        X = transform.apply(model["extraction"]["transform"], np.stack([r["features"] for r in ok]))
        proba = clf.predict_proba(X)
    rows, k = [], 0
    for r in records:
        row = {"id": r["id"], "source": r["source"], "face_id": r["face"],
               "success": int(r["success"]), "confidence": round(r.get("confidence", 0.0), 4),
               "reason": r["reason"]}
        box = r.get("box", [np.nan] * 4)
        row.update({name: round(float(v), 1) for name, v in zip(BOX, box)})
        for j, au in enumerate(model["au_names"]):
            name = openface_name(au)
            if r["success"]:
                row[f"{name}_c"] = int(proba[k, j] >= clf.thresholds_[j])
                row[f"{name}_prob"] = round(float(proba[k, j]), 4)
            else:
                row[f"{name}_c"], row[f"{name}_prob"] = None, None
        k += bool(r["success"])
        rows.append(row)
    table = pd.DataFrame(rows)
    for au in model["au_names"]:
        table[f"{openface_name(au)}_c"] = table[f"{openface_name(au)}_c"].astype("Int8")
    return table
