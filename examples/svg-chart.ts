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
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`);
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
      out.push(`<rect x="${x.toFixed(1)}" y="${y(b.value).toFixed(1)}" width="${(barW * 0.9).toFixed(1)}" height="${(y(yMin) - y(b.value)).toFixed(1)}" fill="${color}"><title>${esc(`${g.label} · ${b.series}: ${b.value.toFixed(3)}${b.error ? ` ± ${b.error.toFixed(3)}` : ''}`)}</title></rect>`);
      if (b.error) {
        const cx = x + barW * 0.45;
        out.push(`<line x1="${cx.toFixed(1)}" x2="${cx.toFixed(1)}" y1="${y(b.value - b.error).toFixed(1)}" y2="${y(b.value + b.error).toFixed(1)}" stroke="#222"/>`);
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
