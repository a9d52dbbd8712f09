#!/usr/bin/env bash
# bench/tls-check.sh: the edge end to end with real tools, as an operator would check it: a CA and a
# certificate made with openssl, a header-echoing backend behind bin/balancer with tls and a JSON access log,
# then curl --cacert, openssl s_client (TLS versions, ALPN), a certificate swapped on disk, and request
# IDs tying curl's answer to the access log and to what the backend saw. Not run by `mvn verify`.
#
#   bench/tls-check.sh [--port-base N]   ports N+50 (backend), N+51 (balancer); default 18100
#
# Everything it starts, it stops. Exits 0 when every check passed, 1 at the first that did not.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cd "$root"
port_base=18100
while [ $# -gt 0 ]; do
  case "$1" in
    --port-base) port_base=$2; shift ;;
    *) echo "tls-check: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
backend_port=$((port_base + 50)) lb_port=$((port_base + 51))
work=$(mktemp -d /tmp/lb-tls-check.XXXXXX)
pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap stop_all EXIT
fail() { echo "tls-check: FAILED: $*" >&2; exit 1; }
pass() { echo "tls-check: ok: $*"; }

# --- a CA and two server certificates it signs (RSA PKCS#1 first, then EC SEC1) ----------------------
cd "$work"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -subj "/CN=tls-check CA" -days 2 2>/dev/null
# sign NAME CN: NAME.pem (certificate, then the CA's) for the key in NAME.key
sign() {
  openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr" 2>/dev/null
  echo "subjectAltName=DNS:localhost,IP:127.0.0.1" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -extfile "$1.ext" \
    -out "$1.leaf" 2>/dev/null
  cat "$1.leaf" ca.pem >"$1.pem"
}
openssl genrsa -traditional -out first.key 2048 2>/dev/null
sign first first.example
openssl ecparam -name prime256v1 -genkey -out second.key 2>/dev/null
sign second second.example
cp first.pem live.pem
cp first.key live.key
cd "$root"

# --- backend and balancer ------------------------------------------------------------------------------
# A backend that answers every request with the header fields it received.
python3 - "$backend_port" >"$work/backend.log" 2>&1 <<'PY' &
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class Headers(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = str(self.headers).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Headers).serve_forever()
PY
pids+=("$!")
cat >"$work/config.json" <<EOF
{"port": $lb_port, "host": "127.0.0.1", "adminPort": 0, "healthCheckInterval": 2,
 "servers": [{"url": "http://127.0.0.1:$backend_port", "name": "app-1"}],
 "tls": {"certificateFile": "$work/live.pem", "privateKeyFile": "$work/live.key", "checkIntervalMs": 500},
 "accessLog": {"path": "$work/access.log", "format": "json"}}
EOF
bin/balancer --config "$work/config.json" >"$work/balancer.log" 2>&1 &
pids+=("$!")
for _ in $(seq 1 600); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 --cacert "$work/ca.pem" "https://localhost:$lb_port/" || true)" = 200 ] && break
  sleep 0.1
done

# --- checks --------------------------------------------------------------------------------------------
headers=$(curl -sS -D - -o "$work/body" --cacert "$work/ca.pem" "https://localhost:$lb_port/headers") ||
  fail "curl --cacert https://localhost:$lb_port/ did not succeed; balancer log: $(tail -n 5 "$work/balancer.log")"
echo "$headers" | grep -q '^HTTP/1.1 200' || fail "expected 200, got: $(echo "$headers" | head -n1)"
pass "curl --cacert ca.pem https://localhost:$lb_port/ answers 200"
grep -qi 'X-Forwarded-Proto: https' "$work/body" || fail "the backend did not see X-Forwarded-Proto: https"
pass "the backend sees X-Forwarded-Proto: https"
id=$(echo "$headers" | tr -d '\r' | sed -n 's/^[Xx]-[Rr]equest-[Ii]d: //p')
[ -n "$id" ] || fail "no X-Request-Id on the answer"
grep -qi "X-Request-Id: $id" "$work/body" || fail "the backend saw another request ID than $id"
for _ in $(seq 1 50); do grep -q "\"requestId\":\"$id\"" "$work/access.log" 2>/dev/null && break; sleep 0.1; done
grep -q "\"requestId\":\"$id\"" "$work/access.log" || fail "request $id not in the access log"
pass "request ID $id is on the answer, at the backend and in the access log"

sc() { echo | openssl s_client -connect "127.0.0.1:$lb_port" -servername localhost -CAfile "$work/ca.pem" "$@" 2>&1; }
sc -tls1_2 | grep -qE 'New, TLSv1.2|Protocol *: TLSv1.2' || fail "TLS 1.2 refused"
sc -tls1_3 | grep -qE 'New, TLSv1.3|Protocol *: TLSv1.3' || fail "TLS 1.3 refused"
! sc -tls1_1 | grep -qE 'New, TLSv1.1|Protocol *: TLSv1.1' || fail "TLS 1.1 accepted"
sc -alpn h2,http/1.1 | grep -q 'ALPN protocol: http/1.1' || fail "ALPN did not choose http/1.1"
pass "TLS 1.2 and 1.3 only; ALPN http/1.1"
sc | grep -q 'subject=CN *= *first.example' || fail "not serving first.example"

# A swap on disk, each file replaced in one rename.
cp "$work/second.key" "$work/next.key" && mv "$work/next.key" "$work/live.key"
cp "$work/second.pem" "$work/next.pem" && mv "$work/next.pem" "$work/live.pem"
for _ in $(seq 1 100); do sc | grep -q 'subject=CN *= *second.example' && break; sleep 0.2; done
sc | grep -q 'subject=CN *= *second.example' || fail "the certificate swapped on disk was not picked up"
pass "a certificate swapped on disk is served to new connections without a restart"

# A bad new pair is refused; the old one keeps serving.
cp "$work/first.pem" "$work/next.pem" && mv "$work/next.pem" "$work/live.pem"
for _ in $(seq 1 100); do grep -q 'TLS certificate not reloaded' "$work/balancer.log" && break; sleep 0.2; done
grep -q 'TLS certificate not reloaded (file change): tls.privateKeyFile .*does not belong' "$work/balancer.log" ||
  fail "the mismatched pair was not refused in one line"
sc | grep -q 'subject=CN *= *second.example' || fail "the old pair did not keep serving"
pass "a mismatched new pair is refused in one line and the old one keeps serving"
echo "tls-check: all checks passed"
