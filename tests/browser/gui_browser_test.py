#!/usr/bin/env python3
"""The web interface in a real browser (docs/user-guide.md "Web interface"):
two real daemons on loopback, Debian's chromium headless driven over the
DevTools protocol. Through the pages only: log in, pair the daemons with an
invite, add and share a folder on one and accept it on the other, watch a
file arrive and its progress bar reach 100%, cause a conflict and see both
sides next to each other with their contents, keep one and see it resolved
on both daemons, and add a missing directory with the "create" checkbox. Screenshots of each step go to $SHOAL_SCREENSHOTS (docs/images/
when refreshing the user guide's), else to a temp directory.

Usage: gui_browser_test.py SHOAL_BINARY. Exit 77 (ctest: skipped) when
chromium or python3-websocket is missing."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, HERE)
SKIP = 77


def log(message):
    print("browser test: " + message, flush=True)


class Daemon:
    def __init__(self, shoal, base, name):
        self.shoal = shoal
        self.name = name
        self.home = os.path.join(base, name, "home")
        self.sync = os.path.join(base, name, "sync")
        os.makedirs(self.home)
        os.makedirs(self.sync)
        self.log = open(os.path.join(base, name + ".log"), "w")
        self.process = subprocess.Popen(
            [shoal, "--home", self.home, "daemon", "--listen", "127.0.0.1:0", "--name", name,
             "--no-discovery", "--gui", "127.0.0.1:0", "--log-level", "debug"],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(name + " exited; see its log")
            if self.cli("status").returncode == 0:
                break
            time.sleep(0.1)
        login = json.loads(self.cli("gui", "--no-browser", "--json").stdout)
        self.login_url = login["url"]
        self.url = login["url"].split("#")[0]

    def cli(self, *args):
        return subprocess.run([self.shoal, "--home", self.home, "--json", *args],
                              capture_output=True, text=True, timeout=60)

    def stop(self):
        if self.process.poll() is None:
            self.cli("shutdown")
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def fill_and_submit(page, form_selector, values):
    """Types `values` ({selector: text}) into the form and submits it."""
    page.js("""(() => {
      const form = document.querySelector(%s);
      for (const [selector, value] of Object.entries(%s)) {
        const input = form.querySelector(selector);
        input.focus();
        input.value = value;
        input.dispatchEvent(new Event('input', {bubbles: true}));
      }
      form.requestSubmit();
    })()""" % (json.dumps(form_selector), json.dumps(values)))


# Each side of the first conflict on the page: which side, its name, the
# size/time/device line, the preview's lines and how many are marked.
SIDES_JS = """[...document.querySelectorAll('.conflict:first-of-type .conflict-side')].map(s => ({
  side: s.dataset.side,
  name: s.querySelector('.side-name').textContent,
  meta: s.querySelector('.side-meta').textContent,
  preview: [...s.querySelectorAll('.preview .line')].map(l => l.textContent),
  differs: s.querySelectorAll('.preview .differs').length}))"""


def edit(name):
    """What `name` writes to notes.txt: one line differs between the two."""
    return "Shopping list\nmilk\n%s's edit\nbread\n" % name


def read(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "replace")


def click(page, selector):
    page.wait("document.querySelector(%s)" % json.dumps(selector) + " !== null",
              what=selector)
    page.js("document.querySelector(%s).click()" % json.dumps(selector))


def main():
    shoal = sys.argv[1]
    try:
        import websocket  # noqa: F401
    except ImportError:
        # Debian's python3-websocket is for Debian's python3, which may not
        # be the first python3 on PATH (pyenv, a venv).
        if os.path.exists("/usr/bin/python3") and sys.executable != "/usr/bin/python3":
            os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
        print("SKIPPED: python3-websocket is not installed (packaging/install-deps.sh)")
        return SKIP
    from cdp import Browser, find_chromium
    chromium = find_chromium()
    if not chromium:
        print("SKIPPED: chromium is not installed (packaging/install-deps.sh installs it)")
        return SKIP

    base = tempfile.mkdtemp(prefix="shoal-browser-")
    shots = os.environ.get("SHOAL_SCREENSHOTS") or os.path.join(base, "screenshots")
    os.makedirs(shots, exist_ok=True)
    started = time.time()
    daemons = []
    browser = None
    try:
        a = Daemon(shoal, base, "laptop")
        daemons.append(a)
        b = Daemon(shoal, base, "phone")
        daemons.append(b)
        browser = Browser(chromium)
        pa = browser.new_page(900, 800)
        pb = browser.new_page(390, 800)  # a phone's narrow window

        log("log in")
        pa.goto(a.url)
        pa.wait("!document.getElementById('login').hidden", what="the login form")
        pa.screenshot(os.path.join(shots, "gui-login.png"))
        wrong = pa.js("fetch('/api/status', {method: 'POST', body: '{}'}).then(r => r.status)")
        assert wrong == 401, wrong
        pa.goto(a.login_url)
        pb.goto(b.login_url)
        for page in (pa, pb):
            page.wait("!document.getElementById('app').hidden && "
                      "document.getElementById('me').textContent !== ''", what="the app")
            assert "token" not in page.js("location.href"), "the token stayed in the URL"

        log("pair through an invite")
        click(pa, "#invite-button")
        code = pa.wait("document.getElementById('invite-code').textContent", what="invite code")
        port = pa.js("document.getElementById('me').dataset.listenPort")
        pa.screenshot(os.path.join(shots, "gui-invite.png"))
        fill_and_submit(pb, "#join-form", {"#join-code": "%s@127.0.0.1:%s" % (code, port)})
        joined = pb.wait("document.getElementById('paired').dataset.comparison",
                         what="B's comparison code")
        invited = pa.wait("document.getElementById('paired').dataset.comparison",
                          what="A's comparison code")
        assert joined == invited, (joined, invited)
        pb.screenshot(os.path.join(shots, "gui-paired.png"))

        log("add and share a folder, accept it on the other side")
        fill_and_submit(pa, "#add-folder-form",
                        {"#add-folder-path": a.sync, "#add-folder-label": "Photos"})
        pa.wait("document.querySelector('[data-folder=Photos] .share-form option') !== null",
                what="the share form listing phone")
        pa.js("document.querySelector('[data-folder=Photos] .share-form').requestSubmit()")
        pa.wait("document.querySelector('[data-folder=Photos]').textContent"
                ".includes('shared with phone')", what="shared with phone")
        pb.wait("document.querySelector('[data-offer=Photos]') !== null", what="the offer")
        pb.screenshot(os.path.join(shots, "gui-offer.png"))
        fill_and_submit(pb, "[data-offer=Photos] .accept-form", {"input": b.sync})
        pb.wait("document.querySelector('[data-folder=Photos]') !== null", what="accepted folder")

        log("a file arrives")
        payload = os.urandom(24 * 1024 * 1024)
        with open(os.path.join(a.sync, "holiday.jpg"), "wb") as out:
            out.write(payload)
        seen = set()
        deadline = time.time() + 90
        arrived = False
        while time.time() < deadline and not arrived:
            percent = pb.js("(() => { const p = document.querySelector("
                            "'[data-folder=Photos] .folder-progress');"
                            " return p ? Number(p.dataset.percent) : -1; })()")
            state = pb.js("document.querySelector('[data-folder=Photos]').dataset.state")
            seen.add(percent)
            target = os.path.join(b.sync, "holiday.jpg")
            arrived = (percent == 100 and state == "idle" and os.path.exists(target)
                       and os.path.getsize(target) == len(payload))
            time.sleep(0.05)
        assert arrived, "the file did not arrive with the bar at 100%%; seen %s" % sorted(seen)
        with open(os.path.join(b.sync, "holiday.jpg"), "rb") as f:
            assert f.read() == payload
        log("progress values seen on the phone: %s" % sorted(seen))
        pb.wait("document.querySelector('[data-folder=Photos]').textContent.includes('1 files')",
                what="1 file counted")
        pb.screenshot(os.path.join(shots, "gui-folder-synced.png"))

        log("cause a conflict")
        click(pa, "[data-device=phone] .actions button")  # Pause
        pa.wait("document.querySelector('[data-device=phone]').dataset.status === 'paused'",
                what="phone paused")
        pb.wait("document.querySelector('[data-device=laptop]').dataset.status "
                "=== 'disconnected'", what="laptop disconnected on the phone")
        for daemon in (a, b):
            with open(os.path.join(daemon.sync, "notes.txt"), "w") as out:
                out.write(edit(daemon.name))
            assert daemon.cli("rescan").returncode == 0
        click(pa, "[data-device=phone] .actions button")  # Resume
        pa.wait("document.querySelector('[data-device=phone]').dataset.status === 'connected'",
                what="phone connected again")
        listed = None
        deadline = time.time() + 60
        while time.time() < deadline and not listed:
            for page in (pa, pb):
                sides = page.js(SIDES_JS)
                if len(sides) == 2 and all(side["preview"] for side in sides):
                    listed = (page, sides)
                    break
            time.sleep(0.1)
        assert listed, "no conflict side by side with both previews on either page"
        page, sides = listed
        original, copy = sides
        log("conflict side by side: %s" % sides)
        assert original["side"] == "original" and original["name"] == "notes.txt", sides
        assert copy["side"] == "copy" and copy["name"].startswith("notes.sync-conflict-"), sides
        assert {"\n".join(original["preview"]) + "\n", "\n".join(copy["preview"]) + "\n"} == {
            edit("laptop"), edit("phone")}, sides
        for side in sides:
            assert "by laptop" in side["meta"] or "by phone" in side["meta"], side
            assert side["differs"] == 1, side  # the one line, marked on both sides
        page.screenshot(os.path.join(shots, "gui-conflict.png"))

        log("keep the original from the page; it is resolved on both daemons")
        kept_text = "\n".join(original["preview"]) + "\n"
        page.js("document.querySelector('.conflict [data-side=original] .keep').click()")
        page.wait("document.getElementById('message').textContent.startsWith('kept notes.txt')",
                  what="the kept message")
        deadline = time.time() + 60
        resolved = False
        while time.time() < deadline and not resolved:
            names = [sorted(os.listdir(d.sync)) for d in (a, b)]
            resolved = (all(n == [".shoal", "holiday.jpg", "notes.txt"] for n in names)
                        and all(read(os.path.join(d.sync, "notes.txt")) == kept_text
                                for d in (a, b))
                        and not pa.js("document.querySelector('.conflict') !== null")
                        and not pb.js("document.querySelector('.conflict') !== null"))
            time.sleep(0.1)
        assert resolved, "not resolved on both: %s" % [sorted(os.listdir(d.sync))
                                                       for d in (a, b)]
        kept_by = a if page is pa else b
        versions = json.loads(kept_by.cli("versions", "Photos").stdout)["versions"]
        other = [v for v in versions if v["path"] == copy["name"]]
        assert len(other) == 1, versions
        assert read(other[0]["location"]) == "\n".join(copy["preview"]) + "\n"  # not lost
        pa.screenshot(os.path.join(shots, "gui-devices.png"))

        log("add a missing directory: refused without the checkbox, created with it")
        fresh = os.path.join(base, "laptop", "Fresh")
        fill_and_submit(pa, "#add-folder-form", {"#add-folder-path": fresh})
        refused = pa.wait("(() => { const m = document.getElementById('message');"
                          " return m.classList.contains('bad') ? m.textContent : ''; })()",
                          what="the refusal")
        assert "does not exist" in refused and "--create" not in refused, refused
        assert not os.path.exists(fresh)
        pa.js("document.getElementById('add-folder-create').checked = true")
        fill_and_submit(pa, "#add-folder-form", {"#add-folder-path": fresh})
        pa.wait("document.querySelector('[data-folder=Fresh]') !== null", what="the new folder")
        assert os.path.isdir(fresh)
        assert not pa.js("document.getElementById('add-folder-create').checked")  # form reset

        for page in (pa, pb):
            assert not page.console, "page errors: %s" % page.console
        log("passed in %.1f s; screenshots in %s" % (time.time() - started, shots))
        return 0
    finally:
        if browser:
            browser.close()
        for daemon in daemons:
            daemon.stop()
        if os.environ.get("SHOAL_KEEP_TEST_DIRS") is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
