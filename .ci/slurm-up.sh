#!/usr/bin/env bash
# Starts dopa's single-node Slurm test cluster on localhost (Debian bookworm,
# as root, no systemd needed): installs slurm-wlm and munge if missing, writes
# /etc/slurm/slurm.conf from .ci/slurm/slurm.conf, creates the munge key,
# starts munged, slurmctld and slurmd directly and waits until sinfo shows
# the node idle. Safe to run again: a healthy cluster is left as it is, a
# half-started one is restarted.
#
# Environment: DOPA_SLURM_CPUS (default: the larger of nproc and 4),
# DOPA_SLURM_TIMEOUT seconds to wait for the node (default 60).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
timeout_s="${DOPA_SLURM_TIMEOUT:-60}"
log() { echo "slurm-up: $*"; }

dump_logs() {
  echo "slurm-up: FAILED: $*" >&2
  for f in /var/log/munge/munged.log /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log; do
    if [ -f "$f" ]; then echo "---- last lines of $f" >&2; tail -n 40 "$f" >&2; fi
  done
  if command -v sinfo >/dev/null 2>&1; then
    echo "---- sinfo" >&2; sinfo -N -l 2>&1 >&2 || true
  fi
  exit 1
}

if [ "$(id -u)" -ne 0 ]; then
  echo "slurm-up: must run as root (it installs packages and starts daemons)" >&2
  exit 1
fi

# 1. Packages.
need=()
for c in slurmctld slurmd sbatch munged; do
  command -v "$c" >/dev/null 2>&1 || need+=("$c")
done
if [ ${#need[@]} -gt 0 ]; then
  log "installing slurm-wlm munge (missing: ${need[*]})"
  export DEBIAN_FRONTEND=noninteractive
  timeout 600 apt-get update -qq || dump_logs "apt-get update"
  timeout 900 apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null \
    || dump_logs "apt-get install slurm-wlm munge"
fi
log "$(slurmctld -V), munge $(munged --version 2>&1 | awk '{print $1; exit}')"

# 2. Configuration.
host="$(hostname -s)"
cpus="${DOPA_SLURM_CPUS:-$(nproc)}"
case "$cpus" in
  ''|*[!0-9]*|0) echo "slurm-up: DOPA_SLURM_CPUS=$cpus is not a positive integer" >&2; exit 1 ;;
esac
if [ -z "${DOPA_SLURM_CPUS:-}" ] && [ "$cpus" -lt 4 ]; then cpus=4; fi
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
new_conf="$(sed -e "s/@HOST@/$host/g" -e "s/@CPUS@/$cpus/g" "$here/slurm/slurm.conf")"
conf_changed=0
if [ ! -f /etc/slurm/slurm.conf ] || [ "$(cat /etc/slurm/slurm.conf)" != "$new_conf" ]; then
  printf '%s\n' "$new_conf" > /etc/slurm/slurm.conf
  conf_changed=1
  log "wrote /etc/slurm/slurm.conf (node $host, $cpus CPUs)"
fi
# No cgroup.conf: proctrack/linuxproc and task/none do not use cgroups.
rm -f /etc/slurm/cgroup.conf

# 3. munge.
mkdir -p /etc/munge /var/lib/munge /var/log/munge /run/munge
chown munge:munge /etc/munge /var/lib/munge /var/log/munge /run/munge
chmod 0700 /etc/munge /var/lib/munge /var/log/munge
chmod 0755 /run/munge
if [ ! -s /etc/munge/munge.key ]; then
  log "creating /etc/munge/munge.key"
  if command -v mungekey >/dev/null 2>&1; then
    mungekey --create --keyfile=/etc/munge/munge.key --force
  else
    dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
  fi
fi
chown munge:munge /etc/munge/munge.key
chmod 0400 /etc/munge/munge.key
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  log "starting munged"
  if [ -f /run/munge/munged.pid ]; then kill "$(cat /run/munge/munged.pid)" 2>/dev/null || true; sleep 1; fi
  if ! runuser -u munge -- /usr/sbin/munged; then
    # munged refuses directories it finds insecure (group-writable / or
    # /run, as in some containers); on a single-node test cluster that
    # check protects nothing, so start it anyway, and say so.
    log "munged refused to start; retrying with --force"
    runuser -u munge -- /usr/sbin/munged --force || dump_logs "munged did not start"
  fi
  for _ in $(seq 1 50); do
    munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break
    sleep 0.2
  done
  munge -n | unmunge >/dev/null 2>&1 || dump_logs "munge credential round trip"
fi

# 4. Slurm daemons (started directly: no systemd on these machines).
# alive PIDFILE: the daemon the pid file names (slurmd.pid: slurmd) runs
# under that pid; a stale file whose pid was reused by another process
# does not count.
alive() {
  [ -f "$1" ] || return 1
  local pid name; pid="$(cat "$1")"; name="$(basename "$1" .pid)"
  kill -0 "$pid" 2>/dev/null && [ "$(ps -p "$pid" -o comm= 2>/dev/null)" = "$name" ]
}
stop() { # pidfile
  if alive "$1"; then
    local pid; pid="$(cat "$1")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$1"
}
if [ "$conf_changed" = 1 ]; then
  # A new configuration: restart both daemons (jobs in the queue survive in
  # the state directory).
  stop /run/slurmd.pid
  stop /run/slurmctld.pid
fi
if ! alive /run/slurmctld.pid; then
  log "starting slurmctld"
  slurmctld || dump_logs "slurmctld did not start"
fi
for _ in $(seq 1 50); do scontrol ping 2>/dev/null | grep -q 'is UP' && break; sleep 0.2; done
scontrol ping 2>/dev/null | grep -q 'is UP' || dump_logs "slurmctld does not answer scontrol ping"
if ! alive /run/slurmd.pid; then
  log "starting slurmd"
  slurmd || dump_logs "slurmd did not start"
fi

# 5. Wait until the node is idle (resume it if an earlier run left it down).
deadline=$(( $(date +%s) + timeout_s ))
while :; do
  state="$(sinfo -h -N -n "$host" -o '%T' 2>/dev/null | head -n1 || true)"
  case "$state" in
    idle|mixed|allocated|completing) break ;;
    down*|drain*|fail*) scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true ;;
  esac
  if [ "$(date +%s)" -ge "$deadline" ]; then
    dump_logs "node $host not idle after ${timeout_s}s (state: '${state:-none}')"
  fi
  sleep 0.5
done
log "cluster up: node $host is $state; $(scontrol show config | grep -E '^MaxArraySize' | tr -s ' ')"
