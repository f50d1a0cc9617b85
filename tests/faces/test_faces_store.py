"""The extraction job end to end: store contents, failures, resume after a kill, processes,
Dask, URLs, videos, labels, transform reuse and the `wsc annotate` label file."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wsc.cli import main
from wsc.features.extract import Settings, extract
from wsc.io.sources import list_source
from wsc.io.store import read_raw, read_store, read_table

PHOTOS = ["single_face.jpg", "multi_face.jpg", "0-f1-su-ph.jpg", "0-f15-hao-ph.jpg",
          "15-f13-anc-ph.jpg", "45-m7-di-ph.jpg"]
BAD = {"corrupt.jpg": "corrupt", "text.jpg": "not-an-image", "zero.jpg": "empty-file"}


@pytest.fixture(scope="module")
def photos(pyfeat, astronaut, tmp_path_factory) -> Path:
    """Six real photos, the astronaut, and three broken files named .jpg."""
    from PIL import Image

    folder = tmp_path_factory.mktemp("photos")
    for name in PHOTOS:
        shutil.copy(pyfeat / name, folder / name)
    Image.fromarray(astronaut).save(folder / "astronaut.jpg", quality=92)
    good = (pyfeat / "single_face.jpg").read_bytes()
    (folder / "corrupt.jpg").write_bytes(good[: len(good) // 4])
    (folder / "text.jpg").write_text("this is not an image\n")
    (folder / "zero.jpg").write_bytes(b"")
    return folder


@pytest.fixture(scope="module")
def reference(photos, model_path, tmp_path_factory) -> Path:
    """The folder extracted in one uninterrupted run with two processes."""
    out = tmp_path_factory.mktemp("ref") / "store"
    assert main(["features", "--images", str(photos), "--out", str(out), "--processes", "2",
                 "--chunk-size", "3", "--quiet"]) == 0
    return out


def _same_store(a: Path, b: Path) -> None:
    ta, tb = read_table(a), read_table(b)
    assert ta[["id", "face", "success", "reason"]].equals(tb[["id", "face", "success", "reason"]])
    ok = ta["success"].to_numpy()
    for col in ("features", "landmarks", "blendshapes", "box"):
        np.testing.assert_allclose(np.stack(ta[col][ok]), np.stack(tb[col][ok]), rtol=1e-5, atol=1e-4)
    ia, xa = read_store(a)
    ib, xb = read_store(b)
    assert ia == ib
    np.testing.assert_allclose(xa, xb, rtol=1e-4, atol=1e-3)


def test_failures_are_recorded_and_the_rest_succeed(reference):
    table = read_table(reference).set_index("id")
    for name, code in BAD.items():
        assert not table.loc[name, "success"] and table.loc[name, "reason"].startswith(code)
    good = PHOTOS + ["astronaut.jpg"]
    assert table.loc[good, "success"].all()
    assert set(table.loc[good, "face"]) == {0}
    assert len(table.loc["astronaut.jpg", "thumb"]) > 500  # the aligned-crop JPEG
    ids, x = read_store(reference)
    assert sorted(ids) == sorted(good) and x.dtype == np.float32 and x.shape[0] == len(good)


def test_rerun_skips_finished_work(reference, photos, model_path):
    items, _ = list_source(photos)
    counts = extract(items, reference, Settings(model=model_path), processes=1, progress=False)
    assert counts["skipped"] == len(items) and counts["images"] == 0


def test_killed_run_resumes_to_the_same_store(reference, photos, model_path, tmp_path):
    out = tmp_path / "store"
    cmd = [sys.executable, "-m", "wsc.cli", "features", "--images", str(photos), "--out", str(out),
           "--processes", "1", "--chunk-size", "1", "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list((out / "chunks").glob("part-*"))) < 3:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    written = len(list((out / "chunks").glob("part-*.parquet")))
    assert 3 <= written < 10  # killed mid-run
    assert subprocess.run(cmd, capture_output=True).returncode == 0
    _same_store(reference, out)


def test_dask_cluster_gives_the_same_store(reference, photos, model_path, tmp_path):
    distributed = pytest.importorskip("distributed")
    items, _ = list_source(photos)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        extract(items, tmp_path / "store", Settings(model=model_path), chunk_size=4,
                dask_address=cluster.scheduler_address, progress=False)
    _same_store(reference, tmp_path / "store")


def test_every_face_mode_and_block_choice(pyfeat, model_path, tmp_path, capsys):
    out = tmp_path / "all"
    assert main(["features", "--images", str(pyfeat / "multi_face.jpg"), "--out", str(out),
                 "--all-faces", "--processes", "1", "--blocks", "geometry,blendshapes",
                 "--quiet"]) == 0
    ids, x = read_store(out)
    assert ids == [f"multi_face.jpg#{k}" for k in range(5)] and x.shape == (5, 4)
    ids, x = read_store(out, blocks=["blendshapes"])
    assert x.shape == (5, 4)
    assert main(["features", "--images", str(pyfeat / "multi_face.jpg"), "--out", str(out),
                 "--processes", "1", "--quiet"]) == 2
    assert "made with other settings" in capsys.readouterr().err


def test_urls_labels_and_transform_reuse(reference, photos, http_server, model_path, tmp_path):
    base, routes, _, _ = http_server
    routes["/a.jpg"] = (200, "image/jpeg", (photos / "astronaut.jpg").read_bytes())
    routes["/b.jpg"] = (200, "image/jpeg", (photos / "single_face.jpg").read_bytes())
    csv = tmp_path / "web.csv"
    csv.write_text(f"url,AU12,AU4\n{base}/a.jpg,1,0\n{base}/b.jpg,1,999\n{base}/gone.jpg,0,0\n")
    out = tmp_path / "web"
    assert main(["features", "--images", str(csv), "--out", str(out), "--processes", "1",
                 "--cache", str(tmp_path / "cache"), "--retries", "0",
                 "--transform-from", str(reference), "--quiet"]) == 0
    table = read_table(out, ["success", "reason"]).set_index("id")
    assert table.loc[f"{base}/gone.jpg", "reason"] == "download: http 404"
    assert table.loc[[f"{base}/a.jpg", f"{base}/b.jpg"], "success"].all()
    labels = pd.read_csv(out / "labels.csv")
    assert list(labels.columns) == ["id", "AU12", "AU4"] and labels["AU4"].isna().sum() == 1
    # the same image lands on the same point whichever store it was extracted into
    ref_ids, ref_x = read_store(reference)
    web_ids, web_x = read_store(out)
    np.testing.assert_allclose(web_x[web_ids.index(f"{base}/a.jpg")],
                               ref_x[ref_ids.index("astronaut.jpg")], atol=1e-3)


def test_video_frames(pyfeat, model_path, tmp_path):
    out = tmp_path / "video"
    assert main(["features", "--images", str(pyfeat / "single_face.mp4"), "--out", str(out),
                 "--every", "30", "--processes", "1", "--quiet"]) == 0
    ids, _ = read_raw(out)
    assert ids and ids[0] == "single_face.mp4#frame000000"


def test_annotate_writes_a_label_file(reference, tmp_path, capsys):
    out = tmp_path / "labels.csv"
    assert main(["annotate", "--features", str(reference), "--out", str(out)]) == 0
    labels = pd.read_csv(out).set_index("id")
    assert list(labels.columns) == ["AU1", "AU2", "AU4", "AU5", "AU6", "AU9", "AU12", "AU15",
                                    "AU17", "AU20", "AU25", "AU26"]
    assert set(np.unique(labels.to_numpy())) <= {0, 1}
    assert labels.loc["astronaut.jpg", "AU12"] == 1
    assert "proxy" in capsys.readouterr().err


def test_annotate_needs_a_store(tmp_path, capsys):
    assert main(["annotate", "--features", str(tmp_path), "--out", str(tmp_path / "l.csv")]) == 2
    assert "not a feature store" in capsys.readouterr().err


def test_retry_failed_replaces_the_failure(pyfeat, model_path, tmp_path):
    folder = tmp_path / "imgs"
    folder.mkdir()
    (folder / "later.jpg").write_text("not yet an image")
    out = tmp_path / "store"
    args = ["features", "--images", str(folder), "--out", str(out), "--processes", "1", "--quiet"]
    assert main(args) == 0
    shutil.copy(pyfeat / "single_face.jpg", folder / "later.jpg")
    assert main(args) == 0  # a plain rerun keeps the recorded failure
    assert not read_table(out, ["success"])["success"].any()
    assert main(args + ["--retry-failed"]) == 0
    table = read_table(out, ["success", "reason"])
    assert len(table) == 1 and table.loc[0, "success"] and table.loc[0, "reason"] == ""
