"""rsync as the baseline: an `rsync --daemon` on a 127.0.0.1 port with its
own config, whose module is B's folder; every sync is one client run
`rsync -a --delete --modify-window=-1 --stats A/ rsync://127.0.0.1:PORT/b/`,
done when the client exits. --modify-window=-1 compares modification times
to the nanosecond: at its default (whole seconds) rsync skips a same-size
edit made within the second of its last run. rsync does not fsync what it
writes (Shoal and Syncthing do) unless compare.py is given --rsync-fsync. rsync has no watcher and keeps no state: it is given the
changed tree and told to go, so its figures are the floor of a one-shot
copy. Wire bytes are the client's own totals (--stats: payload both ways),
taken from the process rather than `ss` because the connection is gone the
moment it ends."""
import grp
import os
import pwd
import re
import resource
import subprocess

from common import cpu_seconds, free_port, stop_process, wait_for


class RsyncPair:
    name = "rsync"
    one_shot = True  # synced() is the whole sync: run once, never polled

    def __init__(self, base, opts):
        self.base, self.opts = base, opts
        self.a_dir = os.path.join(base, "a", "sync")
        self.b_dir = os.path.join(base, "b", "sync")
        self.extra = []        # scenario-specific client flags (e.g. --fuzzy)
        self.wire = {"a_to_b": 0, "b_to_a": 0, "total": 0}
        self.daemon = None

    @staticmethod
    def version(opts):
        out = subprocess.run(["rsync", "--version"], capture_output=True, text=True).stdout
        return out.split("\n")[0].strip()

    def setup(self, files):
        os.makedirs(self.a_dir, exist_ok=True)
        os.makedirs(self.b_dir, exist_ok=True)
        self.port = free_port()
        d = os.path.join(self.base, "rsyncd")
        os.makedirs(d)
        conf = os.path.join(d, "rsyncd.conf")
        with open(conf, "w") as f:
            f.write("address = 127.0.0.1\nport = %d\nuse chroot = no\npid file = %s/pid\n"
                    "lock file = %s/lock\nlog file = %s/log\nmax connections = 4\n"
                    "uid = %s\ngid = %s\n\n[b]\npath = %s\nread only = no\n" % (
                        self.port, d, d, d, pwd.getpwuid(os.getuid()).pw_name,
                        grp.getgrgid(os.getgid()).gr_name, self.b_dir))
        self.daemon = subprocess.Popen(["rsync", "--daemon", "--no-detach", "--config", conf],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def listening():
            if self.daemon.poll() is not None:
                raise RuntimeError("rsync --daemon exited, see %s/log" % d)
            return subprocess.run(["ss", "-tlnH", "sport = :%d" % self.port],
                                  capture_output=True, text=True).stdout.strip()
        wait_for(listening, 30, "rsync daemon to listen", 0.05)

    def start_sync(self):
        pass

    def synced(self, files):
        """One client run; the sync is done when it exits (status 0)."""
        proc = subprocess.Popen(
            ["rsync", "-a", "--delete", "--modify-window=-1", "--stats", *self.extra,
             *(["--fsync"] if self.opts.rsync_fsync else []), self.a_dir + "/",
             "rsync://127.0.0.1:%d/b/" % self.port],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out, err = proc.communicate(timeout=self.opts.timeout)
        if proc.returncode != 0:
            raise RuntimeError("rsync exited %d: %s" % (proc.returncode, err.strip()))
        sent = re.search(r"Total bytes sent: ([\d,]+)", out)
        got = re.search(r"Total bytes received: ([\d,]+)", out)
        sent = int(sent.group(1).replace(",", "")) if sent else 0
        got = int(got.group(1).replace(",", "")) if got else 0
        self.wire = {"a_to_b": self.wire["a_to_b"] + sent, "b_to_a": self.wire["b_to_a"] + got}
        self.wire["total"] = self.wire["a_to_b"] + self.wire["b_to_a"]
        return True

    def heard(self, files):
        return True  # nothing to hear: the client's exit is the end

    def changed(self):
        pass

    def wire_meter(self):
        runner = self

        class Meter:
            def __init__(self):
                self.base = dict(runner.wire)

            def stop(self):
                return {k: runner.wire[k] - self.base[k] for k in runner.wire}
        return Meter()

    def pids(self):
        return None, self.daemon.pid

    def ports(self):
        return None, self.port

    def cpu(self):
        """(client CPU so far, daemon CPU with its reaped per-connection children)."""
        children = "/proc/%d/task/%d/children" % (self.daemon.pid, self.daemon.pid)

        def reaped():  # the per-connection child counts once the daemon reaped it
            with open(children) as f:
                return not f.read().strip()
        wait_for(reaped, 10, "rsync daemon to reap its connection", 0.01)
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return (usage.ru_utime + usage.ru_stime, cpu_seconds(self.daemon.pid, children=True))

    def state_bytes(self):
        return None, None

    def stop(self):
        if self.daemon:
            stop_process(self.daemon)
            self.daemon = None
