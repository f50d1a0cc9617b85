"""Faces in an image: detector boxes, then landmarks on each box's crop."""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator

import numpy as np

from wsc.faces.detect import FaceDetector, nms
from wsc.faces.landmarks import Face, Landmarker
from wsc.faces.model import find_landmarker_model


@contextlib.contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """Silence the C++ start-up chatter MediaPipe/LiteRT print straight to file descriptor 2."""
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class FaceAnalyzer:
    """Largest face (default) or every face of an RGB image, largest first."""

    def __init__(self, model: str | Path | None = None, all_faces: bool = False) -> None:
        path = find_landmarker_model(model)
        self.all_faces = all_faces
        with _quiet_native_stderr():
            self.detector = FaceDetector(path)
            self.landmarker = Landmarker(path)
            blank = np.full((256, 256, 3), 127, np.uint8)  # first inference logs too
            self.detector.detect(blank)
            self.landmarker.on_box(blank, np.array([64, 64, 128, 128], np.float32))

    def faces(self, rgb: np.ndarray) -> list[Face]:
        """Faces found, largest first; the tiled small-face pass runs for every-face mode
        and, for the largest face, only when the whole-image pass finds nothing."""
        boxes, scores = self.detector.detect(rgb, tiles=self.all_faces)
        if len(boxes) == 0 and not self.all_faces:
            boxes, scores = self.detector.detect(rgb, tiles=True)
        order = np.argsort(-(boxes[:, 2] * boxes[:, 3]), kind="stable")
        found: list[Face] = []
        for i in order:
            face = self.landmarker.on_box(rgb, boxes[i], float(scores[i]))
            if face is None:
                continue
            found.append(face)
            if not self.all_faces:
                break
        if len(found) > 1:  # two detector boxes on one face give one landmark set
            keep = nms(np.stack([f.box for f in found]), np.array([f.score for f in found]), 0.4)
            found = [found[i] for i in sorted(keep)]
        return found

    def close(self) -> None:
        """Release the MediaPipe graphs."""
        with _quiet_native_stderr():
            self.detector.close()
            self.landmarker.close()
