// The web interface's conflicts: both sides of each conflict next to each
// other, with a preview of small text files and "Keep this one" (docs/api.md
// "conflicts", "file-preview", "conflict-keep"). Loaded before app.js, whose
// helpers (h, api, act, humanBytes, state, renderUnlessTyping) it calls only
// once the page runs. File contents are only ever set as text.
"use strict";

// One conflict: the file at the name (left) and the conflict copy (right),
// each with size, time, the device that made it, a preview of small text
// files with the lines that differ marked, and "Keep this one".
function renderConflict(f, c) {
  const key = previewKey(f, c);
  const previews = state.previews[key];
  if (!previews) loadPreviews(f, c, key);
  const texts = previews && previews.original && previews.copy &&
      previews.original.text && previews.copy.text
    ? [previews.original.content, previews.copy.content] : null;
  const changed = texts ? diffLines(...texts.map(splitLines)) : [null, null];
  return h("div", {class: "conflict", "data-conflict": c.name},
    renderSide(f, c, "original", c.current, previews && previews.original, changed[0]),
    renderSide(f, c, "copy", c.copy, previews && previews.copy, changed[1]));
}

function renderSide(f, c, which, side, preview, changed) {
  const isCopy = which === "copy";
  const name = isCopy ? c.name : c.original;
  const keep = isCopy
    ? () => api("conflict-keep", {folder: f.id, path: c.name})
    : () => api("conflict-keep", {folder: f.id, path: c.original, copy: c.name});
  const done = isCopy
    ? "kept the conflict copy as " + c.original + "; the other version is in Versions"
    : "kept " + c.original + "; the conflict copy is in Versions";
  return h("div", {class: "conflict-side", "data-side": which},
    h("div", {class: "muted small"}, isCopy ? "Conflict copy" : "This name"),
    h("div", {class: "side-name"}, name),
    side ? h("div", {class: "muted small side-meta"}, humanBytes(side.size) + " · " +
             side.time + (side.device ? " · by " + (side.device_name || side.device) : ""))
         : h("div", {class: "muted small side-meta"}, "no file at this name now"),
    renderPreview(side, preview, changed),
    side ? h("button", {class: "keep", onclick: () => act(keep, done)}, "Keep this one") : null);
}

function renderPreview(side, preview, changed) {
  if (!side) return null;
  if (side.type !== "file") return h("p", {class: "muted small"}, "a symbolic link");
  if (side.size > kPreviewBytes) return h("p", {class: "muted small"}, "too large to preview");
  if (!preview) return h("p", {class: "muted small"}, "…");
  if (!preview.text) return h("p", {class: "muted small"}, "not text: no preview");
  const lines = splitLines(preview.content);
  return h("pre", {class: "preview"}, lines.map((line, i) =>
    h("span", {class: changed && changed[i] ? "line differs" : "line"}, line)));
}

const kPreviewBytes = 64 * 1024;

function previewKey(f, c) {
  const stamp = (side) => side ? side.size + "@" + side.mtime_unix : "-";
  return [f.id, c.name, stamp(c.current), stamp(c.copy)].join("\u0000");
}

// Reads both sides' heads once per version of the pair, then renders again.
async function loadPreviews(f, c, key) {
  state.previews[key] = {loading: true};
  const read = async (side, path) => {
    if (!side || side.type !== "file" || side.size > kPreviewBytes) return null;
    try {
      return await api("file-preview", {folder: f.id, path, max_bytes: kPreviewBytes});
    } catch (e) { return {text: false}; }
  };
  const [original, copy] = await Promise.all([read(c.current, c.original), read(c.copy, c.name)]);
  state.previews[key] = {original, copy};
  renderUnlessTyping();
}

function splitLines(text) {
  const lines = text.split("\n");
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

// [changedA, changedB]: per line, whether it is outside the longest common
// subsequence of the two line lists (what a diff would mark). Beyond a
// million line pairs, a line counts as changed when the other side lacks it.
function diffLines(a, b) {
  const n = a.length;
  const m = b.length;
  if (n * m > 1e6) {
    const inA = new Set(a);
    const inB = new Set(b);
    return [a.map((line) => !inB.has(line)), b.map((line) => !inA.has(line))];
  }
  const lcs = Array.from({length: n + 1}, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const changedA = new Array(n).fill(true);
  const changedB = new Array(m).fill(true);
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) { changedA[i++] = false; changedB[j++] = false; }
    else if (lcs[i + 1][j] >= lcs[i][j + 1]) i++;
    else j++;
  }
  return [changedA, changedB];
}
