// The rules switch (issue 20): init({ rules }) picks the kernel rules ('gpu' or 'cpu'), WEBGPU_TENSOR_RULES
// sets them for the whole run (the harness passes it into every page as init({ rules })), and unset they are
// detected from the adapter (SwiftShader here: 'cpu'). onCpuAdapter() is the one place that decides, so a
// chooser asked under each profile gives that profile's choice on this very device.

import { describe, expect, it } from 'vitest';
import { useGpuPage } from '../harness/gpu.ts';

const gpu = useGpuPage();
const fromEnv = process.env.WEBGPU_TENSOR_RULES ?? null;

describe('kernel rules switch', () => {
  it('init() follows WEBGPU_TENSOR_RULES (passed in by the harness), else the adapter', async () => {
    const info = await gpu.run(async (E) => {
      const i = await E.init();
      return { rules: i.rules, adapter: i.adapter };
    });
    const detected = /swiftshader|llvmpipe|lavapipe|warp/i.test(info.adapter) ? 'cpu' : 'gpu';
    expect(info.rules).toBe(fromEnv ?? detected);
  });

  it('init({ rules }) sets the profile that onCpuAdapter() and the choosers read; a bad value is refused', async () => {
    const out = await gpu.run(async (E, H) => {
      const seen: Record<string, unknown> = {};
      for (const rules of ['gpu', 'cpu'] as const) {
        await E.init({ rules });
        const d = { N: 2, C: 3, H: 8, W: 8, O: 4, Cg: 3, Og: 4, kH: 3, kW: 3, sH: 1, sW: 1, pH: 1, pW: 1, dH: 1, dW: 1, groups: 1, OH: 8, OW: 8 };
        seen[rules] = {
          info: E.engineInfo().rules,
          onCpu: E.internal.onCpuAdapter(),
          wgrad: E.internal.conv2dVersions.wgrad.choose({ d }),
        };
      }
      let refused = '';
      try {
        await H.noLeak(E, () => E.init({ rules: 'fast' as never }));
      } catch (e) {
        refused = `${(e as Error).name}: ${(e as Error).message}`;
      }
      await E.init();
      return { seen, refused };
    });
    expect(out.seen.gpu).toMatchObject({ info: 'gpu', onCpu: false });
    expect(out.seen.cpu).toMatchObject({ info: 'cpu', onCpu: true, wgrad: 'v3' });
    expect(out.refused).toBe(`TypeError: init: rules must be 'gpu' or 'cpu', got "fast"`);
  });
});

describe('argmax / argmin across workgroups (argReduce v2)', () => {
  it('v1 and v2 (forced, 5 ranges) give the same indices as a CPU reference: ties to the first, NaN wins, over a dim and the whole tensor', async () => {
    const out = await gpu.run(async (E, H) => {
      const n = 3 * 1000;
      const values = Array.from(H.randomArray(n, 5), (v) => Math.round(v * 4) / 4); // many ties
      values[1234] = NaN;
      const x = E.tensor(values, [3, 1000]);
      const res: Record<string, number[]> = {};
      for (const v of ['v1', 'v2']) {
        res[v] = await E.extend.kernelVersions.using({ argReduce: v }, async () => {
          E.extend.kernelVersions.tune('argReduce', { splits: 5 });
          const got: number[] = [];
          for (const t of [E.argmax(x, 1), E.argmin(x, 1), E.argmax(x), E.argmin(x), E.argmax(x, 0)]) {
            got.push(...Array.from(await t.data()));
            t.dispose();
          }
          return got;
        });
      }
      x.dispose();
      return { res, values };
    });
    const v = out.values;
    const arg = (idx: number[], max: boolean): number => {
      let best = idx[0]!;
      for (const i of idx) {
        const a = v[i]!;
        const b = v[best]!;
        if (Number.isNaN(b)) continue;
        if (Number.isNaN(a) || (max ? a > b : a < b)) best = i;
      }
      return best;
    };
    const rows = [0, 1, 2].map((r) => Array.from({ length: 1000 }, (_, c) => r * 1000 + c));
    const all = Array.from({ length: 3000 }, (_, i) => i);
    const want = [
      ...rows.map((r) => arg(r, true) - r[0]!), ...rows.map((r) => arg(r, false) - r[0]!),
      arg(all, true), arg(all, false),
      ...Array.from({ length: 1000 }, (_, c) => Math.floor(arg([c, 1000 + c, 2000 + c], true) / 1000)),
    ];
    expect(out.res.v1).toEqual(want);
    expect(out.res.v2).toEqual(want);
  });
});

describe('softmax with several short rows per workgroup (the GPU rules)', () => {
  it('init({ rules: "gpu" }): softmax and logSoftmax of short rows match a float64 reference, NaN and -inf included', async () => {
    const shapes: Array<[number, number]> = [[1000, 10], [7, 3], [65, 33], [5, 64]];
    const out = await gpu.run(async (E, H, list: typeof shapes) => {
      await E.init({ rules: 'gpu' });
      const res: Array<{ x: number[]; y: number[]; ly: number[] }> = [];
      for (const [rows, cols] of list) {
        const x = Array.from(H.randomArray(rows * cols, rows + cols), (v) => v * 4);
        x[3] = -Infinity;
        if (rows > 5) x[cols * 5 + 1] = NaN;
        const t = E.tensor(x, [rows, cols]);
        const y = E.softmax(t, -1);
        const ly = E.logSoftmax(t, -1);
        res.push({ x, y: Array.from(await y.data()), ly: Array.from(await ly.data()) });
        for (const u of [t, y, ly]) u.dispose();
      }
      await E.init();
      return res;
    }, shapes);
    shapes.forEach(([rows, cols], s) => {
      const { x, y, ly } = out[s]!;
      for (let r = 0; r < rows; r++) {
        const row = x.slice(r * cols, (r + 1) * cols);
        const m = Math.max(...row);
        const z = row.reduce((a, v) => a + Math.exp(v - m), 0);
        row.forEach((v, c) => {
          const i = r * cols + c;
          if (row.some(Number.isNaN)) {
            expect(Number.isNaN(y[i]!), `[${rows},${cols}] row ${r}`).toBe(true);
            return;
          }
          expect(Math.abs(y[i]! - Math.exp(v - m) / z)).toBeLessThanOrEqual(1e-6);
          if (v === -Infinity) expect(ly[i]).toBe(-Infinity);
          else expect(Math.abs(ly[i]! - (v - m - Math.log(z)))).toBeLessThanOrEqual(1e-5);
        });
      }
    });
  });
});

describe('sum / max / min in every reduce version (v1 the GPU rules\' tree, v2 / v3 / v4 the CPU rules\' threads)', () => {
  it('v1 to v4 (forced) match a float64 reference over rows, the whole tensor and (v1, v2) a leading dim, NaN included', async () => {
    const out = await gpu.run(async (E, H) => {
      const values = Array.from(H.randomArray(3 * 1000, 9));
      values[2 * 1000 + 17] = NaN; // row 2 only
      const x = E.tensor(values, [3, 1000]);
      const res: Record<string, number[]> = {};
      for (const v of ['v1', 'v2', 'v3', 'v4']) {
        res[v] = await E.extend.kernelVersions.using({ reduce: v }, async () => {
          const got: number[] = [];
          const ts = [E.sum(x, 1), E.max(x, 1), E.min(x, 1), E.sum(x), E.max(x)];
          if (v === 'v1' || v === 'v2') ts.push(E.sum(x, 0), E.min(x, 0)); // v3 / v4 read rows (inner 1) only
          for (const t of ts) {
            got.push(...Array.from(await t.data()));
            t.dispose();
          }
          return got;
        });
      }
      x.dispose();
      return { res, values };
    });
    const v = out.values;
    const rows = [0, 1, 2].map((r) => v.slice(r * 1000, (r + 1) * 1000));
    const cols = Array.from({ length: 1000 }, (_, c) => [v[c]!, v[1000 + c]!, v[2000 + c]!]);
    const sum = (a: number[]): number => a.reduce((s, x) => s + x, 0);
    const max = (a: number[]): number => (a.some(Number.isNaN) ? NaN : Math.max(...a));
    const min = (a: number[]): number => (a.some(Number.isNaN) ? NaN : Math.min(...a));
    const want = [...rows.map(sum), ...rows.map(max), ...rows.map(min), sum(v), max(v)];
    const wantCols = [...cols.map(sum), ...cols.map(min)];
    for (const [ver, got] of Object.entries(out.res)) {
      const expected = ver === 'v3' || ver === 'v4' ? want : [...want, ...wantCols];
      expect(got.length, ver).toBe(expected.length);
      expected.forEach((e, i) => {
        if (Number.isNaN(e)) expect(got[i], `${ver} [${i}]`).toBeNaN();
        else expect(Math.abs(got[i]! - e), `${ver} [${i}]: ${got[i]} vs ${e}`).toBeLessThan(1e-3 + 1e-5 * Math.abs(e));
      });
    }
  });
});

describe('reduce v4 (interleaved vec4 threads, the CPU rules\' pick)', () => {
  it('matches a float64 reference with 8 and 5 threads a row (both second passes, uneven shares), refuses R % 4 ≠ 0 before GPU work', async () => {
    const R = 8204; // 2051 words: 8 threads get 256 or 257 each (a tail after the 4-word steps)
    const out = await gpu.run(async (E, H, R: number) => {
      await E.init();
      const values = Array.from(H.randomArray(3 * R, 21));
      values[R + 4099] = NaN; // row 1
      values[2 * R + 5] = -Infinity; // row 2
      const x = E.tensor(values, [3, R]);
      const res: number[][] = [];
      for (const threads of [null, 5]) {
        res.push(await E.extend.kernelVersions.using({ reduce: 'v4' }, async () => {
          E.extend.kernelVersions.tune('reduce', { threads });
          const got: number[] = [];
          for (const t of [E.sum(x, 1), E.max(x, 1), E.min(x, 1), E.sum(x), E.max(x), E.min(x)]) {
            got.push(...Array.from(await t.data()));
            t.dispose();
          }
          return got;
        }));
      }
      const odd = E.ones([2, 7]);
      const before = E.memoryStats().dispatches;
      let refused = '';
      try {
        H.noLeak(E, () => E.extend.kernelVersions.using({ reduce: 'v4' }, () => E.sum(odd, 1)));
      } catch (e) {
        refused = (e as Error).message;
      }
      const dispatched = E.memoryStats().dispatches - before;
      for (const t of [x, odd]) t.dispose();
      return { values, res, refused, dispatched };
    }, R);
    const v = out.values;
    const rows = [0, 1, 2].map((r) => v.slice(r * R, (r + 1) * R));
    const sum = (a: number[]): number => a.reduce((s, x) => s + x, 0);
    const max = (a: number[]): number => (a.some(Number.isNaN) ? NaN : Math.max(...a));
    const min = (a: number[]): number => (a.some(Number.isNaN) ? NaN : Math.min(...a));
    const want = [...rows.map(sum), ...rows.map(max), ...rows.map(min), sum(v), max(v), min(v)];
    expect(want.slice(6, 9)).toEqual([expect.any(Number), NaN, -Infinity]); // min: a NaN row and a −inf row
    for (const got of out.res) {
      expect(got.length).toBe(want.length);
      want.forEach((e, i) => {
        if (Number.isNaN(e)) expect(got[i], `[${i}]`).toBeNaN();
        else if (!Number.isFinite(e)) expect(got[i], `[${i}]`).toBe(e);
        else expect(Math.abs(got[i]! - e), `[${i}]: ${got[i]} vs ${e}`).toBeLessThan(1e-3 + 1e-5 * Math.abs(e));
      });
    }
    expect(out.refused).toBe('reduce v4 (forced): reads rows of a multiple of 4 over the last dim (inner 1) (sum over [outer, R, inner] = [2,7,1])');
    expect(out.dispatched).toBe(0); // the auto rule (v4 on the CPU rules where it accepts): tests/unit/rules/choices.json
  });
});

describe('softmax v3 / v4 (a thread per row, the CPU rules\' picks)', () => {
  it('v3 and v4 (forced) match a float64 reference: softmax and logSoftmax over the last dim, v3 also over a leading one', async () => {
    const out = await gpu.run(async (E, H) => {
      const [rows, cols] = [9, 36];
      const x = Array.from(H.randomArray(rows * cols, 12), (v) => v * 6);
      x[3] = -Infinity;
      x[cols * 5 + 1] = NaN; // row 5
      x[cols * 7 + 2] = Infinity; // row 7
      const t = E.tensor(x, [rows, cols]);
      const res: Record<string, number[][]> = {};
      for (const v of ['v3', 'v4']) {
        res[v] = await E.extend.kernelVersions.using({ softmax: v }, async () => {
          const ys = [E.softmax(t, -1), E.logSoftmax(t, -1)];
          if (v === 'v3') ys.push(E.softmax(t, 0)); // v4 reads rows over the last dim only
          const got: number[][] = [];
          for (const y of ys) {
            got.push(Array.from(await y.data()));
            y.dispose();
          }
          return got;
        });
      }
      t.dispose();
      return { x, res, rows, cols };
    });
    const { x, rows, cols } = out;
    const ref = (idx: number[]): { y: number[]; ly: number[] } => {
      const v = idx.map((i) => x[i]!);
      if (v.some((u) => Number.isNaN(u) || u === Infinity)) return { y: v.map(() => NaN), ly: v.map(() => NaN) };
      const m = Math.max(...v);
      const z = v.reduce((a, u) => a + Math.exp(u - m), 0);
      return { y: v.map((u) => Math.exp(u - m) / z), ly: v.map((u) => u - m - Math.log(z)) };
    };
    const close = (got: number, want: number, tol: number, what: string): void => {
      if (Number.isNaN(want)) expect(got, what).toBeNaN();
      else if (want === -Infinity) expect(got, what).toBe(-Infinity);
      else expect(Math.abs(got - want), `${what}: ${got} vs ${want}`).toBeLessThanOrEqual(tol);
    };
    for (const [ver, [y, ly, y0]] of Object.entries(out.res) as Array<[string, number[][]]>) {
      for (let r = 0; r < rows; r++) {
        const idx = Array.from({ length: cols }, (_, c) => r * cols + c);
        const want = ref(idx);
        idx.forEach((i, c) => {
          close(y![i]!, want.y[c]!, 1e-6, `${ver} softmax [${r},${c}]`);
          close(ly![i]!, want.ly[c]!, 1e-5, `${ver} logSoftmax [${r},${c}]`);
        });
      }
      if (!y0) continue;
      for (let c = 0; c < cols; c++) {
        const idx = Array.from({ length: rows }, (_, r) => r * cols + c);
        const want = ref(idx);
        idx.forEach((i, r) => close(y0[i]!, want.y[r]!, 1e-6, `${ver} softmax over dim 0 [${r},${c}]`));
      }
    }
    expect(Object.keys(out.res)).toEqual(['v3', 'v4']);
  });
});
