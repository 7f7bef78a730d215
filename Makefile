# Two entry points for a fresh machine with only python3: `make demo` and `make test`.
# pip (not uv/poetry) because the pinned torch builds in constraints.txt install from local files here.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.docrag-installed
DEMO_STORE ?= .docrag-demo
DEMO_QUESTION ?= What were Apple's total net sales for the three months ended June 25, 2022?

.PHONY: install system-deps test demo bench-tables bench-retrieval bench-ocr clean

install: $(STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml constraints.txt | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[test,clip,bench,korean,serve]"
	touch $(STAMP)

# Tesseract with English and Korean data (OCR) and Chromium (the browser tests); says once, plainly, when they
# cannot be installed here.
system-deps:
	@bash scripts/system-deps.sh

test: $(STAMP) system-deps
	HF_HUB_OFFLINE=1 $(PY) -m pytest

# The sample documents only: data/SOURCES.md quotes the demo questions themselves, so indexed it would be the best
# match for every one of them.
demo: $(STAMP) system-deps
	$(VENV)/bin/docrag ingest data/*.pdf --store $(DEMO_STORE)
	$(VENV)/bin/docrag ask --store $(DEMO_STORE) "$(DEMO_QUESTION)"

bench-tables: $(STAMP)
	$(PY) bench/run_tables.py

bench-retrieval: $(STAMP)
	$(PY) bench/run_retrieval.py

bench-ocr: $(STAMP)
	$(PY) bench/ocr_accuracy.py --out bench/results/ocr-accuracy.md

clean:
	rm -rf $(DEMO_STORE) .pytest_cache
