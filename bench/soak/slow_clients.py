#!/usr/bin/env python3
"""Slow clients for bench/soak.sh, next to wrk's fast ones.

  slow_clients.py HOST PORT DEADLINE_EPOCH LOG SMALL_PATH LARGE_PATH UPLOAD_PATH

Each kind runs on its own threads, one connection per request, until DEADLINE_EPOCH:
  head    a GET whose head arrives one byte every 100 ms (about 4 s, inside requestHeadMs 10 s);
  upload  a POST of 64 KiB sent at 16 KiB/s (4 s);
  read    a GET of 1 MiB read at 256 KiB/s (4 s).
Every request leaves one line in LOG: "START END KIND ok|fail DETAIL" (epoch seconds), so soak.sh can
tell failures inside a churn window from failures outside one.
"""
import socket
import sys
import threading
import time

HEADS, UPLOADS, READS = 4, 2, 2
TIMEOUT_S = 30


def read_head(sock, buf):
    while b"\r\n\r\n" not in buf:
        data = sock.recv(65536)
        if not data:
            raise IOError("closed before the response head (%d bytes)" % len(buf))
        buf += data
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, rest


def recv_some(sock, rate):
    """One read; at RATE bytes/s when a rate is given (a slow reader)."""
    data = sock.recv(16384)
    if rate:
        time.sleep(len(data) / rate)
    return data


def read_body(sock, headers, rest, rate=None):
    """The body's length, read by Content-Length or chunked framing."""
    if "content-length" in headers:
        want, got = int(headers["content-length"]), len(rest)
        while got < want:
            data = recv_some(sock, rate)
            if not data:
                raise IOError("closed after %d of %d body bytes" % (got, want))
            got += len(data)
        return want
    if headers.get("transfer-encoding", "").lower() == "chunked":
        buf, total = rest, 0
        while True:
            while b"\r\n" not in buf:
                data = recv_some(sock, rate)
                if not data:
                    raise IOError("closed inside the chunked body")
                buf += data
            line, buf = buf.split(b"\r\n", 1)
            size = int(line.split(b";")[0], 16)
            while len(buf) < size + 2:
                data = recv_some(sock, rate)
                if not data:
                    raise IOError("closed inside a chunk")
                buf += data
            buf = buf[size + 2:]
            total += size
            if size == 0:
                return total
    raise IOError("response without framing")


def exchange(host, port, kind, paths):
    small, large, upload = paths
    with socket.create_connection((host, port), timeout=TIMEOUT_S) as sock:
        if kind == "head":
            for byte in ("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: soak-slow\r\n\r\n" % (small, host)).encode():
                sock.sendall(bytes([byte]))
                time.sleep(0.1)
            rate, want = None, None
        elif kind == "upload":
            body = b"s" * 65536
            sock.sendall(("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/octet-stream\r\n"
                          "Content-Length: %d\r\n\r\n" % (upload, host, len(body))).encode())
            for i in range(0, len(body), 4096):
                sock.sendall(body[i:i + 4096])
                time.sleep(0.25)
            rate, want = None, None
        else:
            sock.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (large, host)).encode())
            rate, want = 256 * 1024, 1048576
        status, headers, rest = read_head(sock, b"")
        length = read_body(sock, headers, rest, rate)
        if status != 200:
            raise IOError("status %d" % status)
        if want is not None and length != want:
            raise IOError("body of %d bytes, not %d" % (length, want))


def client(host, port, kind, paths, deadline, log, lock):
    while time.time() < deadline:
        start = time.time()
        try:
            exchange(host, port, kind, paths)
            outcome, detail = "ok", "-"
        except (OSError, ValueError, IndexError) as e:
            outcome, detail = "fail", (str(e) or type(e).__name__).replace(" ", "_")
        with lock:
            log.write("%.3f %.3f %s %s %s\n" % (start, time.time(), kind, outcome, detail))
            log.flush()
        if outcome == "fail":
            time.sleep(0.5)  # a refused connection would otherwise spin


def main():
    host, port, deadline, log_path = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    paths = tuple(sys.argv[5:8])
    lock = threading.Lock()
    with open(log_path, "a") as log:
        threads = [threading.Thread(target=client, args=(host, port, kind, paths, deadline, log, lock), daemon=True)
                   for kind, count in (("head", HEADS), ("upload", UPLOADS), ("read", READS)) for _ in range(count)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(max(0.0, deadline - time.time()) + TIMEOUT_S)


if __name__ == "__main__":
    main()
