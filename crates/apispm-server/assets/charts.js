// Small SVG charts for the apispm dashboard, built with DOM calls (no innerHTML, no library).
// Colours come from CSS classes so that both themes apply.
"use strict";
(function () {
  const NS = "http://www.w3.org/2000/svg";

  function el(tag, attrs, children) {
    const n = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== undefined && v !== null) n.setAttribute(k, String(v));
    }
    for (const c of children || []) {
      if (c === null || c === undefined) continue;
      n.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return n;
  }

  function text(x, y, s, attrs) {
    return el("text", Object.assign({ x, y }, attrs || {}), [String(s)]);
  }

  function title(s) {
    return el("title", {}, [s]);
  }

  // "Nice" axis maximum: 1, 2, 2.5 or 5 times a power of ten.
  function niceMax(v) {
    if (!(v > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) {
      if (m * p >= v) return m * p;
    }
    return 10 * p;
  }

  // Horizontal bars: [{label, value, cls}] against a shared scale.
  function hbars(items, opts) {
    const o = Object.assign({ width: 520, row: 34, labelWidth: 110, valueWidth: 64 }, opts || {});
    const h = items.length * o.row + 4;
    const svg = el("svg", { viewBox: `0 0 ${o.width} ${h}`, role: "img", "aria-label": o.label || "bar chart" });
    const max = Math.max(1, ...items.map((i) => i.value));
    const barW = o.width - o.labelWidth - o.valueWidth;
    items.forEach((it, i) => {
      const y = i * o.row + 4;
      const w = Math.max(it.value > 0 ? 3 : 0, (it.value / max) * barW);
      svg.appendChild(text(0, y + o.row / 2 + 1, it.label, { class: "label-strong", "dominant-baseline": "middle" }));
      svg.appendChild(el("rect", { x: o.labelWidth, y: y + 6, width: barW, height: o.row - 14, rx: 4, class: "track" }));
      svg.appendChild(
        el("rect", { x: o.labelWidth, y: y + 6, width: w, height: o.row - 14, rx: 4, class: it.cls || "bar-accent" }, [
          title(`${it.label}: ${it.value}`),
        ])
      );
      const share = o.total ? ` · ${Math.round((it.value / o.total) * 100)}%` : "";
      svg.appendChild(
        text(o.width, y + o.row / 2 + 1, `${it.value.toLocaleString()}${share}`, {
          class: "value-label",
          "text-anchor": "end",
          "dominant-baseline": "middle",
        })
      );
    });
    return svg;
  }

  // Stacked 100% bar: one row of segments.
  function stack(items, opts) {
    const o = Object.assign({ width: 520, height: 14 }, opts || {});
    const svg = el("svg", { viewBox: `0 0 ${o.width} ${o.height}`, role: "img", "aria-label": o.label || "distribution" });
    const total = items.reduce((a, b) => a + b.value, 0);
    svg.appendChild(el("rect", { x: 0, y: 0, width: o.width, height: o.height, rx: o.height / 2, class: "track" }));
    if (total === 0) return svg;
    let x = 0;
    const clip = el("clipPath", { id: "stack-clip" }, [el("rect", { x: 0, y: 0, width: o.width, height: o.height, rx: o.height / 2 })]);
    svg.appendChild(el("defs", {}, [clip]));
    const g = el("g", { "clip-path": "url(#stack-clip)" });
    for (const it of items) {
      const w = (it.value / total) * o.width;
      if (w <= 0) continue;
      g.appendChild(el("rect", { x, y: 0, width: w, height: o.height, class: it.cls }, [title(`${it.label}: ${it.value}`)]));
      x += w;
    }
    svg.appendChild(g);
    return svg;
  }

  // Two series over shared x positions, each on its own y axis (left and right).
  // series: [{name, values: [number|null], fmt}], labels: [string]
  function dualLine(labels, series, opts) {
    const o = Object.assign({ width: 1180, height: 260, top: 16, right: 64, bottom: 30, left: 56 }, opts || {});
    const svg = el("svg", { viewBox: `0 0 ${o.width} ${o.height}`, role: "img", "aria-label": o.label || "trend chart" });
    const iw = o.width - o.left - o.right;
    const ih = o.height - o.top - o.bottom;
    const n = labels.length;
    const xAt = (i) => o.left + (n <= 1 ? iw / 2 : (i / (n - 1)) * iw);
    const scales = series.map((s, k) => {
      const vals = s.values.filter((v) => typeof v === "number");
      const max = s.max !== undefined ? s.max : niceMax(Math.max(0, ...vals) * 1.1);
      return { max, y: (v) => o.top + ih - (v / max) * ih, side: k === 0 ? "left" : "right" };
    });
    const ticks = 4;
    for (let t = 0; t <= ticks; t++) {
      const y = o.top + ih - (t / ticks) * ih;
      svg.appendChild(el("line", { x1: o.left, x2: o.left + iw, y1: y, y2: y, class: t === 0 ? "axis-line" : "grid-line" }));
      scales.forEach((sc, k) => {
        const v = (sc.max * t) / ticks;
        const s = series[k].fmt ? series[k].fmt(v) : Math.round(v).toLocaleString();
        svg.appendChild(
          k === 0
            ? text(o.left - 10, y, s, { "text-anchor": "end", "dominant-baseline": "middle", class: "axis-1" })
            : text(o.left + iw + 10, y, s, { "text-anchor": "start", "dominant-baseline": "middle", class: "axis-2" })
        );
      });
    }
    // At most ~8 x labels.
    const step = Math.max(1, Math.ceil(n / 8));
    labels.forEach((l, i) => {
      if (i % step === 0 || i === n - 1) {
        svg.appendChild(text(xAt(i), o.top + ih + 18, l, { "text-anchor": "middle" }));
      }
    });
    series.forEach((s, k) => {
      const sc = scales[k];
      const pts = s.values.map((v, i) => (typeof v === "number" ? [xAt(i), sc.y(v)] : null)).filter(Boolean);
      if (pts.length === 0) return;
      const d = pts.map((p, i) => `${i ? "L" : "M"}${p[0].toFixed(1)},${p[1].toFixed(1)}`).join(" ");
      if (k === 0 && pts.length > 1) {
        const area = `${d} L${pts[pts.length - 1][0].toFixed(1)},${o.top + ih} L${pts[0][0].toFixed(1)},${o.top + ih} Z`;
        svg.appendChild(el("path", { d: area, class: "area-1" }));
      }
      svg.appendChild(el("path", { d, class: `series-${k + 1}` }));
      s.values.forEach((v, i) => {
        if (typeof v !== "number") return;
        const shown = s.fmt ? s.fmt(v) : v.toLocaleString();
        svg.appendChild(el("circle", { cx: xAt(i), cy: sc.y(v), r: n > 40 ? 2 : 3.5, class: `dot-${k + 1}` }, [title(`${labels[i]} · ${s.name}: ${shown}`)]));
      });
    });
    return svg;
  }

  // A small line without axes.
  function spark(values, opts) {
    const o = Object.assign({ width: 180, height: 40, max: 100 }, opts || {});
    const svg = el("svg", { viewBox: `0 0 ${o.width} ${o.height}`, role: "img", "aria-label": o.label || "trend" });
    const n = values.length;
    if (n === 0) return svg;
    const x = (i) => (n === 1 ? o.width / 2 : 2 + (i / (n - 1)) * (o.width - 4));
    const y = (v) => o.height - 3 - (v / o.max) * (o.height - 6);
    svg.appendChild(el("line", { x1: 0, x2: o.width, y1: o.height - 3, y2: o.height - 3, class: "grid-line" }));
    const d = values.map((v, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    svg.appendChild(el("path", { d, class: "spark" }));
    values.forEach((v, i) => svg.appendChild(el("circle", { cx: x(i), cy: y(v), r: 2.5, class: "dot-1" }, [title(String(v))])));
    return svg;
  }

  window.Charts = { hbars, stack, dualLine, spark, niceMax };
})();
