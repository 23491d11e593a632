// A small SVG bar chart for the experiment reports: groups of bars with error bars, an axis with units, a
// legend. Plain strings, no library: the files are committed and read in a browser or on GitHub.

export interface BarGroup {
  label: string;
  bars: Array<{ series: string; value: number; error?: number }>;
}

export interface BarChartOptions {
  title: string;
  yLabel: string;
  yMin?: number;
  yMax?: number;
  width?: number;
  height?: number;
}

const PALETTE = ['#1565c0', '#ef6c00', '#2e7d32', '#6a1b9a', '#c62828', '#00838f', '#5d4037', '#ad1457'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function barChart(groups: BarGroup[], o: BarChartOptions): string {
  const series = [...new Set(groups.flatMap((g) => g.bars.map((b) => b.series)))];
  const width = o.width ?? 960;
  const height = o.height ?? 420;
  const left = 64, right = 16, top = 40, bottom = 96;
  const values = groups.flatMap((g) => g.bars.map((b) => b.value + (b.error ?? 0)));
  const yMin = o.yMin ?? 0;
  const yMax = o.yMax ?? Math.max(...values, yMin + 1e-9);
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const y = (v: number): number => top + plotH - ((Math.min(Math.max(v, yMin), yMax) - yMin) / (yMax - yMin)) * plotH;
  const groupW = plotW / Math.max(1, groups.length);
  const barW = (groupW * 0.8) / Math.max(1, series.length);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" `
    + 'font-family="system-ui, sans-serif" font-size="12">');
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(o.title)}</text>`);
  // Axis and grid.
  const ticks = 5;
  for (let i = 0; i <= ticks; i++) {
    const v = yMin + ((yMax - yMin) * i) / ticks;
    out.push(`<line x1="${left}" x2="${width - right}" y1="${y(v)}" y2="${y(v)}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${Number(v.toFixed(2))}</text>`);
  }
  out.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="#333"/>`);
  out.push(`<text transform="translate(16 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  groups.forEach((g, gi) => {
    const x0 = left + gi * groupW + groupW * 0.1;
    g.bars.forEach((b) => {
      const si = series.indexOf(b.series);
      const x = x0 + si * barW;
      const color = PALETTE[si % PALETTE.length]!;
      const tip = esc(`${g.label} · ${b.series}: ${b.value.toFixed(3)}${b.error ? ` ± ${b.error.toFixed(3)}` : ''}`);
      out.push(`<rect x="${x.toFixed(1)}" y="${y(b.value).toFixed(1)}" width="${(barW * 0.9).toFixed(1)}" height="${(y(yMin) - y(b.value)).toFixed(1)}" `
        + `fill="${color}"><title>${tip}</title></rect>`);
      if (b.error) {
        const cx = x + barW * 0.45;
        out.push(`<line x1="${cx.toFixed(1)}" x2="${cx.toFixed(1)}" y1="${y(b.value - b.error).toFixed(1)}" y2="${y(b.value + b.error).toFixed(1)}" `
          + 'stroke="#222"/>');
      }
    });
    out.push(`<text x="${(x0 + groupW * 0.4).toFixed(1)}" y="${top + plotH + 16}" text-anchor="middle">${esc(g.label)}</text>`);
  });
  // Legend.
  const perRow = 4;
  series.forEach((s, si) => {
    const lx = left + (si % perRow) * (plotW / perRow);
    const ly = top + plotH + 40 + Math.floor(si / perRow) * 18;
    out.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${PALETTE[si % PALETTE.length]}"/>`);
    out.push(`<text x="${lx + 18}" y="${ly}">${esc(s)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

// ------------------------------------------------------------------ horizontal bars (many labelled rows)

export interface HBarRow {
  label: string;
  /** One value per series; null or a non-finite value leaves the bar out (shown as "–"). */
  values: Array<number | null>;
}

export interface HBarChartOptions {
  title: string;
  /** The value axis label, with its unit, e.g. 'ms per run (lower is better)'. */
  xLabel: string;
  series: string[];
  /** Log scale on the value axis (values must be > 0). */
  logX?: boolean;
  /** A reference line (e.g. ratio 1). */
  marker?: { value: number; label: string };
  width?: number;
}

/** Rows of bars, one row per label (long names fit), a bar per series, value printed at the bar's end. */
export function hBarChart(rows: HBarRow[], o: HBarChartOptions): string {
  const width = o.width ?? 900;
  const rowH = 8 + 14 * Math.max(1, o.series.length);
  const left = Math.min(340, 16 + 6.5 * Math.max(8, ...rows.map((r) => r.label.length)));
  const right = 70, top = 44;
  const bottom = 46 + 18 * legendLayout(o.series, width - left - right).rows;
  const height = top + bottom + rowH * Math.max(1, rows.length);
  const finite = rows.flatMap((r) => r.values).filter((v): v is number => v !== null && Number.isFinite(v) && (!o.logX || v > 0));
  if (o.marker) finite.push(o.marker.value);
  const axis = niceAxis(finite.length ? Math.min(...finite) : 0, finite.length ? Math.max(...finite) : 1, !!o.logX, !o.logX);
  const plotW = width - left - right;
  const x = (v: number): number => left + axis.frac(v) * plotW;
  const out = svgOpen(width, height, o.title);
  for (const t of axis.ticks) {
    out.push(`<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${top}" y2="${height - bottom}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${x(t).toFixed(1)}" y="${height - bottom + 16}" text-anchor="middle">${fmtTick(t)}</text>`);
  }
  out.push(`<text x="${left + plotW / 2}" y="${height - bottom + 36}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  rows.forEach((r, ri) => {
    const y0 = top + ri * rowH + 4;
    out.push(`<text x="${left - 6}" y="${(y0 + (rowH - 8) / 2 + 4).toFixed(1)}" text-anchor="end">${esc(r.label)}</text>`);
    r.values.forEach((v, si) => {
      const y = y0 + si * 14;
      const color = PALETTE[si % PALETTE.length]!;
      if (v === null || !Number.isFinite(v) || (o.logX && v <= 0)) {
        out.push(`<text x="${left + 4}" y="${y + 10}" fill="#888">–</text>`);
        return;
      }
      const x0 = o.logX ? left : x(Math.max(axis.min, 0));
      const x1 = x(v);
      out.push(`<rect x="${Math.min(x0, x1).toFixed(1)}" y="${y}" width="${Math.max(1, Math.abs(x1 - x0)).toFixed(1)}" height="12" fill="${color}">`
        + `<title>${esc(`${r.label} · ${o.series[si]}: ${fmtTick(v)}`)}</title></rect>`);
      out.push(`<text x="${(Math.max(x0, x1) + 4).toFixed(1)}" y="${y + 10}" font-size="11">${fmtTick(v)}</text>`);
    });
  });
  if (o.marker) {
    const mx = x(o.marker.value).toFixed(1);
    out.push(`<line x1="${mx}" x2="${mx}" y1="${top - 4}" y2="${height - bottom}" stroke="#c62828" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${mx}" y="${top - 8}" text-anchor="middle" fill="#c62828">${esc(o.marker.label)}</text>`);
  }
  out.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${height - bottom}" stroke="#333"/>`);
  legend(out, o.series, left, height - bottom + 58, plotW);
  out.push('</svg>');
  return out.join('\n');
}

// ------------------------------------------------------------------ lines (curves, sweeps)

export interface LineSeries {
  name: string;
  points: Array<[number, number]>;
  /** Dashed line (e.g. a reference implementation). */
  dashed?: boolean;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  logY?: boolean;
  yMin?: number;
  yMax?: number;
  /** Tick positions on the x axis (default: round values, or decades on a log axis). */
  xTicks?: number[];
  /** Start a linear y axis at zero when the data are positive (default true; false zooms in on the data). */
  yFromZero?: boolean;
  width?: number;
  height?: number;
}

/** Lines with point markers, axes with units and a legend. Non-finite points are dropped. */
export function lineChart(series: LineSeries[], o: LineChartOptions): string {
  const width = o.width ?? 640;
  const height = o.height ?? 340;
  const left = 64, right = 16, top = 40;
  const bottom = 56 + 18 * legendLayout(series.map((s) => s.name), width - left - right).rows;
  const ok = (p: [number, number]): boolean => Number.isFinite(p[0]) && Number.isFinite(p[1]) && (!o.logX || p[0] > 0) && (!o.logY || p[1] > 0);
  const clean = series.map((s) => ({ ...s, points: s.points.filter(ok) }));
  const xs = clean.flatMap((s) => s.points.map((p) => p[0]));
  const ys = clean.flatMap((s) => s.points.map((p) => p[1]));
  const xAxis = o.xTicks?.length && xs.length
    ? fittedAxis(o.xTicks, Math.min(...xs), Math.max(...xs), !!o.logX)
    : niceAxis(xs.length ? Math.min(...xs) : 0, xs.length ? Math.max(...xs) : 1, !!o.logX, false);
  const yAxis = niceAxis(
    o.yMin ?? (ys.length ? Math.min(...ys) : 0), o.yMax ?? (ys.length ? Math.max(...ys) : 1), !!o.logY,
    o.yMin === undefined && !o.logY && o.yFromZero !== false,
  );
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const px = (v: number): number => left + xAxis.frac(v) * plotW;
  const py = (v: number): number => top + plotH - yAxis.frac(v) * plotH;
  const out = svgOpen(width, height, o.title);
  for (const t of yAxis.ticks) {
    out.push(`<line x1="${left}" x2="${width - right}" y1="${py(t).toFixed(1)}" y2="${py(t).toFixed(1)}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${left - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end">${fmtTick(t)}</text>`);
  }
  for (const t of xAxis.ticks) {
    out.push(`<line x1="${px(t).toFixed(1)}" x2="${px(t).toFixed(1)}" y1="${top}" y2="${top + plotH}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${px(t).toFixed(1)}" y="${top + plotH + 16}" text-anchor="middle">${fmtTick(t)}</text>`);
  }
  out.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="#333"/>`);
  out.push(`<line x1="${left}" x2="${width - right}" y1="${top + plotH}" y2="${top + plotH}" stroke="#333"/>`);
  out.push(`<text x="${left + plotW / 2}" y="${top + plotH + 36}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  clean.forEach((s, si) => {
    const color = PALETTE[si % PALETTE.length]!;
    const pts = s.points.map((p) => `${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`);
    if (pts.length > 1) {
      out.push(`<polyline class="series" data-series="${esc(s.name)}" fill="none" stroke="${color}" stroke-width="2"`
        + `${s.dashed ? ' stroke-dasharray="6 4"' : ''} points="${pts.join(' ')}"/>`);
    }
    if (s.points.length <= 40) {
      for (const p of s.points) {
        out.push(`<circle cx="${px(p[0]).toFixed(1)}" cy="${py(p[1]).toFixed(1)}" r="3" fill="${color}">`
          + `<title>${esc(`${s.name}: (${fmtTick(p[0])}, ${fmtTick(p[1])})`)}</title></circle>`);
      }
    }
  });
  legend(out, clean.map((s) => s.name), left, top + plotH + 58, plotW);
  out.push('</svg>');
  return out.join('\n');
}

/** Charts of one size laid out in a grid of `columns`, as one SVG (each chart nested at its cell). */
export function chartGrid(charts: string[], columns: number, width: number, height: number): string {
  const rows = Math.max(1, Math.ceil(charts.length / columns));
  const W = columns * width;
  const H = rows * height;
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`, `<rect width="${W}" height="${H}" fill="white"/>`];
  charts.forEach((c, i) => {
    const x = (i % columns) * width;
    const y = Math.floor(i / columns) * height;
    out.push(c.replace(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" /, `<svg x="${x}" y="${y}" `));
  });
  out.push('</svg>');
  return out.join('\n');
}

// ------------------------------------------------------------------ shared pieces

function svgOpen(width: number, height: number, title: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" `
      + 'font-family="system-ui, sans-serif" font-size="12">',
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`,
  ];
}

/** Legend entries flowed left to right, wrapping at the plot width: [x, row] per name, and the row count. */
function legendLayout(names: string[], plotW: number): { at: Array<[number, number]>; rows: number } {
  const at: Array<[number, number]> = [];
  let x = 0;
  let row = 0;
  for (const name of names) {
    const w = 18 + 6.8 * name.length + 18;
    if (x > 0 && x + w > plotW) {
      x = 0;
      row++;
    }
    at.push([x, row]);
    x += w;
  }
  return { at, rows: names.length ? row + 1 : 0 };
}

function legend(out: string[], names: string[], left: number, y: number, plotW: number): void {
  const { at } = legendLayout(names, plotW);
  names.forEach((s, si) => {
    const lx = left + at[si]![0];
    const ly = y + at[si]![1] * 18;
    out.push(`<rect x="${lx.toFixed(1)}" y="${ly - 10}" width="12" height="12" fill="${PALETTE[si % PALETTE.length]}"/>`);
    out.push(`<text class="legend" x="${(lx + 18).toFixed(1)}" y="${ly}">${esc(s)}</text>`);
  });
}

/** Tick label: short, no float noise (1.2k, 0.05, 3e-5). */
export function fmtTick(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  if (a < 1e-3) return v.toExponential(0);
  return String(Number(v.toPrecision(3)));
}

interface Axis {
  min: number;
  max: number;
  ticks: number[];
  /** 0..1 along the axis. */
  frac(v: number): number;
}

/** An axis through the data's range with the given ticks (a little margin on a log axis). */
function fittedAxis(ticks: number[], lo: number, hi: number, log: boolean): Axis {
  if (log) {
    const a = Math.log10(lo) - 0.1;
    const b = Math.log10(hi) + 0.1;
    return { min: 10 ** a, max: 10 ** b, ticks, frac: (v) => (Math.log10(v) - a) / (b - a) };
  }
  const pad = (hi - lo) * 0.05 || 1;
  return { min: lo - pad, max: hi + pad, ticks, frac: (v) => (v - (lo - pad)) / (hi - lo + 2 * pad) };
}

/** A linear axis with 4–6 round ticks (from zero when `fromZero` and the data are positive), or a log axis with decade ticks. */
function niceAxis(lo: number, hi: number, log: boolean, fromZero: boolean): Axis {
  if (log) {
    const a = Math.floor(Math.log10(lo > 0 ? lo : 1));
    let b = Math.ceil(Math.log10(hi > 0 ? hi : 10));
    if (b === a) b = a + 1;
    const ticks: number[] = [];
    for (let e = a; e <= b; e++) ticks.push(10 ** e);
    return { min: 10 ** a, max: 10 ** b, ticks, frac: (v) => (Math.log10(v) - a) / (b - a) };
  }
  if (fromZero && lo > 0) lo = 0;
  if (!(hi > lo)) hi = lo + (lo === 0 ? 1 : Math.abs(lo));
  const raw = (hi - lo) / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const min = Math.floor(lo / step) * step;
  const max = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  for (let t = min; t <= max + step / 2; t += step) ticks.push(Number(t.toPrecision(12)));
  return { min, max, ticks, frac: (v) => (Math.min(Math.max(v, min), max) - min) / (max - min) };
}
