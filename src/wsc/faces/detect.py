"""Face detection with MediaPipe's BlazeFace, taken from the Face Landmarker bundle.

BlazeFace (short range) sees its input at 128 x 128, so small faces in large photos are
missed on a whole-image pass; a second pass over overlapping half-size tiles finds them.
Chosen over OpenCV Haar and dlib HOG by measurement (docs/faces.md).
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

MIN_CONFIDENCE = 0.5


def nms(boxes: np.ndarray, scores: np.ndarray, iou: float = 0.3) -> np.ndarray:
    """Indices of boxes (x, y, w, h) kept by greedy non-maximum suppression, best first."""
    if len(boxes) == 0:
        return np.zeros(0, dtype=int)
    x1, y1 = boxes[:, 0], boxes[:, 1]
    x2, y2 = x1 + boxes[:, 2], y1 + boxes[:, 3]
    area = boxes[:, 2] * boxes[:, 3]
    order = np.argsort(-scores)
    keep = []
    while len(order):
        i, rest = order[0], order[1:]
        keep.append(i)
        inter = (np.clip(np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]), 0, None)
                 * np.clip(np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]), 0, None))
        overlap = inter / (area[i] + area[rest] - inter)
        # a box mostly inside a better one (a face cut by a tile edge) is dropped too
        inside = inter / np.minimum(area[i], area[rest])
        order = rest[(overlap <= iou) & (inside <= 0.6)]
    return np.asarray(keep, dtype=int)


class FaceDetector:
    """Face boxes (x, y, w, h in pixels) and scores for an RGB image."""

    def __init__(self, model: Path, min_confidence: float = MIN_CONFIDENCE) -> None:
        from mediapipe.tasks.python import BaseOptions, vision

        with zipfile.ZipFile(model) as bundle:
            tflite = bundle.read("face_detector.tflite")
        options = vision.FaceDetectorOptions(base_options=BaseOptions(model_asset_buffer=tflite),
                                             min_detection_confidence=min_confidence)
        self._detector = vision.FaceDetector.create_from_options(options)

    def _pass(self, rgb: np.ndarray, x0: int = 0, y0: int = 0) -> list[tuple[float, ...]]:
        import mediapipe as mp

        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        found = []
        for det in self._detector.detect(image).detections:
            b = det.bounding_box
            found.append((x0 + b.origin_x, y0 + b.origin_y, b.width, b.height,
                          det.categories[0].score if det.categories else 1.0))
        return found

    def detect(self, rgb: np.ndarray, tiles: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Boxes (n, 4) and scores (n,); `tiles` adds a half-size tiled pass for small faces."""
        found = self._pass(rgb)
        if tiles:
            h, w = rgb.shape[:2]
            size = max(h, w) // 2
            step = max(1, size // 2)
            for y in range(0, max(h - size, 0) + 1, step):
                for x in range(0, max(w - size, 0) + 1, step):
                    found += self._pass(rgb[y:y + size, x:x + size], x, y)
        if not found:
            return np.zeros((0, 4), np.float32), np.zeros(0, np.float32)
        arr = np.asarray(found, dtype=np.float32)
        keep = nms(arr[:, :4], arr[:, 4])
        return arr[keep, :4], arr[keep, 4]

    def close(self) -> None:
        """Release the MediaPipe graph."""
        self._detector.close()
