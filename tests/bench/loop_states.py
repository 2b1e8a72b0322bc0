#!/usr/bin/env python3
"""Where a running daemon's threads wait: sampled from /proc, no profiler.

A CPU profile shows where a thread runs, not where it waits. This reads
/proc/PID/task/TID/syscall of every thread of each `shoal daemon` whose
command line contains --match, a few hundred times a second, and counts
what each thread was doing: `running` (in user space, or runnable), or
the system call it was blocked in (fsync, fdatasync, epoll_wait, ...).
It prints a per-second line for the loop thread (the process's first
thread) and totals per thread; "busy seconds" leaves out the seconds in
which the loop mostly waited in epoll_wait (the daemon idle before or
after the work being measured).

  tests/bench/loop_states.py --match /b/home --seconds 30 &
  tests/bench/sync_bench.py --runs 1 --scenario small

Root, or the daemons' own user, can read another process's syscall file.
Nothing is asserted; the sampling costs one core a few percent.
"""
import argparse
import collections
import os
import time

# x86-64 system call numbers worth naming; others print as their number.
SYSCALLS = {
    0: "read", 1: "write", 3: "close", 7: "poll", 17: "pread64", 18: "pwrite64",
    72: "fcntl", 74: "fsync", 75: "fdatasync", 77: "ftruncate", 82: "rename",
    91: "fchmod", 202: "futex",
    232: "epoll_wait", 257: "openat", 262: "newfstatat", 264: "renameat",
    280: "utimensat", 281: "epoll_pwait", 306: "syncfs", 437: "openat2",
}


def daemons(match):
    """PIDs of `shoal ... daemon` processes whose command line holds match."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if not args or not args[0].endswith(b"shoal") or b"daemon" not in args:
            continue
        if match.encode() in b" ".join(args):
            out.append(pid)
    return out


def state(pid, tid):
    """'running', a system call's name, or None when the thread is gone."""
    try:
        with open("/proc/%s/task/%s/syscall" % (pid, tid)) as f:
            first = f.read().split()[0]
    except (OSError, IndexError):
        return None
    if first == "running":
        return first
    return SYSCALLS.get(int(first), first)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--match", default="", help="part of the daemon's command line")
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--interval-ms", type=float, default=4.0)
    opts = p.parse_args()

    start = time.monotonic()
    loop_by_second = collections.defaultdict(collections.Counter)
    by_thread = collections.defaultdict(collections.Counter)
    while time.monotonic() - start < opts.seconds:
        second = int(time.monotonic() - start)
        for pid in daemons(opts.match):
            try:
                tids = os.listdir("/proc/%s/task" % pid)
            except OSError:
                continue
            for tid in tids:
                s = state(pid, tid)
                if s is None:
                    continue
                name = "%s loop" % pid if tid == pid else "%s thread %s" % (pid, tid)
                by_thread[name][s] += 1
                if tid == pid:
                    loop_by_second[second][s] += 1
        time.sleep(opts.interval_ms / 1000.0)

    def line(counts):
        n = sum(counts.values())
        return " ".join("%s=%.0f%%" % (k, 100.0 * v / n) for k, v in counts.most_common(6))

    busy = collections.Counter()
    print("loop thread, second by second (samples, states):")
    for second in sorted(loop_by_second):
        counts = loop_by_second[second]
        print("  %3d s %4d  %s" % (second, sum(counts.values()), line(counts)))
        if counts["epoll_wait"] + counts["epoll_pwait"] < 0.5 * sum(counts.values()):
            busy.update(counts)
    if busy:
        print("loop thread over the busy seconds: %s" % line(busy))
    print("every thread, whole time:")
    for name in sorted(by_thread):
        print("  %-24s %5d  %s" % (name, sum(by_thread[name].values()), line(by_thread[name])))


if __name__ == "__main__":
    main()
