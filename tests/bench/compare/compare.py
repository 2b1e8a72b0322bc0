#!/usr/bin/env python3
"""Shoal side by side with Syncthing and rsync on loopback (issue 12 item 5).

  tests/bench/compare/compare.py [--shoal build/cli/shoal] [--scenarios large,small]
      [--runs 3] [--quick] [--json out.json] [--systems shoal,syncthing,rsync]

For every scenario the data is generated once; then each run starts fresh
instances (temporary homes under --tmp) of every system in turn (shoal,
syncthing, rsync, shoal, ...), syncs, times, measures wire bytes and
verifies by hashing both trees. Prints a table of medians with the
Shoal/Syncthing and Shoal/rsync ratios; --json writes every run too.
docs/performance.md says what each scenario measures."""
import argparse
import json
import os
import shlex
import sys
import tempfile
import traceback

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import report  # noqa: E402
from common import rm_tree  # noqa: E402
from rsync_runner import RsyncPair  # noqa: E402
from scenarios import RUN, SCENARIOS, make_data  # noqa: E402
from shoal_runner import ShoalPair  # noqa: E402
from syncthing_runner import SyncthingPair  # noqa: E402

RUNNERS = {"shoal": ShoalPair, "syncthing": SyncthingPair, "rsync": RsyncPair}


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--shoal", default="build/cli/shoal", help="the shoal binary")
    p.add_argument("--scenarios", default=",".join(SCENARIOS),
                   help="comma-separated, from: " + ", ".join(SCENARIOS))
    p.add_argument("--systems", default="shoal,syncthing,rsync")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    p.add_argument("--json", metavar="FILE", help="write every run and the medians here")
    p.add_argument("--tmp", default=os.environ.get("TMPDIR", "/tmp"),
                   help="where data and homes go (default $TMPDIR or /tmp)")
    p.add_argument("--trigger", choices=("scan", "watch"), default="scan",
                   help="edit/prepend/rename: ask the sender to rescan right after the "
                        "change (scan, default) or leave it to its watcher (watch)")
    p.add_argument("--st-watch-delay", type=int, default=1,
                   help="Syncthing's fsWatcherDelayS (its default is 10)")
    p.add_argument("--rsync-fsync", action="store_true",
                   help="pass --fsync to rsync (by default it does not fsync; Shoal and "
                        "Syncthing do)")
    p.add_argument("--timeout", type=float, default=1800, help="seconds for one sync")
    p.add_argument("--poll", type=float, default=0.02, help="seconds between state polls")
    p.add_argument("--keep", action="store_true", help="keep homes and logs of failed runs")
    opts = p.parse_args()
    opts.scenarios = [s for s in opts.scenarios.split(",") if s]
    opts.systems = [s for s in opts.systems.split(",") if s]
    for s in opts.scenarios:
        if s not in SCENARIOS:
            p.error("unknown scenario %r (known: %s)" % (s, ", ".join(SCENARIOS)))
    for s in opts.systems:
        if s not in RUNNERS:
            p.error("unknown system %r" % s)
    return opts


def one_run(system, scenario, src, files, size, opts):
    base = tempfile.mkdtemp(prefix="shoal-compare-%s-%s-" % (scenario, system), dir=opts.tmp)
    runner = RUNNERS[system](base, opts)
    failed = True
    try:
        result = RUN[scenario](runner, src, files, size, opts)
        failed = False
        return result
    except Exception as e:  # a failed run is reported, the others go on
        traceback.print_exc()
        return {"error": "%s: %s" % (type(e).__name__, e)}
    finally:
        try:
            runner.stop()
        except Exception:
            traceback.print_exc()
        if failed and opts.keep:
            print("  kept %s" % base, file=sys.stderr)
        else:
            rm_tree(base)


def main():
    opts = parse()
    command = " ".join(shlex.quote(a) for a in sys.argv)
    versions = {s: RUNNERS[s].version(opts) for s in opts.systems}
    date, machine = report.now(), report.machine()
    print(report.header(date, machine, versions, command), flush=True)
    results = {}
    for scenario in opts.scenarios:
        systems, full, quick, what = SCENARIOS[scenario]
        size = quick if opts.quick else full
        systems = [s for s in opts.systems if s in systems]
        print("\n== %s: %s %s" % (scenario, what, "(quick: %s)" % size if opts.quick else ""),
              flush=True)
        src = tempfile.mkdtemp(prefix="shoal-compare-data-", dir=opts.tmp)
        try:
            files = make_data(scenario, size, src)
            results[scenario] = {s: [] for s in systems}
            for run in range(opts.runs):
                for system in systems:
                    r = one_run(system, scenario, src, files, size, opts)
                    results[scenario][system].append(r)
                    print("  run %d %-9s %s" % (run + 1, system, ", ".join(
                        "%s %s" % (k, report.fmt(k, v)) if k != "error" else v
                        for k, v in r.items())), flush=True)
        finally:
            rm_tree(src)
    print("\nMedians of %d run(s):\n" % opts.runs)
    print(report.table(results, opts.runs))
    if opts.json:
        doc = {"date": date, "machine": machine, "versions": versions, "command": command,
               "quick": opts.quick, "runs": opts.runs, "trigger": opts.trigger,
               "syncthing_watch_delay_s": opts.st_watch_delay,
               "rsync_fsync": opts.rsync_fsync,
               "scenarios": {sc: {s: {"runs": runs, "median": report.medians(runs)}
                                  for s, runs in per.items()} for sc, per in results.items()}}
        with open(opts.json, "w") as f:
            json.dump(doc, f, indent=1)
        print("\nJSON: " + opts.json)
    failed = sum("error" in r for per in results.values() for runs in per.values() for r in runs)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
