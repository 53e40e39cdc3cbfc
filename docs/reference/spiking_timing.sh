#!/usr/bin/env bash
# Times the CUBA and COBA networks in dopa and in Brian2's C++ standalone
# binary, one thread each, interleaved: round after round, each network runs
# once in each simulator, so that both see the same load (docs/performance.md).
#
#   go build -o /tmp/dopa ./cmd/dopa
#   /usr/bin/python3 docs/reference/cuba_brian2.py 1 1   # compiles /tmp/cuba_brian2_1_0
#   /usr/bin/python3 docs/reference/coba_brian2.py 1 1   # compiles /tmp/coba_brian2_1_0
#   bash docs/reference/spiking_timing.sh 9 /tmp/dopa > timings.txt
#
# NETS chooses the networks (default "cuba coba"); Brunel's (brunel, and
# brunel_stdp with docs/reference/brunel_stdp_brian2.py 1 1) needs
#   /usr/bin/python3 docs/reference/brunel_brian2.py 1 1  # compiles /tmp/brunel_brian2_1_0
#   NETS=brunel bash docs/reference/spiking_timing.sh 5 /tmp/dopa > timings.txt
#
# More dopa binaries after the first (another commit's build) run in the
# same rounds, each named by its file name. THREADS="1 2" runs each dopa
# binary once per thread count (--threads N), named NAME/tN.
#
# Prints one line per run: the round, the simulator (brian2 or the dopa
# binary's name), the network, the seconds of its simulation loop
# (construction excluded: dopa's summary.json sim_seconds, Brian2's
# results/last_run_info.txt) and dopa's spike count. Brian2's binaries rerun as compiled (seed 1); dopa runs the
# built-in circuit files (their seed 1), spikes recorded as Brian2's
# SpikeMonitor records them.
set -euo pipefail
rounds=${1:?usage: spiking_timing.sh ROUNDS DOPA_BINARY [DOPA_BINARY...]}
shift
[ $# -ge 1 ] || { echo "usage: spiking_timing.sh ROUNDS DOPA_BINARY [DOPA_BINARY...]" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for r in $(seq 1 "$rounds"); do
  for net in ${NETS:-cuba coba}; do
    (cd "/tmp/${net}_brian2_1_0" && ./main >/dev/null)
    read -r loop _ < "/tmp/${net}_brian2_1_0/results/last_run_info.txt"
    echo "$r brian2 $net $loop"
    for dopa in "$@"; do
      for th in ${THREADS:-1}; do
        name=$(basename "$dopa")
        args=()
        if [ -n "${THREADS:-}" ]; then
          name="$name/t$th"
          args=(--threads "$th")
        fi
        "$dopa" run "$net" "${args[@]}" --out "$out/$net" --force --quiet --store off >/dev/null
        python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(sys.argv[2], sys.argv[3], sys.argv[4], s["sim_seconds"], s["spike_count"])' \
          "$out/$net/summary.json" "$r" "$name" "$net"
      done
    done
  done
done
