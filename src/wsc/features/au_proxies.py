"""Automatic AU *proxies* from MediaPipe blendshapes and landmark geometry.

These are noisy binary stand-ins for users without labels (the EmotioNet situation), not
FACS coding: each AU is on when a blendshape score (0..1), or a landmark distance in units
of the inter-ocular distance, passes a fixed threshold (listed in docs/faces.md).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from wsc.faces.landmarks import BLENDSHAPE_NAMES, N_LANDMARKS
from wsc.features.blocks import DISTANCES, distances

# AU -> (blendshapes averaged, threshold); left/right pairs are averaged.
BLENDSHAPE_RULES = {
    "AU1": (("browInnerUp",), 0.40),
    "AU2": (("browOuterUpLeft", "browOuterUpRight"), 0.40),
    "AU4": (("browDownLeft", "browDownRight"), 0.30),
    "AU5": (("eyeWideLeft", "eyeWideRight"), 0.30),
    "AU6": (("cheekSquintLeft", "cheekSquintRight"), 0.20),
    "AU9": (("noseSneerLeft", "noseSneerRight"), 0.30),
    "AU12": (("mouthSmileLeft", "mouthSmileRight"), 0.50),
    "AU15": (("mouthFrownLeft", "mouthFrownRight"), 0.30),
    "AU17": (("mouthShrugLower",), 0.40),
    "AU20": (("mouthStretchLeft", "mouthStretchRight"), 0.30),
    "AU26": (("jawOpen",), 0.30),
}
# AU6 is also on when the eyes squint during a smile (the Duchenne pattern).
AU6_SQUINT, AU6_SMILE = 0.40, 0.50
# AU25 (lips part): inner-lip gap over inter-ocular distance.
AU25_LIP_GAP = 0.06
AU_ORDER = ("AU1", "AU2", "AU4", "AU5", "AU6", "AU9", "AU12", "AU15", "AU17", "AU20", "AU25",
            "AU26")


def _mean(shapes: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    return shapes[:, [BLENDSHAPE_NAMES.index(n) for n in names]].mean(1)


def au_proxies(blendshapes: np.ndarray, landmarks: np.ndarray) -> pd.DataFrame:
    """Binary proxies (n, 12) from blendshapes (n, 52) and landmarks (n, 478 x 3 or 2)."""
    points = landmarks.reshape(len(landmarks), N_LANDMARKS, -1)[..., :2]
    out = {au: (_mean(blendshapes, names) > thr) for au, (names, thr) in BLENDSHAPE_RULES.items()}
    squint = _mean(blendshapes, ("eyeSquintLeft", "eyeSquintRight"))
    smile = _mean(blendshapes, BLENDSHAPE_RULES["AU12"][0])
    out["AU6"] |= (squint > AU6_SQUINT) & (smile > AU6_SMILE)
    gap = distances(points)[:, list(DISTANCES).index("lips_inner_gap")]
    out["AU25"] = (gap > AU25_LIP_GAP) | out["AU26"]
    return pd.DataFrame({au: out[au].astype(np.int8) for au in AU_ORDER})
