"""Decoding: odd modes and orientations become upright 8-bit RGB; bad files fail with a reason."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from wsc.io import images
from wsc.io.images import DecodeError, decode_image


def _encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def test_exif_orientation_is_applied():
    arr = np.zeros((20, 40, 3), np.uint8)
    arr[:, :20] = 255  # left half white
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    out = decode_image(_encode(Image.fromarray(arr), "JPEG", exif=exif, quality=95))
    assert out.shape == (40, 20, 3)
    assert out[:15].mean() > 200 and out[25:].mean() < 50  # white half now on top


@pytest.mark.parametrize("mode", ["L", "CMYK", "RGBA", "P", "I;16", "LA"])
def test_modes_become_rgb(mode):
    rgb = np.random.default_rng(0).integers(0, 255, (16, 24, 3), dtype=np.uint8)
    img = Image.fromarray(rgb)
    if mode == "I;16":
        img = Image.fromarray(rgb[..., 0].astype(np.uint16) * 257)
    else:
        img = img.convert(mode)
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    out = decode_image(_encode(img, fmt))
    assert out.shape == (16, 24, 3) and out.dtype == np.uint8
    if mode == "I;16":
        assert np.abs(out[..., 0].astype(int) - rgb[..., 0]).max() <= 1


def test_transparent_pixels_become_white():
    rgba = np.zeros((8, 8, 4), np.uint8)
    out = decode_image(_encode(Image.fromarray(rgba, "RGBA"), "PNG"))
    assert (out == 255).all()


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "BMP"])
def test_other_formats(fmt):
    frames = [Image.new("RGB", (10, 6), c) for c in ((255, 0, 0), (0, 0, 255))]
    data = _encode(frames[0], fmt, save_all=True, append_images=frames[1:]) if fmt == "GIF" \
        else _encode(frames[0], fmt)
    out = decode_image(data)
    assert out.shape == (6, 10, 3)
    assert out[..., 0].mean() > 200 and out[..., 2].mean() < 60  # first frame: red


def test_large_images_are_downscaled():
    out = decode_image(_encode(Image.new("RGB", (3200, 100)), "PNG"), max_side=1600)
    assert out.shape == (50, 1600, 3)


def test_decompression_bomb_is_refused(monkeypatch):
    monkeypatch.setattr(images, "MAX_PIXELS", 1000)
    with pytest.raises(DecodeError) as err:
        decode_image(_encode(Image.new("RGB", (100, 100)), "PNG"))
    assert err.value.code == "too-large"


@pytest.mark.parametrize("data,code", [(b"", "empty-file"), (b"hello, not an image\n", "not-an-image")])
def test_non_images(data, code):
    with pytest.raises(DecodeError) as err:
        decode_image(data)
    assert err.value.code == code


def test_truncated_jpeg_is_corrupt():
    data = _encode(Image.fromarray(np.random.default_rng(1).integers(0, 255, (200, 200, 3), dtype=np.uint8)),
                   "JPEG")
    with pytest.raises(DecodeError) as err:
        decode_image(data[: len(data) // 3])
    assert err.value.code == "corrupt"


def test_missing_file(tmp_path):
    with pytest.raises(DecodeError) as err:
        decode_image(tmp_path / "nope.jpg")
    assert err.value.code == "unreadable"
