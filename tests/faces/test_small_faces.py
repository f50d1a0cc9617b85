"""The small-image rule: thumbnails are padded and upscaled before detection, and the faces
come back in the original image's pixels."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

FER = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "fer_dev.npz"


def test_enlarge_small_geometry():
    cv2 = pytest.importorskip("cv2")
    from wsc.faces.analyzer import UPSCALED_SIDE, enlarge_small

    rgb = np.zeros((48, 40, 3), np.uint8)
    rgb[10, 20] = 255
    big, scale, pad = enlarge_small(rgb)
    assert pad == 24 and min(big.shape[:2]) == UPSCALED_SIDE
    y, x = np.unravel_index(big[..., 0].argmax(), big.shape[:2])
    # original = enlarged / scale - pad, to within the bicubic kernel's reach
    assert abs(x / scale - pad - 20) <= 1 and abs(y / scale - pad - 10) <= 1
    assert big[0, 0, 0] == 127 and cv2 is not None


def _thumbnail(astronaut: np.ndarray) -> np.ndarray:
    """The astronaut's face cropped tight and shrunk to 48 x 48 grey, as FER2013 stores faces."""
    import cv2

    crop = astronaut[20:200, 150:330]
    grey = cv2.cvtColor(cv2.resize(crop, (48, 48), interpolation=cv2.INTER_AREA),
                        cv2.COLOR_RGB2GRAY)
    return np.repeat(grey[:, :, None], 3, axis=2)


def test_rule_finds_a_tight_48px_face_in_its_own_pixels(astronaut, model_path):
    from wsc.faces.analyzer import FaceAnalyzer

    small = _thumbnail(astronaut)
    with_rule = FaceAnalyzer(model_path)
    faces = with_rule.faces(small)
    with_rule.close()
    assert len(faces) == 1
    pts = faces[0].landmarks[:, :2]
    # landmarks in the 48 px image's coordinates, on the face (not on the grey padding)
    assert pts.min() > -8 and pts.max() < 56
    assert 10 < pts[:, 0].mean() < 38 and 10 < pts[:, 1].mean() < 38
    x, y, w, h = faces[0].box
    assert 15 < w < 60 and 15 < h < 60


@pytest.mark.skipif(not FER.is_file(), reason="fer_dev.npz not in ../shared/data (real faces "
                                              "are kept outside the repository)")
def test_rule_raises_the_detection_rate_on_real_48px_faces(model_path):
    from wsc.faces.analyzer import FaceAnalyzer

    with np.load(FER) as d:
        images = d["images"][:150]
    rgb = [np.repeat(im[:, :, None], 3, axis=2) for im in images]
    rates = {}
    for side in (0, 128):
        analyzer = FaceAnalyzer(model_path, small_side=side)
        rates[side] = np.mean([bool(analyzer.faces(im)) for im in rgb])
        analyzer.close()
    assert rates[128] >= 0.95 and rates[128] > rates[0]


def test_face_hog_block_width_matches_its_declaration():
    pytest.importorskip("cv2")
    from wsc.faces.landmarks import BLENDSHAPE_NAMES, N_LANDMARKS
    from wsc.features.blocks import BLOCKS, AlignedFace, block_slices, feature_vector

    rng = np.random.default_rng(0)
    face = AlignedFace(rng.integers(0, 255, (128, 128), dtype=np.uint8),
                       rng.uniform(20, 108, (N_LANDMARKS, 2)).astype(np.float32),
                       rng.random(len(BLENDSHAPE_NAMES)).astype(np.float32))
    vec = feature_vector(face, ["geometry", "face_hog"])
    assert vec.shape == (block_slices(["geometry", "face_hog"])["face_hog"][1],)
    assert np.isfinite(vec).all() and vec[-BLOCKS["face_hog"][1]:].std() > 0
