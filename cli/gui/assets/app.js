// Shoal's web interface. Plain JavaScript, no library: everything goes
// through the daemon's control commands (POST /api/<cmd>) and its event
// stream (GET /events, Server-Sent Events). Names that come from peers
// (devices, folders, files) are only ever set as text, never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);

// h("div", {class: "card"}, child, "text", ...): an element.
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(cmd, body = {}) {
  const response = await fetch("/api/" + cmd, {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify(body),
  });
  let answer = null;
  try { answer = await response.json(); } catch (e) { /* not JSON */ }
  if (!answer || !answer.ok) {
    const message = answer && answer.error ? answer.error.message : "HTTP " + response.status;
    throw new ApiError(response.status, message);
  }
  return answer.result;
}

function humanBytes(n) {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let unit = 0;
  while (n >= 1000 && unit < units.length - 1) { n /= 1000; unit++; }
  return (unit === 0 ? n.toFixed(0) : n.toFixed(1)) + " " + units[unit];
}

function shortId(id) { return (id || "").split("-")[0]; }

let state = {status: null, conflicts: [], versions: {}, previews: {}, open: {}};
const rates = [];  // {t, in, out} samples, newest last, at most 10 minutes
const kChartSeconds = 600;

function say(text, bad = false) {
  const el = $("message");
  el.textContent = text;
  el.className = bad ? "message bad" : "message";
  el.hidden = !text;
}

// Runs an action from a button: errors are shown, then everything refreshes.
async function act(action, done) {
  if (document.activeElement) document.activeElement.blur();
  try {
    const result = await action();
    if (done) say(typeof done === "function" ? done(result) : done);
  } catch (e) {
    if (e.status === 401) return showLogin();
    say(e.message, true);
  }
  refresh();
}

// ---- folders ------------------------------------------------------------

// 0..1: how far the folder's scan or pull has come.
function folderProgress(f) {
  if (f.scan && f.scan.bytes_total > 0) return f.scan.bytes_done / f.scan.bytes_total;
  if (f.scan && f.scan.files_total > 0) return f.scan.files_done / f.scan.files_total;
  if (f.need > 0 || f.need_bytes > 0) {
    const total = f.bytes + f.need_bytes;
    return total > 0 ? Math.max(0, Math.min(1, f.bytes / total)) : 0;
  }
  return 1;
}

function deviceName(id) {
  const devices = state.status ? state.status.devices : [];
  const d = devices.find((x) => x.id === id);
  return d ? d.name || shortId(id) : shortId(id);
}

function renderFolder(f) {
  const progress = folderProgress(f);
  const percent = Math.floor(progress * 100);
  const devices = (state.status.devices || []).filter((d) => !f.shared_with.includes(d.id));
  const conflicts = state.conflicts.filter((c) => c.folder === f.id);
  const versions = state.versions[f.id];
  const card = h("div", {class: "card folder", "data-folder": f.label, "data-state": f.state},
    h("div", {class: "card-head"},
      h("h3", {}, f.label || f.id),
      h("span", {class: "badge " + f.state}, f.state)),
    h("div", {class: "muted small"}, f.path),
    h("progress", {class: "folder-progress", max: 100, value: percent,
                   "data-percent": percent}),
    h("div", {class: "stats small"},
      h("span", {}, f.files + " files"),
      h("span", {}, humanBytes(f.bytes)),
      f.need > 0 ? h("span", {}, "needs " + f.need + " (" + humanBytes(f.need_bytes) + ")") : null,
      f.scan ? h("span", {}, "scanning " + f.scan.files_done + "/" + f.scan.files_total) : null,
      h("span", {}, percent + "%"),
      h("span", {}, "shared with " + (f.shared_with.map(deviceName).join(", ") || "nobody"))),
    f.error ? h("p", {class: "error"}, f.error) : null,
    f.failures.length ? h("div", {class: "failures"},
      h("h4", {}, "Files that could not be synced"),
      h("table", {}, h("tbody", {}, f.failures.map((x) =>
        h("tr", {}, h("td", {}, x.path), h("td", {class: "error"}, x.reason)))))) : null,
    conflicts.length ? h("div", {class: "conflicts"},
      h("h4", {}, "Conflicts"),
      conflicts.map((c) => renderConflict(f, c))) : null,
    versions ? renderVersions(f, versions) : null,
    h("div", {class: "actions"},
      devices.length ? h("form", {class: "share-form", onsubmit: (e) => {
        e.preventDefault();
        const device = e.target.querySelector("select").value;
        act(() => api("share", {folder: f.id, device}), "shared " + f.label + " with " +
            deviceName(device));
      }}, h("select", {"aria-label": "device"}, devices.map((d) =>
              h("option", {value: d.id}, d.name || shortId(d.id)))),
          h("button", {type: "submit", class: "share-button"}, "Share")) : null,
      h("button", {onclick: () => act(() => api("rescan", {folder: f.id}), "rescanned")},
        "Rescan"),
      f.state === "paused" ? h("button", {onclick: () => act(() =>
        api("folder-resume", {folder: f.id}), "resumed")}, "Resume") : null,
      h("button", {onclick: () => toggleVersions(f)}, versions ? "Hide versions" : "Versions"),
      confirmButton("Remove", () => act(() => api("folder-remove", {folder: f.id}),
                                        "removed " + f.label + "; its files stay on disk"))));
  return card;
}

// ---- versions -----------------------------------------------------------

function renderVersions(f, versions) {
  if (!versions.length) return h("p", {class: "muted small"}, "No kept versions.");
  return h("table", {class: "versions"},
    h("thead", {}, h("tr", {}, h("th", {}, "File"), h("th", {}, "Kept"), h("th", {}, ""))),
    h("tbody", {}, versions.slice(-50).map((v) => h("tr", {},
      h("td", {}, v.path), h("td", {}, v.time + " · " + humanBytes(v.size)),
      h("td", {}, h("button", {onclick: () => act(() => api("restore",
        {folder: f.id, path: v.path, at: v.time_unix}), "restored " + v.path)}, "Restore"))))));
}

async function toggleVersions(f) {
  if (state.versions[f.id]) {
    delete state.versions[f.id];
    return render();
  }
  try {
    state.versions[f.id] = (await api("versions", {folder: f.id})).versions;
  } catch (e) { say(e.message, true); }
  render();
}

// A button that asks once more before acting.
function confirmButton(label, action) {
  const button = h("button", {class: "danger"}, label);
  button.addEventListener("click", () => {
    if (button.dataset.armed) return action();
    button.dataset.armed = "1";
    button.textContent = "Really " + label.toLowerCase() + "?";
  });
  return button;
}

function renderOffers(offers) {
  return offers.map((o) => h("div", {class: "card offer", "data-offer": o.label},
    h("div", {}, h("strong", {}, o.device_name || shortId(o.device)), " shares ",
      h("strong", {}, o.label)),
    h("form", {class: "accept-form", onsubmit: (e) => {
      e.preventDefault();
      const path = e.target.querySelector("input").value;
      act(() => api("folder-accept", {folder: o.folder, path}), "accepted " + o.label);
    }}, h("input", {placeholder: "where to keep it: /home/me/" + o.label, required: true,
                    "aria-label": "path"}),
       h("button", {type: "submit"}, "Accept"))));
}

// ---- devices ------------------------------------------------------------

// " (LAN)", " (relayed)" or " (punched)"; nothing for a direct session.
function pathNote(path) {
  if (!path || path === "direct") return "";
  return " (" + (path === "lan" ? "LAN" : path) + ")";
}

function renderDevice(d) {
  const status = d.paused ? "paused" : d.connected ? "connected" : "disconnected";
  const rename = h("form", {class: "rename-form", hidden: true, onsubmit: (e) => {
    e.preventDefault();
    const name = e.target.querySelector("input").value;
    act(() => api("device-rename", {device: d.id, name}), "renamed to " + name);
  }}, h("input", {value: d.name, "aria-label": "name"}), h("button", {type: "submit"}, "Save"));
  return h("div", {class: "card device", "data-device": d.name, "data-status": status},
    h("div", {class: "card-head"},
      h("h3", {}, d.name || shortId(d.id)),
      h("span", {class: "badge " + status}, status)),
    h("div", {class: "muted small"}, d.id),
    h("div", {class: "stats small"},
      d.connected ? h("span", {}, "at " + d.address + pathNote(d.path)) : null,
      h("span", {}, "↓ " + humanBytes(d.rate_in) + "/s"),
      h("span", {}, "↑ " + humanBytes(d.rate_out) + "/s")),
    d.unreachable ? h("p", {class: "muted small"}, d.unreachable) : null,
    rename,
    h("div", {class: "actions"},
      d.paused
        ? h("button", {onclick: () => act(() => api("device-resume", {device: d.id}),
                                          "resumed " + d.name)}, "Resume")
        : h("button", {onclick: () => act(() => api("device-pause", {device: d.id}),
                                          "paused " + d.name)}, "Pause"),
      h("button", {onclick: () => { rename.hidden = !rename.hidden; }}, "Rename"),
      confirmButton("Remove", () => act(() => api("device-remove", {device: d.id}),
                                        "removed " + d.name))));
}

// ---- chart --------------------------------------------------------------

function sampleRates(devices) {
  const now = Date.now() / 1000;
  const sum = (key) => devices.reduce((n, d) => n + (d[key] || 0), 0);
  rates.push({t: now, in: sum("rate_in"), out: sum("rate_out")});
  while (rates.length && rates[0].t < now - kChartSeconds) rates.shift();
}

function drawChart() {
  const canvas = $("chart");
  const width = canvas.clientWidth || 600;
  const height = canvas.clientHeight || 120;
  const scale = window.devicePixelRatio || 1;
  canvas.width = width * scale;
  canvas.height = height * scale;
  const g = canvas.getContext("2d");
  g.scale(scale, scale);
  g.clearRect(0, 0, width, height);
  const max = Math.max(1000, ...rates.map((r) => Math.max(r.in, r.out)));
  const now = Date.now() / 1000;
  const line = (key, color) => {
    g.strokeStyle = color;
    g.lineWidth = 2;
    g.beginPath();
    rates.forEach((r, i) => {
      const x = width - ((now - r.t) / kChartSeconds) * width;
      const y = height - 4 - (r[key] / max) * (height - 8);
      if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
    });
    g.stroke();
  };
  line("in", "#1f6feb");
  line("out", "#1a7f37");
  const last = rates[rates.length - 1] || {in: 0, out: 0};
  $("chart-legend").textContent = "last 10 minutes, peak " + humanBytes(max) + "/s — " +
      "blue: receiving " + humanBytes(last.in) + "/s, green: sending " +
      humanBytes(last.out) + "/s";
}

// ---- pairing ------------------------------------------------------------

async function invite() {
  try {
    const r = await api("pair-invite");
    const host = ["127.0.0.1", "localhost", "[::1]"].includes(location.hostname)
      ? "THIS-MACHINE" : location.hostname;
    $("invite-code").textContent = r.code;
    $("invite-hint").textContent = "Works once, for 15 minutes. On a device that is not on " +
        "this LAN: " + r.code + "@" + host + ":" + r.listen_port;
    $("invite").hidden = false;
  } catch (e) { say(e.message, true); }
}

function showPaired(r) {
  const el = $("paired");
  el.textContent = "Paired with " + (r.name || shortId(r.device)) + ". Comparison code: " +
      r.comparison_code + " — the other device must show the same code.";
  el.dataset.comparison = r.comparison_code;
  el.hidden = false;
  $("invite").hidden = true;
}

async function join(e) {
  e.preventDefault();
  const code = $("join-code").value.trim();
  document.activeElement.blur();
  say("pairing…");
  try {
    showPaired(await api("pair-join", {code}));
    $("join-code").value = "";
    say("");
  } catch (err) { say(err.message, true); }
  refresh();
}

// ---- the whole page -----------------------------------------------------

function render() {
  const s = state.status;
  if (!s) return;
  $("me").textContent = s.device.name + " · " + shortId(s.device.id) + " · port " +
      s.device.listen_port;
  $("me").dataset.listenPort = s.device.listen_port;
  $("offers").replaceChildren(...renderOffers(s.offers));
  $("folders").replaceChildren(...(s.folders.length ? s.folders.map(renderFolder)
                                   : [h("p", {class: "muted"}, "No folders yet.")]));
  $("devices").replaceChildren(...(s.devices.length ? s.devices.map(renderDevice)
                                   : [h("p", {class: "muted"}, "No devices yet: pair one below.")]));
  drawChart();
}

// Keeps forms the user is typing into: renders only when none has focus.
function renderUnlessTyping() {
  const typing = document.activeElement && ["INPUT", "SELECT"].includes(
      document.activeElement.tagName) && $("app").contains(document.activeElement);
  if (!typing) render(); else drawChart();
}

let refreshing = false;
let again = false;
async function refresh() {
  if (refreshing) { again = true; return; }
  refreshing = true;
  try {
    const [status, conflicts] = await Promise.all([api("status"), api("conflicts")]);
    state.status = status;
    state.conflicts = conflicts.conflicts;
    const wanted = new Set(state.conflicts.map((c) => previewKey({id: c.folder}, c)));
    for (const key of Object.keys(state.previews)) {
      if (!wanted.has(key)) delete state.previews[key];
    }
    sampleRates(status.devices);
    renderUnlessTyping();
  } catch (e) {
    if (e.status === 401) { refreshing = false; return showLogin(); }
    say(e.message, true);
  }
  refreshing = false;
  if (again) { again = false; refresh(); }
}

let events = null;
let ticker = null;
function showApp() {
  $("login").hidden = true;
  $("app").hidden = false;
  $("logout").hidden = false;
  refresh();
  if (!events) {
    events = new EventSource("/events");
    events.onmessage = (m) => {
      const event = JSON.parse(m.data);
      if (event.event === "paired") showPaired(event);
      refresh();
    };
  }
  if (!ticker) ticker = setInterval(refresh, 2000);
}

function showLogin() {
  if (events) { events.close(); events = null; }
  if (ticker) { clearInterval(ticker); ticker = null; }
  $("app").hidden = true;
  $("logout").hidden = true;
  $("login").hidden = false;
}

async function login(secret) {
  const body = /^[0-9a-f]{64}$/.test(secret) ? {token: secret} : {password: secret};
  const response = await fetch("/login", {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
  if (response.ok) return true;
  // 429: too many wrong logins from here; the daemon says how long to wait.
  const answer = await response.json().catch(() => ({}));
  loginError = response.status === 429 && answer.error ? answer.error.message
                                                       : "Wrong token or password.";
  return false;
}
let loginError = "";

async function start() {
  $("login-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    if (await login($("login-secret").value.trim())) {
      $("login-error").textContent = "";
      showApp();
    } else {
      $("login-error").textContent = loginError;
    }
  });
  $("logout").addEventListener("click", async () => {
    await fetch("/logout", {method: "POST"});
    showLogin();
  });
  $("add-folder-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const path = $("add-folder-path").value.trim();
    const label = $("add-folder-label").value.trim();
    const body = {path, create: $("add-folder-create").checked};
    if (label) body.label = label;
    act(() => api("folder-add", body),
        (f) => (f.created ? "created " + f.path + " and added " : "added ") + f.label);
    e.target.reset();
  });
  $("invite-button").addEventListener("click", invite);
  $("join-form").addEventListener("submit", join);
  window.addEventListener("resize", drawChart);

  window.addEventListener("hashchange", loginFromFragment);
  await loginFromFragment();
}

// `shoal gui` puts the token in the fragment, which never reaches a server.
async function loginFromFragment() {
  const match = location.hash.match(/token=([0-9a-f]{64})/);
  if (match) {
    history.replaceState(null, "", location.pathname);
    await login(match[1]);
  }
  try {
    await api("status");
    showApp();
  } catch (e) {
    showLogin();
  }
}

start();
