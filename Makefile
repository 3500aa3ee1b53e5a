# Backprop by Hand: the commands a student, an instructor and CI run.
#   make book       set up .venv and the vendored JavaScript, build the HTML book into _build/html
#   make test       the same set-up, then the whole suite (library, notebooks, book build, browser)
#   make notebooks  normalise and re-execute every chapter and exercise notebook in place
#                   (after a library change; tests/normalize_notebooks.py, then execute)
#   make bench      speed of the library (and, when PyTorch is importable, the ratio to it),
#                   reverse vs forward mode (chapter 5), the notebooks' execution times
#   make lint       ruff: lines <= 79 in lib/ and in the visible code cells of the notebooks
#   make grading-release  the nbgrader course in _build/grading (instructors)
#   make grade SUBMISSIONS=DIR  autograde DIR into grades.csv and HTML feedback
#   make lock       recompile the two pinned sets from binder/requirements.in and
#                   tests/requirements-dev.in (a deliberate upgrade, reviewed by hand)
# Every target installs what it needs itself; a second run reuses what the first installed.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
VENDORED := _vendor/.copied
NOTEBOOKS := $(sort $(wildcard chapters/*.ipynb exercises/*.ipynb))
CHROMIUM ?= /usr/bin/chromium

.PHONY: book book-nosolutions test test-notebooks test-lab lint notebooks \
        bench chromium lock clean grading-venv grading-release grade lock-grading

# Two pinned sets compiled from one source (make lock): what a student's kernel needs
# (Binder installs only this) and the developer toolchain on top of it.
STUDENT_PINS := binder/requirements.txt
DEV_PINS := tests/requirements-dev.txt


BUILD_FLAGS := --warningiserror --nitpick --keep-going

# The instructor's grading tools in their own environment: nbgrader 0.9.6 and a kernel
# from binder/grading.txt (neither Binder nor the book build installs them), gradlab on
# top. Everything runs offline, with no hub and no Docker.
GRADING_VENV := .grading-venv
GRADING_PY := $(GRADING_VENV)/bin/python
GRADING := $(GRADING_VENV)/.installed
COURSE := _build/grading

book: $(INSTALLED) $(VENDORED)
	$(BIN)/jupyter-book build . $(BUILD_FLAGS)
	@echo "The book is in _build/html: open _build/html/index.html in a browser."

# For graded use: the same book with every solution removed, from the pages and the downloads.
book-nosolutions: $(INSTALLED) $(VENDORED)
	BOOK_HIDE_SOLUTIONS=1 $(BIN)/jupyter-book build . --path-output _build/nosolutions $(BUILD_FLAGS)
	@echo "The book without solutions is in _build/nosolutions/_build/html."

PYTEST := $(BIN)/python -m pytest -p no:cacheprovider
NBVAL := --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg

# Library and checker tests, the linter, then every notebook against its committed outputs
# in the environment Binder would build, then the notebooks as a student runs them in
# JupyterLab, then the book (with and without solutions) with warnings as errors, then
# every page of it in Chromium.
test: $(INSTALLED) $(VENDORED) $(GRADING) chromium lint
	GRADING_PYTHON=$(CURDIR)/$(GRADING_PY) $(PYTEST) tests --ignore=tests/site --ignore=tests/lab
	$(MAKE) --no-print-directory test-notebooks
	$(MAKE) --no-print-directory test-lab
	$(MAKE) --no-print-directory book book-nosolutions
	$(PYTEST) tests/site

# ruff (pinned in the dev set): lines <= 79 in lib/ and in the code cells a reader sees
# (cells tagged remove-cell, remove-input or hide-input are exempt: tests/lab/lint_notebooks.py).
lint: $(INSTALLED)
	$(BIN)/ruff check lib
	$(BIN)/python -m tests.lab.lint_notebooks $(NOTEBOOKS)


# What a student who clicks the Binder button gets, without Docker: a virtual environment
# made from binder/ alone (requirements.txt, then postBuild), nothing from .venv and no
# test tool. nbval runs from .venv and starts its kernels in this environment, through a
# kernelspec "binder-python3" that .venv knows.
BINDER_ENV := .binder-venv
BINDER_KERNEL := $(VENV)/share/jupyter/kernels/binder-python3/kernel.json
$(BINDER_ENV)/.installed: $(STUDENT_PINS) binder/postBuild lib/pyproject.toml
	rm -rf $(BINDER_ENV) && $(PYTHON) -m venv $(BINDER_ENV)
	$(BINDER_ENV)/bin/python -m pip install --quiet --requirement $(STUDENT_PINS)
	PATH="$(CURDIR)/$(BINDER_ENV)/bin:$$PATH" bash binder/postBuild
	touch $@

$(BINDER_KERNEL): $(BINDER_ENV)/.installed $(INSTALLED)
	mkdir -p $(dir $@)
	printf '{"argv": ["%s", "-m", "ipykernel_launcher", "-f", "{connection_file}"],\n "display_name": "Python 3 (Binder environment)", "language": "python"}\n' \
	  "$(CURDIR)/$(BINDER_ENV)/bin/python" > $@

test-notebooks: $(BINDER_KERNEL)
	$(PYTEST) $(NBVAL) --nbval-kernel-name binder-python3 $(NOTEBOOKS)

# JupyterLab from the Binder environment, every notebook run in headless Chromium.
test-lab: $(BINDER_ENV)/.installed $(INSTALLED) chromium
	$(PYTEST) tests/lab


grading-venv: $(GRADING)

$(GRADING): binder/grading.txt lib/pyproject.toml
	test -x $(GRADING_PY) || $(PYTHON) -m venv $(GRADING_VENV)
	$(GRADING_PY) -m pip install --quiet --requirement binder/grading.txt
	$(GRADING_PY) -m pip install --quiet --no-deps --editable lib
	$(GRADING_PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

# Derive an nbgrader source notebook from every exercise notebook (solutions between
# nbgrader's markers, checker cells as locked graded tests, solution blocks dropped),
# check each with `nbgrader validate`, then release: $(COURSE)/release/ is what
# students get.
grading-release: $(GRADING)
	$(GRADING_PY) -m gradlab.grading --course $(COURSE) release

# make grade SUBMISSIONS=DIR, with DIR/<student>/<assignment>/<assignment>.ipynb and/or
# the zip downloads of a learning-management system in DIR. Writes $(COURSE)/grades.csv,
# exercises.csv, flagged.csv and feedback/<student>/<assignment>/<assignment>.html.
grade: $(GRADING)
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=DIR"; exit 2; }
	test -f $(COURSE)/gradebook.release.db || $(MAKE) --no-print-directory grading-release
	$(GRADING_PY) -m gradlab.grading --course $(COURSE) grade $(SUBMISSIONS)

# Re-resolve the grading pins against binder/requirements.txt (after `make lock`).
lock-grading:
	rm -rf _lock && $(PYTHON) -m venv _lock && _lock/bin/pip install --quiet uv
	cd binder && ../_lock/bin/uv pip compile grading.in -c requirements.txt \
	  --python-version 3.11.7 -o grading.txt
	rm -rf _lock

notebooks: $(INSTALLED)
	$(BIN)/python -m tests.execute_notebooks $(NOTEBOOKS)

bench: $(INSTALLED) $(VENDORED)
	$(BIN)/python benchmarks/bench_ops.py
	$(BIN)/python benchmarks/reverse_vs_forward.py
	$(BIN)/python benchmarks/bench_book.py

# The developer's virtual environment: the dev set (the student set included), then
# gradlab as an editable package.
$(INSTALLED): $(DEV_PINS) lib/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --requirement $(DEV_PINS)
	$(BIN)/python -m pip install --quiet --no-deps --editable lib
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

# MathJax, require.js and the widget manager, from pinned npm packages, served by the book itself.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

$(VENDORED): node_modules/.package-lock.json
	rm -rf _vendor && mkdir -p _vendor/html-manager
	cp -r node_modules/mathjax/es5 _vendor/mathjax
	cp node_modules/requirejs/require.js _vendor/require.js
	cp node_modules/@jupyter-widgets/html-manager/dist/embed-amd.js \
	   node_modules/@jupyter-widgets/html-manager/dist/*.woff* _vendor/html-manager/
	touch $@

# The browser tests drive Debian's chromium (Playwright's own browser download is not used).
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -q && apt-get install -y -q chromium; \
	  else \
	    echo "The browser tests need Chromium at $(CHROMIUM)."; \
	    echo "Install it (Debian/Ubuntu: sudo apt-get install chromium) or pass CHROMIUM=/path/to/chromium."; \
	    exit 1; \
	  fi; \
	fi

# Recompile both pinned sets from their sources with uv (pinned here), keeping every
# version already pinned unless a source asks otherwise: the student set first, then the
# developer set constrained to it, so the two never disagree. To upgrade everything,
# delete the two .txt files first.
UV_VERSION := 0.13.8
UV_COMPILE = _lock/bin/uv pip compile --quiet --python $(PYTHON) --annotation-style line \
  --custom-compile-command "make lock"
lock:
	rm -rf _lock && $(PYTHON) -m venv _lock
	_lock/bin/python -m pip install --quiet uv==$(UV_VERSION)
	$(UV_COMPILE) binder/requirements.in -o $(STUDENT_PINS)
	$(UV_COMPILE) tests/requirements-dev.in --constraint $(STUDENT_PINS) -o $(DEV_PINS)
	rm -rf _lock

clean:
	rm -rf _build _vendor .jupyter_cache $(BINDER_ENV) $(GRADING_VENV)
