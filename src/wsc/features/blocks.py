"""Feature blocks of one aligned face; each block can be switched on or off by name.

geometry: aligned landmark coordinates plus AU-relevant distances; blendshapes: MediaPipe's
51 expression coefficients; appearance: HOG on patches around AU-relevant regions;
face_hog (not a default): HOG of the whole aligned face.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from wsc.faces.align import ALIGN_SIZE, EYE_LEFT, EYE_RIGHT
from wsc.faces.landmarks import N_LANDMARKS

# Landmark pairs whose distance tracks an action unit, in units of the inter-ocular distance.
DISTANCES = {
    "brow_inner_gap": (107, 336),        # AU4 pulls the brows together
    "brow_inner_eye_left": (107, 133),   # AU1 / AU4
    "brow_inner_eye_right": (336, 362),
    "brow_outer_eye_left": (70, 33),     # AU2
    "brow_outer_eye_right": (300, 263),
    "eye_open_left": (159, 145),         # AU5 / AU43
    "eye_open_right": (386, 374),
    "nose_upper_lip": (2, 0),            # AU9 / AU10
    "nose_wing_eye_left": (129, 133),    # AU9
    "nose_wing_eye_right": (358, 362),
    "mouth_width": (61, 291),            # AU12 / AU20
    "lips_inner_gap": (13, 14),          # AU25
    "nose_chin": (1, 152),               # AU26
    "lower_lip_chin": (17, 152),         # AU17
    "corner_eye_left": (61, 33),         # AU6 / AU12
    "corner_eye_right": (291, 263),
}
_PAIRS = np.array(list(DISTANCES.values()))
# Patch centres (landmark indices) for local appearance.
REGIONS = {"brow_inner_left": 107, "brow_inner_right": 336, "glabella": 168,
           "nose_wing_left": 129, "nose_wing_right": 358, "mouth_corner_left": 61,
           "mouth_corner_right": 291, "upper_lip": 0, "lower_lip": 17, "chin": 200}
PATCH = 32
_HOG = cv2.HOGDescriptor((PATCH, PATCH), (16, 16), (16, 16), (8, 8), 9)
_HOG_DIM = 144


@dataclass
class AlignedFace:
    """What the blocks read: aligned grey crop, aligned landmarks (478, 2), blendshapes (52,)."""

    grey: np.ndarray
    points: np.ndarray
    blendshapes: np.ndarray


def interocular(points: np.ndarray) -> np.ndarray:
    """Distance between eye centres of landmarks shaped (..., 478, 2)."""
    left = points[..., list(EYE_LEFT[:2]), :].mean(-2)
    right = points[..., list(EYE_RIGHT[:2]), :].mean(-2)
    return np.linalg.norm(left - right, axis=-1)


def distances(points: np.ndarray) -> np.ndarray:
    """The DISTANCES of landmarks shaped (..., 478, 2), over the inter-ocular distance."""
    d = np.linalg.norm(points[..., _PAIRS[:, 0], :] - points[..., _PAIRS[:, 1], :], axis=-1)
    return d / interocular(points)[..., None]


def geometry(face: AlignedFace) -> np.ndarray:
    """Aligned landmark coordinates (0..1) and the AU-relevant distances."""
    return np.r_[(face.points / ALIGN_SIZE).ravel(), distances(face.points)]


def blendshapes(face: AlignedFace) -> np.ndarray:
    """The 51 expression blendshapes (the '_neutral' entry is left out)."""
    return face.blendshapes[1:]


def appearance(face: AlignedFace) -> np.ndarray:
    """HOG (9 bins, 8-px cells, 2 x 2 blocks) of a 32 x 32 patch around each region."""
    half = PATCH // 2
    centres = np.clip(np.rint(face.points[list(REGIONS.values())]).astype(int), half,
                      face.grey.shape[0] - half)
    return np.concatenate([_HOG.compute(face.grey[y - half:y + half, x - half:x + half]).ravel()
                           for x, y in centres])


# Whole-face HOG: the aligned face at 64 x 64, 8-px cells, 2 x 2-cell blocks, 9 bins.
FACE_SIDE = 64
_FACE_HOG = cv2.HOGDescriptor((FACE_SIDE, FACE_SIDE), (16, 16), (8, 8), (8, 8), 9)
_FACE_HOG_DIM = 7 * 7 * 36


def face_hog(face: AlignedFace) -> np.ndarray:
    """HOG of the whole aligned face (an option: measured on real faces in docs/faces.md)."""
    small = cv2.resize(face.grey, (FACE_SIDE, FACE_SIDE), interpolation=cv2.INTER_AREA)
    return _FACE_HOG.compute(small).ravel()


BLOCKS = {"geometry": (geometry, 2 * N_LANDMARKS + len(DISTANCES)),
          "blendshapes": (blendshapes, 51),
          "appearance": (appearance, len(REGIONS) * _HOG_DIM),
          "face_hog": (face_hog, _FACE_HOG_DIM)}
DEFAULT_BLOCKS = ("geometry", "blendshapes", "appearance")


def block_slices(names: list[str] | tuple[str, ...]) -> dict[str, tuple[int, int]]:
    """Where each block lies in the concatenated vector, as (start, stop)."""
    out, start = {}, 0
    for name in names:
        out[name] = (start, start + BLOCKS[name][1])
        start += BLOCKS[name][1]
    return out


def feature_vector(face: AlignedFace, names: list[str] | tuple[str, ...]) -> np.ndarray:
    """The chosen blocks of one face, concatenated as float32."""
    return np.concatenate([BLOCKS[n][0](face) for n in names]).astype(np.float32)
