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

# Small-image rule: an image whose shorter side is under SMALL_SIDE pixels (a face thumbnail
# such as FER2013's 48 x 48 crops) is padded with mid-grey by PAD_FRACTION of its longer side
# on every side, so the face fills about half the frame as BlazeFace expects, then upscaled
# (bicubic) so its shorter side is UPSCALED_SIDE; boxes and landmarks are mapped back to the
# original pixels. Measured on FER2013 faces in docs/faces.md (benchmarks/bench_small_faces.py).
SMALL_SIDE = 128
PAD_FRACTION = 0.5
UPSCALED_SIDE = 192
PAD_GREY = 127


def enlarge_small(rgb: np.ndarray, pad_fraction: float = PAD_FRACTION,
                  side: int = UPSCALED_SIDE) -> tuple[np.ndarray, float, int]:
    """The padded, upscaled image with its scale and pad: original = enlarged / scale - pad."""
    import cv2

    pad = int(round(pad_fraction * max(rgb.shape[:2])))
    padded = cv2.copyMakeBorder(rgb, pad, pad, pad, pad, cv2.BORDER_CONSTANT,
                                value=(PAD_GREY, PAD_GREY, PAD_GREY))
    scale = max(1.0, side / min(padded.shape[:2]))
    if scale > 1.0:
        h, w = padded.shape[:2]
        padded = cv2.resize(padded, (int(round(w * scale)), int(round(h * scale))),
                            interpolation=cv2.INTER_CUBIC)
    return np.ascontiguousarray(padded), scale, pad


def _to_original(face: Face, scale: float, pad: int) -> Face:
    """A face found on the enlarged image, in the original image's pixels."""
    landmarks = face.landmarks / scale  # z scales with x
    landmarks[:, :2] -= pad
    box = face.box / scale
    box[:2] -= pad
    return Face(box.astype(np.float32), landmarks.astype(np.float32), face.blendshapes,
                face.score)


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

    def __init__(self, model: str | Path | None = None, all_faces: bool = False,
                 small_side: int = SMALL_SIDE) -> None:
        path = find_landmarker_model(model)
        self.all_faces = all_faces
        self.small_side = small_side  # 0 turns the small-image rule off
        with _quiet_native_stderr():
            self.detector = FaceDetector(path)
            self.landmarker = Landmarker(path)
            blank = np.full((256, 256, 3), 127, np.uint8)  # first inference logs too
            self.detector.detect(blank)
            self.landmarker.on_box(blank, np.array([64, 64, 128, 128], np.float32))

    def faces(self, rgb: np.ndarray) -> list[Face]:
        """Faces found, largest first, in the image's pixels; images under small_side are
        padded and upscaled first (the small-image rule above)."""
        if min(rgb.shape[:2]) < self.small_side:
            enlarged, scale, pad = enlarge_small(rgb)
            return [_to_original(f, scale, pad) for f in self._faces(enlarged)]
        return self._faces(rgb)

    def _faces(self, rgb: np.ndarray) -> list[Face]:
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
