"""Two Syncthing instances on loopback (Debian's `syncthing`), each in a
temporary home, configured through a generated config.xml and driven over
the REST API with a known key. Nothing reaches beyond 127.0.0.1: global and
local discovery, relays, NAT traversal (UPnP and STUN), usage and crash
reporting and upgrades are off; each listens on tcp://127.0.0.1:PORT only
(no QUIC) and knows the other's address. Self-renicing (setLowPriority) is
off so both systems compete for the CPU on equal terms.

The folder: rescans every 3600 s (Syncthing's default, as Shoal's), watcher
on with a delay of --st-watch-delay seconds (default 1, the lowest useful;
Syncthing's own default of 10 s adds about 10 s to every write -> visible)."""
import json
import os
import subprocess
import urllib.request
import xml.etree.ElementTree as ET

from common import cpu_seconds, dir_bytes, free_port, stop_process, wait_for

FOLDER = "bench"
OPTIONS = {
    "listenAddress": None,  # set per instance
    "globalAnnounceEnabled": "false",
    "localAnnounceEnabled": "false",
    "relaysEnabled": "false",
    "natEnabled": "false",
    "startBrowser": "false",
    "urAccepted": "-1",
    "urInitialDelayS": "86400",
    "crashReportingEnabled": "false",
    "autoUpgradeIntervalH": "0",
    "stunKeepaliveStartS": "0",
    "announceLANAddresses": "false",
    "setLowPriority": "false",
    "restartOnWakeup": "false",
}
# STMONITORED: run as one process, without the monitor parent that restarts
# it (so the PID measured is the one doing the work).
ENV = {"STNOUPGRADE": "1", "STNORESTART": "1", "STNODEFAULTFOLDER": "1", "STMONITORED": "1"}


class SyncthingPair:
    name = "syncthing"

    def __init__(self, base, opts):
        self.base, self.opts = base, opts
        self.a_dir = os.path.join(base, "a", "sync")
        self.b_dir = os.path.join(base, "b", "sync")
        self.inst = {}

    @staticmethod
    def version(opts):
        out = subprocess.run(["syncthing", "--version"], capture_output=True, text=True).stdout
        return out.split("\n")[0].strip()

    def _home(self, who):
        return os.path.join(self.base, who, "home")

    def rest(self, who, method, path, body=None):
        i = self.inst[who]
        req = urllib.request.Request(
            "http://127.0.0.1:%d%s" % (i["gui"], path), method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"X-API-Key": i["key"], "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            data = r.read()
        return json.loads(data) if data.strip() else {}

    def _generate(self, who):
        home = self._home(who)
        os.makedirs(home)
        subprocess.run(["syncthing", "generate", "--home", home, "--no-default-folder",
                        "--skip-port-probing"], check=True, capture_output=True,
                       env=dict(os.environ, **ENV))
        device_id = subprocess.run(["syncthing", "serve", "--home", home, "--device-id"],
                                   check=True, capture_output=True, text=True).stdout.strip()
        self.inst[who] = {"id": device_id, "gui": free_port(), "port": free_port(),
                          "key": "shoal-bench-%s-%s" % (who, os.urandom(8).hex())}

    def _configure(self, who, paused):
        """Rewrites the generated config.xml: options, GUI, both devices, the folder."""
        me, other = self.inst[who], self.inst["b" if who == "a" else "a"]
        path = os.path.join(self._home(who), "config.xml")
        tree = ET.parse(path)
        root = tree.getroot()
        options = root.find("options")
        for key, value in dict(OPTIONS, listenAddress="tcp://127.0.0.1:%d" % me["port"]).items():
            el = options.find(key)
            if el is None:
                el = ET.SubElement(options, key)
            el.text = value
        for el in options.findall("globalAnnounceServer"):
            options.remove(el)
        gui = root.find("gui")
        gui.find("address").text = "127.0.0.1:%d" % me["gui"]
        gui.find("apikey").text = me["key"]
        template = root.find("device")
        peer = ET.fromstring(ET.tostring(template))
        peer.set("id", other["id"])
        peer.set("name", "b" if who == "a" else "a")
        peer.find("address").text = "tcp://127.0.0.1:%d" % other["port"]
        root.insert(list(root).index(template) + 1, peer)
        folder = ET.fromstring(ET.tostring(root.find("defaults/folder")))
        folder.set("id", FOLDER)
        folder.set("label", FOLDER)
        folder.set("path", self.a_dir if who == "a" else self.b_dir)
        folder.set("rescanIntervalS", "3600")
        folder.set("fsWatcherEnabled", "true")
        folder.set("fsWatcherDelayS", str(self.opts.st_watch_delay))
        for d in folder.findall("device"):
            folder.remove(d)
        for dev in (me, other):
            d = ET.SubElement(folder, "device", {"id": dev["id"], "introducedBy": ""})
            ET.SubElement(d, "encryptionPassword")
        folder.find("paused").text = "true" if paused else "false"
        root.insert(0, folder)
        tree.write(path)

    def _start(self, who):
        i = self.inst[who]
        i["log"] = open(os.path.join(self.base, who, "syncthing.log"), "w")
        i["proc"] = subprocess.Popen(
            ["syncthing", "serve", "--home", self._home(who), "--no-browser", "--no-restart",
             "--no-upgrade", "--logflags=3"],
            stdout=i["log"], stderr=i["log"], env=dict(os.environ, **ENV))

        def up():
            if i["proc"].poll() is not None:
                raise RuntimeError("syncthing %s exited, see %s" % (who, i["log"].name))
            try:
                return self.rest(who, "GET", "/rest/system/ping")
            except OSError:
                return None
        wait_for(up, 60, "syncthing %s to start" % who, 0.1)

    def setup(self, files):
        """Both instances up and connected; A has scanned its data; B's copy
        of the folder is paused until start_sync."""
        for who in ("a", "b"):
            self._generate(who)
        for who, d in (("a", self.a_dir), ("b", self.b_dir)):
            os.makedirs(os.path.join(d, ".stfolder"), exist_ok=True)
            self._configure(who, paused=(who == "b"))
        for who in ("a", "b"):
            self._start(who)
        wait_for(lambda: self._folder("a", files), self.opts.timeout, "syncthing A to scan",
                 self.opts.poll)
        b_sees_a = lambda: self.rest("b", "GET", "/rest/system/connections")[
            "connections"].get(self.inst["a"]["id"], {}).get("connected")
        wait_for(b_sees_a, 120, "syncthing devices to connect", 0.05)

    def _folder(self, who, files):
        s = self.rest(who, "GET", "/rest/db/status?folder=" + FOLDER)
        need = s.get("needTotalItems", s.get("needFiles", 0) + s.get("needDeletes", 0))
        return s["state"] == "idle" and need == 0 and s["localFiles"] >= files

    def start_sync(self):
        self.rest("b", "PATCH", "/rest/config/folders/" + FOLDER, {"paused": False})

    def synced(self, files):
        """B's own state: idle, nothing needed, every file, 100% complete."""
        if not self._folder("b", files):
            return False
        c = self.rest("b", "GET", "/rest/db/completion?folder=" + FOLDER)
        return c["completion"] >= 100 and c.get("needItems", 0) == 0

    def heard(self, files):
        """B knows that A holds everything (A's completion as B sees it is
        100%, which needs A's index)."""
        c = self.rest("b", "GET", "/rest/db/completion?folder=%s&device=%s" % (
            FOLDER, self.inst["a"]["id"]))
        return c["completion"] >= 100 and c.get("globalItems", files) >= files

    def changed(self):
        """--trigger scan: a rescan of A's folder now (returns when it is done)."""
        if self.opts.trigger == "scan":
            self.rest("a", "POST", "/rest/db/scan?folder=" + FOLDER)

    def pids(self):
        return self.inst["a"]["proc"].pid, self.inst["b"]["proc"].pid

    def ports(self):
        return self.inst["a"]["port"], self.inst["b"]["port"]

    def cpu(self):
        return tuple(cpu_seconds(p) for p in self.pids())

    def state_bytes(self):
        """Everything in the home: the index database, config and keys."""
        return tuple(dir_bytes(self._home(w)) for w in ("a", "b"))

    def stop(self):
        for who, i in self.inst.items():
            if "proc" not in i:
                continue
            try:
                self.rest(who, "POST", "/rest/system/shutdown")
                i["proc"].wait(timeout=30)
            except Exception:
                stop_process(i["proc"])
            i["log"].close()
        self.inst = {}
