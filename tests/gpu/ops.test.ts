// Every primitive op, forward and backward, on random and odd shapes: the forward against a float64 CPU
// reference, the gradient of Σ out·g against central finite differences of that reference. Then softmax's
// versions forced (v2: ranges of a row across workgroups) against a float64 reference with NaN and ±inf.

import { beforeAll, describe, expect, it } from 'vitest';
import { randomArray } from '../harness/cpu.ts';
import { cpuForward, finiteDifferenceGrads, type OpSpec } from '../harness/cpu-ops.ts';
import { expectAllClose, useGpuPage } from '../harness/gpu.ts';

type Kind = 'any' | 'pos' | 'away0';
interface Case {
  name: string;
  spec: OpSpec;
  shapes: number[][];
  kind?: Kind;
  grad?: boolean;
}

function makeInput(shape: number[], seed: number, kind: Kind): number[] {
  const n = shape.reduce((a, b) => a * b, 1);
  return Array.from(randomArray(n, seed), (v) => {
    if (kind === 'pos') return 1.25 + 0.75 * v; // [0.5, 2)
    if (kind === 'away0') return Math.sign(v || 1) * (0.1 + Math.abs(v)); // |x| ≥ 0.1: no kinks near 0
    return v;
  });
}

const unaryOps = ['neg', 'exp', 'log', 'sqrt', 'abs', 'relu', 'sigmoid', 'tanh', 'gelu'];
const cases: Case[] = [
  ...unaryOps.flatMap((op): Case[] => [
    { name: `${op} [7]`, spec: { op }, shapes: [[7]], kind: op === 'log' || op === 'sqrt' ? 'pos' : 'away0' },
    { name: `${op} [3,1,5]`, spec: { op }, shapes: [[3, 1, 5]], kind: op === 'log' || op === 'sqrt' ? 'pos' : 'away0' },
  ]),
  { name: 'gelu wide range', spec: { op: 'gelu' }, shapes: [[64]], kind: 'any' },
  ...['add', 'sub', 'mul', 'div', 'maximum'].flatMap((op): Case[] => [
    { name: `${op} same shape [2,3]`, spec: { op }, shapes: [[2, 3], [2, 3]], kind: op === 'div' ? 'pos' : 'any' },
    { name: `${op} broadcast [3,1,5]⊕[4,1]`, spec: { op }, shapes: [[3, 1, 5], [4, 1]], kind: op === 'div' ? 'pos' : 'any' },
    { name: `${op} with 0-d`, spec: { op }, shapes: [[2, 3], []], kind: op === 'div' ? 'pos' : 'any' },
    { name: `${op} scalar right`, spec: { op, attrs: { scalar: 1.5 } }, shapes: [[5]], kind: op === 'div' ? 'pos' : 'any' },
    { name: `${op} scalar left`, spec: { op, attrs: { scalar: 0.75, scalarLeft: true } }, shapes: [[5]], kind: 'pos' },
  ]),
  // Broadcast patterns the engine coalesces differently (broadcastLaunch): a per-channel [C,1,1] over NCHW (rank 3
  // after coalescing), both operands broadcast, a row vector, size-1 dims everywhere, and a suffix that merges.
  ...(
    [
      [[2, 3, 4, 5], [3, 1, 1]],
      [[2, 1, 4], [1, 3, 1]],
      [[4, 5], [5]],
      [[1, 1], [3, 1]],
      [[2, 3, 4], [1, 3, 4]],
      [[3, 1, 2, 1], [3, 4, 2, 5]],
      // Whole vec4 words (binary_vec4.wgsl): equal shapes, a row of 8, a per-channel splat, a column splat.
      [[4, 8], [4, 8]],
      [[3, 8], [8]],
      [[2, 4, 3, 4], [4, 1, 1]],
      [[4, 4], [4, 1]],
    ] as const
  ).flatMap(([sa, sb]): Case[] =>
    ['sub', 'maximum'].map((op) => ({
      name: `${op} broadcast [${sa.join(',')}]⊕[${sb.join(',')}]`, spec: { op }, shapes: [[...sa], [...sb]], kind: 'any' as const,
    })),
  ),
  { name: 'pow tensor^tensor', spec: { op: 'pow' }, shapes: [[2, 3], [3]], kind: 'pos' },
  { name: 'pow x^2.5', spec: { op: 'pow', attrs: { scalar: 2.5 } }, shapes: [[6]], kind: 'pos' },
  { name: 'pow 1.7^x', spec: { op: 'pow', attrs: { scalar: 1.7, scalarLeft: true } }, shapes: [[6]], kind: 'any' },
  { name: 'reshape [2,3,4]→[4,-1]', spec: { op: 'reshape', attrs: { shape: [4, -1] } }, shapes: [[2, 3, 4]] },
  { name: 'permute [2,3,4]→(2,0,1)', spec: { op: 'permute', attrs: { dims: [2, 0, 1] } }, shapes: [[2, 3, 4]] },
  { name: 'transpose [3,5]', spec: { op: 'transpose', attrs: { dim0: 0, dim1: 1 } }, shapes: [[3, 5]] },
  { name: 'transpose 4-d (1,3)', spec: { op: 'transpose', attrs: { dim0: 1, dim1: 3 } }, shapes: [[2, 3, 1, 4]] },
  { name: 'expand [3,1]→[2,3,4]', spec: { op: 'expand', attrs: { shape: [2, 3, 4] } }, shapes: [[3, 1]] },
  { name: 'slice dim 1 [1:4]', spec: { op: 'slice', attrs: { dim: 1, start: 1, end: 4 } }, shapes: [[2, 5, 3]] },
  { name: 'slice step 2, negative start', spec: { op: 'slice', attrs: { dim: -1, start: -6, step: 2 } }, shapes: [[3, 7]] },
  { name: 'concat dim 1', spec: { op: 'concat', attrs: { dim: 1 } }, shapes: [[2, 1, 3], [2, 4, 3], [2, 2, 3]] },
  { name: 'concat dim 0', spec: { op: 'concat', attrs: { dim: 0 } }, shapes: [[1, 5], [3, 5]] },
  { name: 'sum all', spec: { op: 'sum' }, shapes: [[3, 4, 5]] },
  { name: 'sum dim 1', spec: { op: 'sum', attrs: { dim: 1 } }, shapes: [[3, 4, 5]] },
  { name: 'sum dims (0,2) keepdim', spec: { op: 'sum', attrs: { dim: [0, 2], keepdim: true } }, shapes: [[3, 4, 5]] },
  { name: 'sum dim -1 long row', spec: { op: 'sum', attrs: { dim: -1 } }, shapes: [[2, 300]] },
  { name: 'mean dims (1,2)', spec: { op: 'mean', attrs: { dim: [1, 2] } }, shapes: [[2, 3, 5]] },
  { name: 'mean all', spec: { op: 'mean' }, shapes: [[7, 3]] },
  { name: 'max dim 0 keepdim', spec: { op: 'max', attrs: { dim: 0, keepdim: true } }, shapes: [[4, 6]] },
  { name: 'max all', spec: { op: 'max' }, shapes: [[5, 3]] },
  { name: 'min dim -1', spec: { op: 'min', attrs: { dim: -1 } }, shapes: [[3, 130]] },
  { name: 'softmax dim -1', spec: { op: 'softmax', attrs: { dim: -1 } }, shapes: [[3, 7]] },
  { name: 'softmax dim 1 of 3-d', spec: { op: 'softmax', attrs: { dim: 1 } }, shapes: [[2, 5, 3]] },
  { name: 'logSoftmax dim -1', spec: { op: 'logSoftmax', attrs: { dim: -1 } }, shapes: [[4, 9]] },
  { name: 'logSoftmax dim 0 long', spec: { op: 'logSoftmax', attrs: { dim: 0 } }, shapes: [[150, 2]] },
  { name: 'matmul [5,7]@[7,3]', spec: { op: 'matmul' }, shapes: [[5, 7], [7, 3]] },
  { name: 'matmul [1,1]@[1,1]', spec: { op: 'matmul' }, shapes: [[1, 1], [1, 1]] },
  { name: 'matmul [17,13]@[13,9]', spec: { op: 'matmul' }, shapes: [[17, 13], [13, 9]] },
  { name: 'matmul batched [2,3,4]@[2,4,5]', spec: { op: 'matmul' }, shapes: [[2, 3, 4], [2, 4, 5]] },
  { name: 'matmul broadcast batch [2,1,3,4]@[3,4,2]', spec: { op: 'matmul' }, shapes: [[2, 1, 3, 4], [3, 4, 2]] },
  { name: 'matmul vector @ matrix', spec: { op: 'matmul' }, shapes: [[4], [4, 3]] },
  { name: 'matmul matrix @ vector', spec: { op: 'matmul' }, shapes: [[3, 4], [4]] },
];

describe('ops: forward vs CPU reference, backward vs finite differences', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });

  cases.forEach((c, ci) => {
    it(c.name, async () => {
      const inputs = c.shapes.map((shape, k) => ({ shape, data: makeInput(shape, 1000 * ci + k + 1, c.kind ?? 'any') }));
      const expected = cpuForward(c.spec, inputs.map((i) => ({ shape: i.shape, data: Float64Array.from(i.data) })));
      const g = Array.from(randomArray(expected.data.length, 7 + ci));
      const got = await gpu.run((E, H, spec, ins, gg) => H.forwardBackward(E, spec, ins, gg), c.spec, inputs, c.grad === false ? null : g);
      expectAllClose(got.shape, expected.shape, { atol: 0, rtol: 0 });
      expectAllClose(got.out, expected.data, { atol: 1e-5, rtol: 1e-4, shape: expected.shape });
      if (c.grad === false) return;
      const fd = finiteDifferenceGrads(c.spec, inputs.map((i) => ({ shape: i.shape, data: Float64Array.from(i.data) })), g);
      fd.forEach((want, k) => expectAllClose(got.grads[k]!, want, { atol: 1e-4, rtol: 1e-3, shape: c.shapes[k] }));
    });
  });
});

describe('binary ops: which kernel runs', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });

  it('binary_vec4 where the innermost dim and both operands are whole vec4 words '
    + '(on the output-shaped grid for a broadcast of ≤ 3 dims), else binary', async () => {
    const got = await gpu.run(async (E) => {
      const run = async (sa: number[], sb: number[]): Promise<string> => {
        const a = E.zeros(sa);
        const b = E.zeros(sb);
        const launches = await E.extend.traceLaunches(() => E.add(a, b).dispose());
        a.dispose();
        b.dispose();
        const l = launches[0]!;
        return `${l.kernel}${l.kernel === 'binary' ? ` ×${l.constants.PER_THREAD}` : l.constants.GRID ? ' grid' : ''}`;
      };
      // More rows than one dispatch dimension holds: the vec4 kernel without the grid, checked on its values.
      const rows = 65536;
      const big = E.tensor(Float32Array.from({ length: rows * 4 }, (_, i) => i), [rows, 4]);
      const row = E.tensor([0.5, 1.5, 2.5, 3.5]);
      const launches = await E.extend.traceLaunches(() => E.add(big, row).dispose());
      const sum = await E.add(big, row).data();
      const wrong = Array.from(sum).findIndex((v, i) => v !== i + 0.5 + (i % 4));
      big.dispose();
      row.dispose();
      return {
        picks: [
          await run([4, 8], [4, 8]), await run([3, 8], [8]), await run([2, 4, 3, 4], [4, 1, 1]), await run([2, 3, 4, 4], [3, 1, 1]),
          await run([3, 6], [6]), await run([5], [5]),
        ],
        many: `${launches[0]!.kernel}${launches[0]!.constants.GRID ? ' grid' : ''}`,
        wrong,
      };
    });
    expect(got.picks).toEqual(['binary_vec4', 'binary_vec4 grid', 'binary_vec4 grid', 'binary ×4', 'binary ×1', 'binary ×1']);
    expect(got.many).toBe('binary_vec4');
    expect(got.wrong).toBe(-1);
  });
});

describe('softmax across workgroups (softmax v2)', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });

  it('v1 and v2 (forced, 5 ranges) match a float64 reference over the last and a middle dim: NaN, ±inf, a range and a row of only -inf', async () => {
    // [outer, R, inner] with the softmax over R: [3, 700] (ranges of 140), [2, 1000, 3] over dim 1, [1, 7] (fewer elements than ranges).
    const shapes: Array<[number, number, number]> = [[3, 700, 1], [2, 1000, 3], [1, 7, 1], [4, 1301, 1]];
    const out = await gpu.run(async (E, H, list: typeof shapes) => {
      const res: Array<{ x: number[]; got: Record<string, number[]> }> = [];
      for (const [outer, R, inner] of list) {
        const x = Array.from(H.randomArray(outer * R * inner, R + inner), (v) => v * 6);
        if (R === 700) {
          for (let r = 0; r < 140; r++) x[r] = -Infinity; // row 0: its whole first range is -inf
          x[700 + 333] = Infinity; // row 1: +inf makes the row NaN
          x[1400 + 500] = NaN; // row 2: NaN
        }
        if (R === 1301) {
          for (let r = 0; r < R; r++) x[R + r] = -Infinity; // row 1: only -inf (NaN, as PyTorch)
          x[2 * R + 17] = -Infinity;
        }
        const t = E.tensor(x, inner === 1 ? [outer, R] : [outer, R, inner]);
        const got: Record<string, number[]> = {};
        for (const v of ['v1', 'v2']) {
          await E.extend.kernelVersions.using({ softmax: v }, async () => {
            E.extend.kernelVersions.tune('softmax', { chunks: 5 });
            const y = E.softmax(t, 1);
            const ly = E.logSoftmax(t, 1);
            got[`${v} softmax`] = Array.from(await y.data());
            got[`${v} log`] = Array.from(await ly.data());
            y.dispose();
            ly.dispose();
          });
        }
        t.dispose();
        res.push({ x, got });
      }
      return res;
    }, shapes);
    shapes.forEach(([outer, R, inner], s) => {
      const { x, got } = out[s]!;
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const idx = Array.from({ length: R }, (_, r) => (o * R + r) * inner + i);
          const row = idx.map((j) => x[j]!);
          const m = row.reduce((a, v) => (Number.isNaN(a) || Number.isNaN(v) ? NaN : Math.max(a, v)), -Infinity);
          const z = row.reduce((a, v) => a + Math.exp(v - m), 0);
          for (const v of ['v1', 'v2']) {
            const y = got[`${v} softmax`]!;
            const ly = got[`${v} log`]!;
            idx.forEach((j, r) => {
              const at = `${v} [${outer},${R},${inner}] row ${o},${i} r ${r}`;
              if (Number.isNaN(z)) {
                expect(Number.isNaN(y[j]!), at).toBe(true);
                expect(Number.isNaN(ly[j]!), at).toBe(true);
                return;
              }
              expect(Math.abs(y[j]! - Math.exp(row[r]! - m) / z), at).toBeLessThanOrEqual(1e-6);
              if (row[r] === -Infinity) expect(ly[j], at).toBe(-Infinity);
              else expect(Math.abs(ly[j]! - (row[r]! - m - Math.log(z))), at).toBeLessThanOrEqual(2e-5);
            });
          }
        }
      }
    });
  });
});
