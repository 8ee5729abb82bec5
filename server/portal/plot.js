// skyshard portal: small SVG scatter plots drawn in the browser (no plotting library): the light
// curve (one <g class="series" data-band="..."> per band, one <circle> per point, error bars)
// and the sky plot of a cone search.
"use strict";

const Plot = (() => {
  const NS = "http://www.w3.org/2000/svg";
  const BAND_COLOURS = { u: "#56b4e9", g: "#009e73", r: "#d55e00", i: "#cc79a7", z: "#8c564b",
    y: "#333333" };

  function svg(tag, attrs, text) {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // Round tick values covering [lo, hi], about n of them.
  function ticks(lo, hi, n) {
    if (!(hi > lo)) return [lo];
    const raw = (hi - lo) / n;
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
    return out;
  }

  function extent(values, pad) {
    let lo = Math.min(...values), hi = Math.max(...values);
    if (!isFinite(lo)) { lo = 0; hi = 1; }
    if (hi === lo) { lo -= 0.5; hi += 0.5; }
    const p = (hi - lo) * pad;
    return [lo - p, hi + p];
  }

  // A frame with axes; returns {root, x(v), y(v)} mapping data to pixels.
  function frame(opts) {
    const W = opts.width || 820, H = opts.height || 420, L = 70, R = 20, T = 20, B = 50;
    const root = svg("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: "img" });
    const [x0, x1] = opts.xrange, [y0, y1] = opts.yrange;
    const fx = opts.xflip ? (v) => L + (x1 - v) / (x1 - x0) * (W - L - R)
                          : (v) => L + (v - x0) / (x1 - x0) * (W - L - R);
    const fy = opts.yflip ? (v) => T + (v - y0) / (y1 - y0) * (H - T - B)
                          : (v) => T + (y1 - v) / (y1 - y0) * (H - T - B);
    const axes = svg("g", { class: "axes", "font-size": "12", fill: "#333" });
    axes.append(svg("rect", { x: L, y: T, width: W - L - R, height: H - T - B, fill: "none", stroke: "#999" }));
    for (const t of ticks(x0, x1, 8)) {
      axes.append(svg("line", { x1: fx(t), x2: fx(t), y1: H - B, y2: H - B + 5, stroke: "#666" }));
      axes.append(svg("text", { x: fx(t), y: H - B + 18, "text-anchor": "middle" }, String(t)));
    }
    for (const t of ticks(y0, y1, 6)) {
      axes.append(svg("line", { x1: L - 5, x2: L, y1: fy(t), y2: fy(t), stroke: "#666" }));
      axes.append(svg("text", { x: L - 8, y: fy(t) + 4, "text-anchor": "end" }, String(t)));
    }
    axes.append(svg("text", { x: (L + W - R) / 2, y: H - 10, "text-anchor": "middle" }, opts.xlabel));
    axes.append(svg("text", { x: 16, y: (T + H - B) / 2, "text-anchor": "middle",
      transform: `rotate(-90 16 ${(T + H - B) / 2})` }, opts.ylabel));
    root.append(axes);
    // Error bars longer than the frame are cut at its edge.
    const clip = "clip" + Math.random().toString(36).slice(2);
    const cp = svg("clipPath", { id: clip });
    cp.append(svg("rect", { x: L, y: T, width: W - L - R, height: H - T - B }));
    root.append(cp);
    return { root, x: fx, y: fy, clip: `url(#${clip})` };
  }

  // points: [{band, x, y, err}] (err may be NaN). One series per band, in ugrizy order.
  function lightCurve(points, opts) {
    const xs = points.map((p) => p.x), ys = points.map((p) => p.y);
    // The y range fits the values and typical error bars; a few huge errors (a magnitude of a
    // flux near 0) would otherwise flatten every point onto one line.
    const errs = points.map((p) => p.err).filter((e) => isFinite(e) && e > 0).sort((a, b) => a - b);
    const typical = errs.length ? errs[Math.floor(errs.length / 2)] : 0;
    const [ylo, yhi] = extent(ys, 0.08);
    const f = frame({ xrange: extent(xs, 0.03), yrange: [ylo - typical, yhi + typical],
      yflip: opts.magnitudes, xlabel: "MJD (expMidptMJD)", ylabel: opts.ylabel });
    const bands = [...new Set(points.map((p) => p.band))].sort(
        (a, b) => "ugrizy".indexOf(a) - "ugrizy".indexOf(b));
    for (const band of bands) {
      const colour = BAND_COLOURS[band] || "#1f77b4";
      const g = svg("g", { class: "series", "data-band": band, fill: colour, stroke: colour,
        "clip-path": f.clip });
      for (const p of points.filter((q) => q.band === band)) {
        if (isFinite(p.err) && p.err > 0) {
          g.append(svg("line", { class: "errorbar", x1: f.x(p.x), x2: f.x(p.x),
            y1: f.y(p.y - p.err), y2: f.y(p.y + p.err), "stroke-width": 1 }));
        }
        const c = svg("circle", { cx: f.x(p.x), cy: f.y(p.y), r: 3.5 });
        c.append(svg("title", {}, `${band}  MJD ${p.x}  ${p.y}` + (isFinite(p.err) ? ` ± ${p.err}` : "")));
        g.append(c);
      }
      f.root.append(g);
    }
    return { svg: f.root, bands, colours: BAND_COLOURS };
  }

  // points: [{ra, dec, label}], centre and radius in degrees: RA increases to the left.
  function sky(points, centre) {
    const cosd = Math.cos(centre.dec * Math.PI / 180) || 1e-6;
    const rx = centre.radius / cosd;
    const f = frame({ width: 520, height: 520, xrange: [centre.ra - rx * 1.1, centre.ra + rx * 1.1],
      yrange: [centre.dec - centre.radius * 1.1, centre.dec + centre.radius * 1.1], xflip: true,
      xlabel: "RA (deg)", ylabel: "Dec (deg)" });
    // The search circle, approximated by its projection.
    const ring = [];
    for (let a = 0; a <= 360; a += 5) {
      const t = a * Math.PI / 180;
      ring.push(`${f.x(centre.ra + rx * Math.cos(t))},${f.y(centre.dec + centre.radius * Math.sin(t))}`);
    }
    f.root.append(svg("polyline", { points: ring.join(" "), fill: "none", stroke: "#2457c5",
      "stroke-dasharray": "4 3" }));
    const g = svg("g", { class: "series", "data-series": "positions", fill: "#d55e00" });
    for (const p of points) {
      const c = svg("circle", { cx: f.x(p.ra), cy: f.y(p.dec), r: 3 });
      c.append(svg("title", {}, p.label));
      g.append(c);
    }
    f.root.append(g);
    return f.root;
  }

  return { lightCurve, sky, BAND_COLOURS };
})();
