#!/usr/bin/env bash
# Everything in this project that needs a CUDA GPU, in stages that each fit one call of a lent machine
# (10 minutes a call, about 30 minutes a session), every result and log written under $OUT.
#
#   OUT=/some/folder bash benchmarks/gpu_session.sh STAGE [STAGE ...]
#
# stages
#   check       the machine and versions (env.txt), the CUDA tests (pytest -m cuda), the demo on the GPU's torch
#   triton      the fused Triton kernels' tests compiled on the device (tests/triton: float32, bf16, fp16 against
#               the readable path) and the CUDA graphs' tests (cuda_graphed and the Trainer's)
#   tests       the whole test suite on the machine's torch (another version than CI's), 8 processes
#   bench       benchmarks/recurrent_vs_torch.py on cuda: cuDNN, bf16, CUDA graphs, peak memory;
#               BENCH_ONLY="0 1" runs only those configurations (positions in its list) to split it over calls;
#               BENCH_TF32=off|on makes cuDNN and the matrix products both strict float32 or both TF32
#               (default: PyTorch's defaults, TF32 in cuDNN only)
#   bench-more  benchmarks/bidirectional_vs_torch.py, dropout_overhead.py and conv_vs_torch.py on cuda
#   geron15     torchseq reproduce geron15 on cuda (the book's 20 epochs per row)
#   imdb-epoch  benchmarks/imdb_epoch.py: one training epoch of the IMDB LSTM and Bidirectional LSTM, torchseq
#               against torch.nn (cuDNN), eager and with the Trainer's CUDA graphs
#   imdb        torchseq reproduce chollet-imdb on cuda, the archive at $IMDB (default out/aclImdb_v1.tar.gz);
#               IMDB_ONLY="lstm bidirectional_lstm" for some rows
#
# Each step runs under `timeout $STEP_TIMEOUT` (default 540 s), its output in $OUT/logs/<step>.log, its exit
# status appended to $OUT/summary.txt; a failing step does not stop the next. The benchmarks rewrite their
# JSON and markdown after every configuration, so a step cut short keeps what it finished.
# DEVICE=cpu QUICK=1 runs the same stages small on a CPU: a check of this script, not a measurement.
#
# With the device tool (the machine has its own CUDA build of torch, pytest, pandas, tqdm and matplotlib;
# run the checkout with PYTHONPATH=. rather than installing it): the IMDB archive is 29 MB, so copy it into
# the ignored out/ folder here and carry it:
#   mkdir -p out && cp ../shared/data/aclImdb_v1.tar.gz out/
#   run(command="bash benchmarks/gpu_session.sh check bench", carry=["out/aclImdb_v1.tar.gz"])
# The tool brings back at most 8 files from its $OUT, so write elsewhere and pack it (as on 2026-11-23):
#   R=$OUT; OUT=/tmp/g bash benchmarks/gpu_session.sh check bench; tar czf $R/gpu.tgz -C /tmp g
# Stage times seen on an H100 (2026-11-23, torch 2.11): check 20 s, bench 150 s (--tf32 off on two
# configurations 25 s), bench-more 130 s, tests 58 s, geron15 over 165 s (8 of its 15 rows in 165 s), imdb per
# row: conv1d 30 s, simple_rnn 80 s, lstm 180 s (bidirectional_lstm not run; expect about twice the lstm's).
# A warm machine goes back after 30 s idle, so chain the calls or put the stages in one.
set -u
cd "$(dirname "$0")/.."
OUT="${OUT:-out/gpu}"
PYTHON="${PYTHON:-python3}"
STEP_TIMEOUT="${STEP_TIMEOUT:-540}"
IMDB="${IMDB:-out/aclImdb_v1.tar.gz}"
DEVICE="${DEVICE:-cuda}"
QUICK="${QUICK:+--quick}"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p "$OUT/logs" "$OUT/results"

step() {  # step NAME COMMAND...: run it under the time limit, log it, record its exit status
    local name="$1"; shift
    local start=$SECONDS
    echo "== $name: $*" | tee -a "$OUT/summary.txt"
    timeout "$STEP_TIMEOUT" "$@" > "$OUT/logs/$name.log" 2>&1
    local status=$?
    echo "== $name: exit $status after $((SECONDS - start)) s" | tee -a "$OUT/summary.txt"
    tail -n 15 "$OUT/logs/$name.log"
}

environment() {
    timeout 60 nvidia-smi || echo "nvidia-smi: not available"
    timeout 120 "$PYTHON" - <<'EOF'
import platform, torch
print("python", platform.python_version(), "| torch", torch.__version__, "| CUDA", torch.version.cuda,
      "| cuDNN", torch.backends.cudnn.version())
if torch.cuda.is_available():
    p = torch.cuda.get_device_properties(0)
    print("GPU", p.name, "|", p.multi_processor_count, "SMs |", round(p.total_memory / 2**30, 1), "GiB")
else:
    print("no CUDA device visible")
EOF
}

if [ "$#" -eq 0 ]; then
    echo "usage: OUT=folder bash benchmarks/gpu_session.sh check|triton|tests|bench|bench-more|imdb-epoch|geron15|imdb ..." >&2
    exit 2
fi
for stage in "$@"; do
    case "$stage" in
        check)
            environment > "$OUT/env.txt" 2>&1
            cat "$OUT/env.txt"
            step cuda-tests "$PYTHON" -m pytest -m cuda -q -rs -p no:cacheprovider --junitxml="$OUT/cuda_tests.xml" tests
            step demo "$PYTHON" -m torchseq demo ;;
        triton)
            step triton-tests "$PYTHON" -m pytest -q -rs -p no:cacheprovider --junitxml="$OUT/triton_tests.xml" \
                tests/triton tests/train/test_cuda_graphs.py tests/fast/test_cuda_graphs.py ;;
        imdb-epoch)
            # shellcheck disable=SC2086  # QUICK is split on purpose
            step imdb-epoch "$PYTHON" benchmarks/imdb_epoch.py --device "$DEVICE" --out "$OUT/results" $QUICK \
                ${BENCH_TF32:+--tf32 $BENCH_TF32} ;;
        tests)
            # two threads per worker: 8 workers of the machine's default thread count oversubscribe its CPUs
            step tests env OMP_NUM_THREADS=2 "$PYTHON" -m pytest -q -n 8 -p no:cacheprovider tests ;;
        bench)
            # shellcheck disable=SC2086  # QUICK and BENCH_ONLY are split on purpose
            step recurrent-vs-torch "$PYTHON" benchmarks/recurrent_vs_torch.py --device "$DEVICE" --out "$OUT/results" \
                $QUICK ${BENCH_ONLY:+--only $BENCH_ONLY} ${BENCH_TF32:+--tf32 $BENCH_TF32} ;;
        bench-more)
            step bidirectional-vs-torch "$PYTHON" benchmarks/bidirectional_vs_torch.py --device "$DEVICE" --out "$OUT/results" $QUICK
            step dropout-overhead "$PYTHON" benchmarks/dropout_overhead.py --device "$DEVICE" --out "$OUT/results" $QUICK
            step conv-vs-torch "$PYTHON" benchmarks/conv_vs_torch.py --device "$DEVICE" --out "$OUT/results" $QUICK ;;
        geron15)
            step geron15 "$PYTHON" -m torchseq reproduce geron15 --device "$DEVICE" --out "$OUT/geron15" $QUICK ;;
        imdb)
            if [ ! -f "$IMDB" ]; then
                echo "== imdb: no archive at $IMDB (copy ../shared/data/aclImdb_v1.tar.gz there and carry it)" \
                    | tee -a "$OUT/summary.txt"
                continue
            fi
            # shellcheck disable=SC2086  # QUICK and IMDB_ONLY are split on purpose
            step chollet-imdb "$PYTHON" -m torchseq reproduce chollet-imdb --data "$IMDB" --device "$DEVICE" \
                --out "$OUT/chollet_imdb" $QUICK ${IMDB_ONLY:+--only $IMDB_ONLY} ;;
        *)
            echo "unknown stage $stage (check, triton, tests, bench, bench-more, imdb-epoch, geron15, imdb)" >&2
            exit 2 ;;
    esac
done
