# Backprop by Hand: the commands a student, an instructor and CI run.
#   make book       set up .venv and the vendored JavaScript, build the HTML book into _build/html
#   make test       the same set-up, then the whole suite (library, notebooks, book build, browser)
#   make notebooks  re-execute every chapter and exercise notebook in place (after a library change)
#   make bench      speed of the library (and, when PyTorch is importable, the ratio to it)
# Every target installs what it needs itself; a second run reuses what the first installed.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
VENDORED := _vendor/.copied
NOTEBOOKS := $(sort $(wildcard chapters/*.ipynb exercises/*.ipynb))
CHROMIUM ?= /usr/bin/chromium

.PHONY: book book-nosolutions test test-notebooks notebooks bench chromium lock clean

BUILD_FLAGS := --warningiserror --nitpick --keep-going

book: $(INSTALLED) $(VENDORED)
	$(BIN)/jupyter-book build . $(BUILD_FLAGS)
	@echo "The book is in _build/html: open _build/html/index.html in a browser."

# For graded use: the same book with every solution removed, from the pages and the downloads.
book-nosolutions: $(INSTALLED) $(VENDORED)
	BOOK_HIDE_SOLUTIONS=1 $(BIN)/jupyter-book build . --path-output _build/nosolutions $(BUILD_FLAGS)
	@echo "The book without solutions is in _build/nosolutions/_build/html."

PYTEST := $(BIN)/python -m pytest -p no:cacheprovider
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

# Library and checker tests, then every notebook against its committed outputs in the
# environment Binder would build, then the book (with and without solutions) with warnings
# as errors, then every page of it in Chromium.
test: $(INSTALLED) $(VENDORED) chromium
	$(PYTEST) tests --ignore=tests/site
	$(MAKE) --no-print-directory test-notebooks
	$(MAKE) --no-print-directory book book-nosolutions
	$(PYTEST) tests/site

# What a student who clicks the Binder button gets, without Docker: a virtual environment
# made from binder/ alone (requirements.txt, then postBuild), nothing from .venv. Every
# notebook runs in it top to bottom and must reproduce its committed outputs.
BINDER_ENV := .binder-venv
$(BINDER_ENV)/.installed: binder/requirements.txt binder/postBuild lib/pyproject.toml
	rm -rf $(BINDER_ENV) && $(PYTHON) -m venv $(BINDER_ENV)
	$(BINDER_ENV)/bin/python -m pip install --quiet --requirement binder/requirements.txt
	PATH="$(CURDIR)/$(BINDER_ENV)/bin:$$PATH" bash binder/postBuild
	touch $@

test-notebooks: $(BINDER_ENV)/.installed
	$(BINDER_ENV)/bin/python -m pytest -p no:cacheprovider $(NBVAL) $(NOTEBOOKS)


notebooks: $(INSTALLED)
	$(BIN)/python -m tests.execute_notebooks $(NOTEBOOKS)

bench: $(INSTALLED) $(VENDORED)
	$(BIN)/python benchmarks/bench_ops.py
	$(BIN)/python benchmarks/bench_book.py

# The virtual environment: the pinned requirements, then gradlab as an editable package.
$(INSTALLED): binder/requirements.txt lib/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --requirement binder/requirements.txt
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

# Re-resolve the pins from the top-level packages (a deliberate upgrade, reviewed by hand).
lock:
	rm -rf _lock && $(PYTHON) -m venv _lock
	_lock/bin/pip install --quiet jupyter-book==1.0.4.post1 numpy matplotlib ipywidgets ipykernel \
	  nbval pytest hypothesis playwright jupyterquiz sphinx-exercise scikit-learn tqdm jupyterlab
	{ sed -n 1,3p binder/requirements.txt; _lock/bin/pip freeze; } > _lock/requirements.txt
	mv _lock/requirements.txt binder/requirements.txt
	rm -rf _lock

clean:
	rm -rf _build _vendor .jupyter_cache $(BINDER_ENV)
