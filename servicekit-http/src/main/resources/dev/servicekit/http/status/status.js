// Servicekit status page: polls /admin/status/samples, draws the charts on plain canvases and refreshes the
// tables' values. Hand-written, no dependencies; the page is complete without it.
"use strict";

(function () {
  const SAMPLES = "/admin/status/samples";
  const COLORS = ["#2563eb", "#dc2626"];
  let intervalMillis = 2000;
  let last = null;

  function duration(seconds) {
    let s = Math.max(0, Math.floor(seconds));
    const d = Math.floor(s / 86400);
    const h = Math.floor((s % 86400) / 3600);
    const m = Math.floor((s % 3600) / 60);
    s = s % 60;
    let out = "";
    if (d > 0) out += d + "d ";
    if (d > 0 || h > 0) out += h + "h ";
    if (d > 0 || h > 0 || m > 0) out += m + "m ";
    return out + s + "s";
  }

  function text(value) {
    if (value === null || value === undefined) return "\u2014";
    if (Array.isArray(value)) return value.length === 0 ? "none" : value.join(", ");
    if (typeof value === "object") return Object.keys(value).length === 0 ? "none" : JSON.stringify(value);
    return String(value);
  }

  function format(value, kind) {
    if (value === null || value === undefined || !isFinite(value)) return "\u2014";
    switch (kind) {
      case "percent":
        return (value * 100).toFixed(value < 0.1 ? 2 : 1) + " %";
      case "bytes":
        return (value / 1048576).toFixed(1) + " MiB";
      default:
        return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
    }
  }

  function lookup(object, path) {
    let value = object;
    for (const part of path.split(".")) {
      if (value === null || typeof value !== "object" || !(part in value)) return undefined;
      value = value[part];
    }
    return value;
  }

  function refreshTables(status) {
    for (const cell of document.querySelectorAll("[data-path]")) {
      const value = lookup(status, cell.dataset.path);
      if (value === undefined) continue;
      cell.textContent = cell.dataset.format === "duration" && typeof value === "number" ? duration(value) : text(value);
    }
  }

  function draw(canvas, samples) {
    const keys = canvas.dataset.series.split(",");
    const kind = canvas.dataset.format;
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(200, Math.floor(canvas.clientWidth || 480));
    const height = Math.max(100, Math.floor(canvas.clientHeight || 150));
    if (canvas.width !== Math.floor(width * ratio) || canvas.height !== Math.floor(height * ratio)) {
      canvas.width = Math.floor(width * ratio);
      canvas.height = Math.floor(height * ratio);
    }
    const g = canvas.getContext("2d");
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    const left = 64;
    const right = width - 8;
    const top = 8;
    const bottom = height - 20;

    let max = 0;
    for (const sample of samples) {
      for (const key of keys) {
        const v = sample[key];
        if (typeof v === "number" && isFinite(v) && v > max) max = v;
      }
    }
    if (kind === "percent") max = Math.max(max, 0.01);
    if (max <= 0) max = 1;
    max *= 1.1;

    g.strokeStyle = "#d4d4d8";
    g.fillStyle = "#52525b";
    g.lineWidth = 1;
    g.font = "11px system-ui, sans-serif";
    g.textBaseline = "middle";
    for (let i = 0; i <= 2; i++) {
      const y = bottom - ((bottom - top) * i) / 2;
      g.beginPath();
      g.moveTo(left, y);
      g.lineTo(right, y);
      g.stroke();
      g.textAlign = "right";
      g.fillText(format((max * i) / 2, kind), left - 6, y);
    }
    if (samples.length === 0) {
      g.textAlign = "center";
      g.fillText("waiting for samples\u2026", (left + right) / 2, (top + bottom) / 2);
      canvas.dataset.points = "0";
      return;
    }
    const first = samples[0].t;
    const last = samples[samples.length - 1].t;
    const span = Math.max(last - first, intervalMillis);
    g.textAlign = "left";
    g.textBaseline = "top";
    g.fillText("-" + duration(span / 1000), left, bottom + 4);
    g.textAlign = "right";
    g.fillText("now", right, bottom + 4);

    keys.forEach(function (key, index) {
      g.strokeStyle = COLORS[index % COLORS.length];
      g.lineWidth = 1.5;
      g.beginPath();
      let drawing = false;
      for (const sample of samples) {
        const v = sample[key];
        if (typeof v !== "number" || !isFinite(v)) {
          drawing = false;
          continue;
        }
        const x = right - ((last - sample.t) / span) * (right - left);
        const y = bottom - (v / max) * (bottom - top);
        if (drawing) g.lineTo(x, y);
        else g.moveTo(x, y);
        drawing = true;
      }
      g.stroke();
    });
    canvas.dataset.points = String(samples.length);
    canvas.dataset.last = String(last);

    const now = document.getElementById("now-" + canvas.id.substring("chart-".length));
    if (now) {
      const latest = samples[samples.length - 1];
      now.textContent = keys.map(function (key) { return format(latest[key], kind); }).join(" / ");
    }
  }

  function show(message) {
    const element = document.getElementById("message");
    if (element) element.textContent = message;
  }

  function render(body) {
    last = body;
    intervalMillis = body.intervalMillis || intervalMillis;
    const samples = Array.isArray(body.samples) ? body.samples : [];
    for (const canvas of document.querySelectorAll("canvas[data-series]")) draw(canvas, samples);
    if (body.status) refreshTables(body.status);
    const root = document.documentElement;
    root.dataset.samples = String(samples.length);
    root.dataset.lastSample = samples.length > 0 ? String(samples[samples.length - 1].t) : "";
  }

  function poll() {
    fetch(SAMPLES, { cache: "no-store", credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          show("The live data answered " + response.status + "; the tables show the page load.");
          return null;
        }
        return response.json();
      })
      .then(function (body) {
        if (body) {
          show("");
          render(body);
        }
      })
      .catch(function () {
        show("The service does not answer; retrying.");
      })
      .finally(function () {
        window.setTimeout(poll, intervalMillis);
      });
  }

  function start() {
    const charts = document.getElementById("charts");
    if (!charts) return;
    charts.hidden = false;
    // Axes and "waiting for samples" at once; the first answer follows within a moment.
    for (const canvas of document.querySelectorAll("canvas[data-series]")) draw(canvas, []);
    poll();
    window.addEventListener("resize", function () {
      if (last) render(last);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
