# Workflows of axolotl_fast. `make help` lists them. Each target uses the cached
# Python >= 3.12 venv with axolotl 0.21 (scripts/venv.sh builds it on first use).
.DEFAULT_GOAL := help
SHELL := /bin/bash
VENV = $(shell bash scripts/venv.sh)
OFFLINE = HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 \
	AXOLOTL_DO_NOT_TRACK=1 WANDB_MODE=disabled

.PHONY: help
help: ## list the workflows
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "}; {printf "  make %-14s %s\n", $$1, $$2}'

.PHONY: venv
venv: ## build (or find) the cached venv and print its path
	@bash scripts/venv.sh

.PHONY: build
build: ## build the extension (debug, with the test hooks) into the venv
	VIRTUAL_ENV=$(VENV) $(VENV)/bin/maturin develop --features test-hooks

.PHONY: build-release
build-release: ## build the extension (release, for benchmarks) into the venv
	VIRTUAL_ENV=$(VENV) $(VENV)/bin/maturin develop --release

.PHONY: wheel
wheel: ## build an abi3 release wheel into dist/
	$(VENV)/bin/maturin build --release --out dist

.PHONY: wheel-check
wheel-check: ## build the release wheel, smoke-test it in fresh Python 3.11 / 3.12 venvs
	bash scripts/wheel-check.sh

.PHONY: test
test: ## run every test: lint, cargo test, pytest (README's test command)
	bash scripts/test.sh

.PHONY: test-rust
test-rust: ## cargo test on the Rust core
	cargo test

.PHONY: test-python
test-python: build ## pytest without the slow end-to-end axolotl runs
	$(OFFLINE) $(VENV)/bin/python -m pytest -m "not e2e"

.PHONY: test-e2e
test-e2e: build ## the end-to-end `axolotl preprocess` / `axolotl train` tests
	$(OFFLINE) $(VENV)/bin/python -m pytest -m e2e

.PHONY: fuzz
fuzz: ## short fuzz run of every cargo-fuzz target (FUZZ_SECONDS=300 for a long run)
	bash scripts/fuzz.sh $(FUZZ_SECONDS)

.PHONY: lint
lint: build ## cargo fmt --check, clippy -D warnings, ruff, stubtest
	bash scripts/lint.sh $(VENV)

.PHONY: fmt
fmt: ## format Rust and Python sources
	cargo fmt --all
	$(VENV)/bin/ruff format .

.PHONY: bench
bench: ## the full benchmark harness (about an hour): docs/benchmarks.md and its charts
	$(VENV)/bin/python benchmarks/run.py

.PHONY: bench-quick
bench-quick: ## every benchmark on small inputs (minutes): bench-report/benchmarks.md
	$(VENV)/bin/python benchmarks/run.py --quick

.PHONY: demo
demo: ## the main job: tiny model + data, axolotl preprocess + train with the plugin
	bash scripts/demo.sh

.PHONY: clean
clean: ## remove build outputs (not the cached venv)
	cargo clean
	rm -rf build dist src/axolotl_fast/*.so
