#!/usr/bin/env bash
# bench/run.sh: our balancer side by side with HAProxy and nginx, in front of the same three backends.
# See docs/performance.md for the method. Not a test: CI and `mvn verify` never run it.
#
#   bench/run.sh            full run (3 rounds, 10 s per case), writes the table into docs/performance.md
#   bench/run.sh --backends backend-server
#                           the same behind three backend-servers (its own table in docs/performance.md)
#   bench/run.sh --quick    1 round, 4 s per case, prints the table only (for trying a change)
#
# Options:
#   --rounds N              rounds (default 3; quick 1)
#   --duration S            seconds per wrk run (default 10; quick 4)
#   --warmup S              seconds of load on each balancer before round 1 (default 20; quick 8)
#   --cases LIST            comma list of small-1,small-50,small-200,small-1000,large-10 (default: all),
#                           and tls-50 (not in the default list);
#                           small-N is N connections asking for a small body, large-N for 1 MiB, tls-N a
#                           small body over HTTPS: the target "lb-tls" (the default config with "tls")
#                           against HAProxy's "bind ... ssl crt", both with one self-signed P-256 certificate
#   --with-access-log       adds the target "lb-log": the default config with a combined access log, to
#                           compare with "lb" in the same run
#   --backends KIND         what the proxies stand in front of: "nginx" (default; one nginx, three ports)
#                           or "backend-server" (three bin/backend-server processes, the project's own)
#   --variant 'NAME|CONFIG|JAVA_OPTS|EXTRA_CP'
#                           an extra balancer target (repeatable): CONFIG is a JSON object merged into the
#                           generated config, JAVA_OPTS replaces bin/balancer's defaults (empty: keep them),
#                           EXTRA_CP, when set, is put on the class path before the balancer jar (another
#                           HttpServer provider, or an older jar or class directory to compare code with). The default target "lb" is bin/balancer as the README runs it.
#                           EXTRA_CP "jetty" stands for Jetty's jetty-http-spi and its dependencies, fetched
#                           from Maven Central on first use (bench/jetty-spi/pom.xml).
#   --with-jetty            adds the target "jetty": the default config on Jetty's HttpServer provider
#   --no-default            leave out the default "lb" target (only the --variant ones)
#   --only-lb               leave out nginx and direct (HAProxy stays: it is what ratios are taken against)
#   --doc / --no-doc        write / don't write docs/performance.md (default: full runs write, quick don't)
#   --port-base N           ports N+1..N+3 backends, N+10.. balancers, N+30 HAProxy, N+31 nginx, N+32 HAProxy
#                           with TLS (default 18100)
#
# Everything it starts, it stops, on Ctrl-C too. Load goes to 127.0.0.1 only.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cd "$root"
lib="$root/bench/benchlib.py"

rounds="" duration="" warmup="" quick=0 doc="" port_base=18100 with_default=1 only_lb=0 backends=nginx
cases_list="small-1,small-50,small-200,small-1000,large-10"
variants=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --rounds) rounds=$2; shift ;;
    --duration) duration=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --cases) cases_list=$2; shift ;;
    --backends) backends=$2; shift ;;
    --variant) variants+=("$2"); shift ;;
    --with-jetty) variants+=("jetty|||jetty") ;;
    --with-access-log) variants+=('lb-log|{"accessLog": {"path": "@WORK@/lb-log-access.log"}}||') ;;
    --no-default) with_default=0 ;;
    --only-lb) only_lb=1 ;;
    --doc) doc=1 ;;
    --no-doc) doc=0 ;;
    --port-base) port_base=$2; shift ;;
    -h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench: unknown option $1 (see bench/run.sh --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ "$quick" = 1 ]; then
  rounds=${rounds:-1} duration=${duration:-4} warmup=${warmup:-8}
else
  rounds=${rounds:-3} duration=${duration:-10} warmup=${warmup:-20}
fi
[ -n "$doc" ] || doc=$((1 - quick))
case "$backends" in
  nginx) large_path=/1m ;;
  backend-server) large_path=/bytes/1048576 ;;
  *) echo "bench: --backends is nginx or backend-server, not $backends" >&2; exit 2 ;;
esac
[ "$with_default" = 1 ] && variants=("lb|||" "${variants[@]}")
# tls-N cases run against two targets of their own: "lb-tls" (below) and HAProxy's TLS frontend.
tls=0
case ",$cases_list," in *,tls-*) tls=1 ;; esac
[ "$tls" = 0 ] || variants+=('lb-tls|{"tls": {"certificateFile": "@WORK@/tls/cert.pem", "privateKeyFile": "@WORK@/tls/key.pem"}}||')
if [ ${#variants[@]} -eq 0 ]; then
  echo "bench: no balancer target (--no-default without --variant)" >&2
  exit 2
fi

# --- tools ---------------------------------------------------------------------------------------
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v haproxy >/dev/null || missing+=(haproxy)
command -v nginx >/dev/null || missing+=(nginx)
command -v curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench: installing ${missing[*]} from the distribution's packages..."
  as_root=()
  [ "$(id -u)" = 0 ] || as_root=(sudo)
  if ! "${as_root[@]}" apt-get install -y "${missing[@]}" >/dev/null 2>&1; then
    "${as_root[@]}" apt-get update >/dev/null
    "${as_root[@]}" apt-get install -y "${missing[@]}" >/dev/null || {
      echo "bench: could not install ${missing[*]}; install them yourself (apt-get install ${missing[*]})" >&2
      exit 1
    }
  fi
fi
# Debian's nginx package starts a system nginx on port 80; it is not ours and not in the way.

if [ ! -f balancer/target/balancer.jar ] || { [ "$backends" = backend-server ] && [ ! -f backend-server/target/backend-server.jar ]; }; then
  echo "bench: building the jars (./mvnw -B -q package -DskipTests)..."
  ./mvnw -B -q package -DskipTests
fi

# Jetty's provider of the com.sun.net.httpserver API, for the opt-in experiment: on the class path, it
# replaces the JDK's server through ServiceLoader with no change to the balancer.
jetty_cp() {
  local dir="$root/bench/jetty-spi/target/jars"
  if ! ls "$dir"/jetty-http-spi-*.jar >/dev/null 2>&1; then
    echo "bench: fetching jetty-http-spi (mvn dependency:copy-dependencies)..." >&2
    "$root/mvnw" -B -q -f "$root/bench/jetty-spi/pom.xml" dependency:copy-dependencies -DoutputDirectory="$dir" >&2 || {
      echo "bench: could not fetch jetty-http-spi from Maven Central; run without the Jetty target" >&2
      exit 1
    }
  fi
  local jars shim="$root/bench/jetty-spi/target/shim"
  jars=$(ls "$dir"/*.jar | tr '\n' ':' | sed 's/:$//')
  if [ ! -f "$shim/StartThenExecutorProvider.class" ] ||
    [ "$root/bench/jetty-spi/StartThenExecutorProvider.java" -nt "$shim/StartThenExecutorProvider.class" ]; then
    "$(dirname "$(readlink -f "$java_bin")")/javac" -nowarn -d "$shim" -cp "$jars" \
      "$root/bench/jetty-spi/StartThenExecutorProvider.java" >&2
  fi
  echo "$jars:$shim"
}

# --- state and cleanup ---------------------------------------------------------------------------
work=$(mktemp -d /tmp/lb-bench.XXXXXX)
pids=()
stop_all() {
  trap - INT TERM EXIT
  local pid
  for pid in "${pids[@]}"; do
    # The balancer ends with halt() after its drain, which skips JFR's own dump at exit: stop a
    # recording given by a variant's JAVA_OPTS here, so it reaches its file whole.
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q StartFlightRecording; then
      "$(dirname "$(readlink "/proc/$pid/exe")")/jcmd" "$pid" JFR.stop name=1 >/dev/null 2>&1 || true
    fi
  done
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  [ "${BENCH_KEEP:-0}" = 1 ] && echo "bench: kept $work" || rm -rf "$work"
}
trap 'echo; echo "bench: interrupted, stopping everything"; stop_all; exit 130' INT TERM
trap stop_all EXIT

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
need_free() {
  if port_busy "$1"; then
    echo "bench: port $1 is in use; stop what listens there or pick other ports with --port-base" >&2
    exit 1
  fi
}
# Waits until URL answers 200, or gives up naming LOG.
await_ok() {
  local url=$1 what=$2 log=$3 pid=$4
  for _ in $(seq 1 300); do
    if [ "$(curl -sk -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)" = 200 ]; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "bench: $what did not come up on $url; its log ($log):" >&2
  tail -n 20 "$log" >&2
  exit 1
}

b1=$((port_base + 1)) b2=$((port_base + 2)) b3=$((port_base + 3))
haproxy_port=$((port_base + 30)) nginx_port=$((port_base + 31)) haproxy_tls_port=$((port_base + 32))
for p in $b1 $b2 $b3 $haproxy_port $nginx_port; do need_free "$p"; done
[ "$tls" = 0 ] || need_free "$haproxy_tls_port"

# --- one self-signed certificate for the TLS cases: P-256, as Let's Encrypt issues by default ----------
haproxy_tls_frontend=""
if [ "$tls" = 1 ]; then
  mkdir -p "$work/tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -days 2 \
    -keyout "$work/tls/key.pem" -out "$work/tls/cert.pem" 2>"$work/tls/openssl.log"
  cat "$work/tls/cert.pem" "$work/tls/key.pem" >"$work/tls/haproxy.pem"
  haproxy_tls_frontend="frontend fe_tls
  bind 127.0.0.1:$haproxy_tls_port ssl crt $work/tls/haproxy.pem alpn http/1.1 ssl-min-ver TLSv1.2
  default_backend be"
fi

# --- backends: nginx on three ports (a small body, a 1 MiB body, /health), or three backend-servers -----
if [ "$backends" = nginx ]; then
  mkdir -p "$work/backend/html" "$work/backend/logs" "$work/backend/tmp"
  head -c 1048576 /dev/zero | tr '\0' 'x' >"$work/backend/html/1m"
  cat >"$work/backend/nginx.conf" <<EOF
worker_processes 2;
pid $work/backend/nginx.pid;
error_log $work/backend/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/backend/tmp/body;
  proxy_temp_path $work/backend/tmp/proxy;
  fastcgi_temp_path $work/backend/tmp/fastcgi;
  uwsgi_temp_path $work/backend/tmp/uwsgi;
  scgi_temp_path $work/backend/tmp/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 75s;
  sendfile on;
  default_type text/plain;
  server {
    listen 127.0.0.1:$b1; listen 127.0.0.1:$b2; listen 127.0.0.1:$b3;
    root $work/backend/html;
    location = /health { return 200 "ok\n"; }
    location = /1m { }
    location / { return 200 "Hello from backend \$server_port\n"; }
  }
}
EOF
  chmod -R a+rX "$work"
  nginx -p "$work/backend" -c "$work/backend/nginx.conf" -g 'daemon off;' >"$work/backend/logs/stdout.log" 2>&1 &
  backend_pid=$!
  pids+=("$backend_pid")
  for p in $b1 $b2 $b3; do await_ok "http://127.0.0.1:$p/health" "backend nginx" "$work/backend/logs/error.log" "$backend_pid"; done
else
  # bin/backend-server as the README runs it: /health, / (a small greeting), /bytes/N.
  backend_pids=()
  for p in $b1 $b2 $b3; do
    bin/backend-server --port "$p" >"$work/backend-$p.log" 2>&1 &
    pids+=("$!")
    backend_pids+=("$!")
  done
  i=0
  for p in $b1 $b2 $b3; do
    await_ok "http://127.0.0.1:$p/health" backend-server "$work/backend-$p.log" "${backend_pids[$i]}"
    i=$((i + 1))
  done
fi

# --- HAProxy ---------------------------------------------------------------------------------------
cat >"$work/haproxy.cfg" <<EOF
global
  nbthread 2
  maxconn 4096
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  option http-keep-alive
frontend fe
  bind 127.0.0.1:$haproxy_port
  default_backend be
$haproxy_tls_frontend
backend be
  balance leastconn
  option httpchk GET /health
  server s1 127.0.0.1:$b1 check inter 2s
  server s2 127.0.0.1:$b2 check inter 2s
  server s3 127.0.0.1:$b3 check inter 2s
EOF
haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
haproxy_pid=$!
pids+=("$haproxy_pid")
await_ok "http://127.0.0.1:$haproxy_port/" haproxy "$work/haproxy.log" "$haproxy_pid"

# --- nginx as a proxy --------------------------------------------------------------------------------
nginx_pid=""
if [ "$only_lb" = 0 ]; then
  mkdir -p "$work/proxy/logs" "$work/proxy/tmp"
  cat >"$work/proxy/nginx.conf" <<EOF
worker_processes 2;
pid $work/proxy/nginx.pid;
error_log $work/proxy/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/proxy/tmp/body;
  proxy_temp_path $work/proxy/tmp/proxy;
  fastcgi_temp_path $work/proxy/tmp/fastcgi;
  uwsgi_temp_path $work/proxy/tmp/uwsgi;
  scgi_temp_path $work/proxy/tmp/scgi;
  keepalive_requests 1000000;
  upstream be {
    least_conn;
    server 127.0.0.1:$b1;
    server 127.0.0.1:$b2;
    server 127.0.0.1:$b3;
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      proxy_pass http://be;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
EOF
  chmod -R a+rX "$work/proxy"
  nginx -p "$work/proxy" -c "$work/proxy/nginx.conf" -g 'daemon off;' >"$work/proxy/logs/stdout.log" 2>&1 &
  nginx_pid=$!
  pids+=("$nginx_pid")
  await_ok "http://127.0.0.1:$nginx_port/" "nginx proxy" "$work/proxy/logs/error.log" "$nginx_pid"
fi

# --- our balancer(s) ---------------------------------------------------------------------------------
unset JAVA_OPTS BALANCER_JAVA_OPTS
source "$root/bin/lib/launcher.sh"
java_bin=$(launcher_java)
declare -A target_port target_pid target_desc target_scheme
targets=()
i=0
for spec in "${variants[@]}"; do
  IFS='|' read -r name extra opts cp <<<"$spec"
  cp_label=$cp
  if [ "$cp" = jetty ]; then cp=$(jetty_cp); cp_label="Jetty's HttpServer provider ($(basename "$(ls "$root"/bench/jetty-spi/target/jars/jetty-http-spi-*.jar)" .jar))"; fi
  port=$((port_base + 10 + i))
  i=$((i + 1))
  need_free "$port"
  base=$(printf '{"port": %d, "host": "127.0.0.1", "servers": [{"url": "http://127.0.0.1:%d", "healthy": true}, {"url": "http://127.0.0.1:%d", "healthy": true}, {"url": "http://127.0.0.1:%d", "healthy": true}], "healthCheckInterval": 2, "adminPort": 0, "drainTimeoutMs": 0}' \
    "$port" "$b1" "$b2" "$b3")
  python3 "$lib" merge-config "$base" "${extra//@WORK@/$work}" >"$work/$name.json"
  [ "$name" != lb-tls ] || target_scheme[$name]=https
  log="$work/$name.log"
  if [ -n "$cp" ]; then
    # shellcheck disable=SC2086 # JVM options are a word list on purpose
    provider=()
    [ "$cp_label" = "${cp_label#Jetty}" ] || provider=(-Dcom.sun.net.httpserver.HttpServerProvider=StartThenExecutorProvider)
    "$java_bin" ${opts:--XX:+UseParallelGC -Xms64m -Xmx160m -XX:+ExitOnOutOfMemoryError} "${provider[@]}" \
      -cp "$cp:$root/balancer/target/balancer.jar" dev.lb.balancer.Main --config "$work/$name.json" >"$log" 2>&1 &
  elif [ -n "$opts" ]; then
    BALANCER_JAVA_OPTS="$opts" bin/balancer --config "$work/$name.json" >"$log" 2>&1 &
  else
    bin/balancer --config "$work/$name.json" >"$log" 2>&1 &
  fi
  pid=$!
  pids+=("$pid")
  await_ok "${target_scheme[$name]:-http}://127.0.0.1:$port/" "balancer $name" "$log" "$pid"
  target_port[$name]=$port target_pid[$name]=$pid
  target_desc[$name]="config ${extra:-{\}}, JVM \`$(tr '\0' ' ' </proc/$pid/cmdline | sed 's/ -jar .*//; s/ -cp .*//; s|^[^ ]*java ||')\`${cp_label:+, class path + $cp_label}"
  targets+=("$name")
done
flags=$(tr '\0' ' ' </proc/"${target_pid[${targets[0]}]}"/cmdline | sed 's/ -jar .*//; s/ -cp .*//; s|^[^ ]*java ||')
jdk=$("$java_bin" -version 2>&1 | sed -n '2p')

target_port[haproxy]=$haproxy_port target_pid[haproxy]=$haproxy_pid
targets+=(haproxy)
if [ "$tls" = 1 ]; then
  await_ok "https://127.0.0.1:$haproxy_tls_port/" "haproxy (tls)" "$work/haproxy.log" "$haproxy_pid"
fi
if [ "$only_lb" = 0 ]; then
  target_port[nginx]=$nginx_port target_pid[nginx]=$nginx_pid
  target_port[direct]=$b1 target_pid[direct]=""
  targets+=(nginx direct)
fi

# --- load --------------------------------------------------------------------------------------------
# Raw figures go straight to bench/results/, so they survive a run that is cut short.
mkdir -p bench/results
stamp=$(date -u +%Y%m%dT%H%M%SZ)-$backends$([ "$quick" = 1 ] && echo -quick || true)
results="bench/results/$stamp.jsonl"
: >"$results"
clk=$(getconf CLK_TCK)

# run_case ROUND CASE TARGET: one wrk run, one line in $results.
run_case() {
  local round=$1 case=$2 target=$3 conns path threads port pid scheme out before after
  conns=${case#*-}
  case "$case" in large-*) path=$large_path ;; *) path=/ ;; esac
  threads=$([ "$conns" -ge 2 ] && echo 2 || echo 1)
  port=${target_port[$target]} pid=${target_pid[$target]} scheme=${target_scheme[$target]:-http}
  # HAProxy serves TLS on a frontend of its own: same process, same backends.
  if [ "$case" != "${case#tls-}" ] && [ "$target" = haproxy ]; then port=$haproxy_tls_port scheme=https; fi
  out="$work/wrk-$round-$case-$target.txt"
  before=$([ -n "$pid" ] && python3 "$lib" proc "$pid" || echo "0 0")
  wrk -t"$threads" -c"$conns" -d"${duration}s" --timeout 5s --latency "$scheme://127.0.0.1:$port$path" >"$out" 2>&1 || true
  after=$([ -n "$pid" ] && python3 "$lib" proc "$pid" || echo "0 0")
  python3 - "$lib" "$out" "$round" "$case" "$target" "$before" "$after" "$clk" "$pid" >>"$results" <<'EOF'
import json, sys, importlib.util
spec = importlib.util.spec_from_file_location("benchlib", sys.argv[1])
lib = importlib.util.module_from_spec(spec); spec.loader.exec_module(lib)
r = lib.parse_wrk(sys.argv[2])
r.update(round=int(sys.argv[3]), case=sys.argv[4], target=sys.argv[5])
t0, _ = map(int, sys.argv[6].split()); t1, hwm = map(int, sys.argv[7].split())
clk = int(sys.argv[8])
if sys.argv[9] and r["requests"]:
    r["cpu_us"] = (t1 - t0) * 1e6 / clk / r["requests"]
    r["rss_mb"] = hwm / 1024
print(json.dumps(r))
EOF
  tail -n1 "$results" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("  %-9s %-12s %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms  errors %d%s" % (r["case"], r["target"], r["rps"], r["p50"] or -1, r["p99"] or -1, r["non2xx"] + max(r["socket_errors"], 0), ("  cpu %.1f us/req  rss %.0f MB" % (r["cpu_us"], r["rss_mb"])) if "cpu_us" in r else ""))'
}

load_avg=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench: backends $backends; targets ${targets[*]}; cases $cases_list; $rounds round(s) of ${duration}s; work dir $work"
if [ "$warmup" -gt 0 ]; then
  echo "bench: warming up (${warmup}s per balancer, 2s per other target)"
  for t in "${targets[@]}"; do
    secs=2
    [ -n "${target_desc[$t]:-}" ] && secs=$warmup
    # 1 MiB bodies first, small answers last: the cases start with small answers, and code the JIT
    # compiled for them should not be the last it saw large bodies through (the balancer's first small
    # case of round 1 ran at up to twice the CPU per request of round 2 when the warm-up ended large).
    wrk -t2 -c10 -d2s "${target_scheme[$t]:-http}://127.0.0.1:${target_port[$t]}$large_path" >/dev/null 2>&1 || true
    wrk -t2 -c50 -d"${secs}s" "${target_scheme[$t]:-http}://127.0.0.1:${target_port[$t]}/" >/dev/null 2>&1 || true
  done
fi
IFS=',' read -r -a cases <<<"$cases_list"
for round in $(seq 1 "$rounds"); do
  echo "bench: round $round/$rounds"
  for case in "${cases[@]}"; do
    for t in "${targets[@]}"; do
      # A tls case runs on lb-tls and HAProxy's TLS frontend only; lb-tls serves nothing else.
      if [ "$case" != "${case#tls-}" ]; then
        case "$t" in lb-tls|haproxy) ;; *) continue ;; esac
      elif [ "$t" = lb-tls ]; then
        continue
      fi
      run_case "$round" "$case" "$t"
    done
  done
done

# --- report ------------------------------------------------------------------------------------------
(for t in "${targets[@]}"; do if [ -n "${target_desc[$t]:-}" ]; then printf '%s\t%s\n' "$t" "${target_desc[$t]}"; fi; done |
  python3 -c 'import json,sys; print(json.dumps(dict(l.rstrip("\n").split("\t",1) for l in sys.stdin if l.strip())))' >"$work/variants.json")
# Version probes may exit non-zero (wrk -v does) or die of SIGPIPE; neither may end the run here.
cpu_model=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | sed -n 1p || true)
haproxy_version=$(haproxy -v 2>/dev/null | sed -n '1s/HAProxy version \([^ ]*\).*/\1/p' || true)
nginx_version=$(nginx -v 2>&1 | sed 's|.*nginx/||' || true)
wrk_version=$(wrk -v 2>&1 | sed -n '1s/wrk \([^ ]*\).*/\1/p' || true)
python3 - "$work/meta.json" <<EOF
import json, sys
json.dump({
  "date": "$(date -u '+%Y-%m-%d %H:%M UTC')",
  "mode": "$([ "$quick" = 1 ] && echo quick || echo full)",
  "backends": "$backends",
  "rounds": $rounds, "duration": $duration,
  "machine": "$(nproc) CPUs, $cpu_model, Linux $(uname -r)",
  "load": "$load_avg",
  "jdk": "$jdk", "flags": "$flags",
  "haproxy": "$haproxy_version", "nginx": "$nginx_version", "wrk": "$wrk_version",
  "variants": json.load(open("$work/variants.json")),
}, open(sys.argv[1], "w"))
EOF
out="bench/results/$stamp.md"
echo
if [ "$doc" = 1 ]; then
  python3 "$lib" report "$results" "$work/meta.json" "$out" docs/performance.md
  echo "bench: table written to $out and docs/performance.md"
else
  python3 "$lib" report "$results" "$work/meta.json" "$out"
  echo "bench: table written to $out"
fi
