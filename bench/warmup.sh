#!/usr/bin/env bash
# bench/warmup.sh: how long after start the balancer answers, and how its req/s climbs to warm speed,
# with and without Java's AOT cache (JDK 25: -XX:AOTCacheOutput / -XX:AOTCache, JEPs 483, 514, 515).
# Not a test. Needs wrk, nginx, curl (bench/run.sh installs them) and balancer/target/balancer.jar.
#
#   bench/warmup.sh [--rounds N] [--seconds S] [--port-base N]
#
# Per round, in turn: the balancer as bin/balancer starts it ("plain"), then the same with an AOT cache
# made beforehand by one training run (30 s of wrk -c50, ended by SIGTERM: the JVM writes the cache
# at exit). For each start: milliseconds until the first 200 answer, then req/s of S one-second
# wrk -c50 runs. Backends: one nginx on three ports. Everything it starts, it stops.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cd "$root"
rounds=3 seconds=15 port_base=18200
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift ;;
    --seconds) seconds=$2; shift ;;
    --port-base) port_base=$2; shift ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "warmup: unknown option $1 (see bench/warmup.sh --help)" >&2; exit 2 ;;
  esac
  shift
done
source "$root/bin/lib/launcher.sh"
java_bin=$(launcher_java)
if [ "$("$java_bin" -XX:+PrintFlagsFinal -version 2>/dev/null | grep -c AOTCacheOutput)" = 0 ]; then
  echo "warmup: $java_bin has no AOT cache (JDK 25 or newer needed; set JAVA_HOME)" >&2
  exit 1
fi
work=$(mktemp -d /tmp/lb-warmup.XXXXXX)
pids=()
stop_all() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

b1=$((port_base + 1)) b2=$((port_base + 2)) b3=$((port_base + 3)) port=$((port_base + 10))
for p in $b1 $b2 $b3 $port; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "warmup: port $p is in use (--port-base)" >&2; exit 1; fi
done
mkdir -p "$work/logs" "$work/tmp"
cat >"$work/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/tmp/body; proxy_temp_path $work/tmp/proxy; fastcgi_temp_path $work/tmp/fastcgi;
  uwsgi_temp_path $work/tmp/uwsgi; scgi_temp_path $work/tmp/scgi;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$b1; listen 127.0.0.1:$b2; listen 127.0.0.1:$b3;
    location = /health { return 200 "ok\n"; }
    location / { return 200 "Hello from backend \$server_port\n"; }
  }
}
CONF
chmod -R a+rX "$work"
nginx -p "$work" -c "$work/nginx.conf" -g 'daemon off;' >"$work/logs/nginx.log" 2>&1 &
pids+=("$!")
printf '{"port": %d, "host": "127.0.0.1", "adminPort": 0, "drainTimeoutMs": 0, "healthCheckInterval": 2, "servers": [{"url": "http://127.0.0.1:%d"}, {"url": "http://127.0.0.1:%d"}, {"url": "http://127.0.0.1:%d"}]}' \
  "$port" "$b1" "$b2" "$b3" >"$work/lb.json"
defaults=$(sed -n 's/^LAUNCHER_JVM_OPTS=\${BALANCER_JAVA_OPTS:-\(.*\)}$/\1/p' bin/balancer)

# start LABEL EXTRA_JVM_OPTIONS...: one start, one line of figures.
start() {
  local label=$1 t0 t1 pid series="" r
  shift
  t0=$(date +%s%N)
  BALANCER_JAVA_OPTS="$defaults $*" bin/balancer --config "$work/lb.json" >"$work/$label.log" 2>&1 &
  pid=$!
  pids+=("$pid") # stopped on exit too, if the script is interrupted mid-measurement
  until curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; do
    kill -0 "$pid" 2>/dev/null || { echo "warmup: balancer ($label) exited; its log:" >&2; tail "$work/$label.log" >&2; exit 1; }
    sleep 0.02
  done
  t1=$(date +%s%N)
  for _ in $(seq 1 "$seconds"); do
    r=$(wrk -t2 -c50 -d1s "http://127.0.0.1:$port/" | sed -n 's/^Requests\/sec: *\([0-9]*\).*/\1/p')
    series="$series ${r:-0}"
  done
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  printf '%-6s first answer after %6d ms; req/s per second:%s (load %s)\n' "$label" $(((t1 - t0) / 1000000)) \
    "$series" "$(cut -d' ' -f1 /proc/loadavg)"
}

echo "warmup: training run for the AOT cache (30 s)..."
BALANCER_JAVA_OPTS="$defaults -XX:AOTCacheOutput=$work/lb.aot" bin/balancer --config "$work/lb.json" >"$work/train.log" 2>&1 &
pid=$!
pids+=("$pid")
until curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; do
  kill -0 "$pid" 2>/dev/null || { echo "warmup: the training run exited; its log:" >&2; tail "$work/train.log" >&2; exit 1; }
  sleep 0.1
done
wrk -t2 -c50 -d30s "http://127.0.0.1:$port/" >/dev/null
kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
[ -f "$work/lb.aot" ] || { echo "warmup: no AOT cache written; log:" >&2; tail "$work/train.log" >&2; exit 1; }
echo "warmup: AOT cache $(du -m "$work/lb.aot" | cut -f1) MB; $rounds round(s) of $seconds s, $(nproc) CPUs"
for round in $(seq 1 "$rounds"); do
  start plain
  start aot "-XX:AOTCache=$work/lb.aot"
done
