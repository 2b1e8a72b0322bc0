"""Two Shoal daemons on loopback, paired by device ID, one folder shared
from A (the sender, which holds the data) to B (the receiver)."""
import json
import os
import socket
import subprocess

from common import cpu_seconds, dir_bytes, wait_for


class ShoalPair:
    name = "shoal"

    def __init__(self, base, opts):
        self.binary = os.path.abspath(opts.shoal)
        self.base, self.opts = base, opts
        self.a_dir = os.path.join(base, "a", "sync")
        self.b_dir = os.path.join(base, "b", "sync")
        self.daemons = {}
        self.folder = None

    @staticmethod
    def version(opts):
        return subprocess.run([os.path.abspath(opts.shoal), "--version"], capture_output=True,
                              text=True).stdout.strip()

    # -- the two daemons ---------------------------------------------------
    def _cli(self, who, *args):
        home = os.path.join(self.base, who, "home")
        out = subprocess.run([self.binary, "--home", home, "--json", *args], check=True,
                             capture_output=True, text=True).stdout
        return json.loads(out) if out.strip() else {}

    def _status(self, who):
        """The daemon's status straight from its control socket (cheaper than
        a CLI process per poll)."""
        path = os.path.join(self.base, who, "home", "control.sock")
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(path)
            s.sendall(b'{"id":1,"cmd":"status"}\n')
            buf = b""
            while not buf.endswith(b"\n"):
                chunk = s.recv(1 << 16)
                if not chunk:
                    break
                buf += chunk
        return json.loads(buf)["result"]

    def _start(self, who):
        home = os.path.join(self.base, who, "home")
        os.makedirs(home)
        log = open(os.path.join(self.base, who, "daemon.log"), "w")
        proc = subprocess.Popen(
            [self.binary, "--home", home, "daemon", "--listen", "127.0.0.1:0", "--no-discovery",
             "--gui", "127.0.0.1:0", "--name", who], stdout=log, stderr=log)

        def up():
            try:
                return self._status(who)
            except (OSError, ValueError, KeyError):
                return None
        status = wait_for(up, 30, "shoal daemon %s to start" % who, 0.05)
        self.daemons[who] = {"proc": proc, "log": log, "port": status["device"]["listen_port"],
                             "id": self._cli(who, "id")["id"]}

    def setup(self, files):
        """Starts A and B, pairs them, scans A's data, shares it with B."""
        os.makedirs(self.a_dir, exist_ok=True)
        self._start("a")
        self._start("b")
        a, b = self.daemons["a"], self.daemons["b"]
        self._cli("a", "devices", "add", b["id"], "--address", "127.0.0.1:%d" % b["port"])
        self._cli("b", "devices", "add", a["id"], "--address", "127.0.0.1:%d" % a["port"])
        self.folder = self._cli("a", "folder", "add", self.a_dir, "--label", "bench")["id"]
        wait_for(lambda: self._folder("a", files), self.opts.timeout, "shoal A to scan")
        self._cli("a", "share", self.folder, b["id"])
        wait_for(lambda: any(d["connected"] for d in self._status("b")["devices"]), 60,
                 "shoal devices to connect", 0.02)

    def _folder(self, who, files):
        folders = self._status(who)["folders"]
        if not folders:
            return False
        f = folders[0]
        return f["need"] == 0 and f["state"] == "idle" and f["files"] >= files

    def start_sync(self):
        self._cli("b", "folder", "accept", self.folder, self.b_dir)

    def synced(self, files):
        """B's own state: it needs nothing, is idle and holds the files."""
        return self._folder("b", files)

    def heard(self, files):
        """B has received at least `files` index entries from A (so that a
        B that already holds the files is not taken as done before it knows
        what A has)."""
        devices = self._status("b")["devices"]
        return any(d.get("index_entries_in", 0) >= files for d in devices)

    def changed(self):
        """Tells A about a change now instead of waiting for its watcher
        (--trigger scan): a rescan of the folder, which returns once committed."""
        if self.opts.trigger == "scan":
            self._cli("a", "rescan", self.folder)

    def pids(self):
        return self.daemons["a"]["proc"].pid, self.daemons["b"]["proc"].pid

    def ports(self):
        return self.daemons["a"]["port"], self.daemons["b"]["port"]

    def cpu(self):
        return tuple(cpu_seconds(p) for p in self.pids())

    def state_bytes(self):
        """Everything the daemon keeps in its home (index database, keys)."""
        return tuple(dir_bytes(os.path.join(self.base, w, "home")) for w in ("a", "b"))

    def stop(self):
        for who, d in self.daemons.items():
            try:
                self._cli(who, "shutdown")
                d["proc"].wait(timeout=30)
            except Exception:
                d["proc"].kill()
                d["proc"].wait()
            d["log"].close()
        self.daemons = {}
