#!/usr/bin/env bash
# Times one MNIST epoch of backprop SGD (784-50-20-10, batch 32) in dopa
# and in PyTorch, one thread each, interleaved: round after round, every
# dopa test binary runs BenchmarkMNISTEpochSGD once and PyTorch runs two
# epochs (the second is timed) in float64 and in float32, so that all see
# the same load (docs/performance.md, "Dense training").
#
#   go test -c -o /tmp/train.test ./experiments/train
#   bash docs/reference/mnist_timing.sh 5 /tmp/train.test > mnist_timings.txt
#   benchstat -col /name mnist_timings.txt   # or plain benchstat
#
# More test binaries after the first (another commit's build) run in the
# same rounds, their lines renamed BenchmarkMNISTEpoch/BINARY. PyTorch runs
# under OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 (Debian's torch does not
# set OpenBLAS's threads itself), once per core type in CORETYPES (default
# "default SkylakeX": OpenBLAS's own choice, Cooperlake on this EPYC, and
# the SkylakeX kernels, its fastest here); every line is a Go benchmark
# line with ns/op (wall) and cpu-s/op (CPU of the process, all threads).
set -euo pipefail
rounds=${1:?usage: mnist_timing.sh ROUNDS TEST_BINARY [TEST_BINARY...]}
shift
[ $# -ge 1 ] || { echo "usage: mnist_timing.sh ROUNDS TEST_BINARY [TEST_BINARY...]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
echo "goos: linux"
echo "goarch: amd64"
echo "pkg: github.com/dopa-sim/dopa/experiments/train"
for r in $(seq 1 "$rounds"); do
  for bin in "$@"; do
    name=$(basename "$bin" .test)
    (cd "$here/../../experiments/train" && "$bin" -test.run '^$' -test.bench 'MNISTEpochSGD$' -test.benchtime 1x) |
      sed -n "s|^BenchmarkMNISTEpochSGD-[0-9]*|BenchmarkMNISTEpoch/dopa-$name|p"
  done
  for core in ${CORETYPES:-default SkylakeX}; do
    for prec in float64 float32; do
      if [ "$core" = default ]; then ct=(); else ct=(OPENBLAS_CORETYPE="$core"); fi
      env OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 "${ct[@]}" \
        /usr/bin/python3 "$here/mnist_epoch_torch.py" "$prec" 2 "torch-$prec-$core" | grep '^Benchmark'
    done
  done
done
