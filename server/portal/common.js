// skyshard portal: helpers shared by every page (plain JavaScript, no framework, no build).
// Every page talks to the TAP service of the same origin (../tap), so the portal shows what
// any TAP client would get.
"use strict";

const Portal = (() => {
  const TAP = new URL("../tap", window.location.href).href.replace(/\/$/, "");
  let configPromise = null;

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function config() {
    if (!configPromise) {
      configPromise = fetch("api/config.json").then((r) => {
        if (!r.ok) throw new Error("config: HTTP " + r.status);
        return r.json();
      });
    }
    return configPromise;
  }

  // The TAP URL a client outside the browser should use.
  function publicTapUrl(cfg) {
    return cfg && cfg.tap_url ? cfg.tap_url : TAP;
  }

  const PAGES = [
    ["index.html", "Home"], ["schema.html", "Schema"], ["query.html", "Query"],
    ["lightcurve.html", "Light curves"], ["cone.html", "Cone search"],
  ];

  function header(active) {
    const nav = el("nav", {});
    for (const [href, label] of PAGES) {
      nav.append(el("a", { href, class: href === active ? "active" : null, text: label }));
    }
    const brand = el("a", { class: "brand", href: "index.html", text: "skyshard" });
    document.body.prepend(el("header", { class: "top" }, brand, nav));
    config().then((cfg) => {
      brand.textContent = cfg.title || "skyshard";
      document.title = document.title + " · " + (cfg.title || "skyshard");
    }).catch(() => {});
  }

  // RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF line ends.
  function parseCsv(text) {
    const rows = [];
    let row = [], field = "", i = 0, quoted = false;
    while (i < text.length) {
      const c = text[i];
      if (quoted) {
        if (c === '"') {
          if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
          quoted = false; i++; continue;
        }
        field += c; i++; continue;
      }
      if (c === '"') { quoted = true; i++; continue; }
      if (c === ",") { row.push(field); field = ""; i++; continue; }
      if (c === "\r") { i++; continue; }
      if (c === "\n") { row.push(field); rows.push(row); row = []; field = ""; i++; continue; }
      field += c; i++;
    }
    if (field !== "" || row.length) { row.push(field); rows.push(row); }
    return rows;
  }

  // The error text of a TAP error document (VOTable INFO QUERY_STATUS=ERROR), else the body.
  function tapErrorMessage(text) {
    try {
      const doc = new DOMParser().parseFromString(text, "application/xml");
      for (const info of doc.getElementsByTagName("INFO")) {
        if (info.getAttribute("name") === "QUERY_STATUS" && info.getAttribute("value") === "ERROR") {
          return info.textContent.trim();
        }
      }
    } catch (e) { /* not XML */ }
    return text.trim().slice(0, 2000);
  }

  // "line 3, column 14: ..." -> {line: 3, column: 14}; null when the message has no position.
  function errorPosition(message) {
    const m = /line (\d+), column (\d+)/.exec(message);
    return m ? { line: Number(m[1]), column: Number(m[2]) } : null;
  }

  function syncBody(adql, format, maxrec) {
    const p = new URLSearchParams({ REQUEST: "doQuery", LANG: "ADQL", RESPONSEFORMAT: format,
      QUERY: adql });
    if (maxrec !== undefined && maxrec !== null) p.set("MAXREC", String(maxrec));
    return p;
  }

  // Runs a sync query as CSV. Resolves to {columns, rows} or rejects with an Error whose
  // `position` is {line, column} when the service reported one.
  async function querySync(adql, maxrec) {
    const r = await fetch(TAP + "/sync", { method: "POST", body: syncBody(adql, "csv", maxrec) });
    const text = await r.text();
    if (!r.ok) {
      const message = tapErrorMessage(text);
      const err = new Error(message);
      err.position = errorPosition(message);
      err.status = r.status;
      throw err;
    }
    const rows = parseCsv(text);
    const columns = rows.shift() || [];
    return { columns, rows };
  }

  function syncUrl(adql, format, maxrec) {
    return TAP + "/sync?" + syncBody(adql, format, maxrec).toString();
  }

  function table(columns, rows, opts) {
    const t = el("table", { class: "grid" });
    const head = el("tr", {}, columns.map((c) => el("th", { text: c })));
    t.append(el("thead", {}, head));
    const body = el("tbody", {});
    for (const r of rows) {
      const tr = el("tr", {});
      r.forEach((v, i) => {
        const td = el("td", { text: v });
        if (opts && opts.cell) opts.cell(td, columns[i], v, r);
        tr.append(td);
      });
      body.append(tr);
    }
    t.append(body);
    return t;
  }

  function copyButton(getText) {
    return el("button", { class: "secondary", onclick: (ev) => {
      navigator.clipboard.writeText(getText()).then(() => {
        ev.target.textContent = "Copied";
        setTimeout(() => { ev.target.textContent = "Copy"; }, 1200);
      }).catch(() => {});
    } }, "Copy");
  }

  function snippet(text) {
    const pre = el("pre", { text });
    return el("div", { class: "snippet" }, pre, copyButton(() => pre.textContent));
  }

  // Fetches the VOSI tableset and returns [{name, description, columns: [...], fks: [...]}].
  async function tableset() {
    const r = await fetch(TAP + "/tables");
    if (!r.ok) throw new Error("/tap/tables: HTTP " + r.status);
    const doc = new DOMParser().parseFromString(await r.text(), "application/xml");
    const text = (node, tag) => {
      const c = [...node.children].find((x) => x.localName === tag);
      return c ? c.textContent : "";
    };
    const out = [];
    for (const schema of doc.getElementsByTagName("schema")) {
      const schemaName = text(schema, "name");
      for (const t of [...schema.children].filter((x) => x.localName === "table")) {
        const columns = [...t.children].filter((x) => x.localName === "column").map((c) => {
          const dt = [...c.children].find((x) => x.localName === "dataType");
          const flags = [...c.children].filter((x) => x.localName === "flag").map((f) => f.textContent);
          return {
            name: text(c, "name"), description: text(c, "description"), unit: text(c, "unit"),
            ucd: text(c, "ucd"),
            datatype: dt ? dt.textContent + (dt.getAttribute("arraysize") ?
              "[" + dt.getAttribute("arraysize") + "]" : "") : "",
            flags,
          };
        });
        const fks = [...t.children].filter((x) => x.localName === "foreignKey").map((fk) => ({
          target: text(fk, "targetTable"),
          columns: [...fk.children].filter((x) => x.localName === "fkColumn").map((p) =>
            text(p, "fromColumn") + " → " + text(p, "targetColumn")),
        }));
        out.push({ schema: schemaName, name: text(t, "name"), description: text(t, "description"),
          columns, fks });
      }
    }
    return out;
  }

  function param(name) {
    return new URLSearchParams(window.location.search).get(name);
  }

  return { TAP, el, config, publicTapUrl, header, parseCsv, tapErrorMessage, errorPosition,
    querySync, syncUrl, table, snippet, tableset, param };
})();
