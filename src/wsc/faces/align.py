"""Alignment: a similarity transform taking five landmarks onto a frontal template."""
from __future__ import annotations

import cv2
import numpy as np

# MediaPipe landmark indices ("left"/"right" as seen in the image).
EYE_LEFT = (33, 133, 159, 145)     # outer, inner corner, upper, lower lid (subject's right eye)
EYE_RIGHT = (263, 362, 386, 374)
NOSE_TIP = 1
MOUTH_LEFT, MOUTH_RIGHT = 61, 291
ALIGN_SIZE = 128
# Eye centres, nose tip and mouth corners on a 128 x 128 frontal face (ours, by hand).
TEMPLATE = np.array([[44.0, 50.0], [84.0, 50.0], [64.0, 72.0], [47.0, 92.0], [81.0, 92.0]],
                    dtype=np.float64)


def anchor_points(landmarks: np.ndarray) -> np.ndarray:
    """The five alignment points (eye centres, nose tip, mouth corners) of 478 landmarks."""
    pts = landmarks[:, :2].astype(np.float64)
    return np.stack([pts[list(EYE_LEFT[:2])].mean(0), pts[list(EYE_RIGHT[:2])].mean(0),
                     pts[NOSE_TIP], pts[MOUTH_LEFT], pts[MOUTH_RIGHT]])


def similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The 2 x 3 least-squares similarity (rotation, uniform scale, shift) mapping src to dst."""
    mu_s, mu_d = src.mean(0), dst.mean(0)
    s, d = src - mu_s, dst - mu_d
    u, sig, vt = np.linalg.svd(d.T @ s)
    sign = np.diag([1.0, np.sign(np.linalg.det(u @ vt))])
    rot = u @ sign @ vt
    scale = np.trace(np.diag(sig) @ sign) / (s ** 2).sum()
    return np.c_[scale * rot, mu_d - scale * rot @ mu_s]


def align(rgb: np.ndarray, landmarks: np.ndarray, size: int = ALIGN_SIZE
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Aligned (size x size) RGB crop, the transform, and the landmarks in crop coordinates."""
    m = similarity(anchor_points(landmarks), TEMPLATE * (size / ALIGN_SIZE))
    crop = cv2.warpAffine(rgb, m, (size, size), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
    pts = landmarks[:, :2].astype(np.float64) @ m[:, :2].T + m[:, 2]
    return crop, m, pts.astype(np.float32)
