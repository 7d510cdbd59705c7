// apispm dashboard: a hash-routed single page over the JSON API. Every piece of data goes into
// the page through textContent or attributes (never innerHTML), so log content cannot inject
// markup. The API token, when one is needed, lives in sessionStorage for this tab only.
"use strict";
(function () {
  const TOKEN_KEY = "apispm.token";
  const THEME_KEY = "apispm.theme";
  const view = document.getElementById("view");

  // ---------- DOM helpers ----------
  function h(tag, attrs, ...children) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") n.className = v;
      else if (k === "text") n.textContent = v;
      else if (k.startsWith("on")) n.addEventListener(k.slice(2), v);
      else if (k === "dataset") Object.assign(n.dataset, v);
      else n.setAttribute(k, v === true ? "" : String(v));
    }
    append(n, children);
    return n;
  }
  function append(n, children) {
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      n.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return n;
  }
  function clear(n) {
    while (n.firstChild) n.removeChild(n.firstChild);
    return n;
  }
  function setWidth(n, pct) {
    n.style.width = `${Math.max(0, Math.min(100, pct))}%`;
    return n;
  }

  // ---------- formatting ----------
  const nf = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
  const fmtNum = (v) => (v === null || v === undefined ? "–" : nf.format(v));
  const dateFmt = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", year: "numeric" });
  const dateTimeFmt = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
  const shortFmt = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
  function fmtDate(ms) {
    return ms === null || ms === undefined ? "–" : dateFmt.format(new Date(ms));
  }
  function fmtDateTime(ms) {
    return ms === null || ms === undefined ? "–" : dateTimeFmt.format(new Date(ms));
  }
  function fmtIso(s) {
    if (!s) return "–";
    const t = Date.parse(s);
    return Number.isNaN(t) ? s : dateTimeFmt.format(new Date(t));
  }
  function fmtIsoShort(s) {
    if (!s) return "–";
    const t = Date.parse(s);
    return Number.isNaN(t) ? s : shortFmt.format(new Date(t));
  }
  function ago(ms) {
    const s = Math.round((Date.now() - ms) / 1000);
    if (s < 60) return "just now";
    if (s < 3600) return `${Math.round(s / 60)} min ago`;
    if (s < 86400) return `${Math.round(s / 3600)} h ago`;
    return `${Math.round(s / 86400)} d ago`;
  }
  function humanWindow(ms) {
    const d = ms / 86400000;
    if (d >= 1 && Number.isInteger(d)) return `${d}-day window`;
    const hrs = ms / 3600000;
    return `${nf.format(hrs)}-hour window`;
  }
  const CONTROL_NAMES = {
    authentication: "Authentication",
    transport_encryption: "Transport encryption (TLS)",
    rate_limiting: "Rate limiting",
    cors_policy: "CORS policy",
    security_headers: "Security headers",
    input_validation: "Input validation",
  };
  const KIND_NAMES = {
    missing_control: "Missing control",
    policy_violation: "Policy violation",
    sensitive_data: "Sensitive data",
    finding: "Traffic finding",
    shadow: "Shadow API",
    zombie: "Zombie API",
  };
  const DATA_NAMES = {
    ssn: "SSN", credit_card: "Card number", email: "Email", api_key: "API key", jwt: "JWT",
    phone: "Phone", iban: "IBAN", ip_address: "IP address", private_key: "Private key",
  };
  const METRICS = {
    api_discovery_coverage: { title: "Discovery coverage", unit: "%", pct: true },
    average_risk_score: { title: "Average risk score", unit: "/100", pct: true, invert: true },
    critical_findings: { title: "Critical-risk APIs", unit: "" },
    shadow_api_count: { title: "Shadow APIs", unit: "" },
    authentication_coverage: { title: "Authentication coverage", unit: "%", pct: true },
    tls_coverage: { title: "TLS coverage", unit: "%", pct: true },
    policy_compliance: { title: "Policy compliance", unit: "%", pct: true },
    mean_time_to_remediate_days: { title: "Mean time to remediate", unit: " days" },
  };

  function sev(level) {
    return h("span", { class: `sev sev-${level}`, text: level });
  }
  function method(m) {
    return h("span", { class: `method method-${m}`, text: m });
  }
  function clsBadge(c) {
    return h("span", { class: `badge cls-${c}`, text: c });
  }
  function riskCell(score, level) {
    const bar = setWidth(h("span", { class: `lvl-${level}` }), score);
    return h("span", { class: "risk" }, h("span", { class: "risk-track" }, bar), fmtNum(score));
  }
  function card(title, note, ...body) {
    return h(
      "section",
      { class: "card" },
      h("div", { class: "card-head" }, h("h2", { text: title }), note ? h("span", { class: "card-note", text: note }) : null),
      h("div", { class: "card-body" }, body)
    );
  }
  function empty(title, text, code) {
    return h("div", { class: "empty" }, h("h2", { text: title }), h("p", { text }), code ? h("pre", { text: code }) : null);
  }
  function toast(msg) {
    const t = h("div", { class: "toast", role: "status", text: msg });
    document.body.appendChild(t);
    setTimeout(() => t.remove(), 3500);
  }

  // ---------- API ----------
  class AuthError extends Error {}
  async function api(path, opts) {
    const headers = { Accept: "application/json" };
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = `Bearer ${token}`;
    const res = await fetch(`/api/v1${path}`, Object.assign({ headers, cache: "no-store", credentials: "omit" }, opts || {}));
    if (res.status === 401) throw new AuthError("unauthorized");
    let body = null;
    try {
      body = await res.json();
    } catch (_) {
      body = null;
    }
    if (!res.ok) {
      const err = new Error((body && body.error) || `HTTP ${res.status}`);
      err.status = res.status;
      throw err;
    }
    return body;
  }

  // A token in the URL fragment (#token=…) is taken once and removed: fragments never reach
  // the server or its logs.
  function takeFragmentToken() {
    const m = location.hash.match(/[#&]token=([^&]+)/);
    if (!m) return;
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
    const rest = location.hash.replace(/[#&]token=[^&]+/, "").replace(/^#?&?/, "#");
    history.replaceState(null, "", location.pathname + (rest === "#" ? "#/" : rest));
  }

  function showSignIn(message) {
    const panel = document.getElementById("signin");
    panel.classList.remove("hidden");
    const err = document.getElementById("signin-error");
    err.textContent = message || "";
    err.classList.toggle("hidden", !message);
    document.getElementById("token-input").focus();
  }

  // ---------- pages ----------
  async function overview() {
    const [summary, history] = await Promise.all([api("/summary"), api("/metrics/history?limit=90")]);
    const page = h("div", {});
    if (!summary.snapshot) {
      page.appendChild(pageHead("Security posture", "No snapshot has been taken yet."));
      page.appendChild(
        h(
          "div",
          { class: "card" },
          empty(
            summary.ingest.records > 0 ? "Records are in; no snapshot yet" : "No traffic yet",
            summary.ingest.records > 0
              ? `${fmtNum(summary.ingest.records)} records have been ingested. Take a snapshot to assess them.`
              : "Point your gateway's log plugin at this server, then take a snapshot.",
            "POST /api/v1/ingest/kong   (Kong http-log plugin)\nPOST /api/v1/snapshots"
          ),
          summary.ingest.records > 0 ? h("div", { class: "empty" }, snapshotButton()) : null
        )
      );
      return page;
    }
    const snap = summary.snapshot;
    page.appendChild(
      pageHead(
        "Security posture",
        `${fmtNum(summary.total_apis)} endpoints · ${humanWindow(summary.window_ms)} ending ${fmtDateTime(snap.window_end_ms)} · ${fmtNum(summary.ingest.records)} records ingested`,
        snapshotButton()
      )
    );

    // Eight metric tiles.
    const tiles = h("div", { class: "tiles", id: "metric-tiles" });
    for (const m of summary.metrics) tiles.appendChild(tile(m));
    page.appendChild(tiles);

    // Risk distribution and classification.
    const dist = summary.risk_distribution;
    const levels = ["CRITICAL", "HIGH", "MEDIUM", "LOW"];
    const total = levels.reduce((a, l) => a + (dist[l] || 0), 0);
    const distChart = h("div", { class: "chart", id: "risk-chart" });
    distChart.appendChild(
      Charts.hbars(
        levels.map((l) => ({ label: l[0] + l.slice(1).toLowerCase(), value: dist[l] || 0, cls: `bar-${l}` })),
        { label: "Endpoints by risk level", total }
      )
    );
    const stackBox = h("div", { class: "chart section" });
    stackBox.appendChild(Charts.stack(levels.map((l) => ({ label: l, value: dist[l] || 0, cls: `bar-${l}` })), { label: "Risk mix" }));
    const cls = summary.classification;
    const clsChart = h("div", { class: "chart" });
    clsChart.appendChild(
      Charts.hbars(
        ["external", "partner", "internal", "shadow", "deprecated"].map((c) => ({
          label: c[0].toUpperCase() + c.slice(1),
          value: cls[c] || 0,
          cls: c === "shadow" || c === "deprecated" ? "bar-HIGH" : "bar-accent",
        })),
        { label: "Endpoints by classification", total: summary.total_apis }
      )
    );
    page.appendChild(
      h(
        "div",
        { class: "grid grid-2 section" },
        card("Risk distribution", `${fmtNum(total)} endpoints · average ${fmtNum(summary.average_risk_score)}`, distChart, stackBox),
        card(
          "Inventory by classification",
          `${fmtNum(summary.undocumented_apis)} undocumented · ${fmtNum(summary.stale_apis)} stale`,
          clsChart
        )
      )
    );

    // Trend across snapshots.
    const items = history.items || [];
    const trendBox = h("div", { class: "chart", id: "trend-chart" });
    if (items.length === 0) {
      trendBox.appendChild(empty("No history yet", "The trend appears after the first snapshot."));
    } else {
      const labels = items.map((i) => shortFmt.format(new Date(i.window_end_ms)));
      trendBox.appendChild(
        Charts.dualLine(
          labels,
          [
            { name: "Average risk", values: items.map((i) => i.average_risk), max: 100, fmt: (v) => nf.format(v) },
            { name: "Open findings", values: items.map((i) => i.open_findings), fmt: (v) => Math.round(v).toLocaleString() },
          ],
          { label: "Average risk and open findings across snapshots" }
        )
      );
    }
    page.appendChild(
      h(
        "section",
        { class: "card section" },
        h(
          "div",
          { class: "card-head" },
          h("h2", { text: "Trend" }),
          h("div", { class: "legend" }, h("span", { class: "l1", text: "Average risk (left axis)" }), h("span", { class: "l2", text: "Open findings (right axis)" }))
        ),
        h("div", { class: "card-body" }, trendBox, h("div", { class: "card-note", text: `${items.length} snapshot${items.length === 1 ? "" : "s"}, by end of traffic window` }))
      )
    );

    // Top risks.
    const rows = summary.top_risks || [];
    const table = h(
      "table",
      { id: "top-risks" },
      h("thead", {}, h("tr", {}, h("th", { text: "Endpoint" }), h("th", { text: "Service" }), h("th", { text: "Classification" }), h("th", { text: "Missing controls" }), h("th", { class: "num", text: "Risk" }))),
      h(
        "tbody",
        {},
        rows.map((r) =>
          h(
            "tr",
            { class: "link", onclick: () => go(`#/endpoint/${encodeURIComponent(r.api_id)}`) },
            h("td", { class: "path" }, method(r.method), r.path),
            h("td", { text: r.service }),
            h("td", {}, clsBadge(r.classification)),
            h("td", {}, h("div", { class: "chips" }, (r.missing_controls || []).map((c) => h("span", { class: "chip", text: (CONTROL_NAMES[c] || c).replace(/ \(.*\)/, "") })))),
            h("td", { class: "num" }, riskCell(r.risk_score, r.risk_level))
          )
        )
      )
    );
    page.appendChild(
      h(
        "section",
        { class: "card section" },
        h("div", { class: "card-head" }, h("h2", { text: "Highest-risk endpoints" }), h("a", { href: "#/inventory", text: "Full inventory →" })),
        h("div", { class: "card-body table-wrap" }, rows.length ? table : empty("Nothing at risk", "No endpoint carries risk in this snapshot."))
      )
    );
    return page;
  }

  function tile(m) {
    const meta = METRICS[m.name] || { title: m.name, unit: "" };
    const state = m.met === true ? "pass" : m.met === false ? "fail" : "none";
    const value = m.value === null || m.value === undefined ? null : m.value;
    const bar = h("div", { class: "tile-bar" });
    if (meta.pct && value !== null) {
      bar.appendChild(setWidth(h("span"), value));
    }
    const target = String(m.target).trim();
    return h(
      "div",
      { class: `card tile ${state}`, dataset: { metric: m.name } },
      h(
        "div",
        { class: "tile-top" },
        h("span", { class: "tile-name", text: meta.title }),
        h("span", { class: `pill ${state === "none" ? "neutral" : state}`, text: state === "pass" ? "Pass" : state === "fail" ? "Fail" : "No data" })
      ),
      h("div", { class: "tile-value" }, value === null ? "–" : fmtNum(value), value === null ? null : h("span", { class: "unit", text: meta.unit })),
      meta.pct ? bar : h("div", { class: "tile-bar" }),
      h("div", { class: "tile-foot" }, h("span", { text: m.description }), h("span", { text: `Target ${target}${meta.unit.trim() === "%" ? "%" : ""}` }))
    );
  }

  function pageHead(title, sub, action, crumbs) {
    return h(
      "div",
      { class: "page-head" },
      h("div", {}, crumbs ? h("div", { class: "crumbs" }, crumbs) : null, h("h1", { text: title }), sub ? h("p", { text: sub }) : null),
      action || null
    );
  }

  function snapshotButton() {
    const b = h("button", { class: "button primary", type: "button", text: "Take snapshot now" });
    b.addEventListener("click", async () => {
      b.disabled = true;
      b.textContent = "Assessing…";
      try {
        const meta = await api("/snapshots", { method: "POST" });
        toast(`Snapshot #${meta.id} recorded`);
        route();
      } catch (e) {
        if (e instanceof AuthError) showSignIn("Taking a snapshot needs the API token.");
        else toast(e.message);
        b.disabled = false;
        b.textContent = "Take snapshot now";
      }
    });
    return b;
  }

  // ---------- inventory ----------
  const inv = { q: "", classification: "", service: "", risk_level: "", min_risk: "", sort: "risk_score", order: "desc", offset: 0, limit: 50 };
  const COLUMNS = [
    { key: "method", label: "Method" },
    { key: "path", label: "Endpoint" },
    { key: "service", label: "Service" },
    { key: "classification", label: "Class" },
    { key: null, label: "Missing controls" },
    { key: null, label: "Sensitive data" },
    { key: "requests", label: "Requests", num: true },
    { key: "last_seen", label: "Last seen" },
    { key: "risk_score", label: "Risk", num: true },
  ];

  async function inventory() {
    const page = h("div", {});
    page.appendChild(pageHead("API inventory", "Every endpoint seen in traffic or documented, with its controls and risk."));
    const shell = h("section", { class: "card" });
    page.appendChild(shell);
    const search = h("input", { type: "search", placeholder: "Search path, service, owner, id…", value: inv.q, "aria-label": "Search" });
    const clsSel = select(["", "external", "partner", "internal", "shadow", "deprecated"], inv.classification, "All classifications");
    const lvlSel = select(["", "CRITICAL", "HIGH", "MEDIUM", "LOW"], inv.risk_level, "All risk levels");
    const svcSel = select([""], inv.service, "All services");
    const minRisk = h("input", { type: "number", min: 0, max: 100, step: 5, value: inv.min_risk, placeholder: "0" });
    const filters = h(
      "div",
      { class: "filters" },
      field("Search", search),
      field("Classification", clsSel),
      field("Service", svcSel),
      field("Risk level", lvlSel),
      field("Min. risk", minRisk)
    );
    shell.appendChild(filters);
    const body = h("div", { class: "table-wrap" });
    const foot = h("div", { class: "table-foot" });
    shell.appendChild(body);
    shell.appendChild(foot);

    let timer = null;
    const reload = () => {
      inv.offset = 0;
      load();
    };
    search.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        inv.q = search.value.trim();
        reload();
      }, 250);
    });
    clsSel.addEventListener("change", () => ((inv.classification = clsSel.value), reload()));
    lvlSel.addEventListener("change", () => ((inv.risk_level = lvlSel.value), reload()));
    svcSel.addEventListener("change", () => ((inv.service = svcSel.value), reload()));
    minRisk.addEventListener("change", () => ((inv.min_risk = minRisk.value), reload()));

    async function load() {
      const p = new URLSearchParams();
      for (const k of ["q", "classification", "service", "risk_level", "min_risk", "sort", "order", "offset", "limit"]) {
        if (inv[k] !== "" && inv[k] !== null) p.set(k, inv[k]);
      }
      let data;
      try {
        data = await api(`/endpoints?${p}`);
      } catch (e) {
        if (e.status === 404) {
          clear(body).appendChild(empty("No snapshot yet", "Ingest traffic and take a snapshot to build the inventory."));
          clear(foot);
          return;
        }
        throw e;
      }
      if (svcSel.options.length <= 1) {
        for (const s of data.services) svcSel.appendChild(h("option", { value: s, text: s }));
        svcSel.value = inv.service;
      }
      clear(body);
      if (data.items.length === 0) {
        body.appendChild(empty("No endpoint matches", "Loosen the filters to see more of the inventory."));
      } else {
        body.appendChild(inventoryTable(data.items, load));
      }
      clear(foot);
      const from = data.total ? data.offset + 1 : 0;
      const to = data.offset + data.items.length;
      const prev = h("button", { class: "button small", type: "button", text: "← Previous", disabled: data.offset === 0 });
      const next = h("button", { class: "button small", type: "button", text: "Next →", disabled: to >= data.total });
      prev.addEventListener("click", () => ((inv.offset = Math.max(0, inv.offset - inv.limit)), load()));
      next.addEventListener("click", () => ((inv.offset += inv.limit), load()));
      append(foot, [h("span", { text: `${fmtNum(from)}–${fmtNum(to)} of ${fmtNum(data.total)} endpoints` }), h("div", { class: "pager" }, prev, next)]);
    }
    await load();
    return page;
  }

  function inventoryTable(items, reload) {
    const head = h(
      "tr",
      {},
      COLUMNS.map((c) => {
        const sorted = c.key && inv.sort === c.key;
        const th = h("th", { class: [c.num ? "num" : "", c.key ? "sortable" : "", sorted ? "sorted" : ""].join(" ").trim(), scope: "col" }, c.label);
        if (sorted) th.appendChild(h("span", { class: "arrow", text: inv.order === "desc" ? "▼" : "▲" }));
        if (c.key) {
          th.setAttribute("aria-sort", sorted ? (inv.order === "desc" ? "descending" : "ascending") : "none");
          th.addEventListener("click", () => {
            if (inv.sort === c.key) inv.order = inv.order === "desc" ? "asc" : "desc";
            else {
              inv.sort = c.key;
              inv.order = ["risk_score", "requests", "last_seen"].includes(c.key) ? "desc" : "asc";
            }
            inv.offset = 0;
            reload();
          });
        }
        return th;
      })
    );
    const rows = items.map((e) =>
      h(
        "tr",
        { class: "link", onclick: () => go(`#/endpoint/${encodeURIComponent(e.api_id)}`) },
        h("td", {}, method(e.method)),
        h("td", { class: "path" }, e.path, e.stale ? h("span", { class: "sub", text: "stale: no traffic in the window" }) : null),
        h("td", {}, e.service, e.owner ? h("span", { class: "sub", text: e.owner }) : null),
        h("td", {}, clsBadge(e.classification)),
        h("td", {}, h("div", { class: "chips" }, e.missing_controls.map((c) => h("span", { class: "chip", text: (CONTROL_NAMES[c] || c).replace(/ \(.*\)/, "") })))),
        h("td", {}, h("div", { class: "chips" }, e.sensitive_data_types.map((t) => h("span", { class: "chip data", text: DATA_NAMES[t] || t })))),
        h("td", { class: "num", text: fmtNum(e.requests) }),
        h("td", { class: "muted nowrap", text: fmtIsoShort(e.last_seen) }),
        h("td", { class: "num" }, riskCell(e.risk_score, e.risk_level))
      )
    );
    return h("table", { id: "inventory-table" }, h("thead", {}, head), h("tbody", {}, rows));
  }

  function select(values, current, allLabel) {
    const s = h("select", {});
    for (const v of values) s.appendChild(h("option", { value: v, text: v === "" ? allLabel : v }));
    s.value = current;
    return s;
  }
  function field(label, control) {
    return h("div", { class: "field" }, h("label", { text: label }), control);
  }

  // ---------- endpoint ----------
  async function endpoint(id) {
    let d;
    try {
      d = await api(`/endpoints/${encodeURIComponent(id)}`);
    } catch (e) {
      if (e.status === 404 || e.status === 400) {
        return h("div", {}, pageHead("Endpoint not found", null, null, h("a", { href: "#/inventory", text: "← Inventory" })), h("div", { class: "card" }, empty("No such endpoint", "It may have been renamed by a new template, or never seen.")));
      }
      throw e;
    }
    const a = d.assessment;
    const page = h("div", {});
    const crumbs = h("span", {}, h("a", { href: "#/inventory", text: "Inventory" }), " / ", a ? a.service : id);
    if (!a) {
      page.appendChild(pageHead(id, "This endpoint is not in the latest snapshot.", null, crumbs));
    } else {
      const head = pageHead("", null, null, crumbs);
      const titleNode = head.querySelector("h1");
      titleNode.className = "ep-title";
      append(titleNode, [method(a.method), " ", a.path]);
      const meta = h(
        "div",
        { class: "ep-meta" },
        clsBadge(a.classification),
        a.exposure !== a.classification ? h("span", { class: "badge", text: `exposure: ${a.exposure}` }) : null,
        h("span", { class: "badge", text: a.documented ? "documented" : "undocumented" }),
        a.stale ? h("span", { class: "badge stale", text: "stale" }) : null,
        a.version ? h("span", { class: "badge", text: `version ${a.version}` }) : null,
        h("span", { class: "badge", text: a.owner ? `owner: ${a.owner}` : "no owner" }),
        (a.compliance_tags || []).map((t) => h("span", { class: "badge", text: t }))
      );
      titleNode.parentNode.appendChild(meta);
      page.appendChild(head);

      const facts = h(
        "dl",
        { class: "facts" },
        fact("Requests in window", fmtNum(a.requests)),
        fact("Service", a.service + (a.host ? ` · ${a.host}` : "")),
        fact("First discovered", fmtIso(a.first_discovered)),
        fact("Last seen", fmtIso(a.last_seen))
      );
      const hist = (d.history || []).map((p) => p.risk_score);
      const sparkBox = h("div", { class: "chart" });
      sparkBox.appendChild(Charts.spark(hist, { label: "Risk score across snapshots" }));
      const score = h(
        "div",
        { class: "score-card" },
        h("div", {}, h("div", { class: "score", text: fmtNum(a.risk_score) }), sev(a.risk_level)),
        h("div", { class: "muted small" }, h("div", { text: "Risk across snapshots" }), sparkBox)
      );
      page.appendChild(h("div", { class: "grid grid-3-2" }, h("section", { class: "card" }, facts), h("section", { class: "card" }, score)));

      // Controls.
      const controls = h(
        "table",
        { id: "controls-table" },
        h("thead", {}, h("tr", {}, h("th", { text: "Control" }), h("th", { text: "Status" }), h("th", { text: "Observed" }), h("th", { text: "Evidence" }), h("th", { text: "Severity" }))),
        h(
          "tbody",
          {},
          a.security_controls.map((c) => {
            const ok = c.present || !c.required;
            const track = h("div", { class: `ratio-track${c.present ? "" : " bad"}` }, setWidth(h("span"), c.observed_ratio * 100));
            return h(
              "tr",
              {},
              h("td", { text: CONTROL_NAMES[c.name] || c.name }),
              h("td", {}, h("span", { class: `pill ${c.present ? "pass" : c.required ? "fail" : "neutral"}`, text: c.present ? "Present" : c.required ? "Missing" : "Not required" })),
              h("td", {}, h("div", { class: "ratio" }, track, h("span", { class: "small", text: `${fmtNum(c.observed_ratio * 100)}%` }))),
              h("td", { class: "muted small", text: c.details }),
              h("td", {}, ok ? h("span", { class: "muted", text: "–" }) : sev(c.severity))
            );
          })
        )
      );
      page.appendChild(h("div", { class: "section" }, card("Security controls", "share of requests in the window that showed each control", h("div", { class: "table-wrap" }, controls))));

      // Sensitive data.
      const sd = a.sensitive_data || [];
      const sensitive = sd.length
        ? h(
            "table",
            {},
            h("thead", {}, h("tr", {}, h("th", { text: "Type" }), h("th", { class: "num", text: "Seen" }), h("th", { text: "Where" }), h("th", { text: "Example (redacted)" }))),
            h(
              "tbody",
              {},
              sd.map((s) =>
                h(
                  "tr",
                  {},
                  h("td", { text: DATA_NAMES[s.type] || s.type }),
                  h("td", { class: "num", text: fmtNum(s.count) }),
                  h("td", {}, h("div", { class: "chips" }, (s.locations || []).map((l) => h("span", { class: "badge", text: l })))),
                  h("td", { class: "mono", text: s.hint || "–" })
                )
              )
            )
          )
        : empty("No sensitive data seen", "Bodies, queries and paths of this endpoint carried no personal data or secrets.");
      page.appendChild(h("div", { class: "section" }, card("Sensitive data", "values are never stored; only type, count and a redacted hint", h("div", { class: "table-wrap" }, sensitive))));

      // Violations with remediation.
      const problems = [];
      for (const v of d.policy_violations || []) problems.push({ severity: v.severity, title: v.policy, text: v.reason || v.description, fix: v.remediation, tag: "Policy" });
      for (const g of d.compliance_gaps || []) problems.push({ severity: g.severity, title: g.requirement || g.framework, text: g.description, fix: g.remediation, tag: "Compliance" });
      for (const f of d.report_findings || []) problems.push({ severity: f.severity, title: f.title, text: f.detail, fix: f.remediation, tag: f.category || "Finding" });
      const order = { CRITICAL: 0, HIGH: 1, MEDIUM: 2, LOW: 3, INFO: 4 };
      problems.sort((x, y) => (order[x.severity] ?? 9) - (order[y.severity] ?? 9));
      const list = problems.length
        ? h(
            "ul",
            { class: "item-list" },
            problems.map((p) =>
              h(
                "li",
                {},
                h("div", { class: "item-title" }, sev(p.severity), h("span", { text: p.title }), h("span", { class: "badge", text: p.tag })),
                p.text ? h("div", { class: "item-text", text: p.text }) : null,
                p.fix ? h("div", { class: "remediation", text: p.fix }) : null
              )
            )
          )
        : empty("No violations", "This endpoint meets every policy that applies to it.");
      page.appendChild(h("div", { class: "section" }, h("section", { class: "card" }, h("div", { class: "card-head" }, h("h2", { text: "Violations and remediation" }), h("span", { class: "card-note", text: `${problems.length} open in this snapshot` })), h("div", { class: "card-body", id: "violations" }, list))));
    }

    // Finding history.
    const fs = d.findings || [];
    const history = fs.length
      ? h(
          "ul",
          { class: "item-list" },
          fs.map((f) =>
            h(
              "li",
              {},
              h("div", { class: "item-title" }, sev(f.severity), h("span", { text: f.title }), h("span", { class: `pill ${f.state === "open" ? "fail" : "pass"}`, text: f.state })),
              h("div", { class: "item-text small" }, `${KIND_NAMES[f.kind] || f.kind} · first opened ${fmtDate(f.first_opened_ms)}`, f.resolved_ms ? ` · resolved ${fmtDate(f.resolved_ms)} after ${fmtNum(f.days_to_resolve)} days` : "", f.reopened ? ` · reopened ${f.reopened}×` : ""),
              h("div", { class: "timeline" }, (f.events || []).map((e) => h("span", { class: e.event, text: `${e.event} · ${fmtDate(e.at_ms)} · snapshot #${e.snapshot_id}` })))
            )
          )
        )
      : empty("No tracked findings", "Findings appear here once a snapshot has seen a problem on this endpoint.");
    page.appendChild(h("div", { class: "section" }, h("section", { class: "card" }, h("div", { class: "card-head" }, h("h2", { text: "Finding history" }), h("span", { class: "card-note", text: "opened, resolved and reopened, stamped with traffic time" })), h("div", { class: "card-body" }, history))));
    return page;
  }

  function fact(label, value) {
    return h("div", {}, h("dt", { text: label }), h("dd", { text: value }));
  }

  // ---------- findings ----------
  const fst = { state: "open", severity: "", kind: "", q: "" };
  async function findings() {
    const page = h("div", {});
    page.appendChild(pageHead("Findings", "Every problem tracked across snapshots, with its lifecycle."));
    const summaryBox = h("div", { class: "summary-chips" });
    page.appendChild(summaryBox);
    const shell = h("section", { class: "card section" });
    page.appendChild(shell);
    const stateSel = select(["open", "resolved", "all"], fst.state, "");
    const sevSel = select(["", "CRITICAL", "HIGH", "MEDIUM", "LOW"], fst.severity, "Any severity");
    const kindSel = h("select", {});
    kindSel.appendChild(h("option", { value: "", text: "All kinds" }));
    for (const [k, v] of Object.entries(KIND_NAMES)) kindSel.appendChild(h("option", { value: k, text: v }));
    kindSel.value = fst.kind;
    const search = h("input", { type: "search", placeholder: "Search title, service, path…", value: fst.q, "aria-label": "Search findings" });
    shell.appendChild(h("div", { class: "filters" }, field("Search", search), field("State", stateSel), field("At least", sevSel), field("Kind", kindSel)));
    const body = h("div", { class: "table-wrap" });
    const foot = h("div", { class: "table-foot" });
    shell.appendChild(body);
    shell.appendChild(foot);
    let timer = null;
    search.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => ((fst.q = search.value.trim()), load()), 250);
    });
    stateSel.addEventListener("change", () => ((fst.state = stateSel.value), load()));
    sevSel.addEventListener("change", () => ((fst.severity = sevSel.value), load()));
    kindSel.addEventListener("change", () => ((fst.kind = kindSel.value), load()));

    async function load() {
      const p = new URLSearchParams({ limit: "500" });
      for (const k of ["state", "severity", "kind", "q"]) if (fst[k]) p.set(k, fst[k]);
      const [data, all] = await Promise.all([api(`/findings?${p}`), api("/findings?state=all&limit=1")]);
      clear(summaryBox);
      const bySev = all.open_by_severity || {};
      const chip = (value, label, cls) => h("div", { class: `card summary-chip ${cls || ""}` }, h("b", { text: value }), h("span", { text: label }));
      append(summaryBox, [
        chip(fmtNum(all.open), "open findings"),
        ["CRITICAL", "HIGH", "MEDIUM", "LOW"].map((s) => chip(fmtNum(bySev[s] || 0), `${s.toLowerCase()} open`)),
        chip(fmtNum(all.resolved), "resolved"),
        chip(all.mean_days_to_resolve === null ? "–" : `${fmtNum(all.mean_days_to_resolve)} d`, "mean time to remediate"),
      ]);
      clear(body);
      if (data.items.length === 0) {
        body.appendChild(
          all.total === 0
            ? empty("No findings tracked yet", "Findings are tracked from the first snapshot on.")
            : empty("Nothing matches", fst.state === "open" ? "No open finding matches these filters." : "Loosen the filters to see more.")
        );
      } else {
        body.appendChild(
          h(
            "table",
            { id: "findings-table" },
            h("thead", {}, h("tr", {}, h("th", { text: "Severity" }), h("th", { text: "Finding" }), h("th", { text: "Kind" }), h("th", { text: "Service" }), h("th", { text: "State" }), h("th", { text: "Opened" }), h("th", { text: "Resolved" }))),
            h(
              "tbody",
              {},
              data.items.map((f) =>
                h(
                  "tr",
                  { class: f.api_id ? "link" : "", onclick: f.api_id ? () => go(`#/endpoint/${encodeURIComponent(f.api_id)}`) : null },
                  h("td", {}, sev(f.severity)),
                  h("td", {}, f.title, f.reopened ? h("span", { class: "sub", text: `reopened ${f.reopened}×` }) : null),
                  h("td", { text: KIND_NAMES[f.kind] || f.kind }),
                  h("td", { text: f.service || "–" }),
                  h("td", {}, h("span", { class: `pill ${f.state === "open" ? "fail" : "pass"}`, text: f.state })),
                  h("td", { class: "muted nowrap", text: fmtDate(f.opened_ms) }),
                  h("td", { class: "muted nowrap", text: f.resolved_ms ? `${fmtDate(f.resolved_ms)} (${fmtNum(f.days_to_resolve)} d)` : "–" })
                )
              )
            )
          )
        );
      }
      clear(foot);
      foot.appendChild(h("span", { text: `${fmtNum(data.items.length)} of ${fmtNum(data.total)} shown` }));
    }
    await load();
    return page;
  }

  // ---------- router ----------
  function go(hash) {
    location.hash = hash;
  }

  let routing = 0;
  async function route() {
    const ticket = ++routing;
    const hash = location.hash || "#/";
    const parts = hash.replace(/^#\/?/, "").split("/");
    const section = parts[0] || "overview";
    for (const a of document.querySelectorAll("[data-nav]")) {
      a.classList.toggle("active", a.dataset.nav === (section === "endpoint" ? "inventory" : section));
    }
    try {
      let page;
      if (section === "overview" || section === "") page = await overview();
      else if (section === "inventory") page = await inventory();
      else if (section === "findings") page = await findings();
      else if (section === "endpoint") page = await endpoint(decodeURIComponent(parts[1] || ""));
      else page = h("div", { class: "card section" }, empty("Page not found", "Use the navigation above."));
      if (ticket !== routing) return;
      clear(view).appendChild(page);
      document.getElementById("signin").classList.add("hidden");
      view.dataset.ready = section;
      refreshFooter();
    } catch (e) {
      if (ticket !== routing) return;
      if (e instanceof AuthError) {
        clear(view);
        showSignIn(sessionStorage.getItem(TOKEN_KEY) ? "That token was not accepted." : "");
        return;
      }
      clear(view).appendChild(h("div", { class: "card section" }, empty("Could not load this page", e.message || String(e))));
    }
  }

  async function refreshFooter() {
    try {
      const s = await api("/snapshots?limit=1");
      const last = s.items[0];
      document.getElementById("snapshot-label").textContent = last ? `Snapshot #${last.id} · ${ago(last.created_ms)}` : "No snapshot yet";
      document.getElementById("footer-status").textContent = last ? `Last snapshot taken ${fmtDateTime(last.created_ms)}` : "";
    } catch (_) {
      /* the page itself reports errors */
    }
    document.getElementById("sign-out").classList.toggle("hidden", !sessionStorage.getItem(TOKEN_KEY));
  }

  function setTheme(t) {
    document.documentElement.dataset.theme = t;
    localStorage.setItem(THEME_KEY, t);
  }

  function init() {
    const saved = localStorage.getItem(THEME_KEY);
    const prefersDark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
    document.documentElement.dataset.theme = saved || (prefersDark ? "dark" : "light");
    document.getElementById("theme-toggle").addEventListener("click", () => setTheme(document.documentElement.dataset.theme === "dark" ? "light" : "dark"));
    document.getElementById("sign-out").addEventListener("click", () => {
      sessionStorage.removeItem(TOKEN_KEY);
      route();
    });
    document.getElementById("signin-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const input = document.getElementById("token-input");
      sessionStorage.setItem(TOKEN_KEY, input.value.trim());
      input.value = "";
      route();
    });
    takeFragmentToken();
    window.addEventListener("hashchange", route);
    route();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
