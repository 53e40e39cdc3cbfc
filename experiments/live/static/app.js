// dopa live: the page of dopa serve. Plain JavaScript and uPlot, nothing
// fetched from the network.
"use strict";
(function () {
  const token = document.querySelector('meta[name="dopa-token"]').content;
  const kind = document.querySelector('meta[name="dopa-kind"]').content || "training";
  const $ = (id) => document.getElementById(id);
  const KEEP = 4000; // points kept per series in the page
  const live = { points: 0, runs: 0, last: {}, errors: 0 };
  window.dopaLive = live;

  function showError(msg) {
    const e = $("error");
    if (msg) { e.textContent = msg; e.hidden = false; live.errors++; } else { e.textContent = ""; e.hidden = true; }
  }

  async function post(path, body) {
    const r = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json", "X-Dopa-Token": token }, body: JSON.stringify(body || {}) });
    let data = {};
    try { data = await r.json(); } catch (e) { data = { error: r.status + " " + r.statusText }; }
    if (!r.ok) throw new Error(data.error || r.statusText);
    return data;
  }
  async function get(path) {
    const r = await fetch(path, { headers: { "X-Dopa-Token": token } });
    const data = await r.json();
    if (!r.ok) throw new Error(data.error || r.statusText);
    return data;
  }

  // Plots: one uPlot per panel, x = learning updates.
  // A simulation plots its firing rate (x: ms simulated), a memory its
  // output noise (x: patterns stored).
  const cols = { epoch: [], trials: [], loss: [], rpe: [], dopamine: [], lr: [], elig: [], weight: [], rate: [] };
  const panels = {
    training: [
      { title: "loss (unperturbed)", series: [["loss", "#c00"]], log: true },
      { title: "RPE δ", series: [["rpe", "#06c"]] },
      { title: "dopamine D", series: [["dopamine", "#808"]] },
      { title: "learning rate η", series: [["lr", "#080"]], log: true },
      { title: "RMS eligibility e and weight w", series: [["elig", "#f80"], ["weight", "#555"]] },
    ],
    simulation: [{ title: "mean firing rate (Hz) per ms simulated", series: [["rate", "#c00"]], x: "epoch", xlabel: "ms" }],
    memory: [{ title: "output noise ε of the update's queries", series: [["loss", "#c00"]], x: "trials", xlabel: "patterns stored" }],
    reward: [
      { title: "return per episode", series: [["loss", "#c00", "return"]], xlabel: "episode" },
      { title: "δ at the CS (else at the outcome)", series: [["rpe", "#06c", "δ"]], xlabel: "episode" },
      { title: "peak dopamine D in the episode", series: [["dopamine", "#808", "D"]], xlabel: "episode" },
    ],
  }[kind] || [];
  const plots = [];
  // Two columns of panels when there is room for them.
  function width() {
    const w = $("plots").clientWidth;
    return Math.floor(w >= 760 ? (w - 12) / 2 : w) - 4;
  }
  function fmt(v) {
    if (v == null) return "";
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(0) : String(Number(v.toPrecision(3)));
  }
  for (const p of panels) {
    const div = document.createElement("div");
    div.className = "panel";
    div.dataset.panel = p.series[0][0];
    $("plots").appendChild(div);
    const opts = {
      title: p.title, width: width(), height: 190,
      scales: { x: { time: false }, y: p.log ? { distr: 3 } : {} },
      series: [{ label: p.xlabel || "update" }].concat(p.series.map(([k, c, l]) => ({ label: l || k, stroke: c, width: 1, points: { show: false } }))),
      axes: [{}, { size: 60, values: (u, vals) => vals.map(fmt) }],
      legend: { live: false },
    };
    plots.push({ u: new uPlot(opts, [[]].concat(p.series.map(() => [])), div), p });
  }
  let dirty = false;
  function redraw() {
    dirty = false;
    for (const { u, p } of plots) {
      if (!p) continue;
      u.setData([cols[p.x || "epoch"]].concat(p.series.map(([k]) => p.log ? cols[k].map((v) => (v > 0 ? v : null)) : cols[k])));
    }
  }
  function clear() {
    for (const k in cols) cols[k].length = 0;
    live.runs++;
    dirty = true;
  }
  function append(b) {
    for (const k in cols) {
      const a = cols[k];
      for (const v of b[k]) a.push(v);
      if (a.length > KEEP) a.splice(0, a.length - KEEP);
    }
    live.points += b.n;
    const i = b.n - 1;
    live.last = { epoch: b.epoch[i], trials: b.trials[i], loss: b.loss[i], rpe: b.rpe[i], dopamine: b.dopamine[i], lr: b.lr[i], rate: b.rate[i] };
    $("count").dataset.points = live.points;
    $("count").textContent = kind === "simulation" ? b.epoch[i] + " ms" : kind === "memory" ? b.trials[i] + " patterns stored"
      : kind === "reward" ? "episode " + b.epoch[i] : "update " + b.epoch[i] + ", trial " + b.trials[i];
    if (!dirty) { dirty = true; requestAnimationFrame(redraw); }
  }
  // The task's view: forecasts of the test segment (forecasting tasks).
  let view = null;
  function showView(v) {
    if (!view) {
      const div = document.createElement("div");
      div.className = "panel";
      div.dataset.panel = "view";
      $("plots").appendChild(div);
      view = new uPlot({
        title: "forecast of the test segment", width: width(), height: 190,
        scales: { x: { time: false } },
        series: [{ label: "step" },
          { label: "truth", stroke: "#222", width: 1, points: { show: false } },
          { label: "one-step", stroke: "#06c", width: 1, points: { show: false } },
          { label: "free run", stroke: "#c60", width: 1, points: { show: false } }],
        axes: [{}, { size: 60, values: (u, vals) => vals.map(fmt) }],
        legend: { live: false },
      }, [[], [], [], []], div);
      plots.push({ u: view, p: null });
    }
    view.setData([v.step, v.target, v.onestep, v.freerun]);
    live.views = (live.views || 0) + 1;
  }
  const es = new EventSource("api/stream?token=" + encodeURIComponent(token));
  es.addEventListener("reset", () => { clear(); requestAnimationFrame(redraw); });
  es.addEventListener("points", (ev) => append(JSON.parse(ev.data)));
  es.addEventListener("view", (ev) => showView(JSON.parse(ev.data)));
  es.addEventListener("raster", (ev) => showRaster(JSON.parse(ev.data)));
  es.addEventListener("recall", (ev) => showRecall(JSON.parse(ev.data)));
  es.addEventListener("trial", (ev) => showTrial(JSON.parse(ev.data)));
  // A reward run's latest episode: the critic's δ and V at every step.
  let trial = null;
  function showTrial(v) {
    if (!trial) {
      const div = document.createElement("div");
      div.className = "panel";
      div.dataset.panel = "trial";
      $("plots").appendChild(div);
      trial = new uPlot({
        title: "δ and V within the latest episode", width: width(), height: 190,
        scales: { x: { time: false } },
        series: [{ label: "step" },
          { label: "δ", stroke: "#06c", width: 1.5, points: { show: true, size: 4 } },
          { label: "V", stroke: "#c60", width: 1, points: { show: false } },
          { label: "reward", stroke: "#080", width: 1, points: { show: false } }],
        axes: [{}, { size: 60, values: (u, vals) => vals.map(fmt) }],
        legend: { live: false },
      }, [[], [], [], []], div);
      plots.push({ u: trial, p: null });
    }
    trial.setTitle && trial.setTitle("δ and V within episode " + v.episode);
    trial.setData([v.step, v.delta, v.value, v.reward]);
    live.trials = (live.trials || 0) + 1;
    live.trial = { episode: v.episode, steps: v.step.length, delta: v.delta, value: v.value };
    if (v.arena) showArena(v);
  }
  // The latest episode's path in the arena (water maze: the pool and its
  // platform, metres; grid: the cells, walls and goal), start ringed, end
  // dotted, the path coloured from blue (start) to red (end).
  function showArena(v) {
    const a = v.arena, n = v.x.length;
    const div = canvasPanel("arena", "path of episode " + v.episode + " (" + (n - 1) + " steps)");
    const cv = div.querySelector("canvas");
    const S = Math.max(160, Math.min(340, width()));
    cv.width = S; cv.height = S;
    const g = cv.getContext("2d");
    g.clearRect(0, 0, S, S);
    const pad = 8, span = S - 2 * pad;
    let px, py, unit;
    if (a.shape === "pool") {
      unit = span / (2 * a.radius);
      px = (x) => pad + (x + a.radius) * unit;
      py = (y) => pad + (a.radius - y) * unit;
      g.fillStyle = "#eef5fb";
      g.strokeStyle = "#555";
      g.lineWidth = 1.5;
      g.beginPath(); g.arc(px(0), py(0), a.radius * unit, 0, 2 * Math.PI); g.fill(); g.stroke();
      g.fillStyle = "rgba(255, 215, 0, 0.8)";
      g.beginPath(); g.arc(px(a.platform[0]), py(a.platform[1]), a.platform_radius * unit, 0, 2 * Math.PI); g.fill(); g.stroke();
    } else {
      unit = span / Math.max(a.width, a.height);
      px = (c) => pad + (c + 0.5) * unit;
      py = (r) => pad + (r + 0.5) * unit;
      const cell = (c, color) => { g.fillStyle = color; g.fillRect(pad + c[0] * unit, pad + c[1] * unit, unit, unit); };
      a.walls.forEach((w) => cell(w, "#777"));
      cell(a.goal, "rgba(255, 215, 0, 0.8)");
      g.strokeStyle = "#ccc";
      g.lineWidth = 1;
      for (let i = 0; i <= a.width; i++) { g.beginPath(); g.moveTo(pad + i * unit, pad); g.lineTo(pad + i * unit, pad + a.height * unit); g.stroke(); }
      for (let j = 0; j <= a.height; j++) { g.beginPath(); g.moveTo(pad, pad + j * unit); g.lineTo(pad + a.width * unit, pad + j * unit); g.stroke(); }
    }
    g.strokeStyle = "#888";
    g.lineWidth = 1;
    a.starts.forEach((s) => { g.beginPath(); g.arc(px(s[0]), py(s[1]), 4, 0, 2 * Math.PI); g.stroke(); });
    g.lineWidth = 1.5;
    for (let i = 1; i < n; i++) {
      const f = i / Math.max(1, n - 1);
      g.strokeStyle = "rgb(" + Math.round(30 + 200 * f) + ", 60, " + Math.round(220 - 190 * f) + ")";
      g.beginPath(); g.moveTo(px(v.x[i - 1]), py(v.y[i - 1])); g.lineTo(px(v.x[i]), py(v.y[i])); g.stroke();
    }
    g.fillStyle = "#c00";
    g.beginPath(); g.arc(px(v.x[n - 1]), py(v.y[n - 1]), 3.5, 0, 2 * Math.PI); g.fill();
    div.querySelector(".pnote").textContent = a.shape === "pool"
      ? "pool of radius " + fmt(a.radius) + " m; platform at (" + fmt(a.platform[0]) + ", " + fmt(a.platform[1]) + "); blue: start, red: end"
      : a.width + " × " + a.height + " grid, goal at column " + a.goal[0] + ", row " + a.goal[1] + "; blue: start, red: end";
    live.arenas = (live.arenas || 0) + 1;
    live.arena = { episode: v.episode, points: n, shape: a.shape, end: [v.x[n - 1], v.y[n - 1]] };
  }

  // A panel of the page's own drawing (canvas), made on first use.
  function canvasPanel(name, title) {
    let div = document.querySelector('#plots [data-panel="' + name + '"]');
    if (!div) {
      div = document.createElement("div");
      div.className = "panel canvas-panel";
      div.dataset.panel = name;
      const h = document.createElement("div");
      h.className = "ptitle";
      div.appendChild(h);
      const c = document.createElement("canvas");
      div.appendChild(c);
      const f = document.createElement("div");
      f.className = "pnote";
      div.appendChild(f);
      $("plots").appendChild(div);
    }
    div.querySelector(".ptitle").textContent = title;
    return div;
  }
  const popColors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];
  // Spikes: time (ms) × neuron row, populations stacked.
  function showRaster(r) {
    const title = kind === "simulation"
      ? "spikes, " + fmt(r.from) + "–" + fmt(r.from + r.ms) + " ms"
      : "spikes of the weights after update " + r.epoch + " (one trial per input)";
    const div = canvasPanel("raster", title);
    const cv = div.querySelector("canvas");
    const W = width(), H = Math.max(120, Math.min(300, r.rows * 4 + 30));
    cv.width = W; cv.height = H;
    const g = cv.getContext("2d");
    const L = 60, B = 18, pw = W - L - 6, ph = H - B - 4;
    g.clearRect(0, 0, W, H);
    g.font = "11px sans-serif";
    g.fillStyle = "#444";
    const ms = r.ms > 0 ? r.ms : 1;
    const x = (t) => L + (t / ms) * pw, y = (row) => 4 + ((row + 0.5) / r.rows) * ph;
    r.pops.forEach((p, i) => {
      const rows = Math.ceil(p.size / r.stride);
      g.fillStyle = "#444";
      g.fillText(p.name, 2, y(p.row0 + rows / 2) + 4);
      g.strokeStyle = "#ddd";
      g.beginPath(); g.moveTo(L, 4 + (p.row0 / r.rows) * ph); g.lineTo(L + pw, 4 + (p.row0 / r.rows) * ph); g.stroke();
    });
    r.marks.forEach((m, i) => {
      g.strokeStyle = "#bbb";
      g.beginPath(); g.moveTo(x(m), 4); g.lineTo(x(m), 4 + ph); g.stroke();
      g.fillStyle = "#666";
      g.fillText("in " + r.labels[i], x(m) + 3, H - 5);
    });
    const popOf = (row) => { let k = 0; r.pops.forEach((p, i) => { if (row >= p.row0) k = i; }); return k; };
    const h = Math.max(1, Math.min(3, ph / r.rows - 0.5));
    for (let i = 0; i < r.t.length; i++) {
      g.fillStyle = popColors[popOf(r.r[i]) % popColors.length];
      g.fillRect(x(r.t[i]) - 0.5, y(r.r[i]) - h / 2, 1.5, h);
    }
    if (!r.marks.length) { g.fillStyle = "#666"; g.fillText("0", L, H - 5); g.fillText(fmt(r.ms) + " ms", L + pw - 40, H - 5); }
    div.querySelector(".pnote").textContent = r.t.length + " spikes shown" + (r.total > r.t.length ? " of " + r.total : "") +
      (r.stride > 1 ? ", every " + r.stride + "th neuron" : "");
    live.rasters = (live.rasters || 0) + 1;
    live.rasterSpikes = r.t.length;
    live.rasterRows = r.rows;
    live.rasterEpoch = r.epoch;
  }
  // Recall: the stored pattern, the query and each step's output, as grids
  // of the n units (hit: dark, false: red, missed: outlined).
  function showRecall(v) {
    const div = canvasPanel("recall", "recall of pattern " + v.pattern + " at M = " + v.m + " stored");
    const side = Math.ceil(Math.sqrt(v.n));
    const cell = Math.max(2, Math.min(6, Math.floor((width() - 20) / ((v.steps.length + 2) * (side + 2)))));
    const gw = side * cell, gap = 14;
    const cv = div.querySelector("canvas");
    const panes = [["stored", v.stored], ["query", v.query]].concat(v.steps.map((s, i) => ["step " + (i + 1) + ": ε = " + fmt(s.eps), s.out]));
    cv.width = panes.length * (gw + gap) + 4;
    cv.height = gw + 20;
    const g = cv.getContext("2d");
    g.font = "11px sans-serif";
    const stored = new Set(v.stored);
    panes.forEach(([label, units], k) => {
      const ox = 2 + k * (gw + gap);
      g.fillStyle = "#f4f4f4";
      g.fillRect(ox, 14, gw, gw);
      g.fillStyle = "#333";
      g.fillText(label, ox, 11);
      const on = new Set(units);
      if (k > 0) {
        for (const u of v.stored) if (!on.has(u)) { g.strokeStyle = "#c00"; g.strokeRect(ox + (u % side) * cell + 0.5, 14 + Math.floor(u / side) * cell + 0.5, cell - 1, cell - 1); }
      }
      for (const u of units) {
        g.fillStyle = k === 0 || stored.has(u) ? "#222" : "#e00";
        g.fillRect(ox + (u % side) * cell, 14 + Math.floor(u / side) * cell, cell, cell);
      }
    });
    const last = v.steps[v.steps.length - 1];
    div.querySelector(".pnote").textContent = v.n + " units; dark: stored units, red: false, red outline: missed; ε = (false + missed)/k = " + fmt(last.eps);
    live.recalls = (live.recalls || 0) + 1;
    live.recall = { m: v.m, steps: v.steps.length, eps: last.eps, stored: v.stored.length, query: v.query.length };
  }

  // Controls, generated from the file's parameters.
  const SLIDER = 1000;
  function toSlider(c, v) {
    const x = c.log ? (Math.log(v) - Math.log(c.min)) / (Math.log(c.max) - Math.log(c.min)) : (v - c.min) / (c.max - c.min);
    return Math.round(Math.min(1, Math.max(0, x)) * SLIDER);
  }
  function fromSlider(c, s) {
    const x = s / SLIDER;
    const v = c.log ? Math.exp(Math.log(c.min) + x * (Math.log(c.max) - Math.log(c.min))) : c.min + x * (c.max - c.min);
    return Number(v.toPrecision(3));
  }
  async function setParam(c, value, row) {
    const err = row.querySelector(".err");
    const box = row.querySelector(".value"), sl = row.querySelector(".slider");
    try {
      const r = await post("api/param", { key: c.key, value: String(value) });
      err.textContent = "";
      showError(r.store_error ? "run store: " + r.store_error : "");
      render(r.state);
    } catch (e) {
      err.textContent = e.message;
      showError(e.message);
      // Back to the value in force: nothing changed.
      if (box.type === "checkbox") box.checked = c.value === "true"; else box.value = c.value;
      if (sl) sl.value = toSlider(c, Number(c.value));
    }
  }
  function control(c) {
    const row = document.createElement("div");
    row.className = "ctl";
    row.dataset.key = c.key;
    const lab = document.createElement("label");
    lab.textContent = c.label;
    lab.title = c.key;
    if (c.live) { const s = document.createElement("span"); s.className = "live"; s.textContent = " live"; lab.appendChild(s); }
    row.appendChild(lab);
    const mid = document.createElement("span");
    let box;
    if (c.kind === "bool") {
      box = document.createElement("input");
      box.type = "checkbox";
      box.checked = c.value === "true";
      box.addEventListener("change", () => setParam(c, box.checked, row));
    } else if (c.kind === "choice" && c.options) {
      box = document.createElement("select");
      for (const o of c.options) { const op = document.createElement("option"); op.textContent = o; box.appendChild(op); }
      box.value = c.value;
      box.addEventListener("change", () => setParam(c, box.value, row));
    } else {
      box = document.createElement("input");
      box.type = "text";
      box.value = c.value;
      box.addEventListener("change", () => setParam(c, box.value, row));
      if (c.max > c.min) {
        const sl = document.createElement("input");
        sl.type = "range"; sl.min = 0; sl.max = SLIDER; sl.step = 1;
        sl.className = "slider";
        sl.dataset.key = c.key;
        sl.value = toSlider(c, Number(c.value));
        sl.addEventListener("input", () => { box.value = fromSlider(c, Number(sl.value)); });
        sl.addEventListener("change", () => setParam(c, fromSlider(c, Number(sl.value)), row));
        mid.appendChild(sl);
      }
    }
    box.dataset.key = c.key;
    box.className = "value";
    row.appendChild(mid);
    row.appendChild(box);
    const err = document.createElement("div");
    err.className = "err";
    row.appendChild(err);
    return row;
  }

  // Groups open at first: the rule's (a simulation has none: its neurons).
  const OPEN = new Set(kind === "simulation" ? ["neurons"] : ["rule", "dopamine", "memory"]);
  if (kind !== "training") for (const id of ["record-h", "record-note", "record"]) $(id).hidden = true;
  let shownRule = null;
  function render(st) {
    $("status").textContent = st.status + (st.error ? ": " + st.error : "");
    $("status").dataset.status = st.status;
    if (document.activeElement !== $("pace")) $("pace").value = st.pace || 0;
    const sel = $("rule");
    if (sel.options.length !== st.rules.length || shownRule !== st.rule) {
      sel.textContent = "";
      for (const r of st.rules) { const o = document.createElement("option"); o.textContent = r; sel.appendChild(o); }
      sel.value = st.rule;
    }
    const box = $("controls");
    const key = JSON.stringify(st.controls);
    if (box.dataset.shown !== key) {
      // One collapsible group per kind of key; a group keeps its state.
      const open = {};
      for (const d of box.querySelectorAll("details")) open[d.dataset.group] = d.open;
      box.textContent = "";
      const groups = {};
      for (const c of st.controls) {
        let d = groups[c.group];
        if (!d) {
          d = groups[c.group] = document.createElement("details");
          d.dataset.group = c.group;
          d.className = "group";
          d.open = c.group in open ? open[c.group] : OPEN.has(c.group);
          const sm = document.createElement("summary");
          sm.textContent = c.group;
          d.appendChild(sm);
          box.appendChild(d);
        }
        d.appendChild(control(c));
      }
      for (const g in groups) groups[g].querySelector("summary").textContent = g + " (" + (groups[g].children.length - 1) + ")";
      box.dataset.shown = key;
    }
    shownRule = st.rule;
    $("record-status").textContent = st.record || "";
  }
  async function refresh() {
    try { render(await get("api/state")); } catch (e) { showError(e.message); }
  }

  async function act(body) {
    try { render(await post("api/control", body)); showError(""); } catch (e) { showError(e.message); }
  }
  $("run").onclick = () => act({ action: "run" });
  $("pause").onclick = () => act({ action: "pause" });
  $("step").onclick = () => act({ action: "step" });
  $("reset").onclick = () => act({ action: "reset" });
  $("rule").onchange = () => act({ action: "rule", rule: $("rule").value });
  $("pace").onchange = () => act({ action: "pace", pace: Number($("pace").value) });
  $("free").onsubmit = async (ev) => {
    ev.preventDefault();
    const kv = $("free-kv").value;
    const i = kv.indexOf("=");
    if (i < 1) { showError("want key=value"); return; }
    try { const r = await post("api/param", { key: kv.slice(0, i), value: kv.slice(i + 1) }); render(r.state); showError(""); } catch (e) { showError(e.message); }
  };

  // Parameter sets in the run store.
  const compared = new Set();
  async function loadSets() {
    let sets;
    try { sets = await get("api/sets"); } catch (e) { $("sets").hidden = true; return; }
    const tb = $("sets").querySelector("tbody");
    tb.textContent = "";
    for (const s of sets) {
      const tr = document.createElement("tr");
      tr.dataset.set = s.Name;
      const cb = document.createElement("input");
      cb.type = "checkbox"; cb.checked = compared.has(s.Name);
      cb.onchange = () => { cb.checked ? compared.add(s.Name) : compared.delete(s.Name); compare(); };
      const td0 = document.createElement("td"); td0.appendChild(cb); tr.appendChild(td0);
      const td1 = document.createElement("td"); td1.textContent = s.Name; tr.appendChild(td1);
      const td2 = document.createElement("td"); td2.textContent = s.Notes; tr.appendChild(td2);
      const b = document.createElement("button"); b.textContent = "load"; b.className = "load";
      b.onclick = async () => {
        try { render(await post("api/sets/load", { name: s.Name })); showError(""); } catch (e) { showError(e.message); }
      };
      const td3 = document.createElement("td"); td3.appendChild(b); tr.appendChild(td3);
      tb.appendChild(tr);
    }
  }
  async function compare() {
    const names = [...compared];
    const box = $("compare");
    box.textContent = "";
    if (names.length === 0) return;
    const sets = await Promise.all(names.map((n) => get("api/set?name=" + encodeURIComponent(n))));
    const keys = [...new Set(sets.flatMap((s) => Object.keys(s.values)))].sort();
    const t = document.createElement("table");
    const h = t.insertRow();
    for (const x of ["key"].concat(names)) { const th = document.createElement("th"); th.textContent = x; h.appendChild(th); }
    for (const k of keys) {
      const r = t.insertRow();
      r.insertCell().textContent = k;
      const vals = sets.map((s) => (k in s.values ? s.values[k] : "(file)"));
      for (const v of vals) { const c = r.insertCell(); c.textContent = v; if (new Set(vals).size > 1) c.className = "diff"; }
    }
    box.appendChild(t);
  }
  $("save").onsubmit = async (ev) => {
    ev.preventDefault();
    try { await post("api/sets/save", { name: $("set-name").value, notes: $("set-notes").value }); showError(""); loadSets(); } catch (e) { showError(e.message); }
  };
  $("record").onclick = async () => {
    try { const r = await post("api/record", {}); $("record-status").textContent = "recording into " + r.dir; showError(""); } catch (e) { showError(e.message); }
  };

  refresh();
  loadSets();
  setInterval(refresh, 1000);
  window.addEventListener("resize", () => { for (const { u } of plots) u.setSize({ width: width(), height: 190 }); });
})();
