#!/usr/bin/env bash
# bench/train_step.py on the lent GPU, as ONE command (see /work/shared/gpu.md and bench/RESULTS.md):
#   bash bench/gpu_run.sh          # on the GPU box, from the repository root, with .whl/ and .tok/ carried
# Installs the carried wheels (.whl/) into /tmp/site, takes the tokenizer from .tok/, and runs every configuration
# as its own process under its own `timeout`, so an out-of-memory or a slow compile cannot eat the others' time.
# Writes <name>.json + <name>.log per configuration and table.md under $OUT (default bench/out/gpu).
# Dry run on a CPU (checks the script's logic with a toy model of the same architecture):
#   SKIP_INSTALL=1 PY=.venv/bin/python MODEL=tiny DEVICE=cpu DTYPE=fp32 OUT=/tmp/gpu_dry bash bench/gpu_run.sh
set -u
OUT=${OUT:-bench/out/gpu}; PY=${PY:-python3}
MODEL=${MODEL:-qwen3-8b-random}; DEVICE=${DEVICE:-cuda}; DTYPE=${DTYPE:-bf16}; SCALE=${SCALE:-1}
mkdir -p "$OUT"
if [ -z "${SKIP_INSTALL:-}" ]; then
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
    && export PYTHONPATH=/tmp/site:$PWD || exit 3
fi
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
export PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True
[ "$DEVICE" = cuda ] && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader > "$OUT/gpu.txt" 2>&1
$PY -c "import torch, transformers, trl, peft; print('torch', torch.__version__, 'transformers', transformers.__version__, 'trl', trl.__version__, 'peft', peft.__version__)" \
  | tee "$OUT/versions.txt" || exit 4
COMMON=(--model "$MODEL" --dtype "$DTYPE" --lora --device "$DEVICE" --tokenizer .tok --max-new-tokens 48
        --metric distinct --repeats 2 --force-term)
T0=$(date +%s)
run() {  # name, timeout seconds (x SCALE), bench arguments...
  local name=$1 t=$(( $2 * SCALE )); shift 2
  local s=$(date +%s)
  timeout -k 5 "$t" $PY bench/train_step.py "${COMMON[@]}" "$@" --json "$OUT/$name.json" > "$OUT/$name.log" 2>&1
  local rc=$?
  echo "$name: rc=$rc, $(( $(date +%s) - s )) s (limit $t s), total $(( $(date +%s) - T0 )) s" | tee -a "$OUT/runs.txt"
  [ $rc -ne 0 ] && tail -5 "$OUT/$name.log"
}
run b4n4_plain       100 --batch 4 --n 4
run b4n4_merge       100 --batch 4 --n 4 --merge-lora
run b4n4_merge_static 160 --batch 4 --n 4 --merge-lora --static-cache
run b8n8_chunk16     110 --batch 8 --n 8 --chunk 16
{ $PY bench/gpu_table.py "$OUT"; echo; echo '```'; cat "$OUT/versions.txt" "$OUT/runs.txt"; echo '```'; } | tee "$OUT/table.md"
