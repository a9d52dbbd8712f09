#!/usr/bin/env python3
"""Helpers for bench/run.sh: parse wrk output, read process figures from /proc, build the report.

Subcommands:
  wrk FILE                      wrk --latency output -> one JSON object
  proc PID...                   CPU ticks (utime+stime) and peak RSS (VmHWM, kB) of the PIDs and all
                                their descendants, summed: "TICKS HWM_KB"
  merge-config BASE_JSON EXTRA  the balancer config BASE_JSON with the fields of EXTRA (a JSON object) set
  report RESULTS META OUT_MD [DOC]
                                medians over rounds and ratios to HAProxy from the same round, as a
                                markdown table in OUT_MD; when DOC is given, the table also replaces the
                                text between the bench markers in DOC
"""
import json
import os
import re
import statistics
import sys

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def markers(backends):
    """The markers around one backend kind's table in the doc; nginx's keep their original spelling."""
    kind = "" if backends == "nginx" else " " + backends
    return ("<!-- bench:begin%s (written by bench/run.sh; edits between these markers are overwritten) -->" % kind,
            "<!-- bench:end%s -->" % kind)


def to_ms(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text)
    if not m:
        raise ValueError("unexpected latency " + text)
    return float(m.group(1)) * UNITS[m.group(2)]


def parse_wrk(path):
    with open(path) as f:
        out = f.read()
    result = {"rps": 0.0, "p50": None, "p99": None, "requests": 0, "non2xx": 0, "socket_errors": 0}
    m = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    if m:
        result["rps"] = float(m.group(1))
    m = re.search(r"^\s*(\d+) requests in", out, re.M)
    if m:
        result["requests"] = int(m.group(1))
    for pct, key in (("50", "p50"), ("99", "p99")):
        m = re.search(r"^\s*" + pct + r"%\s+(\S+)", out, re.M)
        if m:
            result[key] = to_ms(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if m:
        result["non2xx"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        result["socket_errors"] = sum(int(g) for g in m.groups())
        # By kind, so an error count says what failed: connects refused, connections closed under the
        # client (read), or answers later than wrk's timeout.
        result["socket_error_kinds"] = dict(zip(("connect", "read", "write", "timeout"), map(int, m.groups())))
    if not m and result["requests"] == 0:
        result["socket_errors"] = -1  # wrk itself failed; the run is not usable
    return result


def children_map():
    kids = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def proc_figures(pids):
    kids = children_map()
    todo, seen = list(pids), set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        todo.extend(kids.get(pid, []))
    ticks = hwm = 0
    for pid in seen:
        try:
            with open("/proc/%d/stat" % pid) as f:
                stat = f.read()
            fields = stat[stat.rindex(")") + 2:].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        hwm += int(line.split()[1])
        except (OSError, ValueError):
            continue
    return ticks, hwm


def merge_config(base, extra):
    config = json.loads(base)
    config.update(json.loads(extra) if extra.strip() else {})
    return json.dumps(config, indent=2)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, digits=0):
    if value is None:
        return "-"
    return "{:,.{}f}".format(value, digits)


def ratio(value):
    return "-" if value is None else "{:.2f}x".format(value)


def build_report(results_path, meta_path):
    rows = [json.loads(line) for line in open(results_path) if line.strip()]
    meta = json.load(open(meta_path))
    cases = []
    targets = []
    for r in rows:
        if r["case"] not in cases:
            cases.append(r["case"])
        if r["target"] not in targets:
            targets.append(r["target"])
    haproxy = {(r["round"], r["case"]): r for r in rows if r["target"] == "haproxy"}

    def rel(r, key):
        h = haproxy.get((r["round"], r["case"]))
        if h is None or r.get(key) is None or not h.get(key):
            return None
        return r[key] / h[key]

    lines = []
    lines.append("Run of %s: %s; %d round(s) of %s s per case, targets interleaved in each round; medians over "
                 "rounds, ratios to HAProxy from the same round (median of the per-round ratios)."
                 % (meta["date"], meta["mode"], meta["rounds"], meta["duration"], ))
    lines.append("")
    lines.append("- Machine: %s; load average at start %s. **Shared 2-core machine, other work running: "
                 "expect noise; compare ratios, not absolute figures.**" % (meta["machine"], meta["load"]))
    lines.append("- Balancer: `bin/balancer`, %s; JVM flags `%s`." % (meta["jdk"], meta["flags"]))
    for name, desc in meta.get("variants", {}).items():
        lines.append("- `%s`: %s" % (name, desc))
    backends = ("three `bin/backend-server` processes (its default JVM flags)"
                if meta.get("backends") == "backend-server" else "nginx, 2 workers, three ports")
    lines.append("- HAProxy %s (`balance leastconn`, `nbthread 2`, `option httpchk GET /health`); "
                 "nginx %s (`least_conn`, upstream `keepalive 64`, 2 workers); backends: %s; "
                 "wrk %s on 127.0.0.1, timeout 5 s." % (meta["haproxy"], meta["nginx"], backends, meta["wrk"]))
    lines.append("- Errors: non-2xx responses plus socket errors, summed over rounds. CPU: utime+stime of the "
                 "proxy's processes during the case / requests. Peak RSS: VmHWM (sum over the proxy's "
                 "processes) after the case.")
    lines.append("")
    lines.append("| case | target | req/s | vs HAProxy | p50 ms | vs | p99 ms | vs | errors | CPU us/req | vs "
                 "| peak RSS MB |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for case in cases:
        for target in targets:
            rs = [r for r in rows if r["case"] == case and r["target"] == target]
            if not rs:
                continue
            errors = sum(r["non2xx"] + max(r["socket_errors"], 0) for r in rs)
            failed = any(r["socket_errors"] < 0 for r in rs)
            cpu = median([r.get("cpu_us") for r in rs])
            rss = median([r.get("rss_mb") for r in rs])
            lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                case, target,
                fmt(median([r["rps"] for r in rs])), ratio(median([rel(r, "rps") for r in rs])),
                fmt(median([r["p50"] for r in rs]), 2), ratio(median([rel(r, "p50") for r in rs])),
                fmt(median([r["p99"] for r in rs]), 2), ratio(median([rel(r, "p99") for r in rs])),
                str(errors) + (" (wrk failed)" if failed else ""),
                fmt(cpu, 1), ratio(median([rel(r, "cpu_us") for r in rs])),
                fmt(rss, 0)))
    return "\n".join(lines) + "\n"


def write_doc(doc_path, table, backends):
    text = open(doc_path).read() if os.path.exists(doc_path) else ""
    begin, end = markers(backends)
    block = begin + "\n" + table + end
    if begin in text and end in text:
        head = text[:text.index(begin)]
        tail = text[text.index(end) + len(end):]
        text = head + block + tail
    else:
        title = "Latest results" + ("" if backends == "nginx" else ", behind " + backends)
        text = text + ("\n" if text and not text.endswith("\n") else "") + "\n## " + title + "\n\n" + block + "\n"
    with open(doc_path, "w") as f:
        f.write(text)


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd = argv[1]
    if cmd == "wrk":
        print(json.dumps(parse_wrk(argv[2])))
    elif cmd == "proc":
        ticks, hwm = proc_figures([int(p) for p in argv[2:]])
        print(ticks, hwm)
    elif cmd == "merge-config":
        print(merge_config(argv[2], argv[3]))
    elif cmd == "report":
        table = build_report(argv[2], argv[3])
        with open(argv[4], "w") as f:
            f.write(table)
        if len(argv) > 5:
            write_doc(argv[5], table, json.load(open(argv[3])).get("backends", "nginx"))
        sys.stdout.write(table)
    else:
        sys.exit("benchlib: unknown command " + cmd + "\n" + __doc__)


if __name__ == "__main__":
    main(sys.argv)
