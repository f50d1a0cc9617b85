"""A small cleaning run to report on: synthetic AU data in a real feature store (written by
the store's own writer, with JPEG thumbnails and a few failed images), cleaned by `wsc clean`;
and a headless Chromium (Debian's /usr/bin/chromium driven by Playwright) or a skip."""
from __future__ import annotations

import io
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wsc.cli import main

N = 400
AUS = ["AU1", "AU6", "AU12"]
FAST = ["--vote-neighbors", "5", "--cluster-neighbors", "15", "--neighbors", "10", "--quiet"]
CHROMIUM = os.environ.get("WSC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def thumb(i: int, smile: int, brow: int) -> bytes:
    """A 64x64 JPEG 'face': a disc whose mouth and brows follow two AUs (visibly different)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (64, 64), (30 + (i * 37) % 90, 40, 60))
    d = ImageDraw.Draw(img)
    d.ellipse((8, 6, 56, 60), fill=(224, 186, 150))
    d.ellipse((20, 24, 26, 30), fill=(40, 40, 40))
    d.ellipse((38, 24, 44, 30), fill=(40, 40, 40))
    y = 14 if brow else 19
    d.line((18, y, 28, y), fill=(60, 40, 20), width=2)
    d.line((36, y, 46, y), fill=(60, 40, 20), width=2)
    if smile:
        d.arc((20, 34, 44, 52), 0, 180, fill=(150, 30, 30), width=3)
    else:
        d.line((22, 46, 42, 46), fill=(150, 30, 30), width=2)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def write_store(store: Path, ids: list[str], X: np.ndarray, Y: np.ndarray,
                failed: list[str]) -> None:
    """A feature store of these rows (one 'geometry' block) plus failed images."""
    from wsc.io.store import write_chunk, write_manifest

    d = X.shape[1]
    widths = {"box": 4, "landmarks": 3, "blendshapes": 1, "features": d}
    write_manifest(store, {"version": 1, "settings": {"all_faces": False, "pca": d, "seed": 0},
                           "block_slices": {"geometry": [0, d]}, "widths": widths})
    rows = [{"id": i, "face": 0, "source": f"photos/{i}.jpg", "success": True, "reason": "",
             "box": [0, 0, 64, 64], "features": X[k], "thumb": thumb(k, Y[k, 2], Y[k, 0])}
            for k, i in enumerate(ids)]
    half = len(rows) // 2
    write_chunk(store, 0, rows[:half], widths)
    rows_fail = [{"id": f, "face": -1, "source": f"photos/{f}.jpg", "success": False,
                  "reason": "no face found" if k % 2 else "cannot decode image"}
                 for k, f in enumerate(failed)]
    write_chunk(store, 1, rows[half:] + rows_fail, widths)


@pytest.fixture(scope="session")
def cleaning_run(tmp_path_factory) -> dict:
    """Paths of a store, labels, features.npy, a cleaned table and its summary."""
    from wsc.datasets import make_au_data

    tmp = tmp_path_factory.mktemp("run")
    data = make_au_data(N, n_features=16, n_subjects=8, au_strength=3.0, random_state=1)
    cols = [data.au_names.index(a) for a in AUS]
    Y_true, Y_noisy = data.Y_true[:, cols], data.Y_noisy[:, cols]
    ids = [f"img{i:04d}" for i in range(N)]
    write_store(tmp / "store", ids, data.X, Y_true, ["bad001", "bad002", "bad003"])
    np.save(tmp / "features.npy", data.X)
    labels = pd.DataFrame(Y_noisy, columns=AUS)
    labels.insert(0, "id", ids)
    labels.to_csv(tmp / "labels.csv", index=False)
    truth = pd.DataFrame(Y_true, columns=AUS)
    truth.insert(0, "id", ids)
    code = main(["clean", "--features", str(tmp / "store"), "--labels", str(tmp / "labels.csv"),
                 "--out", str(tmp / "cleaned.csv"), *FAST])
    assert code == 0
    return {"dir": tmp, "store": tmp / "store", "labels": tmp / "labels.csv",
            "npy": tmp / "features.npy", "cleaned": tmp / "cleaned.csv", "ids": ids,
            "truth": truth}


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium through Playwright, or a skip that says what is missing."""
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium; "
                    "scripts/setup.d/30-browser.sh installs it when run as root)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="Python package playwright not installed (make setup)")
    profile = tempfile.mkdtemp(prefix="wsc-chromium-")
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS,
            accept_downloads=True, viewport={"width": 1280, "height": 900})
        yield context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)
