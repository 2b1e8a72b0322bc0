#!/usr/bin/env python3
"""Profiles both daemons of one sync_bench.py run with perf.

Starts two daemons as sync_bench.py does, records `perf record -g` on each
from the moment B accepts the folder until B needs nothing, and leaves
perf-a.data (sender) and perf-b.data (receiver) in --out. Read them with
`perf report -i DIR/perf-b.data --no-children --sort dso,sym`. Needs perf
and root (or perf_event_paranoid <= 1). Build with -g for whole stacks.

  tests/bench/profile_sync.py [--build build-rel] [--scenario small|large] [--out .]
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sync_bench  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--scenario", default="small", choices=["small", "large"])
    parser.add_argument("--out", default=".")
    parser.add_argument("--frequency", default="499")
    args = parser.parse_args()
    binary = os.path.abspath(os.path.join(args.build, "cli", "shoal"))
    source = tempfile.mkdtemp(prefix="shoal-profile-data-")
    base = tempfile.mkdtemp(prefix="shoal-profile-")
    try:
        make = sync_bench.make_large if args.scenario == "large" else sync_bench.make_small
        files, _ = make(source)
        a, b, folder = sync_bench.start_pair(binary, base, source, files, "profile")
        perfs = [subprocess.Popen(
            ["perf", "record", "-F", args.frequency, "-g", "-p", str(d.proc.pid), "-o",
             os.path.join(args.out, "perf-%s.data" % name)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for name, d in (("a", a), ("b", b))]
        time.sleep(0.5)  # perf attached
        start = time.time()
        b.cli("folder", "accept", folder, os.path.join(base, "b", "sync"))
        sync_bench.wait_idle(b, files)
        print("%s: synced in %.2f s; profiles in %s/perf-a.data (sender) and perf-b.data "
              "(receiver)" % (args.scenario, time.time() - start, args.out))
        for p in perfs:
            p.send_signal(signal.SIGINT)
        for p in perfs:
            p.wait()
        a.stop()
        b.stop()
    finally:
        shutil.rmtree(base, ignore_errors=True)
        shutil.rmtree(source, ignore_errors=True)


if __name__ == "__main__":
    main()
