"""The header (date, machine, versions) and the table of medians."""
import os
import platform
import statistics
import time

SYSTEMS = ("shoal", "syncthing", "rsync")


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": model, "kernel": platform.release(),
            "load_avg": os.getloadavg()}


def header(date, mach, versions, command):
    lines = ["date:     %s" % date,
             "machine:  %d cores, %s, Linux %s, load average %.2f %.2f %.2f" % (
                 mach["nproc"], mach["cpu"], mach["kernel"], *mach["load_avg"]),
             "versions: " + "; ".join("%s" % v for v in versions.values()),
             "command:  " + command]
    return "\n".join(lines)


def medians(runs):
    """{metric: median} over the runs that succeeded."""
    ok = [r for r in runs if "error" not in r]
    keys = []
    for r in ok:
        keys += [k for k in r if k not in keys]
    return {k: statistics.median(r[k] for r in ok if r.get(k) is not None) for k in keys
            if any(r.get(k) is not None for r in ok)}


def fmt(metric, value):
    if value is None:
        return "—"
    if "bytes" in metric or metric.startswith("wire"):
        for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
            if value >= scale:
                return "%.1f %s" % (value / scale, unit)
        return "%d B" % value
    if metric.endswith("_ms"):
        return "%.0f ms" % value
    if metric.endswith("_s"):
        return "%.3f s" % value if value < 10 else "%.1f s" % value
    if metric.endswith("_mib"):
        return "%.1f MiB" % value
    if metric.endswith("_pct"):
        return "%.2f%%" % value
    return "%g" % value


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "—"
    return "%.2f×" % (a / b)


def table(results, runs_wanted):
    """results: {scenario: {system: [run dicts]}} -> markdown table of medians."""
    rows = ["| scenario | metric | Shoal | Syncthing | rsync | Shoal/Syncthing | Shoal/rsync |",
            "|---|---|---|---|---|---|---|"]
    for scenario, per_system in results.items():
        med = {s: medians(per_system.get(s, [])) for s in SYSTEMS}
        metrics = []
        for s in SYSTEMS:
            metrics += [k for k in med[s] if k not in metrics]
        for m in metrics:
            v = {s: med[s].get(m) for s in SYSTEMS}
            rows.append("| %s | %s | %s | %s | %s | %s | %s |" % (
                scenario, m, fmt(m, v["shoal"]), fmt(m, v["syncthing"]), fmt(m, v["rsync"]),
                ratio(v["shoal"], v["syncthing"]), ratio(v["shoal"], v["rsync"])))
        for s in SYSTEMS:
            runs = per_system.get(s, [])
            bad = [r["error"] for r in runs if "error" in r]
            if bad:
                rows.append("| %s | %s failed %d of %d: %s | | | | | |" % (
                    scenario, s, len(bad), len(runs), bad[0].replace("|", "/")[:120]))
    return "\n".join(rows)


def now():
    return time.strftime("%Y-%m-%d %H:%M:%S %z")
