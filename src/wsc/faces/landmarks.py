"""Landmarks and blendshapes with the MediaPipe Face Landmarker, run on one face crop."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

BLENDSHAPE_NAMES = (
    "_neutral", "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft",
    "browOuterUpRight", "cheekPuff", "cheekSquintLeft", "cheekSquintRight", "eyeBlinkLeft",
    "eyeBlinkRight", "eyeLookDownLeft", "eyeLookDownRight", "eyeLookInLeft", "eyeLookInRight",
    "eyeLookOutLeft", "eyeLookOutRight", "eyeLookUpLeft", "eyeLookUpRight", "eyeSquintLeft",
    "eyeSquintRight", "eyeWideLeft", "eyeWideRight", "jawForward", "jawLeft", "jawOpen",
    "jawRight", "mouthClose", "mouthDimpleLeft", "mouthDimpleRight", "mouthFrownLeft",
    "mouthFrownRight", "mouthFunnel", "mouthLeft", "mouthLowerDownLeft", "mouthLowerDownRight",
    "mouthPressLeft", "mouthPressRight", "mouthPucker", "mouthRight", "mouthRollLower",
    "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper", "mouthSmileLeft", "mouthSmileRight",
    "mouthStretchLeft", "mouthStretchRight", "mouthUpperUpLeft", "mouthUpperUpRight",
    "noseSneerLeft", "noseSneerRight")
N_LANDMARKS = 478
CROP_SIDE = 256  # the landmark model's own input size


@dataclass
class Face:
    """One face: box (x, y, w, h) and landmarks (478, 3) in image pixels, 52 blendshapes."""

    box: np.ndarray
    landmarks: np.ndarray
    blendshapes: np.ndarray
    score: float


def square_crop(box: np.ndarray, scale: float = 2.0) -> tuple[float, float, float]:
    """A square (x0, y0, side) around a detector box, `scale` times its larger side."""
    x, y, w, h = (float(v) for v in box)
    side = scale * max(w, h)
    return x + w / 2 - side / 2, y + h / 2 - side / 2, side


class Landmarker:
    """MediaPipe Face Landmarker in image mode on face crops resized to 256 x 256."""

    def __init__(self, model: Path) -> None:
        from mediapipe.tasks.python import BaseOptions, vision

        options = vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model)), num_faces=1,
            output_face_blendshapes=True, min_face_detection_confidence=0.3,
            min_face_presence_confidence=0.3)
        self._landmarker = vision.FaceLandmarker.create_from_options(options)

    def on_box(self, rgb: np.ndarray, box: np.ndarray, score: float = 1.0) -> Face | None:
        """Landmarks of the face in `box`, or None when the model finds no face there."""
        import mediapipe as mp

        x0, y0, side = square_crop(box)
        k = CROP_SIDE / side
        # crop, pad and resize in one warp: out-of-image parts become grey
        warp = np.float32([[k, 0, -x0 * k], [0, k, -y0 * k]])
        crop = cv2.warpAffine(rgb, warp, (CROP_SIDE, CROP_SIDE), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=(127, 127, 127))
        result = self._landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=crop))
        if not result.face_landmarks:
            return None
        pts = np.array([(p.x, p.y, p.z) for p in result.face_landmarks[0]], dtype=np.float32)
        pts *= CROP_SIDE / k  # normalised crop coordinates -> image pixels (z scales with x)
        pts[:, 0] += x0
        pts[:, 1] += y0
        shapes = np.array([c.score for c in result.face_blendshapes[0]], dtype=np.float32)
        lo, hi = pts[:, :2].min(0), pts[:, :2].max(0)
        return Face(np.r_[lo, hi - lo].astype(np.float32), pts, shapes, float(score))

    def close(self) -> None:
        """Release the MediaPipe graph."""
        self._landmarker.close()
