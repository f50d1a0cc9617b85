"""Adapter to the face front end: faces of new images with their detector confidence.

`wsc.features.extract.face_rows` does not keep the detector score, which predictions
report; this mirrors it (same alignment and feature blocks) and adds `confidence`."""
from __future__ import annotations

import numpy as np

from wsc.features.extract import Settings, _analyzer, _inputs
from wsc.io.sources import Item


def _faces(rgb: np.ndarray, settings: Settings) -> list[dict]:
    """Box, detector confidence and raw feature vector of every face, largest first."""
    import cv2

    from wsc.faces.align import align
    from wsc.features.blocks import AlignedFace, feature_vector

    rows = []
    for face in _analyzer(settings).faces(rgb):
        crop, _, points = align(rgb, face.landmarks, settings.align_size)
        grey = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
        vec = feature_vector(AlignedFace(grey, points * (128 / settings.align_size),
                                         face.blendshapes), settings.blocks)
        rows.append({"box": np.asarray(face.box, float), "confidence": float(face.score),
                     "features": vec})
    return rows


def face_records(items: list[Item], settings: Settings) -> list[dict]:
    """One record per face (face index k), or one failure record (face -1) with a reason."""
    out: list[dict] = []
    for it, rgb in _inputs(items, settings):
        found: list[dict] = []
        if isinstance(rgb, np.ndarray):
            try:
                found = _faces(rgb, settings)
            except Exception as exc:  # one bad image must not stop the run
                rgb = f"faces: {type(exc).__name__}: {exc}"
        if isinstance(rgb, str) or not found:
            out.append({"id": it.id, "source": it.source, "face": -1, "success": False,
                        "reason": rgb if isinstance(rgb, str) else "no-face: none detected"})
        out.extend({"id": it.id, "source": it.source, "face": k, "success": True, "reason": "",
                    **row} for k, row in enumerate(found))
    return out
