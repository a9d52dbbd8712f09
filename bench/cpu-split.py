#!/usr/bin/env python3
"""Splits a JFR CPU-time profile of the balancer into where the time goes: system calls by direction,
OkHttp, HttpServer, the balancer's own code, and the threads around them.

    jfr print --json --stack-depth 64 --events jdk.CPUTimeSample /tmp/lb.jfr > /tmp/lb.json
    python3 bench/cpu-split.py /tmp/lb.json

A sample belongs to the system call it was taken in, else to the first frame from the top of its stack
that is not the JDK's own (so HashMap work done for HttpServer counts as HttpServer's).
"""
import collections
import json
import sys

REQUEST_THREADS = ("proxy-worker", "proxy-vt", "ForkJoinPool")
OWNERS = (
    (("okhttp3/", "okio/", "kotlin/"), "OkHttp, okio, Kotlin (user space)"),
    (("sun/net/httpserver/", "com/sun/net/httpserver/"), "HttpServer (user space)"),
    (("dev/lb/",), "balancer code (user space)"),
)


def category(event):
    values = event["values"]
    thread = values["eventThread"]["javaName"] or ""
    frames = (values.get("stackTrace") or {}).get("frames") or []
    if not frames:
        return "no Java stack (GC, JIT)"
    if thread.startswith("HTTP-Dispatcher"):
        return "HttpServer dispatcher thread (select, re-register, hand-off)"
    if thread.startswith("OkHttp TaskRunner"):
        return "OkHttp connection-pool housekeeping thread"
    if not thread.startswith(REQUEST_THREADS):
        return "other threads"
    types = [f["method"]["type"]["name"] for f in frames]
    names = [t.rsplit("/", 1)[-1] + "." + f["method"]["name"] for t, f in zip(types, frames)]
    leaf, stack = names[0], " ".join(names)
    if leaf.endswith("write0"):
        return "write(): to the client" if "WriteStream" in stack else "write(): to the backend"
    if leaf.endswith(("read0", "Net.poll")):
        return "read(), poll(): from the client" if "ReadStream" in stack else "read(), poll(): from the backend"
    if leaf.startswith(("EPoll.", "IOUtil.configureBlocking", "EventFD.")):
        return "other system calls on request threads"
    for t in types:
        for prefixes, owner in OWNERS:
            if t.startswith(prefixes):
                return owner
    return "JDK and executor, other"


def main(path):
    events = json.load(open(path))["recording"]["events"]
    counts = collections.Counter(category(e) for e in events)
    total = sum(counts.values())
    print("%d samples" % total)
    for name, count in counts.most_common():
        print("%5.1f%%  %s" % (100.0 * count / total, name))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: cpu-split.py PROFILE.json   (from: jfr print --json --stack-depth 64 --events jdk.CPUTimeSample FILE.jfr)")
    main(sys.argv[1])
