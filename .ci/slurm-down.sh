#!/usr/bin/env bash
# Stops the daemons started by .ci/slurm-up.sh (slurmd, slurmctld, munged),
# each by the process id in its pid file. Installed packages and
# configuration stay; slurm-up.sh starts the cluster again.
set -uo pipefail
stop() { # name pidfile
  if [ -f "$2" ] && kill -0 "$(cat "$2")" 2>/dev/null; then
    local pid; pid="$(cat "$2")"
    echo "slurm-down: stopping $1 (pid $pid)"
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  rm -f "$2"
}
if command -v scontrol >/dev/null 2>&1 && [ "${1:-}" = "--cancel" ]; then
  scancel --user=root 2>/dev/null || true
fi
stop slurmd /run/slurmd.pid
stop slurmctld /run/slurmctld.pid
stop munged /run/munge/munged.pid
exit 0
