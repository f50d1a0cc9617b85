#!/usr/bin/env bash
# Report tests: a real headless browser. Debian's chromium from apt when running as root
# (CI), else whatever is already installed; the Python driver (playwright, installed with
# the `test` extra) only drives it and never downloads a browser. Without one, the browser
# tests skip and say why.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing Debian's chromium for the report tests"
  if ! apt-get install -y -q chromium >/dev/null 2>&1; then
    apt-get update -q >/dev/null 2>&1 || true
    apt-get install -y -q chromium >/dev/null 2>&1 \
      || echo "setup: chromium could not be installed; the browser tests will skip" >&2
  fi
else
  echo "setup: no /usr/bin/chromium and not root: the report's browser tests will skip" >&2
fi
