// The report page: galleries, cluster review, the 2-D map and the corrections download.
// Everything comes from data.js (window.WSC_REPORT); nothing is fetched.
"use strict";
(function () {
  const R = window.WSC_REPORT;
  const $ = (sel) => document.querySelector(sel);
  const el = (tag, attrs, ...kids) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const kid of kids) if (kid != null) node.append(kid);
    return node;
  };
  const PALETTE = ["#9aa5b1", "#2f6fdf", "#e07b00", "#2a9d5b", "#8e44ad", "#c23b3b", "#16a3b8",
                   "#b8860b", "#d63384", "#555555"];
  const state = { col: 0, tab: "overview" };
  // decisions: key -> {column, label, decision, cluster, ids}
  const decisions = new Map();

  function classesOf(j) { return R.columns[j].classes; }
  function colour(j, value) {
    const k = classesOf(j).indexOf(value);
    return k < 0 ? "#dddddd" : PALETTE[k % PALETTE.length];
  }

  function face(r, j, caption) {
    const rows = R.rows;
    const tile = el("figure", { class: "face", "data-id": rows.id[r] });
    if (rows.thumb[r]) tile.append(el("img", { src: rows.thumb[r], alt: rows.id[r] }));
    else tile.append(el("div", { class: "noimg", text: rows.id[r] }));
    tile.append(el("figcaption", { text: caption }));
    return tile;
  }

  function rowCaption(r, j) {
    const raw = R.rows.raw[r][j] === "" ? "?" : R.rows.raw[r][j];
    const cleaned = R.rows.cleaned[r][j] === "" ? "pruned" : R.rows.cleaned[r][j];
    return `${raw} \u2192 ${cleaned} (${R.rows.conf[r][j].toFixed(2)})`;
  }

  function updateCount() {
    $("#review-count").textContent = String(decisions.size);
  }

  function decide(key, value) {
    if (value === null) decisions.delete(key); else decisions.set(key, value);
    updateCount();
  }

  function rowButtons(r, j) {
    const id = R.rows.id[r];
    const key = `${j}|row|${id}`;
    const bar = el("div", { class: "decide" });
    for (const c of classesOf(j).slice(0, 6)) {
      const b = el("button", { class: "set-label", "data-label": c, text: `set ${c}`,
        onclick: () => {
          const current = decisions.get(key);
          if (current && current.label === c) decide(key, null);
          else decide(key, { column: R.meta.columns[j], label: c, decision: "row", cluster: "",
                             ids: [id] });
          refreshButtons(bar, key);
        } });
      bar.append(b);
    }
    refreshButtons(bar, key);
    return bar;
  }

  function refreshButtons(bar, key) {
    const current = decisions.get(key);
    for (const b of bar.querySelectorAll("button")) {
      b.classList.toggle("chosen", !!current && b.dataset.label === current.label &&
                         (b.dataset.decision || current.decision) === current.decision);
    }
  }

  function renderRows() {
    const j = state.col, c = R.columns[j], box = $("#rows");
    box.replaceChildren();
    if (!R.meta.thumbs) box.append(el("p", { class: "note", text: "No face thumbnails (features are not a feature store): rows are shown by id." }));
    const parts = [["changed", `Changed labels (raw \u2192 cleaned, most confident first): ${c.changed} rows`],
                   ["pruned", `Pruned rows (least confident first): ${c.pruned} rows`],
                   ["unsure", "Least confident kept rows"]];
    for (const [name, title] of parts) {
      const grid = el("div", { class: "gallery", id: `gallery-${name}` });
      for (const r of c.galleries[name]) {
        const tile = face(r, j, rowCaption(r, j));
        tile.append(rowButtons(r, j));
        grid.append(tile);
      }
      if (!c.galleries[name].length) grid.append(el("p", { class: "note", text: "none" }));
      box.append(el("h2", { text: title }), grid);
    }
  }

  function clusterCard(key, j) {
    const cl = R.clusters[key], s = cl.stats[String(j)];
    const card = el("div", { class: "cluster", "data-cluster": key });
    card.append(el("h4", { text: `cluster ${cl.id} \u00b7 ${s.size} rows \u00b7 label ${s.label || "-"} ` +
      `(purity ${s.purity.toFixed(2)}) \u00b7 ${s.changed} changed \u00b7 ${s.pruned} pruned` }));
    const strip = el("div", { class: "strip" });
    for (const r of s.faces) strip.append(face(r, j, rowCaption(r, j)));
    card.append(strip);
    const dkey = `${j}|cluster|${key}`;
    const bar = el("div", { class: "decide" });
    for (const c of classesOf(j).slice(0, 6)) {
      const kind = c === s.label ? "accept" : "overrule";
      bar.append(el("button", { class: kind, "data-label": c, "data-decision": kind,
        text: kind === "accept" ? `accept ${c}` : `overrule \u2192 ${c}`,
        onclick: () => {
          const current = decisions.get(dkey);
          if (current && current.label === c) decide(dkey, null);
          else decide(dkey, { column: R.meta.columns[j], label: c, decision: kind,
                              cluster: String(cl.id), ids: cl.members });
          refreshButtons(bar, dkey);
        } }));
    }
    refreshButtons(bar, dkey);
    card.append(bar);
    return card;
  }

  function renderClusters() {
    const j = state.col, c = R.columns[j], box = $("#clusters");
    box.replaceChildren(el("p", { class: "note", text:
      "Accept or overrule a whole cluster's label for the chosen column; the Review tab downloads the decisions as corrections.csv for `wsc clean --corrections`." }));
    for (const [name, title] of [["changed", "Most changed clusters"], ["largest", "Largest clusters"],
                                 ["purest", "Purest clusters"]]) {
      const list = el("div", { class: "clusters", id: `clusters-${name}` });
      for (const key of c.clusters[name]) list.append(clusterCard(key, j));
      if (!c.clusters[name].length) list.append(el("p", { class: "note", text: "none" }));
      box.append(el("h2", { text: title }), list);
    }
  }

  function renderMap() {
    const box = $("#map");
    box.replaceChildren();
    if (!R.map) { box.append(el("p", { class: "note", text: "No 2-D map: the report was made without features." })); return; }
    const j = state.col, size = 460;
    box.append(el("p", { class: "note", text:
      `${R.map.rows.length} sampled rows: the two principal axes of their weakly-supervised embedding guided by the cleaned labels; coloured by ${R.meta.columns[j]} before (left) and after (right) cleaning. Hover for the face.` }));
    const legend = el("div", { class: "legend" });
    for (const c of classesOf(j)) legend.append(el("span", { class: "key", style: `background:${colour(j, c)}` }), el("span", { text: ` ${c}  ` }));
    legend.append(el("span", { class: "key", style: "background:#dddddd" }), el("span", { text: " unknown / pruned" }));
    box.append(legend);
    const panels = el("div", { class: "panels" });
    for (const which of ["raw", "cleaned"]) {
      const canvas = el("canvas", { width: size, height: size, class: "scatter", "data-which": which });
      const ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, size, size);
      const px = [];
      R.map.rows.forEach((r, i) => {
        const x = 8 + R.map.x[i] * (size - 16), y = 8 + (1 - R.map.y[i]) * (size - 16);
        px.push([x, y, r]);
        ctx.fillStyle = colour(j, R.rows[which][r][j]);
        ctx.beginPath(); ctx.arc(x, y, 2.4, 0, 2 * Math.PI); ctx.fill();
      });
      canvas.addEventListener("mousemove", (ev) => hover(ev, canvas, px, j));
      canvas.addEventListener("mouseleave", () => { $("#tip").hidden = true; });
      panels.append(el("div", {}, el("h3", { text: which === "raw" ? "raw labels" : "cleaned labels" }), canvas));
    }
    box.append(panels);
  }

  function hover(ev, canvas, px, j) {
    const rect = canvas.getBoundingClientRect();
    const x = (ev.clientX - rect.left) * canvas.width / rect.width;
    const y = (ev.clientY - rect.top) * canvas.height / rect.height;
    let best = -1, dist = 64;
    px.forEach(([a, b], i) => { const d = (a - x) ** 2 + (b - y) ** 2; if (d < dist) { dist = d; best = i; } });
    const tip = $("#tip");
    if (best < 0) { tip.hidden = true; return; }
    const r = px[best][2];
    tip.replaceChildren(face(r, j, rowCaption(r, j)));
    tip.style.left = `${ev.pageX + 12}px`; tip.style.top = `${ev.pageY + 12}px`;
    tip.hidden = false;
  }

  function renderFailures() {
    const box = $("#failures"), f = R.failures;
    box.replaceChildren();
    if (!R.meta.thumbs) { box.append(el("p", { class: "note", text: "Not made from a feature store: no image list." })); return; }
    box.append(el("h2", { text: `${f.count} images without a usable face` }));
    const reasons = el("table", { class: "stats" }, el("tr", {}, el("th", { text: "reason" }), el("th", { text: "images" })));
    for (const [reason, n] of Object.entries(f.reasons)) reasons.append(el("tr", {}, el("td", { text: reason }), el("td", { text: String(n) })));
    box.append(reasons);
    const list = el("table", { class: "stats", id: "failure-list" }, el("tr", {}, el("th", { text: "id" }), el("th", { text: "source" }), el("th", { text: "reason" })));
    for (const row of f.shown) list.append(el("tr", {}, el("td", { text: row.id }), el("td", { text: row.source }), el("td", { text: row.reason })));
    box.append(list);
    if (f.count) box.append(el("p", {}, el("a", { href: "failed_images.csv", text: "all failed images (CSV)" })));
    if (f.count > f.shown.length) box.append(el("p", { class: "note", text: `first ${f.shown.length} shown` }));
  }

  function correctionsCsv() {
    // cluster decisions first, then single rows: a row's own decision wins
    const cells = new Map();
    const ordered = [...decisions.values()].sort((a, b) => (a.decision === "row") - (b.decision === "row"));
    for (const d of ordered) for (const id of d.ids) cells.set(`${id}\u0000${d.column}`, d);
    const quote = (v) => /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
    const lines = ["id,column,label,cluster,decision"];
    for (const [k, d] of cells) {
      const id = k.split("\u0000")[0];
      lines.push([id, d.column, d.label, d.cluster, d.decision].map((v) => quote(String(v))).join(","));
    }
    return lines.join("\n") + "\n";
  }

  function renderReview() {
    const box = $("#review");
    box.replaceChildren(el("h2", { text: `${decisions.size} decisions` }));
    const table = el("table", { class: "stats" }, el("tr", {}, el("th", { text: "column" }), el("th", { text: "what" }), el("th", { text: "label" }), el("th", { text: "rows" })));
    for (const d of decisions.values()) table.append(el("tr", {}, el("td", { text: d.column }),
      el("td", { text: d.decision === "row" ? `row ${d.ids[0]}` : `${d.decision} cluster ${d.cluster}` }),
      el("td", { text: d.label }), el("td", { text: String(d.ids.length) })));
    box.append(table);
    box.append(el("button", { id: "download", text: "Download corrections.csv", onclick: () => {
      const blob = new Blob([correctionsCsv()], { type: "text/csv" });
      const a = el("a", { href: URL.createObjectURL(blob), download: "corrections.csv" });
      document.body.append(a); a.click(); a.remove();
    } }));
    box.append(el("button", { id: "clear", text: "Clear all", onclick: () => { decisions.clear(); updateCount(); renderReview(); } }));
    box.append(el("p", { class: "note", text: "Then: wsc clean ... --corrections corrections.csv (reviewed rows are fixed and trusted as evidence for the others)." }));
  }

  const RENDER = { rows: renderRows, clusters: renderClusters, map: renderMap,
                   failures: renderFailures, review: renderReview, overview: () => {} };

  function show(tab) {
    state.tab = tab;
    for (const b of document.querySelectorAll("#tabs button")) b.classList.toggle("active", b.dataset.tab === tab);
    for (const s of document.querySelectorAll("main .tab")) s.classList.toggle("active", s.id === tab);
    RENDER[tab]();
  }

  const select = $("#column");
  R.meta.columns.forEach((name, j) => select.append(el("option", { value: String(j), text: name })));
  select.addEventListener("change", () => { state.col = Number(select.value); show(state.tab); });
  for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => show(b.dataset.tab));
  document.body.dataset.ready = "1";
})();
