"""Detection, landmarks, alignment and AU proxies on real photos."""
from __future__ import annotations

import numpy as np

from wsc.faces.align import TEMPLATE, align, anchor_points, similarity
from wsc.features.au_proxies import AU_ORDER, au_proxies
from wsc.io.images import decode_image


def test_similarity_recovers_a_known_transform():
    rng = np.random.default_rng(0)
    src = rng.normal(size=(5, 2)) * 50
    angle, scale, shift = 0.3, 1.7, np.array([10.0, -4.0])
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    m = similarity(src, src @ (scale * rot).T + shift)
    np.testing.assert_allclose(m, np.c_[scale * rot, shift], atol=1e-9)


def test_all_five_faces_in_multi_face_photo(pyfeat, model_path):
    from wsc.faces.analyzer import FaceAnalyzer

    every = FaceAnalyzer(model_path, all_faces=True)
    faces = every.faces(decode_image(pyfeat / "multi_face.jpg"))
    every.close()
    assert len(faces) == 5
    centres = np.array([f.box[:2] + f.box[2:] / 2 for f in faces])
    gaps = np.linalg.norm(centres[:, None] - centres[None], axis=-1) + np.eye(5) * 1e9
    assert gaps.min() > 50  # five distinct faces, not duplicates


def test_landmarks_are_plausibly_placed(pyfeat, analyzer):
    rgb = decode_image(pyfeat / "multi_face.jpg")
    boxes, scores = analyzer.detector.detect(rgb, tiles=True)
    assert len(boxes) >= 5
    for box in boxes:
        face = analyzer.landmarker.on_box(rgb, box)
        eye_l, eye_r, nose, mouth_l, mouth_r = anchor_points(face.landmarks)
        eyes_y, mouth_y = (eye_l[1] + eye_r[1]) / 2, (mouth_l[1] + mouth_r[1]) / 2
        assert eyes_y < nose[1] < mouth_y
        assert eye_l[0] < eye_r[0] and mouth_l[0] < mouth_r[0]
        x, y, w, h = box
        pts = np.stack([eye_l, eye_r, nose, mouth_l, mouth_r])
        assert ((pts >= [x, y]) & (pts <= [x + w, y + h])).all()


def test_largest_face_is_default(pyfeat, analyzer):
    faces = analyzer.faces(decode_image(pyfeat / "multi_face.jpg"))
    assert len(faces) == 1 and faces[0].landmarks.shape == (478, 3)


def test_no_face_in_landscape(pyfeat, analyzer):
    assert analyzer.faces(decode_image(pyfeat / "free-mountain-vector-01.jpg")) == []


def test_alignment_puts_anchors_on_the_template(astronaut, analyzer):
    face = analyzer.faces(astronaut)[0]
    crop, _, points = align(astronaut, face.landmarks)
    assert crop.shape == (128, 128, 3)
    err = np.linalg.norm(anchor_points(np.c_[points, np.zeros(len(points))]) - TEMPLATE, axis=1)
    assert err.mean() < 5


def test_smiling_astronaut_has_the_smile_proxy(astronaut, analyzer):
    face = analyzer.faces(astronaut)[0]
    labels = au_proxies(face.blendshapes[None], face.landmarks[None])
    assert list(labels.columns) == list(AU_ORDER)
    assert labels.loc[0, "AU12"] == 1 and labels.loc[0, "AU15"] == 0
