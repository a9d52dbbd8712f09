#!/usr/bin/env python3
"""Sorts the virtual threads of a JSON thread dump of the balancer by what they wait for: the client's
next request, the backend's answer, the check of a pooled backend connection, a write, the JDK's pollers.
With robaho's server every client connection is one virtual thread, so under load this says where the
requests are at one instant.

    jcmd PID Thread.dump_to_file -format=json /tmp/lb-threads.json     # JDK 21+
    python3 bench/vthreads.py /tmp/lb-threads.json [more dumps...]

A thread belongs to the first rule below whose text appears anywhere in its stack; "RUNNABLE" on an
unmounted virtual thread means it was woken and waits for a carrier.
"""
import collections
import json
import sys

RULES = (
    ("stillUsable", "checking a pooled backend connection (BackendConnection.stillUsable)"),
    ("dev.lb.balancer.upstream.BackendInput", "reading the backend's answer"),
    ("WatchedInput", "reading the backend's answer"),
    ("robaho.net.httpserver.Request.", "reading the client's request head"),
    ("write0", "writing"),
    ("Output", "writing"),
    ("sun.nio.ch.Poller", "the JDK's I/O pollers"),
)


def place(stack):
    text = " ".join(stack)
    for needle, label in RULES:
        if needle in text:
            return label
    return "other: " + (stack[0] if stack else "(no frames)")


def main(paths):
    for path in paths:
        with open(path) as f:
            dump = json.load(f)
        counts = collections.Counter()
        for container in dump["threadDump"]["threadContainers"]:
            for thread in container["threads"]:
                if thread.get("virtual"):
                    counts[(place(thread.get("stack", [])), thread.get("state", "?"))] += 1
        print(f"{path}: {sum(counts.values())} virtual threads")
        for (label, state), n in counts.most_common():
            print(f"  {n:6d}  {state:<14} {label}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: bench/vthreads.py DUMP.json [DUMP.json...]")
    main(sys.argv[1:])
