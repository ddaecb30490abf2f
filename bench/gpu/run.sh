#!/usr/bin/env bash
# The book on one GPU machine, in one command: its environment, the loss benchmarks on CUDA,
# and every notebook of the book executed on CUDA. See bench/gpu/README.md.
#
#   bash bench/gpu/run.sh              # on the GPU machine (wheels from .whl/, see wheels.sh)
#   PYTHON=.venv/bin/python bash bench/gpu/run.sh --smoke --no-wheels   # a CPU rehearsal
#
# Options: --smoke (CPU sizes, 3 short notebooks, 2 at a time), --no-wheels (skip installing
# .whl/), --jax (the notebooks once more with KERAS_BACKEND=jax), --jobs N (notebooks at a
# time, 8), --budget S (seconds for all steps, 460), --only a,b (steps: env, losses,
# elementwise, vocab, notebooks). Results: $OUT (default ./gpu-out), at most 8 files.
#
# Each step runs under its own time cap (timeout) and within what is left of --budget, and a
# step that fails or runs over does not stop the next. The benchmarks go first (bounded and
# short), the notebooks last: their runner stops starting notebooks at its deadline and
# records the rest as not run, so they use the time that is left, whatever it is.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
PY=${PYTHON:-python3}
OUT=${OUT:-$ROOT/gpu-out}
SMOKE=0 WHEELS=1 JAX=0 JOBS=8 BUDGET=460 ONLY=env,losses,elementwise,vocab,notebooks
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) SMOKE=1 ;;
    --no-wheels) WHEELS=0 ;;
    --jax) JAX=1 ;;
    --jobs) JOBS=$2; shift ;;
    --budget) BUDGET=$2; shift ;;
    --only) ONLY=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
if [ "$SMOKE" = 1 ] && [ "$JOBS" = 8 ]; then JOBS=2; fi
mkdir -p "$OUT"
TMP=${TMPDIR:-/tmp}/lossbook-gpu
mkdir -p "$TMP"

export PYTHONUNBUFFERED=1 KERAS_BACKEND=torch TF_CPP_MIN_LOG_LEVEL=3
# JAX would take 75 % of the GPU in each of the parallel kernels that import it
export XLA_PYTHON_CLIENT_PREALLOCATE=false
export JUPYTER_PATH=$TMP/kernel/share/jupyter JUPYTER_RUNTIME_DIR=$TMP/runtime
export JUPYTER_PLATFORM_DIRS=1 IPYTHONDIR=$TMP/ipython MPLCONFIGDIR=$TMP/matplotlib

if [ "$SMOKE" = 1 ]; then
  DEVICE=cpu
  NOTEBOOKS=(book/foundations/01_loss_and_gradient_descent.ipynb
             book/foundations/02_likelihood.ipynb book/foundations/03_exercises.ipynb)
  NB_TIMEOUT=150
  LOSSES_ARGS=(--budget 0.02)
  ELEMENTWISE_ARGS=(--numel 65536 --repeats 5 --losses mse log_cosh binary_focal)
  VOCAB_ARGS=(--hidden 64 --tokens 256 --vocab 4096 8192 --threads 1 --repeats 1)
else
  DEVICE=cuda
  NOTEBOOKS=()  # the book's, from _toc.yml
  NB_TIMEOUT=180
  LOSSES_ARGS=(--budget 0.5)
  ELEMENTWISE_ARGS=(--numel $((1 << 26)) --repeats 20)
  VOCAB_ARGS=(--hidden 2048 --tokens 8192 --vocab 131072 262144 --repeats 3)
fi
CORES=$(nproc)
THREADS=$(( CORES / JOBS > 0 ? CORES / JOBS : 1 ))

STATUS=()
step() {  # step NAME CAP COMMAND...: run within CAP seconds and what is left of the budget
  local name=$1 cap=$2 left
  shift 2
  case ",$ONLY," in *",$name,"*) ;; *) return ;; esac
  left=$(( BUDGET - SECONDS ))
  if [ "$cap" -gt "$left" ]; then cap=$left; fi
  if [ "$cap" -lt 10 ]; then
    echo "== $name: not run, the budget ($BUDGET s) is spent"
    STATUS+=("$name: not run (budget spent)")
    return
  fi
  echo "== $name: $(date +%T), cap $cap s"
  local start=$SECONDS rc
  timeout --kill-after=15 "$cap" "$@"
  rc=$?
  case $rc in
    0) STATUS+=("$name: ok, $((SECONDS - start)) s") ;;
    124|137) STATUS+=("$name: stopped at its cap of $cap s") ;;
    *) STATUS+=("$name: exit $rc, $((SECONDS - start)) s") ;;
  esac
  echo "== $name: exit $rc after $((SECONDS - start)) s"
}

main() {
  SECONDS=0
  echo "bench/gpu/run.sh: device $DEVICE, smoke $SMOKE, jobs $JOBS ($THREADS threads each),"\
       "budget $BUDGET s, steps $ONLY; results in $OUT"
  if [ "$WHEELS" = 1 ]; then
    if ls .whl/*.whl > /dev/null 2>&1; then
      "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target "$TMP/site" .whl/*.whl && echo "installed $(ls .whl/*.whl | wc -l) wheels" \
        "in $SECONDS s" || echo "wheel install failed: going on with what is installed"
    else
      echo "no .whl/*.whl here (bash bench/gpu/wheels.sh makes them): going on without"
    fi
    export PYTHONPATH=$ROOT:$TMP/site
  else
    export PYTHONPATH=$ROOT
  fi
  "$PY" -m ipykernel install --prefix "$TMP/kernel" --name python3 > /dev/null 2>&1 \
    && echo "kernel python3 -> $PY in $JUPYTER_PATH" || echo "ipykernel install failed"

  step env 45 bash -c '"$0" bench/gpu/env_report.py > "$1" 2>&1; rc=$?; cat "$1"; exit $rc' \
    "$PY" "$OUT/env.txt"
  step losses 50 "$PY" bench/bench_losses.py --only torch --device "$DEVICE" \
    "${LOSSES_ARGS[@]}" --markdown "$OUT/losses_$DEVICE.md"
  step elementwise 100 "$PY" bench/bench_elementwise.py --device "$DEVICE" \
    "${ELEMENTWISE_ARGS[@]}" --markdown "$OUT/elementwise.md" --json "$OUT/elementwise.json"
  step vocab 80 "$PY" bench/bench_large_vocab.py --device "$DEVICE" --dtype bfloat16 \
    "${VOCAB_ARGS[@]}" --methods naive chunked torch_fused --json "$OUT/large_vocab.json"
  local only=()
  if [ ${#NOTEBOOKS[@]} -gt 0 ]; then only=(--only "${NOTEBOOKS[@]}"); fi
  local runner=(env OMP_NUM_THREADS="$THREADS" MKL_NUM_THREADS="$THREADS"
    OPENBLAS_NUM_THREADS="$THREADS" "$PY" bench/gpu/run_notebooks.py --jobs "$JOBS"
    --timeout "$NB_TIMEOUT" --json "$OUT/notebooks.json" --markdown "$OUT/notebooks.md"
    "${only[@]}")
  # the runner's own deadline, inside the step's cap: it stops starting notebooks, then
  # stops those running, and writes its files
  step notebooks 400 "${runner[@]}" --label "keras torch" --deadline $(( BUDGET - SECONDS - 20 ))
  if [ "$JAX" = 1 ]; then
    KERAS_BACKEND=jax step notebooks 400 "${runner[@]}" --label "keras jax" \
      --deadline $(( BUDGET - SECONDS - 20 ))
  fi

  echo "== summary after $SECONDS s"
  printf '  %s\n' "${STATUS[@]}"
  ls -l "$OUT"
}

main 2>&1 | tee "$OUT/log.txt"
exit "${PIPESTATUS[0]}"
