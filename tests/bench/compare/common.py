"""Shared pieces of the side-by-side bench: data, tree checks, process
figures, free ports and wire bytes from `ss`."""
import hashlib
import os
import random
import re
import shutil
import socket
import subprocess
import threading
import time

# Names each system keeps in a folder's root for itself; never compared.
OWN_NAMES = {".shoal", ".stfolder", ".stversions", ".stignore", ".shoalignore"}


class Timeout(Exception):
    pass


def wait_for(cond, timeout, what, interval=0.01):
    """Polls cond() until it returns something true; returns that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Timeout("timed out after %.0f s waiting for %s" % (timeout, what))
        time.sleep(interval)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- data --------------------------------------------------------------

def write_random(path, size, rng=None):
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, 8 << 20)
            f.write(rng.randbytes(n) if rng else os.urandom(n))
            left -= n


def make_files(root, count, lo, hi, seed=1, per_dir=200):
    """count files of lo..hi bytes (seeded), per_dir to a directory."""
    rng = random.Random(seed)
    total = 0
    for i in range(count):
        d = os.path.join(root, "d%03d" % (i // per_dir))
        if i % per_dir == 0:
            os.makedirs(d, exist_ok=True)
        size = rng.randint(lo, hi)
        with open(os.path.join(d, "f%06d.bin" % i), "wb") as f:
            f.write(rng.randbytes(size))
        total += size
    return count, total


def make_big(root, files, size):
    os.makedirs(root, exist_ok=True)
    for i in range(files):
        write_random(os.path.join(root, "big%d.bin" % i), size)
    return files, files * size


def copy_tree(src, dst):
    """A real copy (no hard links: edits must not reach the source)."""
    os.makedirs(dst, exist_ok=True)
    subprocess.run(["cp", "-a", "--reflink=auto", src + "/.", dst], check=True)


def insert_bytes(path, offset, data):
    """Inserts data at offset in place (the tail is moved, the file grows)."""
    with open(path, "r+b") as f:
        f.seek(offset)
        tail = f.read()
        f.seek(offset)
        f.write(data)
        f.write(tail)


def overwrite_bytes(path, offset, data):
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(data)


def append_bytes(path, data):
    with open(path, "ab") as f:
        f.write(data)


# ---- checks ------------------------------------------------------------

def tree_digest(root):
    """{relative path: (size, blake2b)} of every regular file, own names skipped."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        if dirpath == root:
            dirnames[:] = [d for d in dirnames if d not in OWN_NAMES]
            filenames = [f for f in filenames if f not in OWN_NAMES]
        for name in filenames:
            p = os.path.join(dirpath, name)
            with open(p, "rb") as f:
                digest = hashlib.file_digest(f, "blake2b").hexdigest()
            out[os.path.relpath(p, root)] = (os.path.getsize(p), digest)
    return out


def verify_trees(a, b):
    """Raises unless both trees hold the same files with the same content."""
    da, db = tree_digest(a), tree_digest(b)
    if da != db:
        only_a = sorted(set(da) - set(db))[:5]
        only_b = sorted(set(db) - set(da))[:5]
        differ = sorted(k for k in set(da) & set(db) if da[k] != db[k])[:5]
        raise AssertionError("trees differ: only on sender %s, only on receiver %s, "
                             "different %s" % (only_a, only_b, differ))
    return len(da)


def same_stat(a, b):
    """True when b exists with a's size and modification time (ns)."""
    try:
        sa, sb = os.stat(a), os.stat(b)
    except FileNotFoundError:
        return False
    return sa.st_size == sb.st_size and sa.st_mtime_ns == sb.st_mtime_ns


def dir_bytes(path, only=None):
    total = 0
    for dirpath, _, filenames in os.walk(path):
        for name in filenames:
            p = os.path.join(dirpath, name)
            if only and not only(p):
                continue
            try:
                if not os.path.islink(p):
                    total += os.stat(p).st_size
            except FileNotFoundError:
                pass
    return total


def rm_tree(path):
    shutil.rmtree(path, ignore_errors=True)


# ---- processes ---------------------------------------------------------

def cpu_seconds(pid, children=False):
    """User + system CPU of pid (plus its reaped children when asked)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def status_kib(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def peak_rss_mib(pid):
    return status_kib(pid, "VmHWM") / 1024


def rss_mib(pid):
    return status_kib(pid, "VmRSS") / 1024


def stop_process(proc, timeout=30):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---- wire bytes --------------------------------------------------------

_ADDR = re.compile(r"(\S+):(\d+)\s+(\S+):(\d+)")
_ACKED = re.compile(r"bytes_acked:(\d+)")
_RECEIVED = re.compile(r"bytes_received:(\d+)")


def ss_sockets(ports):
    """{(local port, peer port): (bytes acked, bytes received)} of the
    established loopback TCP sockets whose local port is one of ports (the
    accepting end of each connection between the instances: counting one end
    counts every connection once; on loopback `ss` lists both ends)."""
    out = subprocess.run(["ss", "-tinH", "state", "established"],
                         capture_output=True, text=True).stdout
    result = {}
    key = None
    for line in out.splitlines():
        m = _ADDR.search(line)
        if m and not line.startswith(("\t", " ")):
            lport, pport = int(m.group(2)), int(m.group(4))
            # Syncthing dials from its listen port: when both ends are
            # listen ports, the end with the lower port counts.
            mine = lport in ports and not (pport in ports and pport < lport)
            key = (lport, pport) if mine else None
            continue
        if key is not None:
            acked = _ACKED.search(line)
            received = _RECEIVED.search(line)
            result[key] = (int(acked.group(1)) if acked else 0,
                           int(received.group(1)) if received else 0)
            key = None
    return result


class WireMeter:
    """Bytes between two instances, per direction, from `ss -ti` on the
    connections to their listen ports. Samples every 0.1 s in a thread so
    that connections opened and closed during the run are counted too (up
    to their last sample). sender_port is the sender's listen port (or None
    when the sender only dials, like the rsync client)."""

    def __init__(self, sender_port, receiver_port):
        self.sender_port, self.receiver_port = sender_port, receiver_port
        self.ports = {p for p in (sender_port, receiver_port) if p}
        self.base = ss_sockets(self.ports)
        self.last = dict(self.base)
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        while not self.done.wait(0.1):
            self.last.update(ss_sockets(self.ports))

    def stop(self):
        """{'a_to_b', 'b_to_a', 'total'} bytes since the meter started."""
        self.done.set()
        self.thread.join()
        self.last.update(ss_sockets(self.ports))
        a_to_b = b_to_a = 0
        for key, (acked, received) in self.last.items():
            base = self.base.get(key, (0, 0))
            sent, got = acked - base[0], received - base[1]
            if key[0] == self.sender_port:
                a_to_b, b_to_a = a_to_b + sent, b_to_a + got
            else:
                a_to_b, b_to_a = a_to_b + got, b_to_a + sent
        return {"a_to_b": a_to_b, "b_to_a": b_to_a, "total": a_to_b + b_to_a}
