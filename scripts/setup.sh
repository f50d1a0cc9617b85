#!/usr/bin/env bash
# Creates the virtual environment and installs the project with every extra, then runs
# the optional setup steps in scripts/setup.d/ (model files, test data) in name order.
set -euo pipefail
PY=${1:-python3}
VENV=${2:-.venv}
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e ".[faces,bench,test,dask]"
for step in scripts/setup.d/*.sh; do
  [ -e "$step" ] || continue
  echo "setup: $step"
  VENV="$VENV" bash "$step"
done
