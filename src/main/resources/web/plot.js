'use strict';
// A small line plot drawn as SVG: time on x (the last `windowMs`), values on y from 0 to the
// largest, one polyline with dots per series. No library: nothing to fetch or bundle.
const SVG = 'http://www.w3.org/2000/svg';

function svgEl(name, attrs, text) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

// series: [{cls, points: [[timeMs, value], ...], dotsOnly}]; unit: what the y values are, for the axis label.
function plot(svg, series, windowMs, unit) {
  const W = 600, H = 180, left = 44, bottom = 18, top = 8;
  const now = Date.now(), from = now - windowMs;
  const shown = series.map(s => ({ ...s, points: s.points.filter(([t]) => t >= from) }));
  const max = Math.max(1, ...shown.flatMap(s => s.points.map(([, v]) => v)));
  const x = t => left + (t - from) / windowMs * (W - left - 4);
  const y = v => top + (1 - v / max) * (H - top - bottom);
  const parts = [
    svgEl('line', { x1: left, y1: y(0), x2: W, y2: y(0), class: 'axis' }),
    svgEl('line', { x1: left, y1: top, x2: left, y2: y(0), class: 'axis' }),
    svgEl('text', { x: left - 4, y: top + 10, class: 'tick', 'text-anchor': 'end' }, fmt(max)),
    svgEl('text', { x: left - 4, y: y(0), class: 'tick', 'text-anchor': 'end' }, '0'),
    svgEl('text', { x: left + 2, y: H - 2, class: 'tick' }, '−' + Math.round(windowMs / 60000) + ' min'),
    svgEl('text', { x: W - 2, y: H - 2, class: 'tick', 'text-anchor': 'end' }, 'now · ' + unit),
  ];
  for (const s of shown) {
    if (!s.points.length) continue;
    if (!s.dotsOnly) parts.push(svgEl('polyline', { class: 'line ' + s.cls,
      points: s.points.map(([t, v]) => x(t).toFixed(1) + ',' + y(v).toFixed(1)).join(' ') }));
    for (const [t, v] of s.points) parts.push(svgEl('circle', { class: 'dot ' + s.cls, cx: x(t).toFixed(1), cy: y(v).toFixed(1), r: 2 }));
  }
  svg.replaceChildren(...parts);
  return shown.reduce((n, s) => n + s.points.length, 0);
}

const fmt = v => v >= 100 ? String(Math.round(v)) : v.toFixed(1);
