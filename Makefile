# zorka: two commands set everything up on a fresh machine (Python >= 3.11).
#   make demo   run zorka's main job on its embedded default mission
#   make test   ruff, mypy and pytest
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/zorka demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q

test: lint typecheck pytest

# each script runs zorka and its peer on the same work in one run and prints the ratio
bench: $(STAMP)
	cd bench && ../$(BIN)/python propagation.py
	cd bench && ../$(BIN)/python passes.py
	cd bench && ../$(BIN)/python catalog_scale.py
	cd bench && ../$(BIN)/python access_points.py
	cd bench && ../$(BIN)/python access_area.py
	cd bench && ../$(BIN)/python spot5.py
	cd bench && ../$(BIN)/python control.py
	cd bench && ../$(BIN)/python plan_day.py
	cd bench && ../$(BIN)/python catalog_search.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
