// The chart module the pages and reports draw with: what reaches the SVG must be real numbers, every series
// in the legend, axes labelled.
import { describe, expect, it } from 'vitest';
import { barChart, fmtTick, hBarChart, lineChart } from '../../examples/svg-chart.ts';

describe('svg charts', () => {
  it('lineChart drops non-finite points, keeps every series in the legend, labels both axes', () => {
    const svg = lineChart(
      [
        { name: 'v1', points: [[16, 0.1], [32, NaN], [64, 0.3]] },
        { name: 'TF.js', points: [[16, 0.2], [32, 0.25], [64, Infinity]], dashed: true },
      ],
      { title: 'matmul', xLabel: 'n (log scale)', yLabel: 'GFLOP/s', logX: true, xTicks: [16, 32, 64] },
    );
    expect(svg).not.toMatch(/NaN|Infinity/);
    expect(svg.match(/class="legend"/g)).toHaveLength(2);
    expect(svg).toContain('>n (log scale)</text>');
    expect(svg).toContain('>GFLOP/s</text>');
    for (const t of ['16', '32', '64']) expect(svg).toContain(`>${t}</text>`);
    const lines = [...svg.matchAll(/<polyline[^>]*points="([^"]+)"/g)].map((m) => m[1]!.split(' ').length);
    expect(lines).toEqual([2, 2]);
  });

  it('hBarChart shows a missing value as a dash, a log axis in decades, and the marker', () => {
    const svg = hBarChart(
      [{ label: 'matmul 256', values: [27.2, 46.8] }, { label: 'conv', values: [null, 4.5] }],
      { title: 'Time per run', xLabel: 'ms (log)', series: ['ours', 'TF.js'], logX: true, marker: { value: 10, label: 'ten' } },
    );
    expect(svg).not.toMatch(/NaN|Infinity/);
    expect(svg).toContain('>–</text>');
    for (const t of ['1', '10', '100']) expect(svg).toContain(`>${t}</text>`);
    expect(svg).toContain('>ten</text>');
    expect(svg.match(/<rect [^>]*><title>/g)).toHaveLength(3);
  });

  it('legends wrap instead of overlapping', () => {
    const long = ['ours (google / swiftshader, 2026-11-27)', 'TF.js (google / swiftshader, 2026-11-27)', 'ours (this GPU)', 'TF.js (this GPU)'];
    const svg = hBarChart([{ label: 'a', values: [1, 2, 3, 4] }], { title: 't', xLabel: 'ms', series: long, width: 500 });
    const ys = [...svg.matchAll(/<text class="legend" x="[\d.]+" y="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(new Set(ys).size).toBeGreaterThan(1);
  });

  it('barChart and tick labels stay short', () => {
    expect(barChart([{ label: 'g', bars: [{ series: 's', value: 2 }] }], { title: 't', yLabel: 'y' })).toContain('<svg');
    expect([0, 0.05, 1234, 25000, 3e6, 2e-5].map(fmtTick)).toEqual(['0', '0.05', '1230', '25k', '3M', '2e-5']);
  });
});
