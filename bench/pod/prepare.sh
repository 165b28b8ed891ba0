#!/usr/bin/env bash
# prepare.sh -- (CPU box, once, repository root) fill bench/pod/carry/ (ignored by bench/pod/.gitignore) for pod_run.sh:
#   whl/  wheels the pod image lacks (bench/pod/wheels.py; the pod's own list: /work/.library/device/KINDS.md),
#         transformers slimmed to the model folders the run imports (its full wheel, 13.5 MB, does not fit)
#   tok/  the embedded SmolLM2 tokenizer (converted from the GGUF once)
#   emb/  MiniLM-L6's config/tokenizer files (EMB_FP16=1: also its weights in fp16, ~45 MB -- only if the tree allows)
# and checks that tracked files + carry stay under the 64 MiB a `run` call may send.
set -eu
PY=${PY:-/work/main/.venv/bin/python}; C=bench/pod/carry; mkdir -p $C/whl $C/tok
export PYTHONPATH=$PWD HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
$PY bench/pod/wheels.py | grep -v -E '^(rouge-score)==' > /tmp/pod_wheels.txt
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp --platform manylinux_2_28_x86_64 \
  --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d $C/whl -r /tmp/pod_wheels.txt 2>&1 | grep -v "is ignored" || true
$PY -m pip wheel -q --no-deps -w $C/whl "rouge-score==$($PY -c 'import importlib.metadata as m; print(m.version("rouge-score"))')" 2>&1 | grep -v "is ignored" || true
$PY bench/pod/slim_transformers.py $C/whl
TOKDIR=$($PY -c "from polychromic.models import _convert_gguf, embedded_model_file; print(_convert_gguf(embedded_model_file()))")
cp "$TOKDIR"/{tokenizer.json,tokenizer_config.json,chat_template.jinja,config.json,generation_config.json} $C/tok/ 2>/dev/null || cp "$TOKDIR"/tokenizer* $C/tok/
$PY bench/pod/make_assets.py embedder-src --out $C/emb ${EMB_FP16:+--fp16}
TRACKED=$(git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1); CARRIED=$(du -sb $C | cut -f1)
echo "tracked $((TRACKED/1024/1024)) MiB + carry $((CARRIED/1024/1024)) MiB = $(((TRACKED+CARRIED)/1024/1024)) MiB of 64"
[ $((TRACKED + CARRIED)) -lt $((64*1024*1024)) ] || { echo "over the 64 MiB limit of a run call"; exit 1; }
