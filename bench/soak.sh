#!/usr/bin/env bash
# bench/soak.sh: the balancer under a long mixed load with churn, watched for anything that grows.
# Not a test: CI and `mvn verify` never run it. See docs/performance.md#soak for a 30-minute run.
#
#   bench/soak.sh [MINUTES] [--backends nginx|backend-server] [--churn-every S] [--port-base N]
#     MINUTES          length of the run (default 30)
#     --backends KIND  three nginx processes (default) or three bin/backend-server processes
#     --churn-every S  seconds between churn rounds (default 180; the first comes after half of it)
#     --port-base N    backends N+1..N+3, balancer N+10, admin N+11, metrics N+12 (default 29000)
#
# Load, all on 127.0.0.1: 200 client connections through bin/balancer (its default JVM options):
#   - 192 from wrk with bench/soak/mix.lua: 88% small GETs, 6% 1 MiB downloads, 6% 256 KiB uploads. wrk
#     runs back to back for 10 s each, so every interval has its own p99 and error count;
#   - 8 slow clients (bench/soak/slow_clients.py): heads sent a byte every 100 ms, 64 KiB uploads at
#     16 KiB/s, 1 MiB downloads read at 256 KiB/s.
# Churn, one round every --churn-every seconds: kill -9 a backend, restart it 2 s later and wait until
# it is UP; drain another with `lbctl drain --wait` and `lbctl enable` it; `lbctl reload`. Only the
# kill may cost requests (those in flight on the killed backend): failures are excused from the kill
# to 5 s after the backend is UP again. Drain, enable and reload must cost none. The samples of a
# whole round, to 5 s after the reload, are left out of the trends (descriptors dip with a backend).
# Every 10 s it samples the balancer: RSS, threads and open descriptors (/proc), requests in flight (the
# metrics endpoint's lb_backend_in_flight, summed), heap used, and every third sample the heap after a
# full GC (`jcmd PID GC.run`, then the metrics' usage after the last collection; forcing a GC every
# 10 s would itself show in p99).
#
# It fails (exit 1, one line per reason) when a metric's mean over the last fifth of the run exceeds
# its mean over the second fifth by more than its tolerance (bench/soak/report.py says which and why),
# when any request fails outside the kill part of a churn round, or when requests are still in flight once traffic
# has stopped. Output in bench/results/soak-STAMP.{csv,md,png} (the plot needs gnuplot) plus the churn
# windows (-churn.csv) and the slow clients' log (-slow.log).
#
# Everything it starts, it stops, on Ctrl-C too. The run ends at MINUTES plus the final checks.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cd "$root"

minutes=30 backends=nginx churn_every=180 port_base=29000
while [ $# -gt 0 ]; do
  case "$1" in
    --backends) backends=$2; shift ;;
    --churn-every) churn_every=$2; shift ;;
    --port-base) port_base=$2; shift ;;
    -h|--help) sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    [0-9]*) minutes=$1 ;;
    *) echo "soak: unknown option $1 (see bench/soak.sh --help)" >&2; exit 2 ;;
  esac
  shift
done
case "$backends" in
  nginx) small_path=/ large_path=/1m upload_path=/upload ;;
  backend-server) small_path=/ large_path=/bytes/1048576 upload_path=/echo ;;
  *) echo "soak: --backends is nginx or backend-server, not $backends" >&2; exit 2 ;;
esac
for tool in wrk curl python3 jcmd; do
  command -v "$tool" >/dev/null || { echo "soak: $tool not found; install it (wrk, curl, python3, a JDK's jcmd)" >&2; exit 2; }
done
[ "$backends" != nginx ] || command -v nginx >/dev/null || { echo "soak: nginx not found; install it or use --backends backend-server" >&2; exit 2; }
for jar in balancer/target/balancer.jar admin-cli/target/lbctl.jar backend-server/target/backend-server.jar; do
  [ -f "$jar" ] || { echo "soak: $jar is missing; build the jars: ./mvnw -B -q package -DskipTests" >&2; exit 2; }
done

# --- state and cleanup ---------------------------------------------------------------------------
# Backends are restarted by the churn loop, a child shell: every process writes its pid file in $work,
# and cleanup stops whatever those files name, plus the children of the loops it started.
work=$(mktemp -d /tmp/lb-soak.XXXXXX)
loops=()
stop_pid() { # PID: TERM, up to 5 s, then KILL; a stopped process is resumed first
  local pid=$1
  kill -CONT "$pid" 2>/dev/null || true
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}
cleanup() {
  trap - INT TERM EXIT
  local pid f
  for pid in "${loops[@]}"; do
    pkill -P "$pid" 2>/dev/null || true
    stop_pid "$pid"
  done
  for f in "$work"/*.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f" 2>/dev/null || true)
    [ -n "$pid" ] && stop_pid "$pid"
  done
  wait 2>/dev/null || true
  [ "${SOAK_KEEP:-0}" = 1 ] && echo "soak: kept $work" || rm -rf "$work"
}
trap 'echo; echo "soak: interrupted, stopping everything"; cleanup; exit 130' INT TERM
trap cleanup EXIT

port() { echo $((port_base + $1)); }
backend_url() { echo "http://127.0.0.1:$(port "$1")"; }
lb_port=$(port 10) admin_port=$(port 11) metrics_port=$(port 12)
for p in $(port 1) $(port 2) $(port 3) "$lb_port" "$admin_port" "$metrics_port"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    echo "soak: port $p is in use; stop what listens there or pick other ports with --port-base" >&2
    exit 1
  fi
done
export LBCTL_TARGET=127.0.0.1:$admin_port
await_http() { # URL SECONDS: until URL answers 200
  local deadline=$((SECONDS + $2))
  while [ $SECONDS -lt $deadline ]; do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" || true)" = 200 ] && return 0
    sleep 0.2
  done
  return 1
}

# --- backends: three separate processes, so one can be killed alone -----------------------------------
if [ "$backends" = nginx ]; then
  head -c 1048576 /dev/zero | tr '\0' 'x' >"$work/1m"
  for n in 1 2 3; do
    mkdir -p "$work/nginx-$n/tmp"
    # master_process off: one process per backend, so kill -9 takes the whole backend down (a killed
    # master would leave its workers serving).
    cat >"$work/nginx-$n/nginx.conf" <<EOF
master_process off;
daemon off;
pid $work/backend-$n.pid;
error_log $work/nginx-$n/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx-$n/tmp/body;
  proxy_temp_path $work/nginx-$n/tmp/proxy;
  fastcgi_temp_path $work/nginx-$n/tmp/fastcgi;
  uwsgi_temp_path $work/nginx-$n/tmp/uwsgi;
  scgi_temp_path $work/nginx-$n/tmp/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 75s;
  client_max_body_size 2m;
  sendfile on;
  default_type text/plain;
  server {
    listen 127.0.0.1:$(port "$n");
    root $work;
    location = /health { return 200 "ok\n"; }
    location = /1m { }
    location = /upload { return 200 "got it\n"; }
    location / { return 200 "Hello from backend $n\n"; }
  }
}
EOF
  done
  chmod -R a+rX "$work"
fi
start_backend() { # N: starts backend N and waits until it answers /health
  # Started from a subshell, so a kill -9 by the churn loop is not reported as a job of this shell.
  if [ "$backends" = nginx ]; then
    (nginx -p "$work/nginx-$1" -c "$work/nginx-$1/nginx.conf" >>"$work/backend-$1.log" 2>&1 & echo $! >"$work/backend-$1.pid")
  else
    (bin/backend-server --port "$(port "$1")" >>"$work/backend-$1.log" 2>&1 & echo $! >"$work/backend-$1.pid")
  fi
  await_http "$(backend_url "$1")/health" 60 || { echo "soak: backend $1 did not start: $(tail -n 5 "$work/backend-$1.log")" >&2; exit 1; }
}
for n in 1 2 3; do start_backend $n; done

# --- the balancer, as bin/balancer runs it ---------------------------------------------------------------
cat >"$work/config.json" <<JSON
{"port": $lb_port, "host": "127.0.0.1", "adminPort": $admin_port, "metricsPort": $metrics_port,
 "healthCheckInterval": 2, "drainTimeoutMs": 2000,
 "servers": [{"url": "$(backend_url 1)"}, {"url": "$(backend_url 2)"}, {"url": "$(backend_url 3)"}]}
JSON
bin/balancer --config "$work/config.json" >"$work/balancer.log" 2>&1 &
lb_pid=$! # bin/balancer execs the JVM, so this is the JVM's pid
echo "$lb_pid" >"$work/balancer.pid"
await_http "http://127.0.0.1:$lb_port/" 60 || { echo "soak: the balancer did not come up: $(tail -n 5 "$work/balancer.log")" >&2; exit 1; }
jcmd_bin="$(dirname "$(readlink -f "/proc/$lb_pid/exe")")/jcmd"
[ -x "$jcmd_bin" ] || jcmd_bin=jcmd

metrics() { curl -s --max-time 5 "http://127.0.0.1:$metrics_port/metrics" || true; }
# metric_sum TEXT REGEX: the sum of the samples whose name and labels match REGEX (empty when none)
metric_sum() {
  awk -v re="$2" '$0 !~ /^#/ && $1 ~ re { s += $NF; n++ } END { if (n) printf "%.0f", s }' <<<"$1"
}
in_flight_now() { # requests in flight to backends plus those queued, from the metrics endpoint
  local m backends queued
  m=$(metrics)
  backends=$(metric_sum "$m" '^lb_backend_in_flight[{]') queued=$(metric_sum "$m" '^lb_queue_length')
  echo $((${backends:-0} + ${queued:-0}))
}
backend_up() { # N: the balancer sees backend N UP
  [ "$(metric_sum "$(metrics)" "^lb_backend_up[{].*backend=\"$(backend_url "$1")\"")" = 1 ]
}

# --- churn: a child shell, one round every $churn_every seconds -------------------------------------
stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p bench/results
out="bench/results/soak-$stamp-$backends"
churn_log="$out-churn.csv" slow_log="$out-slow.log" samples="$work/samples.csv"
: >"$churn_log"
: >"$slow_log"
# admin WHAT ARGS...: one lbctl call, tried up to 3 times. On the loaded machine a call can miss lbctl's
# 10 s default deadline (measured at load average 46); an `enable` that is not retried leaves its
# backend draining, and after three such rounds no backend was in rotation and every request got 503.
admin() {
  local what=$1 attempt
  shift
  for attempt in 1 2 3; do
    bin/lbctl --timeout 60s "$@" >>"$work/lbctl.log" 2>&1 && return 0
    echo "soak: lbctl $1 failed, attempt $attempt ($what)" >&2
  done
  echo "soak: FAIL: lbctl $* failed three times ($what); the churn cannot go on" >&2
  return 1
}
churn_loop() {
  local round=0 next=$((start + churn_every / 2)) k d t0 victim t_kill_end
  while [ $((next + 60)) -le "$end" ]; do
    while [ "$(date +%s)" -lt "$next" ]; do sleep 1; done
    k=$((round % 3 + 1)) d=$(((round + 1) % 3 + 1))
    t0=$(date +%s.%N)
    victim=$(cat "$work/backend-$k.pid")
    kill -9 "$victim" 2>/dev/null || true
    sleep 2
    start_backend "$k"
    for _ in $(seq 1 60); do backend_up "$k" && break; sleep 1; done
    sleep 5
    t_kill_end=$(date +%s.%N)
    admin "round $round" drain "$(backend_url "$d")" --wait
    admin "round $round" enable "$(backend_url "$d")"
    admin "round $round" reload
    sleep 5
    echo "$t0,$(date +%s.%N),$t_kill_end,kill -9 backend $k + restart; drain+enable backend $d; reload" >>"$churn_log"
    round=$((round + 1)) next=$((next + churn_every))
  done
}

# --- load and samples: wrk back to back, 10 s each, sampled while it runs -------------------------------
echo "soak: $minutes min, backends $backends, churn every ${churn_every}s, balancer pid $lb_pid; results $out.*"
export SOAK_SMALL_PATH=$small_path SOAK_LARGE_PATH=$large_path SOAK_UPLOAD_PATH=$upload_path
# Warm-up before the clock starts, so the run judges a warm JVM: 192 connections on a cold one, on a
# loaded 2-core machine, time out while the JIT compiles (measured: 1,121 failures in the first 10 s).
echo "soak: warm-up, 30 s (not judged)"
wrk -t2 -c50 -d10s --timeout 5s -s bench/soak/mix.lua "http://127.0.0.1:$lb_port/" >"$work/warmup-1.txt" 2>&1 || true
wrk -t2 -c192 -d20s --timeout 5s -s bench/soak/mix.lua "http://127.0.0.1:$lb_port/" >"$work/warmup-2.txt" 2>&1 || true
echo "soak: warm-up: $(grep -h -E 'requests in|Socket errors|Non-2xx' "$work"/warmup-*.txt | tr -s ' ' | tr '\n' ';')"
start=$(date +%s)
end=$((start + minutes * 60))
churn_loop &
loops+=("$!")
python3 bench/soak/slow_clients.py 127.0.0.1 "$lb_port" "$end" "$slow_log" "$small_path" "$large_path" "$upload_path" &
loops+=("$!")
echo "t_start,t_end,requests,rps,p99_ms,wrk_errors,non2xx,rss_mb,heap_after_gc_mb,heap_used_mb,threads,fds,in_flight,wrk_timeouts" >"$samples"
i=0
while [ "$(date +%s)" -lt "$end" ]; do
  t_start=$(date +%s.%N)
  wrk -t2 -c192 -d10s --timeout 5s --latency -s bench/soak/mix.lua "http://127.0.0.1:$lb_port/" >"$work/wrk-$i.txt" 2>&1 &
  wrk_pid=$!
  echo "$wrk_pid" >"$work/wrk.pid"
  # Mid-interval: on a loaded machine wrk can take over 2 s to open its connections, and a sample
  # taken before that reads an idle balancer (measured: 210 descriptors and 2 in flight, not 410 and 100).
  sleep 5
  # Read the load-dependent figures first: behind backend-server at load average 48, jcmd took over
  # 5 s, and figures read after it fell in the gap between two wrk runs (40 descriptors, 2 in flight).
  m=$(metrics)
  heap_used=$(awk -v b="$(metric_sum "$m" '^jvm_memory_used_bytes[{]area="heap"')" 'BEGIN { printf "%.1f", b / 1048576 }')
  in_flight=$(metric_sum "$m" '^lb_backend_in_flight[{]')
  rss=$(awk '$1 == "VmRSS:" { printf "%.1f", $2 / 1024 }' "/proc/$lb_pid/status" 2>/dev/null || true)
  threads=$(awk '$1 == "Threads:" { print $2 }' "/proc/$lb_pid/status" 2>/dev/null || true)
  fds=$(ls "/proc/$lb_pid/fd" 2>/dev/null | wc -l)
  heap_after=""
  if [ $((i % 3)) = 0 ]; then
    "$jcmd_bin" "$lb_pid" GC.run >/dev/null 2>&1 || true
    heap_after=$(metric_sum "$(metrics)" '^jvm_memory_pool_collection_used_bytes')
    [ -z "$heap_after" ] || heap_after=$(awk -v b="$heap_after" 'BEGIN { printf "%.1f", b / 1048576 }')
  fi
  wait "$wrk_pid" || true
  t_end=$(date +%s.%N)
  if ! kill -0 "$lb_pid" 2>/dev/null; then
    echo "soak: FAIL: the balancer exited; its log:" >&2
    tail -n 20 "$work/balancer.log" >&2
    exit 1
  fi
  python3 - "$work/wrk-$i.txt" <<EOF >>"$samples"
import importlib.util, sys
spec = importlib.util.spec_from_file_location("benchlib", "bench/benchlib.py")
lib = importlib.util.module_from_spec(spec); spec.loader.exec_module(lib)
r = lib.parse_wrk(sys.argv[1])
import re
m = re.search(r"Socket errors:.* timeout (\d+)", open(sys.argv[1]).read())
print("$t_start,$t_end,%d,%.0f,%s,%d,%d,$rss,$heap_after,$heap_used,$threads,$fds,${in_flight:-},%d" % (
    r["requests"], r["rps"], "" if r["p99"] is None else "%.2f" % r["p99"], max(r["socket_errors"], 0), r["non2xx"],
    int(m.group(1)) if m else 0))
EOF
  tail -n1 "$samples" | awk -F, -v m="$(( ($(date +%s) - start) / 60 ))" \
    '{ printf "  min %3d  %6s req/s  p99 %8s ms  failed %s  rss %s MiB  heap-after-gc %s  threads %s  fds %s  in flight %s\n", m, $4, $5, $6 + $7, $8, ($9 == "" ? "-" : $9), $11, $12, $13 }'
  i=$((i + 1))
done

# --- after the load: nothing may stay in flight ---------------------------------------------------------
for pid in "${loops[@]}"; do wait "$pid" 2>/dev/null || true; done
loops=()
idle_ok=0
for _ in $(seq 1 30); do
  if [ "$(in_flight_now)" = 0 ]; then idle_ok=1; break; fi
  sleep 1
done
# One look through the admin API too: its count covers requests the metrics have no series for.
lb_in_flight=$(bin/lbctl status --json --timeout 60 | python3 -c 'import json, sys; print(json.load(sys.stdin)["balancer"]["inFlight"])' || echo "?")
[ "$lb_in_flight" = 0 ] || idle_ok=0
echo "soak: after the load: in flight $(in_flight_now) (metrics), $lb_in_flight (lbctl status)"

status=0
python3 bench/soak/report.py "$samples" "$churn_log" "$slow_log" "$out" || status=1
if [ "$idle_ok" = 0 ]; then
  echo "soak: FAIL: requests in flight did not return to 0 within 30 s of the end of the load"
  status=1
fi
echo "soak: results in $out.csv, $out.md$([ -f "$out.png" ] && echo ", $out.png" || true)"
[ "$status" = 0 ] && echo "soak: PASS" || true
exit "$status"
