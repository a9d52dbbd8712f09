#!/usr/bin/env bash
# bench/churn.sh: churn under load, longer than the suite's ChurnUnderLoadTest, against the built jars.
# Not a test: CI and `mvn verify` never run it. Needs wrk, python3 and the jars
# (mvn -B -q package -DskipTests).
#
# 100 keep-alive connections (wrk) through bin/balancer in front of three bin/backend-server processes,
# while: kill -9 backend 1; SIGSTOP backend 2 for 5 s, then SIGCONT; restart backend 1; drain backend 3
# (lbctl drain --wait) and enable it; lbctl reload. Then it checks:
#   - failed requests (wrk's socket errors + non-2xx) <= requests in flight on the killed and the frozen
#     backend at the moment of the signal (read with lbctl status just before and after it);
#   - nothing in flight afterwards (balancer and every backend);
#   - the balancer's threads, open files and RSS (/proc/PID) against their level after a warm-up with
#     the same load: at most +12 threads, +6 descriptors, +32 MiB (the suite's margins, and why, are in
#     ChurnUnderLoadTest).
#
#   bench/churn.sh [--freeze S] [--duration S] [--port-base N]
#     --freeze S     how long backend 2 stays stopped (default 5)
#     --duration S   seconds of load in the churn phase (default 40); the warm-up is a third of it
#     --port-base N  backends on N+1..N+3, balancer N+10, admin N+11 (default 18400)
#
# Everything it starts, it stops, on Ctrl-C too. Exit 0 when every check passes, 1 otherwise.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cd "$root"

freeze=5 duration=40 port_base=18400
while [ $# -gt 0 ]; do
  case "$1" in
    --freeze) freeze=$2; shift ;;
    --duration) duration=$2; shift ;;
    --port-base) port_base=$2; shift ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "churn: unknown option $1 (see bench/churn.sh --help)" >&2; exit 2 ;;
  esac
  shift
done
command -v wrk >/dev/null || { echo "churn: wrk not found; install it (apt-get install wrk)" >&2; exit 2; }

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -CONT "$pid" 2>/dev/null || true; kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port() { echo $((port_base + $1)); }
url() { echo "http://127.0.0.1:$(port "$1")"; }
lb_port=$(port 10) admin_port=$(port 11)
export LBCTL_TARGET=127.0.0.1:$admin_port
lbctl() { bin/lbctl "$@"; }

start_backend() { # N: starts backend N on its port; sets backend_pid[N]
  bin/backend-server --port "$(port "$1")" >"$work/backend-$1.log" 2>&1 &
  backend_pid[$1]=$!
  pids+=("$!")
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$(port "$1")") 2>/dev/null && return 0
    sleep 0.2
  done
  echo "churn: backend $1 did not start: $(cat "$work/backend-$1.log")" >&2; exit 1
}

# status FIELD [BACKEND_URL]: one number from lbctl status --json (in_flight, or a backend's inFlight).
status() {
  local json
  json=$(lbctl status --json --timeout 30) || { echo "churn: lbctl status failed" >&2; exit 1; }
  python3 -c '
import json, sys
s = json.load(sys.stdin)
field, url = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else None)
if url is None:
    print(s["balancer"][field])
else:
    print(next(b for b in s["backends"] if b["url"] == url)[field])' "$@" <<<"$json"
}
health() { status health "$(url "$1")"; }
peak_in_flight() { # N: the most requests in flight on backend N over five reads in a row
  local peak=0 n
  for _ in 1 2 3 4 5; do n=$(status inFlight "$(url "$1")"); [ "$n" -gt "$peak" ] && peak=$n; done
  echo "$peak"
}
await() { # DESCRIPTION SECONDS COMMAND...: polls COMMAND until it succeeds
  local what=$1 seconds=$2; shift 2
  for _ in $(seq $((seconds * 5))); do "$@" && return 0; sleep 0.2; done
  echo "churn: timed out after ${seconds}s waiting for $what" >&2; exit 1
}
is_up() { [ "$(health "$1" 2>/dev/null)" = HEALTH_STATE_UP ]; }
is_down() { [ "$(health "$1")" = HEALTH_STATE_DOWN ]; }
idle() {
  [ "$(status inFlight)" = 0 ] && for n in 1 2 3; do [ "$(status inFlight "$(url $n)")" = 0 ] || return 1; done
}
proc() { # FIELD: Threads or VmRSS of the balancer, or fds
  if [ "$1" = fds ]; then ls "/proc/$lb_pid/fd" | wc -l; else awk -v f="$1:" '$1 == f {print $2}' "/proc/$lb_pid/status"; fi
}
# wrk_failures FILE: socket errors plus non-2xx/3xx answers in a wrk report
wrk_failures() {
  python3 -c '
import re, sys
text = open(sys.argv[1]).read()
errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", text.split("Socket errors:")[1])) if "Socket errors:" in text else 0
non2xx = int(re.search(r"Non-2xx or 3xx responses: (\d+)", text).group(1)) if "Non-2xx" in text else 0
print(errors + non2xx)' "$1"
}

for n in 1 2 3; do start_backend $n; done
cat >"$work/config.json" <<JSON
{"port": $lb_port, "host": "127.0.0.1", "adminPort": $admin_port, "retries": 2,
 "healthCheckInterval": 1, "healthCheck": {"timeoutMs": 500, "healthyThreshold": 1},
 "timeouts": {"backendIdleMs": 500},
 "servers": [{"url": "$(url 1)"}, {"url": "$(url 2)"}, {"url": "$(url 3)"}]}
JSON
# A fixed heap, touched up front, so RSS shows what grows besides it.
BALANCER_JAVA_OPTS="-XX:+UseParallelGC -Xms128m -Xmx128m -XX:+AlwaysPreTouch -XX:+ExitOnOutOfMemoryError" \
  bin/balancer --config "$work/config.json" >"$work/balancer.log" 2>&1 &
lb_pid=$! # bin/balancer execs the JVM
pids+=("$lb_pid")
await "the balancer to listen" 60 grep -q "listening on" "$work/balancer.log"
await "all backends UP" 30 bash -c "$(declare -f lbctl status health url port is_up); port_base=$port_base; is_up 1 && is_up 2 && is_up 3"

echo "warm-up: $((duration / 3)) s at 100 connections"
# wrk's timeout above the freeze: a request held by the frozen backend is slow, not failed.
wrk -t2 -c100 -d"$((duration / 3))s" --timeout "$((freeze + 10))s" "http://127.0.0.1:$lb_port/" >"$work/warmup.txt"
echo "warm-up failures: $(wrk_failures "$work/warmup.txt")"
await "nothing in flight" 30 idle
sleep 1 # idle backend connections expire (backendIdleMs 500)
threads_before=$(proc Threads) fds_before=$(proc fds) rss_before=$(proc VmRSS)

echo "churn: ${duration} s at 100 connections"
wrk -t2 -c100 -d"${duration}s" --timeout "$((freeze + 10))s" --latency "http://127.0.0.1:$lb_port/" >"$work/churn.txt" &
wrk_pid=$!
pids+=("$wrk_pid")
sleep 3
killed_before=$(peak_in_flight 1)
kill -9 "${backend_pid[1]}"
killed_after=$(status inFlight "$(url 1)")
await "backend 1 DOWN" 30 is_down 1
frozen_before=$(peak_in_flight 2)
kill -STOP "${backend_pid[2]}"
frozen_after=$(status inFlight "$(url 2)")
echo "backend 2 stopped for ${freeze} s"
sleep "$freeze"
kill -CONT "${backend_pid[2]}"
start_backend 1
await "backends 1 and 2 UP" 60 bash -c "$(declare -f lbctl status health url port is_up); port_base=$port_base; is_up 1 && is_up 2"
lbctl drain "$(url 3)" --wait --timeout 60s >/dev/null
lbctl enable "$(url 3)" >/dev/null
lbctl reload >/dev/null
echo "drained, enabled and reloaded; load runs to its end"
wait "$wrk_pid" || true
cat "$work/churn.txt"

allowed=$(( (killed_before > killed_after ? killed_before : killed_after) + (frozen_before > frozen_after ? frozen_before : frozen_after) ))
failed=$(wrk_failures "$work/churn.txt")
await "nothing in flight" 30 idle
sleep 1
threads_after=$(proc Threads) fds_after=$(proc fds) rss_after=$(proc VmRSS)

ok=1
check() { # DESCRIPTION CONDITION
  if eval "$2"; then echo "ok    $1"; else echo "FAIL  $1"; ok=0; fi
}
check "failed requests $failed <= in flight on the killed and frozen backends $allowed" "[ $failed -le $allowed ]"
check "nothing in flight afterwards" "idle"
check "threads $threads_before -> $threads_after (margin 12)" "[ $threads_after -le $((threads_before + 12)) ]"
check "open files $fds_before -> $fds_after (margin 6)" "[ $fds_after -le $((fds_before + 6)) ]"
check "RSS $rss_before -> $rss_after KiB (margin 32 MiB)" "[ $rss_after -le $((rss_before + 32768)) ]"
[ "$ok" = 1 ]
