"""The scenarios: how each one's data is made and how one run of it goes on
one system (a runner from *_runner.py). Each run returns {metric: value}."""
import os
import time

from common import (WireMeter, append_bytes, copy_tree, insert_bytes, make_big, make_files,
                    overwrite_bytes, peak_rss_mib, rss_mib, same_stat, verify_trees, wait_for)

MiB = 1 << 20

# name: (systems, full sizes, --quick sizes, what it measures)
SCENARIOS = {
    "large": (("shoal", "syncthing", "rsync"), {"files": 4, "size": 256 * MiB},
              {"files": 4, "size": 4 * MiB}, "1 GiB in 4 new files"),
    "small": (("shoal", "syncthing", "rsync"), {"files": 20000, "lo": 1024, "hi": 16384},
              {"files": 500, "lo": 1024, "hi": 16384}, "20,000 new files of 1-16 KiB"),
    "many": (("shoal", "syncthing", "rsync"), {"files": 100000, "lo": 1024, "hi": 4096},
             {"files": 2000, "lo": 1024, "hi": 4096}, "100,000 new files of 1-4 KiB"),
    "latency": (("shoal", "syncthing"), {"trials": 20}, {"trials": 5},
                "write -> visible on the other side, 1 KiB file, watchers"),
    "edit": (("shoal", "syncthing", "rsync"), {"size": 256 * MiB}, {"size": 16 * MiB},
             "in a synced 256 MiB file: insert 1 B mid, overwrite 4 KiB, append 1 MiB"),
    "prepend": (("shoal", "syncthing", "rsync"), {"size": 512 * MiB}, {"size": 32 * MiB},
                "insert 100 B at the start of a synced 512 MiB file"),
    "rename": (("shoal", "syncthing", "rsync"), {"size": 512 * MiB}, {"size": 32 * MiB},
               "rename a synced 512 MiB file"),
    "seeded": (("shoal", "syncthing", "rsync"), {"files": 100000, "lo": 1024, "hi": 4096},
               {"files": 2000, "lo": 1024, "hi": 4096},
               "100,000 files of 1-4 KiB already identical on both sides: time to agree"),
    # Idle from 40 s after the sync: a Shoal receiver remembers its own
    # writes for 30 s (core/sync/own_writes.h) and forgets the last of
    # them then; with 10 s, that cleanup fell inside the window (0.15%
    # against 0.00% from 40 s on, docs/performance.md).
    "idle": (("shoal", "syncthing"),
             {"files": 100000, "lo": 1024, "hi": 4096, "settle": 40, "window": 60},
             {"files": 2000, "lo": 1024, "hi": 4096, "settle": 2, "window": 5},
             "idle with 100,000 synced files: RSS, CPU, state on disk"),
}


def make_data(name, size, root):
    """Generates the scenario's data into root; returns the number of files."""
    os.makedirs(root, exist_ok=True)
    if name == "large":
        return make_big(root, size["files"], size["size"])[0]
    if name in ("small", "many", "seeded", "idle"):
        return make_files(root, size["files"], size["lo"], size["hi"])[0]
    if name in ("edit", "prepend", "rename"):
        return make_big(root, 1, size["size"])[0]
    return 0  # latency: starts empty


def _meter(runner):
    custom = getattr(runner, "wire_meter", None)
    return custom() if custom else WireMeter(*runner.ports())


def _sync(runner, files, opts, check=lambda: True):
    """Waits for the receiver's own state to say done and check() to hold
    (a one-shot runner, rsync, is done when its client exits)."""
    if getattr(runner, "one_shot", False):
        runner.synced(files)
        if not check():
            raise AssertionError("%s finished but the receiver's copy is not there" % runner.name)
        return
    wait_for(lambda: runner.synced(files) and check(), opts.timeout,
             "%s to sync" % runner.name, opts.poll)


def _initial(runner, src, files, opts):
    copy_tree(src, runner.a_dir)
    runner.setup(files)
    runner.start_sync()
    _sync(runner, files, opts)
    verify_trees(runner.a_dir, runner.b_dir)


def run_bulk(runner, src, files, size, opts, heard=False):
    copy_tree(src, runner.a_dir)
    runner.setup(files)
    meter, cpu0 = _meter(runner), runner.cpu()
    t0 = time.monotonic()
    runner.start_sync()
    _sync(runner, files, opts, (lambda: runner.heard(files)) if heard else (lambda: True))
    elapsed = time.monotonic() - t0
    wire, cpu1 = meter.stop(), runner.cpu()
    verify_trees(runner.a_dir, runner.b_dir)
    out = {"time_s": elapsed, "wire_bytes": wire["total"], "wire_a_to_b": wire["a_to_b"],
           "wire_b_to_a": wire["b_to_a"], "cpu_sender_s": cpu1[0] - cpu0[0],
           "cpu_receiver_s": cpu1[1] - cpu0[1]}
    a_pid, b_pid = runner.pids()
    if a_pid and runner.name != "rsync":
        out["peak_rss_sender_mib"] = peak_rss_mib(a_pid)
        out["peak_rss_receiver_mib"] = peak_rss_mib(b_pid)
    return out


def run_seeded(runner, src, files, size, opts):
    """B's folder already holds the same files (same content and mtimes, as
    from a backup) before the two are paired; timed as a bulk sync."""
    copy_tree(src, runner.b_dir)
    return run_bulk(runner, src, files, size, opts, heard=True)


def _timed_change(runner, opts, change, check, prefix):
    """Applies change() to A (untimed), then times from there until B's own
    state says done and check() holds; the trees are verified after."""
    change()
    meter = _meter(runner)
    t0 = time.monotonic()
    runner.changed()
    _sync(runner, 1, opts, check)
    elapsed = time.monotonic() - t0
    wire = meter.stop()
    verify_trees(runner.a_dir, runner.b_dir)
    return {prefix + "_s": elapsed, prefix + "_wire_bytes": wire["total"]}


def run_edit(runner, src, files, size, opts):
    _initial(runner, src, files, opts)
    a, b = (os.path.join(d, "big0.bin") for d in (runner.a_dir, runner.b_dir))
    check = lambda: same_stat(a, b)
    out = {}
    out.update(_timed_change(runner, opts, lambda: insert_bytes(a, size["size"] // 2, b"x"),
                             check, "insert_1b"))
    out.update(_timed_change(runner, opts, lambda: overwrite_bytes(
        a, size["size"] // 3, os.urandom(4096)), check, "overwrite_4k"))
    out.update(_timed_change(runner, opts, lambda: append_bytes(a, os.urandom(MiB)), check,
                             "append_1m"))
    return out


def run_prepend(runner, src, files, size, opts):
    _initial(runner, src, files, opts)
    a, b = (os.path.join(d, "big0.bin") for d in (runner.a_dir, runner.b_dir))
    return _timed_change(runner, opts, lambda: insert_bytes(a, 0, os.urandom(100)),
                         lambda: same_stat(a, b), "insert_100b_start")


def run_rename(runner, src, files, size, opts):
    if runner.name == "rsync":
        runner.extra = ["--fuzzy", "--delete-after"]  # lets rsync use the old name as basis
    _initial(runner, src, files, opts)
    old_b = os.path.join(runner.b_dir, "big0.bin")
    new_a, new_b = (os.path.join(d, "renamed.bin") for d in (runner.a_dir, runner.b_dir))
    return _timed_change(
        runner, opts, lambda: os.rename(os.path.join(runner.a_dir, "big0.bin"), new_a),
        lambda: not os.path.exists(old_b) and same_stat(new_a, new_b), "rename")


def percentile(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def run_latency(runner, src, files, size, opts):
    os.makedirs(runner.a_dir, exist_ok=True)
    runner.setup(0)
    runner.start_sync()
    _sync(runner, 0, opts)
    time.sleep(1)
    samples = []
    for i in range(size["trials"]):
        a, b = (os.path.join(d, "t%03d.bin" % i) for d in (runner.a_dir, runner.b_dir))
        with open(a, "wb") as f:
            f.write(os.urandom(1024))
        t0 = time.monotonic()
        wait_for(lambda: same_stat(a, b), opts.timeout, "%s to show a new file" % runner.name,
                 0.002)
        samples.append((time.monotonic() - t0) * 1000)
        time.sleep(0.3)
    _sync(runner, size["trials"], opts)
    verify_trees(runner.a_dir, runner.b_dir)
    return {"p50_ms": percentile(samples, 50), "p90_ms": percentile(samples, 90),
            "p99_ms": percentile(samples, 99)}


def run_idle(runner, src, files, size, opts):
    _initial(runner, src, files, opts)
    time.sleep(size["settle"])
    cpu0, t0 = runner.cpu(), time.monotonic()
    time.sleep(size["window"])
    cpu1, wall = runner.cpu(), time.monotonic() - t0
    a_pid, b_pid = runner.pids()
    state = runner.state_bytes()
    return {"rss_sender_mib": rss_mib(a_pid), "rss_receiver_mib": rss_mib(b_pid),
            "cpu_sender_pct": 100 * (cpu1[0] - cpu0[0]) / wall,
            "cpu_receiver_pct": 100 * (cpu1[1] - cpu0[1]) / wall,
            "state_sender_mib": state[0] / MiB, "state_receiver_mib": state[1] / MiB}


RUN = {"large": run_bulk, "small": run_bulk, "many": run_bulk, "latency": run_latency,
       "edit": run_edit, "prepend": run_prepend, "rename": run_rename, "seeded": run_seeded,
       "idle": run_idle}
