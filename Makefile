# lossbook: every target bootstraps .venv (venv + requirements.txt + `pip install -e .`)
# when it is missing or requirements.txt / pyproject.toml changed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?= 2

.PHONY: help book test test-unit test-keras-torch test-notebooks test-book lint lab assignments bench clean

help:
	@echo "make book         execute every notebook and build the HTML book (_build/html)"
	@echo "make test         unit + parity tests (both Keras backends), doctests, notebooks, rendered book in Chromium"
	@echo "make lab          JupyterLab on book/"
	@echo "make assignments  student copies of the course assignments in _build/assignments/"
	@echo "make bench        notebook and build timings, loss throughput"
	@echo "make clean        remove _build/ and caches (keeps .venv)"

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# The book: every notebook executed (execute_notebooks: force), Sphinx warnings are errors.
book: $(STAMP)
	$(BIN)/jupyter-book build . --all -W --keep-going --builder html
	@echo "The book: file://$(CURDIR)/_build/html/index.html"

test: $(STAMP) lint test-unit test-keras-torch test-notebooks test-book
	@echo "make test: all test layers passed"

lint: $(STAMP)
	$(BIN)/ruff check .

# 1. the package: reference, frameworks (Keras on TensorFlow), data, train, exercises; doctests
test-unit: $(STAMP)
	$(BIN)/pytest -q -n $(JOBS) --dist loadfile tests --ignore=tests/test_book.py --ignore=tests/test_notebooks.py
	$(BIN)/pytest -q --doctest-modules lossbook -p no:cacheprovider

# 4. lossbook.keras, the parity tests and the Keras training path again on the torch backend
test-keras-torch: $(STAMP)
	KERAS_BACKEND=torch $(BIN)/pytest -q -n $(JOBS) tests/test_parity.py tests/test_frameworks.py tests/test_train.py

# 2. every notebook in _toc.yml (and the instructor copies of the assignments) runs
test-notebooks: $(STAMP)
	$(BIN)/pytest -q tests/test_notebooks.py
	$(BIN)/pytest -q -n $(JOBS) --dist loadfile --nbval-lax $$($(BIN)/python tools/list_notebooks.py) assignments/*.ipynb

# 3. the rendered book: build with -W, then headless Chromium opens every page
test-book: $(STAMP)
	$(BIN)/jupyter-book build . --all -W --keep-going --builder html
	$(BIN)/pytest -q tests/test_book.py

lab: $(STAMP)
	$(BIN)/jupyter lab book/

assignments: $(STAMP)
	$(BIN)/python tools/make_assignments.py

bench: $(STAMP)
	$(BIN)/python bench/bench_notebooks.py
	$(BIN)/python bench/bench_losses.py --quick

clean:
	rm -rf _build .pytest_cache .hypothesis .ruff_cache .jupyter_cache
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +
