# Fresh machine: `make demo` sets up and runs the demo; `make test` sets up and runs the tests.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup demo test bench clean

$(BIN)/wsc: pyproject.toml scripts/setup.sh $(wildcard scripts/setup.d/*.sh)
	bash scripts/setup.sh $(PY) $(VENV)
	touch $(BIN)/wsc

setup: $(BIN)/wsc

demo: setup
	$(BIN)/wsc demo --out out/demo

test: setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) out
