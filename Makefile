# Two commands for a fresh machine that has python3 and make:
#   make demo   train a small attention model on real data and show it
#   make test   run the whole suite once per Keras backend
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BACKENDS := tensorflow jax torch

.PHONY: demo test lint

$(VENV)/installed: requirements/test.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/test.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

demo: $(VENV)/installed
	KERAS_BACKEND=$${KERAS_BACKEND:-jax} $(PY) -m examples.text_classifier_demo

# Runs every backend even when one fails, then fails if any did.
test: $(VENV)/installed
	$(PY) -m ruff check .
	@failed=""; \
	for backend in $(BACKENDS); do \
		echo "=== KERAS_BACKEND=$$backend ==="; \
		KERAS_BACKEND=$$backend $(PY) -m pytest -q -n 2 $(PYTEST_ARGS) \
			|| failed="$$failed $$backend"; \
	done; \
	if [ -n "$$failed" ]; then echo "FAILED on:$$failed"; exit 1; fi; \
	echo "All backends passed."

lint: $(VENV)/installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
