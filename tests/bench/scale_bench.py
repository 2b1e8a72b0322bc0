#!/usr/bin/env python3
"""Scale: one folder of N small files (default 1,000,000 of 0-4 KiB) on one
daemon, then optionally synced to a second (issue 12, "Scale").

Prints, for device A:
  * initial index: `folder add` until status counts every file, idle;
  * unchanged rescan: `shoal rescan` (it answers once the scan committed);
  * the index on disk (index.db with its -wal), peak and idle RSS;
  * `status` latency over the control socket, sampled every 0.2 s from
    the moment the folder is added to the end (max, p99, median), so a
    loop held by a long step shows up;
and with --sync, the time until B (paired, accepting the share) holds all N
files with nothing needed, its peak RSS and its index size, then both
again 5 s after.

With --stall-stacks MS, a `status` call that has waited MS milliseconds
makes the bench take the probed daemon's loop-thread stack with gdb (once
per slow call; the attach itself stops the daemon for seconds while gdb
reads the symbols, so the latencies of such a run are not figures to
quote, and its summary says so). The stacks are printed at the end with
when they were taken and what the folder was doing: this is how a stall
is found when it is too rare to catch with a profiler.

    tests/bench/scale_bench.py --shoal build-rel/cli/shoal [--files N] [--sync]
                               [--stall-stacks 500]

Data and homes go under $TMPDIR (or --tmp) and are removed afterwards. No
assertions: figures only (the machine is shared and noisy).
"""
import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sync_bench import Daemon  # noqa: E402


def make_files(root, count, seed=1):
    rng = random.Random(seed)
    total = 0
    for i in range(count):
        d = os.path.join(root, "d%04d" % (i // 1000))
        if i % 1000 == 0:
            os.makedirs(d, exist_ok=True)
        size = rng.randint(0, 4096)
        with open(os.path.join(d, "f%07d" % i), "wb") as f:
            if size:
                f.write(rng.randbytes(size))
        total += size
    return total


class StatusProbe:
    """Asks `status` over the control socket every `every` seconds and keeps
    each answer's latency (connect included) and the last folder seen."""

    def __init__(self, home, every=0.2, pid=None, stall_ms=None):
        self.path = os.path.join(home, "control.sock")
        self.every = every
        self.samples = []
        self.folder = None
        self.pid = pid
        self.stall_ms = stall_ms
        self.stalls = []  # (seconds since start, folder then, loop stack)
        self.asking_since = None
        self.attaches = 0  # gdb attaches since the samples were last cleared
        self.began = time.monotonic()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()
        if pid and stall_ms:
            self.watcher = threading.Thread(target=self.watch, daemon=True)
            self.watcher.start()

    def ask(self):
        t0 = time.monotonic()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(self.path)
            s.sendall(b'{"id": 1, "cmd": "status"}\n')
            buf = b""
            while not buf.endswith(b"\n"):
                chunk = s.recv(1 << 20)
                if not chunk:
                    break
                buf += chunk
        elapsed = time.monotonic() - t0
        reply = json.loads(buf)
        folders = reply["result"]["folders"]
        return elapsed, (folders[0] if folders else None)

    def run(self):
        while not self.stop.is_set():
            try:
                self.asking_since = time.monotonic()
                elapsed, folder = self.ask()
                self.samples.append(elapsed)
                self.folder = folder
            except (OSError, ValueError, KeyError):
                pass
            self.asking_since = None
            self.stop.wait(self.every)

    def watch(self):
        """Takes the loop thread's stack (gdb's thread 1, the daemon's main
        thread runs the loop) once per call that waits past stall_ms."""
        caught = None
        while not self.stop.wait(0.05):
            since = self.asking_since
            if since is None or since == caught:
                continue
            if time.monotonic() - since < self.stall_ms / 1000:
                continue
            caught = since
            self.attaches += 1  # before gdb: the call may end as it detaches
            try:
                out = subprocess.run(
                    ["gdb", "-p", str(self.pid), "-batch", "-ex", "thread apply 1 bt 40"],
                    capture_output=True, text=True, timeout=60).stdout
            except (OSError, subprocess.TimeoutExpired) as e:
                out = "gdb failed: %s" % e
            frames = [line for line in out.splitlines() if line.startswith("#")]
            self.stalls.append((since - self.began, self.folder, "\n".join(frames)))

    def print_stalls(self):
        for at, folder, stack in self.stalls:
            state = ("state %s, files %s, need %s" % (folder.get("state"), folder.get("files"),
                                                      folder.get("need")) if folder else "")
            print("  stall at %.1f s (%s):\n%s" % (at, state, stack), flush=True)

    def wait_for(self, done, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.folder is not None and done(self.folder):
                return True
            time.sleep(0.05)
        return False

    def close(self):
        self.stop.set()
        self.thread.join()

    def summary(self):
        s = sorted(self.samples)
        if not s:
            return "no samples"
        p99 = s[min(len(s) - 1, int(len(s) * 0.99))]
        line = "max %.0f ms, p99 %.0f ms, median %.1f ms over %d calls" % (
            s[-1] * 1000, p99 * 1000, statistics.median(s) * 1000, len(s))
        if self.attaches:
            line += " (%d stacks taken: these include gdb's attach)" % self.attaches
        return line


def index_mib(home):
    total = 0
    for suffix in ("", "-wal", "-shm"):
        path = os.path.join(home, "index.db" + suffix)
        if os.path.exists(path):
            total += os.path.getsize(path)
    return total / (1 << 20)


def rss_mib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shoal", default="build-rel/cli/shoal")
    parser.add_argument("--files", type=int, default=1_000_000)
    parser.add_argument("--sync", action="store_true", help="also sync to a second device")
    parser.add_argument("--timeout", type=float, default=7200, help="seconds per step")
    parser.add_argument("--tmp", default=None)
    parser.add_argument("--stall-stacks", type=float, default=None, metavar="MS",
                        help="take the loop's stack with gdb when a status call waits MS ms")
    args = parser.parse_args()
    binary = os.path.abspath(args.shoal)
    n = args.files

    base = tempfile.mkdtemp(prefix="shoal-scale-", dir=args.tmp)
    a = b = probe = None
    try:
        print("date %s, %d cores, load %.2f, %s" % (
            time.strftime("%Y-%m-%d %H:%M"), os.cpu_count(), os.getloadavg()[0], binary))
        t0 = time.monotonic()
        folder_a = os.path.join(base, "a", "sync")
        os.makedirs(folder_a)
        total = make_files(folder_a, n)
        print("made %d files, %.1f MiB, in %.1f s" % (n, total / (1 << 20), time.monotonic() - t0),
              flush=True)

        a = Daemon(binary, base, "a")
        probe = StatusProbe(a.home, pid=a.proc.pid, stall_ms=args.stall_stacks)
        t0 = time.monotonic()
        folder = a.cli("folder", "add", folder_a, "--label", "scale")["id"]
        ok = probe.wait_for(lambda f: f["files"] >= n and f["state"] == "idle", args.timeout)
        index_s = time.monotonic() - t0
        print("initial index: %.1f s (%.0f files/s)%s; index %.1f MiB; RSS peak %.1f MiB" % (
            index_s, n / index_s, "" if ok else " TIMED OUT", index_mib(a.home),
            rss_mib(a.proc.pid, "VmHWM")), flush=True)
        print("  status during the index: " + probe.summary(), flush=True)
        probe.print_stalls()
        probe.stalls.clear()
        probe.attaches = 0

        probe.samples.clear()
        times = []
        for _ in range(3):
            t0 = time.monotonic()
            a.cli("rescan", folder)
            times.append(time.monotonic() - t0)
        print("unchanged rescan: median %.2f s (%s)" % (
            statistics.median(times), ", ".join("%.2f" % t for t in times)))
        print("  status during the rescans: " + probe.summary())
        probe.print_stalls()
        time.sleep(2)
        print("idle: RSS %.1f MiB (peak %.1f), index %.1f MiB, CPU %.1f s so far" % (
            rss_mib(a.proc.pid, "VmRSS"), rss_mib(a.proc.pid, "VmHWM"), index_mib(a.home),
            a.cpu_seconds()), flush=True)

        if args.sync:
            b = Daemon(binary, base, "b")
            a.cli("devices", "add", b.id, "--address", "127.0.0.1:%d" % b.port)
            b.cli("devices", "add", a.id, "--address", "127.0.0.1:%d" % a.port)
            a.cli("share", folder, b.id)
            while not b.cli("folder", "offers").get("offers"):
                time.sleep(0.05)
            probe.close()
            probe = StatusProbe(b.home, pid=b.proc.pid, stall_ms=args.stall_stacks)
            t0 = time.monotonic()
            b.cli("folder", "accept", folder, os.path.join(base, "b", "sync"))
            ok = probe.wait_for(
                lambda f: f["files"] >= n and f["need"] == 0 and f["state"] == "idle",
                args.timeout)
            sync_s = time.monotonic() - t0
            print("sync to B: %.1f s (%.0f files/s)%s; B index %.1f MiB, RSS peak A %.1f / B %.1f"
                  " MiB, CPU A %.1f s / B %.1f s" % (
                      sync_s, n / sync_s, "" if ok else " TIMED OUT", index_mib(b.home),
                      rss_mib(a.proc.pid, "VmHWM"), rss_mib(b.proc.pid, "VmHWM"),
                      a.cpu_seconds(), b.cpu_seconds()))
            print("  B's status during the sync: " + probe.summary(), flush=True)
            probe.print_stalls()
            time.sleep(5)
            print("B idle 5 s later: RSS %.1f MiB, index %.1f MiB" % (
                rss_mib(b.proc.pid, "VmRSS"), index_mib(b.home)), flush=True)
    finally:
        if probe:
            probe.close()
        for d in (a, b):
            if d:
                d.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
