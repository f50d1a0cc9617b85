"""Image decoding to 8-bit RGB arrays, robust to the odd files found on the web.

Every failure raises `DecodeError` with a short reason code, so a pipeline can record it
for that item and go on with the rest.
"""
from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

# Images above this many pixels are refused as decompression bombs (about 16k x 12k).
MAX_PIXELS = 200_000_000
# Decoded images are downscaled so their longer side is at most this many pixels.
MAX_SIDE = 1600


class DecodeError(Exception):
    """An item that cannot be decoded; `reason` is 'code: detail'."""

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        super().__init__(f"{code}: {detail}" if detail else code)

    @property
    def reason(self) -> str:
        """The failure text recorded in the feature store."""
        return str(self)


def _to_rgb(img: Image.Image) -> Image.Image:
    """Any PIL mode to RGB: 16/32-bit rescaled to 8 bit, alpha composited on white."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        hi = 65535.0 if img.mode.startswith("I;16") or arr.max() > 255 else 255.0
        arr = np.clip(arr / hi * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return Image.fromarray(arr, "L").convert("RGB")
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return img.convert("RGB") if img.mode != "RGB" else img


def decode_image(data: bytes | str | Path, max_side: int = MAX_SIDE) -> np.ndarray:
    """Decode bytes or a file to an (h, w, 3) uint8 RGB array, EXIF-upright, first frame."""
    if isinstance(data, (str, Path)):
        if Path(data).exists() and not Path(data).is_file():  # reading a pipe would block
            raise DecodeError("unreadable", "not a regular file")
        try:
            data = Path(data).read_bytes()
        except OSError as exc:
            raise DecodeError("unreadable", exc.strerror or type(exc).__name__) from exc
    if len(data) == 0:
        raise DecodeError("empty-file", "zero bytes")
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            if img.format == "JPEG":  # decode at reduced size: faster and bounded memory
                img.draft("RGB", (max_side, max_side))
            img.seek(0)
            img.load()
            img = ImageOps.exif_transpose(img)
            img = _to_rgb(img)
    except UnidentifiedImageError as exc:
        raise DecodeError("not-an-image", "unrecognised image format") from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DecodeError("too-large", f"over {MAX_PIXELS} pixels") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise DecodeError("corrupt", str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc
    if max(img.size) > max_side:
        img.thumbnail((max_side, max_side), Image.Resampling.BILINEAR)
    return np.ascontiguousarray(np.asarray(img, dtype=np.uint8))
