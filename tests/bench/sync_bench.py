#!/usr/bin/env python3
"""End-to-end sync benchmark: two real Shoal daemons on loopback.

Device A holds a generated folder (already scanned and shared); the timer
starts when device B accepts the folder and stops when B's status says it
needs nothing more and holds every file. Each run uses fresh homes; the
median of the runs is printed with every run, plus the CPU time each daemon
spent and its peak RSS (VmHWM). Nothing is asserted.

  tests/bench/sync_bench.py [--build build] [--runs 3]
                            [--scenario small|large|edit|both|all]
                            [--fresh-fs MIB] [--perf DIR]

B's status is polled over one kept connection to its control socket
(every 10 ms); the p99 and the slowest answer are printed.

Scenarios: small = 20,000 files of 1-16 KiB (seeded); large = 1 GiB in 4
files of random data; edit = the small folder synced first, then every
file rewritten on A with new content of the same size (timed from the
first write until B holds every new content; each replaced file is kept
in B's .shoal/versions). "both" = small and large; "all" adds edit. Data
lives under $TMPDIR (default /tmp).

--fresh-fs MIB (root): each run's homes and folders live on a new ext4
file system of that size, made on a loop device under $TMPDIR and removed
after the run. On a file system the previous run has just filled and
emptied, creating 20,000 files costs the kernel more each time (ext4 looks
for inodes that were not recently deleted), which made the receiver's CPU
time swing by 2x between runs of one binary; a fresh one makes runs
comparable.

--perf DIR: both daemons run under `perf record --call-graph dwarf` (499 Hz)
while the sync runs; DIR/sender.data and DIR/receiver.data hold the last
run's profiles (`perf report -i DIR/receiver.data`).
"""
import contextlib
import hashlib
import argparse
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time


def shoal(binary, home, *args):
    out = subprocess.run([binary, "--home", home, *args, "--json"], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out) if out.strip() else {}


def make_small(root, count=20000, seed=1):
    rng = random.Random(seed)
    total = 0
    for i in range(count):
        d = os.path.join(root, "d%03d" % (i // 200))
        os.makedirs(d, exist_ok=True)
        size = rng.randint(1024, 16384)
        with open(os.path.join(d, "f%05d.bin" % i), "wb") as f:
            f.write(rng.randbytes(size))
        total += size
    return count, total


def make_large(root, files=4, size=256 << 20):
    os.makedirs(root, exist_ok=True)
    for i in range(files):
        with open(os.path.join(root, "big%d.bin" % i), "wb") as f:
            left = size
            while left:
                chunk = min(left, 8 << 20)
                f.write(os.urandom(chunk))
                left -= chunk
    return files, files * size


class Daemon:
    def __init__(self, binary, base, name):
        self.binary, self.home = binary, os.path.join(base, name, "home")
        os.makedirs(self.home)
        self.log = open(os.path.join(base, name, "daemon.log"), "w")
        self.proc = subprocess.Popen(
            [binary, "--home", self.home, "daemon", "--listen", "127.0.0.1:0",
             "--no-discovery", "--gui", "127.0.0.1:0", "--name", name], stdout=self.log, stderr=self.log)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                self.status = shoal(binary, self.home, "status")
                break
            except subprocess.CalledProcessError:
                time.sleep(0.05)
        self.id = shoal(binary, self.home, "id")["id"]
        self.control, self.replies, self.next_id = None, None, 0
        self.port = self.status["device"]["listen_port"]

    def cli(self, *args):
        return shoal(self.binary, self.home, *args)

    def request(self, cmd):
        """One control request over a connection kept open (docs/api.md):
        polling through a new CLI process every few tens of milliseconds
        cost the 2-core machine CPU that the sync itself needed."""
        if self.control is None:
            self.control = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.control.connect(os.path.join(self.home, "control.sock"))
            self.replies = self.control.makefile("rb")
        self.next_id += 1
        self.control.sendall(json.dumps({"id": self.next_id, "cmd": cmd}).encode() + b"\n")
        while True:
            line = self.replies.readline()
            if not line:
                raise RuntimeError("the daemon closed its control connection")
            reply = json.loads(line)
            if reply.get("id") == self.next_id:
                break
        if not reply.get("ok"):
            raise RuntimeError("%s: %s" % (cmd, reply.get("error")))
        return reply["result"]

    def cpu_seconds(self):
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return 0

    def stop(self):
        if self.control is not None:
            self.replies.close()
            self.control.close()
            self.control = None
        try:
            self.cli("shutdown")
            self.proc.wait(timeout=30)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def tree_digest(root):
    digest = hashlib.sha256()
    for dirpath, dirnames, names in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != ".shoal")
        for name in sorted(names):
            path = os.path.join(dirpath, name)
            digest.update(os.path.relpath(path, root).encode() + b"\0")
            with open(path, "rb") as f:
                digest.update(hashlib.sha256(f.read()).digest())
    return digest.hexdigest()


def rewrite_all(root, seed=2):
    """Every file gets new random content of its own size, in name order."""
    rng = random.Random(seed)
    last = None
    for dirpath, dirnames, names in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != ".shoal")
        for name in sorted(names):
            last = os.path.join(dirpath, name)
            size = os.path.getsize(last)
            with open(last, "wb") as f:
                f.write(rng.randbytes(size))
    return last


def wait_idle(daemon, files, latencies=None):
    """Polls `status` until the folder is idle with `files` and needs
    nothing; appends each answer's seconds to `latencies` when given."""
    while True:
        asked = time.time()
        f = daemon.request("status")["folders"][0]
        if latencies is not None:
            latencies.append(time.time() - asked)
        if f["need"] == 0 and f["files"] >= files and f["state"] == "idle":
            return
        time.sleep(0.01)


def start_pair(binary, base, source, files, label):
    """Two daemons under `base` that know each other; A holds a copy of
    `source` (all `files` indexed) and shares it with B, and B is connected.
    Returns (a, b, folder ID); B has not accepted the folder yet."""
    a = Daemon(binary, base, "a")
    b = Daemon(binary, base, "b")
    a.cli("devices", "add", b.id, "--address", "127.0.0.1:%d" % b.port)
    b.cli("devices", "add", a.id, "--address", "127.0.0.1:%d" % a.port)
    folder_a = os.path.join(base, "a", "sync")
    shutil.copytree(source, folder_a)
    folder = a.cli("folder", "add", folder_a, "--label", label)["id"]
    while a.cli("status")["folders"][0]["files"] < files:
        time.sleep(0.05)
    a.cli("share", folder, b.id)
    while not any(d["connected"] for d in b.cli("devices")["devices"]):
        time.sleep(0.02)
    return a, b, folder


@contextlib.contextmanager
def fresh_ext4(mib):
    """A new ext4 file system of `mib` MiB on a loop device, mounted on a
    new directory that is yielded; unmounted and deleted afterwards."""
    image = tempfile.NamedTemporaryFile(prefix="shoal-bench-fs-", suffix=".img", delete=False)
    image.truncate(mib << 20)
    image.close()
    mount = tempfile.mkdtemp(prefix="shoal-bench-mnt-")
    try:
        subprocess.run(["mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0",
                        image.name], check=True)
        subprocess.run(["mount", "-o", "loop", image.name, mount], check=True)
        try:
            yield mount
        finally:
            subprocess.run(["umount", mount], check=True)
    finally:
        os.rmdir(mount)
        os.unlink(image.name)


@contextlib.contextmanager
def profiled(daemons, perf_dir):
    """`perf record` with DWARF call graphs on each daemon while the block
    runs, into perf_dir/NAME.data (nothing when perf_dir is empty)."""
    recorders = []
    if perf_dir:
        os.makedirs(perf_dir, exist_ok=True)
        for name, daemon in daemons.items():
            recorders.append(subprocess.Popen(
                ["perf", "record", "-q", "-F", "499", "--call-graph", "dwarf,16384",
                 "-p", str(daemon.proc.pid), "-o", os.path.join(perf_dir, name + ".data")],
                stdout=subprocess.DEVNULL))
        time.sleep(0.5)  # perf attaches before the measured work starts
    try:
        yield
    finally:
        for recorder in recorders:
            recorder.send_signal(signal.SIGINT)
        for recorder in recorders:
            recorder.wait()


def one_run(binary, source, files, edit=False, fresh_fs=0, perf_dir=""):
    if fresh_fs:
        with fresh_ext4(fresh_fs) as mount:
            return one_run_in(binary, source, files, edit, tempfile.mkdtemp(dir=mount), perf_dir)
    return one_run_in(binary, source, files, edit, tempfile.mkdtemp(prefix="shoal-bench-"),
                      perf_dir)


def one_run_in(binary, source, files, edit, base, perf_dir=""):
    try:
        a, b, folder = start_pair(binary, base, source, files, "bench")
        with profiled({"sender": a, "receiver": b}, perf_dir):
            return measure(a, b, folder, base, files, edit)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def measure(a, b, folder, base, files, edit):
    folder_a = os.path.join(base, "a", "sync")
    cpu_a, cpu_b = a.cpu_seconds(), b.cpu_seconds()
    start = time.time()
    folder_b = os.path.join(base, "b", "sync")
    b.cli("folder", "accept", folder, folder_b)
    latencies = []  # the receiver's status calls during the sync
    wait_idle(b, files, latencies)
    if edit:
        wait_idle(a, files)
        cpu_a, cpu_b = a.cpu_seconds(), b.cpu_seconds()
        start = time.time()
        last = rewrite_all(folder_a)
        with open(last, "rb") as f:
            last_content = f.read()
        want = tree_digest(folder_a)
        last_b = os.path.join(folder_b, os.path.relpath(last, folder_a))
        while True:
            try:
                with open(last_b, "rb") as f:
                    arrived = f.read() == last_content
            except OSError:
                arrived = False
            if arrived:
                wait_idle(b, files)
                if tree_digest(folder_b) == want:
                    break
            time.sleep(0.05)
    elapsed = time.time() - start
    latencies.sort()
    result = (elapsed, a.cpu_seconds() - cpu_a, b.cpu_seconds() - cpu_b,
              a.peak_rss_mib(), b.peak_rss_mib(),
              latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1e3,
              latencies[-1] * 1e3)
    a.stop()
    b.stop()
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scenario", default="both",
                        choices=["small", "large", "edit", "both", "all"])
    parser.add_argument("--fresh-fs", type=int, default=0, metavar="MIB",
                        help="each run on a new ext4 file system of MIB MiB (root)")
    parser.add_argument("--perf", default="", metavar="DIR",
                        help="record both daemons with perf (DWARF call graphs) into "
                             "DIR/sender.data and DIR/receiver.data; the last run's is kept")
    args = parser.parse_args()
    if args.fresh_fs and os.geteuid() != 0:
        parser.error("--fresh-fs mounts a file system: run as root")
    binary = os.path.abspath(os.path.join(args.build, "cli", "shoal"))
    scenarios = {"both": ["small", "large"], "all": ["small", "large", "edit"]}.get(
        args.scenario, [args.scenario])
    for name in scenarios:
        source = tempfile.mkdtemp(prefix="shoal-bench-data-")
        try:
            files, total = (make_large if name == "large" else make_small)(source)
            runs = [one_run(binary, source, files, edit=name == "edit",
                            fresh_fs=args.fresh_fs, perf_dir=args.perf)
                    for _ in range(args.runs)]
            times = [r[0] for r in runs]
            print("%s: %d files, %.1f MiB: median %.2f s (runs %s); sender CPU %.2f s, receiver "
                  "CPU %.2f s, peak RSS %.0f / %.0f MiB; receiver's status during the first "
                  "sync p99 %.0f ms, max %.0f ms (medians)" % (
                      name, files, total / 1048576, statistics.median(times),
                      ", ".join("%.2f" % t for t in times),
                      statistics.median(r[1] for r in runs), statistics.median(r[2] for r in runs),
                      statistics.median(r[3] for r in runs), statistics.median(r[4] for r in runs),
                      statistics.median(r[5] for r in runs), statistics.median(r[6] for r in runs)))
        finally:
            shutil.rmtree(source, ignore_errors=True)


if __name__ == "__main__":
    main()
