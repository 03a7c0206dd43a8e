# yibao-guard: the two commands of the README, and the steps they stand on.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: demo test lint setup clean bench

demo: $(STAMP)  ## generate the demo city, ingest, screen, summarise, evaluate, then open the console
	$(BIN)/yibao demo --dir demo
	@echo "控制台 / console: http://127.0.0.1:8000/console/  (Ctrl-C 停止 / to stop)"
	YIBAO_CASE_DB=demo/yibao.cases.sqlite $(BIN)/yibao serve --db demo/yibao.duckdb

test: $(STAMP)  ## lint and run the whole test suite
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest -q

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	touch $(STAMP)

bench: $(STAMP)  ## run by hand; figures go to bench/RESULTS.md
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/bench_synth.py
	$(BIN)/python bench/bench_ingest.py
	$(BIN)/python bench/screen.py --source demo/yibao.duckdb --lines 10000000

clean:
	rm -rf demo .pytest_cache .ruff_cache
