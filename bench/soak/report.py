#!/usr/bin/env python3
"""The verdict of bench/soak.sh: trends, failures outside churn, the CSV, the plot and the table.

  report.py SAMPLES CHURN SLOW_LOG OUT_PREFIX

SAMPLES is the raw CSV the sampler wrote (one row per 10 s interval), CHURN the churn rounds
("start,end,kill_end,what", epoch seconds: the round, and the part of it where failures are excused), SLOW_LOG the slow clients' lines. Writes OUT_PREFIX.csv (the samples
with the slow clients' counts and the churn flag), OUT_PREFIX.md (the table) and OUT_PREFIX.png (with
gnuplot, when installed). Prints one line per failed check and exits 1 when there is one.
"""
import csv
import shutil
import statistics
import subprocess
import sys

# A metric trends up when the mean of the last fifth of the run exceeds the mean of the second fifth
# by more than max(ABS, REL x the second fifth's mean). The first fifth is warm-up (JIT, heap sizing,
# pools filling) and is left out. Samples taken in a churn window are left out too: a killed backend
# takes its pooled connections with it and a drain empties a backend, so descriptors and requests in
# flight dip for a while (measured: 141 descriptors against about 410 around it). What churn leaks
# stays after its window and shows in the samples outside it.
# The tolerances are set against what a real leak does over the 12 minutes between the two fifths of
# a 30-minute run, at the 300-2,000 requests a second this mix reaches on a loaded 2-core machine:
#   - RSS: 100 bytes kept per request is 20-140 MiB; +10% (at least 24 MiB) leaves room for
#     ParallelGC resizing the generations inside -Xmx and for malloc arenas, which move RSS by tens of
#     MiB with no leak.
#   - heap after a full GC: the live set plus the buffers of the requests in flight at that instant
#     (up to 200, some in the middle of 1 MiB bodies): +10%, at least 8 MiB.
#   - threads and descriptors: wrk reconnects its 192 connections every 10 s, so one leaked per
#     connection is over 10,000; +10% (at least 8 threads, 16 descriptors) covers pool threads and
#     pooled backend connections that come and go with the instant's load.
#   - requests in flight and p99, loosely (+50%, at least 20 requests / 20 ms): on a machine shared
#     with other builds the CPU left to the run changes by a factor of two within minutes, which moves
#     both; a leaked in-flight count is caught exactly by the check that it returns to 0 once traffic
#     stops (soak.sh).
METRICS = [
    # column, label, relative, absolute
    ("rss_mb", "RSS (MiB)", 0.10, 24.0),
    ("heap_after_gc_mb", "heap after full GC (MiB)", 0.10, 8.0),
    ("threads", "threads", 0.10, 8.0),
    ("fds", "open descriptors", 0.10, 16.0),
    ("in_flight", "requests in flight", 0.50, 20.0),
    ("p99_ms", "p99 (ms)", 0.50, 20.0),
]


def overlaps(a0, a1, windows):
    return any(a0 <= w1 and w0 <= a1 for w0, w1, _ in windows)


def number(text):
    return float(text) if text not in ("", None) else None


def load(samples_path, churn_path, slow_path):
    with open(samples_path) as f:
        rows = list(csv.DictReader(f))
    windows, kills = [], []
    with open(churn_path) as f:
        for line in f:
            parts = line.strip().split(",", 3)
            if len(parts) == 4 and parts[1]:
                windows.append((float(parts[0]), float(parts[1]), parts[3]))
                kills.append((float(parts[0]), float(parts[2]), parts[3]))
    slow = []
    with open(slow_path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 4:
                slow.append((float(parts[0]), float(parts[1]), parts[2], parts[3], " ".join(parts[4:])))
    return rows, windows, kills, slow


def enrich(rows, windows, kills, slow):
    t0 = float(rows[0]["t_start"])
    for row in rows:
        a, b = float(row["t_start"]), float(row["t_end"])
        row["minute"] = "%.2f" % ((a - t0) / 60)
        mine = [s for s in slow if a <= s[1] < b]
        row["slow_ok"] = sum(1 for s in mine if s[3] == "ok")
        row["slow_fail"] = sum(1 for s in mine if s[3] != "ok")
        row["in_churn"] = 1 if overlaps(a, b, windows) else 0
        row["in_kill"] = 1 if overlaps(a, b, kills) else 0
        row["failed"] = int(row["wrk_errors"]) + int(row["non2xx"])
    return t0


def fifths(rows, t0):
    end = float(rows[-1]["t_end"])
    span = end - t0

    def part(lo, hi):
        return [r for r in rows if lo <= (float(r["t_start"]) + float(r["t_end"])) / 2 - t0 < hi]

    return part(span / 5, 2 * span / 5), part(4 * span / 5, span + 1)


def judge(rows, t0):
    second, last = fifths(rows, t0)
    results = []
    for column, label, rel, absolute in METRICS:
        def values(part):
            return [number(r[column]) for r in part if number(r[column]) is not None and not r["in_churn"]]
        a, b = values(second), values(last)
        if not a or not b:
            results.append((label, None, None, None, "not judged: too few samples"))
            continue
        ma, mb = statistics.mean(a), statistics.mean(b)
        tolerance = max(absolute, rel * ma)
        verdict = "FAIL: trends up" if mb > ma + tolerance else "flat"
        results.append((label, ma, mb, tolerance, verdict))
    return results


def write_csv(rows, path):
    columns = ["t_start", "t_end", "minute", "requests", "rps", "p99_ms", "wrk_errors", "non2xx", "failed",
               "slow_ok", "slow_fail", "in_churn", "rss_mb", "heap_after_gc_mb", "heap_used_mb", "threads",
               "fds", "in_flight", "wrk_timeouts", "in_kill"]
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, columns, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


def plot(csv_path, png_path, windows, t0):
    if not shutil.which("gnuplot"):
        print("soak: gnuplot not found, no plot (apt-get install gnuplot-nox)")
        return
    rects = "\n".join(
        'set object %d rect from %.3f, graph 0 to %.3f, graph 1 fc rgb "#f6d8d8" fs solid 1.0 noborder behind'
        % (i + 1, (w0 - t0) / 60, (w1 - t0) / 60) for i, (w0, w1, _) in enumerate(windows))
    script = f"""
set terminal pngcairo size 1400,1000 font ",10"
set output "{png_path}"
set datafile separator ","
set key top left
set grid
set xlabel "minutes (shaded: churn windows)"
{rects}
set multiplot layout 3,2 title "bench/soak.sh: balancer under a mixed load with churn"
set title "memory (MiB)"
plot "{csv_path}" using 3:13 with lines title "RSS", "" using 3:14 with points pt 7 ps 0.6 title "heap after full GC", "" using 3:15 with lines lc rgb "#999999" title "heap used"
set title "threads"
plot "{csv_path}" using 3:16 with lines notitle
set title "open descriptors"
plot "{csv_path}" using 3:17 with lines notitle
set title "requests in flight (sum over backends, at the sample)"
plot "{csv_path}" using 3:18 with lines notitle
set title "p99 latency per 10 s interval (ms, wrk mix)"
set logscale y
plot "{csv_path}" using 3:6 with lines notitle
unset logscale y
set title "req/s (left) and failed requests per interval (right)"
set y2tics
set y2range [0:1<*]
plot "{csv_path}" using 3:5 with lines title "req/s", "" using 3:($9+$11) axes x1y2 with impulses lw 2 title "failed (wrk + slow clients)"
unset multiplot
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


def table(rows, results, windows, kills, slow, failures_outside, out_md):
    requests = sum(int(r["requests"]) for r in rows)
    failed = sum(r["failed"] for r in rows)
    slow_ok = sum(1 for s in slow if s[3] == "ok")
    slow_fail = sum(1 for s in slow if s[3] != "ok")
    minutes = (float(rows[-1]["t_end"]) - float(rows[0]["t_start"])) / 60
    lines = ["| metric (outside churn windows) | mean, 2nd fifth | mean, last fifth | change | tolerance | verdict |",
             "|---|---:|---:|---:|---:|---|"]
    for label, a, b, tol, verdict in results:
        if a is None:
            lines.append("| %s | | | | | %s |" % (label, verdict))
        else:
            lines.append("| %s | %.1f | %.1f | %+.1f | %.1f | %s |" % (label, a, b, b - a, tol, verdict))
    lines += ["",
              "%.1f minutes, %d intervals of 10 s, %d churn rounds; %d wrk requests (%d failed%s: %d in intervals "
              "with a kill, %d in others); slow clients %d requests, %d failed (%d away from a kill)." % (
                  minutes, len(rows), len(windows), requests, failed,
                  ", %d of them wrk's time-outs" % sum(int(r.get("wrk_timeouts") or 0) for r in rows)
                  if any(r.get("wrk_timeouts") for r in rows) else "",
                  sum(r["failed"] for r in rows if r["in_kill"]),
                  sum(r["failed"] for r in rows if not r["in_kill"]),
                  slow_ok + slow_fail, slow_fail,
                  sum(1 for s in slow if s[3] != "ok" and not overlaps(s[0], s[1], kills)))]
    if failures_outside:
        lines += ["", "Failures away from a kill:", ""] + ["- " + f for f in failures_outside]
    with open(out_md, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


def main():
    samples, churn, slow_path, prefix = sys.argv[1:5]
    rows, windows, kills, slow = load(samples, churn, slow_path)
    if not rows:
        print("soak: FAIL: no samples were taken")
        return 1
    t0 = enrich(rows, windows, kills, slow)
    results = judge(rows, t0)
    # Only a kill may cost requests; a drain, an enable or a reload must not.
    failures_outside = ["minute %s: %d wrk requests failed (%s socket errors%s, %s non-2xx)"
                        % (r["minute"], r["failed"], r["wrk_errors"],
                           " of which %s wrk time-outs" % r["wrk_timeouts"] if r.get("wrk_timeouts") else "",
                           r["non2xx"])
                        for r in rows if r["failed"] and not r["in_kill"]]
    failures_outside += ["minute %.2f: slow client %s failed: %s" % ((s[1] - t0) / 60, s[2], s[4])
                         for s in slow if s[3] != "ok" and not overlaps(s[0], s[1], kills)]
    write_csv(rows, prefix + ".csv")
    plot(prefix + ".csv", prefix + ".png", windows, t0)
    print()
    table(rows, results, windows, kills, slow, failures_outside, prefix + ".md")
    print()
    bad = 0
    for label, a, b, tol, verdict in results:
        if verdict.startswith("FAIL"):
            print("soak: FAIL: %s trends up: %.1f in the second fifth, %.1f in the last (tolerance %.1f)"
                  % (label, a, b, tol))
            bad = 1
    if failures_outside:
        print("soak: FAIL: %d failure(s) away from a kill, first: %s" % (len(failures_outside), failures_outside[0]))
        bad = 1
    return bad


if __name__ == "__main__":
    sys.exit(main())
