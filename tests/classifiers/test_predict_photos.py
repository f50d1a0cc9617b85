"""`wsc predict` on the real sample photos: one row per face, a failure row for a bad file."""
from __future__ import annotations

import shutil

import numpy as np
import pandas as pd

from wsc.classifiers import AUClassifier, save_model
from wsc.cli import main


def _model_for_images(path, pca: int = 4) -> None:
    """A model whose extraction is the default blocks with a random (fixed-seed) transform."""
    from wsc.features.blocks import BLOCKS, DEFAULT_BLOCKS

    width = sum(BLOCKS[b][1] for b in DEFAULT_BLOCKS)
    rng = np.random.default_rng(0)
    transform = {"mean": np.zeros(width), "scale": np.ones(width), "weight": np.ones(width),
                 "pca_mean": np.zeros(width), "components": rng.standard_normal((pca, width)) / width}
    X = rng.standard_normal((200, pca))
    Y = np.c_[X[:, 0] > 0, X[:, 1] > 0.5].astype(int)
    clf = AUClassifier().fit(X, Y)
    settings = {"all_faces": False, "blocks": list(DEFAULT_BLOCKS), "align_size": 128,
                "pca": pca, "seed": 0}
    save_model(path, clf, ["AU6", "AU12"], {"kind": "store", "n_features": pca},
               extraction={"settings": settings, "transform": transform})


def test_predict_writes_a_row_per_face_and_a_failure_row(tmp_path, pyfeat, model_path):
    from wsc.faces.analyzer import FaceAnalyzer
    from wsc.io.images import decode_image

    images = tmp_path / "images"
    images.mkdir()
    for name in ("multi_face.jpg", "single_face.jpg"):
        shutil.copy(pyfeat / name, images / name)
    (images / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not a JPEG")
    _model_for_images(tmp_path / "model")
    out = tmp_path / "pred.csv"
    assert main(["predict", "--model", str(tmp_path / "model"), "--images", str(images),
                 "--out", str(out), "--processes", "1", "--quiet"]) == 0
    table = pd.read_csv(out)
    analyzer = FaceAnalyzer(all_faces=True)
    n_multi = len(analyzer.faces(decode_image(pyfeat / "multi_face.jpg")))
    analyzer.close()
    assert n_multi >= 2
    multi = table[table["id"] == "multi_face.jpg"]
    assert len(multi) == n_multi and list(multi["face_id"]) == list(range(n_multi))
    assert multi["success"].eq(1).all() and multi["confidence"].gt(0).all()
    assert multi[["face_width", "face_height"]].gt(0).all().all()
    assert len(table[table["id"] == "single_face.jpg"]) == 1
    bad = table[table["id"] == "corrupt.jpg"]
    assert len(bad) == 1 and bad["success"].iloc[0] == 0 and bad["reason"].iloc[0]
    assert bad[["AU06_c", "AU12_prob"]].isna().all().all()
    ok = table[table["success"] == 1]
    assert set(ok["AU12_c"]) <= {0, 1} and ok["AU06_prob"].between(0, 1).all()


def test_model_from_a_table_cannot_read_images(tmp_path, tables, capsys):
    features, labels, _ = tables
    assert main(["train", "--features", str(features), "--labels", str(labels),
                 "--out", str(tmp_path / "m"), "--quiet"]) == 0
    capsys.readouterr()
    code = main(["predict", "--model", str(tmp_path / "m"), "--images", str(tmp_path),
                 "--out", str(tmp_path / "p.csv")])
    assert code == 2 and "feature table" in capsys.readouterr().err
