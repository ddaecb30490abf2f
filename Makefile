# lossbook: every target bootstraps .venv (venv + requirements.txt + `pip install -e .`)
# when it is missing or requirements.txt / pyproject.toml changed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?= 2

.PHONY: help book test test-unit test-keras-backends test-notebooks test-chapters test-chapters-backends test-book test-lab lint lab release autograde gradebook feedback bench clean

help:
	@echo "make book         execute every notebook and build the HTML book (_build/html)"
	@echo "make test         unit + parity tests (Keras on TensorFlow, torch and JAX), doctests, notebooks, rendered book and JupyterLab in Chromium"
	@echo "make test-chapters  the chapters' notebooks under nbval (make test executes them in the book build)"
	@echo "make test-chapters-backends  every notebook with Keras on torch, then on JAX (not TensorFlow)"
	@echo "make lab          JupyterLab on book/ (works as root too; no news prompt)"
	@echo "make release      the course's student copies (nbgrader) in course/release/"
	@echo "make autograde ASSIGNMENT=regression SUBMISSIONS=dir  grade a folder of submissions"
	@echo "make gradebook    the grades as CSV: course/gradebook.csv"
	@echo "make feedback ASSIGNMENT=regression  per-student feedback HTML in course/feedback/"
	@echo "make bench        notebook and build timings, loss throughput"
	@echo "make clean        remove _build/ and caches (keeps .venv)"

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# The book: every notebook executed (execute_notebooks: force), Sphinx warnings are errors.
# MyST-NB executes a notebook while Sphinx reads it, so tools/build_book.py (jupyter-book with
# Sphinx's parallel read, `sphinx-build -j`, which the jupyter-book command lacks) executes
# $(JOBS) notebooks at a time, each afresh: one more notebook costs its run time on one of
# $(JOBS) cores, not on one. A pre-executed jupyter-cache would be a second, stale-prone copy
# of the outputs; this keeps the plain `force` semantics and error messages. JOBS=1: serial.
# Kernels $(JOBS) at a time share the cores: each gets cores/JOBS threads for torch, TF and BLAS.
# With the libraries' default (every core each), two kernels on two cores spin against each
# other: the build took 159 s instead of 120 s, one notebook 3-5x its time, and a cell once
# hit the 180 s timeout. Thread-sensitive results (a network's training) can differ in the
# last digits from a run with more threads, as they do between readers' machines.
KERNEL_THREADS ?= $(shell n=$$(nproc); t=$$((n / $(JOBS))); echo $$((t > 0 ? t : 1)))
KERNEL_ENV = OMP_NUM_THREADS=$(KERNEL_THREADS) MKL_NUM_THREADS=$(KERNEL_THREADS) \
	OPENBLAS_NUM_THREADS=$(KERNEL_THREADS) TF_NUM_INTRAOP_THREADS=$(KERNEL_THREADS) \
	TF_NUM_INTEROP_THREADS=$(KERNEL_THREADS)
BOOK_BUILD = $(KERNEL_ENV) $(BIN)/python tools/build_book.py --jobs $(JOBS) build . --all -W --keep-going --builder html
book: $(STAMP)
	$(BOOK_BUILD)
	@echo "The book: file://$(CURDIR)/_build/html/index.html"

test: $(STAMP) lint test-unit test-keras-backends test-notebooks test-book test-lab
	@echo "make test: all test layers passed"

lint: $(STAMP)
	$(BIN)/ruff check .

# 1. the package: reference, frameworks (Keras on TensorFlow), data, train, exercises; doctests
test-unit: $(STAMP)
	$(BIN)/pytest -q -n $(JOBS) --dist loadfile tests --ignore=tests/test_book.py --ignore=tests/test_notebooks.py --ignore=tests/test_lab.py
	$(BIN)/pytest -q --doctest-modules lossbook -p no:cacheprovider

# 4. lossbook.keras, the Keras parity cases and the Keras training path again on the torch and
# JAX backends (test-unit ran everything on TensorFlow); a loss that fails on one is a failure
KERAS_TESTS := tests/test_parity.py tests/test_frameworks.py tests/test_train.py
test-keras-backends: $(STAMP)
	KERAS_BACKEND=torch LOSSBOOK_PARITY=keras $(BIN)/pytest -q -n $(JOBS) $(KERAS_TESTS)
	KERAS_BACKEND=jax LOSSBOOK_PARITY=keras $(BIN)/pytest -q -n $(JOBS) $(KERAS_TESTS)

# 2. the notebooks: static rules (no outputs, first cell, line lengths, ...) for every notebook,
# and the instructor copies of the course's assignments executed with nbval. The chapters' notebooks are
# executed once, by the book build of test-book (execute_notebooks: force, allow_errors: false,
# stderr_output: error): running them under nbval as well doubled the slowest layer of make test
# and found nothing the build does not (a raising cell fails the build with its traceback).
# `make test-chapters` still runs them under nbval, one failure per cell, when that helps.
test-notebooks: $(STAMP)
	$(BIN)/pytest -q tests/test_notebooks.py
	$(KERNEL_ENV) $(BIN)/pytest -q -n $(JOBS) --dist loadfile --nbval-lax course/source/*/*.ipynb

test-chapters: $(STAMP)
	$(KERNEL_ENV) $(BIN)/pytest -q -n $(JOBS) --dist loadfile --nbval-lax $$($(BIN)/python tools/list_notebooks.py)

# 3. the rendered book: build with -W, then headless Chromium opens every page
test-book: $(STAMP)
	$(BOOK_BUILD)
	$(BIN)/pytest -q tests/test_book.py

# 5. interactive use: JupyterLab in headless Chromium runs a chapter and moves its widget
test-lab: $(STAMP)
	$(BIN)/pytest -q tests/test_lab.py

# tools/jupyter adds to your Jupyter config: no news prompt, no update check (README there).
# --allow-root only when run as root (containers, cloud notebooks).
lab: $(STAMP)
	JUPYTER_CONFIG_PATH="$(CURDIR)/tools/jupyter$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" \
		$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) book/

# The course, on nbgrader (tools/course.py; the course guide in the book explains each step).
# An assignment is course/source/<name>/<name>.ipynb; every target finds a new one by itself.
ASSIGNMENT ?= regression
SUBMISSIONS ?= course/submitted
TIMEOUT ?= 600
release: $(STAMP)
	$(BIN)/python tools/course.py release

autograde: $(STAMP)
	$(BIN)/python tools/course.py autograde $(ASSIGNMENT) --submissions $(SUBMISSIONS) --timeout $(TIMEOUT)

gradebook: $(STAMP)
	$(BIN)/python tools/course.py gradebook

feedback: $(STAMP)
	$(BIN)/python tools/course.py feedback $(ASSIGNMENT)

# Every notebook of the book with Keras on the torch backend, then on JAX: what a GPU machine
# without TensorFlow runs (bench/gpu/run.sh). Not in `make test` (about 7 minutes a backend
# on 2 cores); run it after changing a notebook's Keras code.
test-chapters-backends: $(STAMP)
	for backend in torch jax; do KERAS_BACKEND=$$backend $(KERNEL_ENV) $(BIN)/python \
	  bench/gpu/run_notebooks.py --jobs $(JOBS) --timeout 300 --label "keras on $$backend" \
	  || exit 1; done

bench: $(STAMP)
	$(KERNEL_ENV) $(BIN)/python bench/bench_notebooks.py --jobs $(JOBS)
	$(BIN)/python bench/bench_losses.py --quick

clean:
	rm -rf _build .pytest_cache .hypothesis .ruff_cache .jupyter_cache
	rm -rf course/release course/autograded course/feedback course/logs
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +
