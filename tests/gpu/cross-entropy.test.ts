// crossEntropy's fused path (src/engine/ops/cross-entropy.ts: one dispatch forward, one backward) against the composed
// path it replaces (crossEntropyComposed, losses.ts), value for value and gradient for gradient: plain, label
// smoothing, ignoreIndex (some rows and all rows), host and tensor masks, 'sum', NaN / ±inf logits and a NaN mask
// weight; the device-side target check; and the dispatch count.

import { beforeAll, describe, expect, it } from 'vitest';
import { useGpuPage } from '../harness/gpu.ts';

const gpu = useGpuPage();

beforeAll(async () => {
  await gpu.run(async (E) => {
    await E.init();
  });
});

type Value = number | 'NaN' | 'Infinity' | '-Infinity';

interface Case {
  name: string;
  logits: Value[];
  shape: [number, number];
  targets: number[];
  options: { reduction?: 'mean' | 'sum'; labelSmoothing?: number; ignoreIndex?: number; hostMask?: number[]; tensorMask?: Value[] };
}

const N = 6;
const C = 5;
const base = Array.from({ length: N * C }, (_, i) => Math.sin(i * 1.7) * 3);
const targets = [0, 4, 2, 1, 3, 2];
const withValue = (i: number, v: Value): Value[] => base.map((x, j) => (j === i ? v : x));

const CASES: Case[] = [
  { name: 'plain mean', logits: base, shape: [N, C], targets, options: {} },
  { name: 'sum', logits: base, shape: [N, C], targets, options: { reduction: 'sum' } },
  { name: 'label smoothing 0.1', logits: base, shape: [N, C], targets, options: { labelSmoothing: 0.1 } },
  { name: 'ignoreIndex on two rows', logits: base, shape: [N, C], targets: [0, -100, 2, 1, -100, 2], options: {} },
  { name: 'ignoreIndex 3, all rows', logits: base, shape: [N, C], targets: [3, 3, 3, 3, 3, 3], options: { ignoreIndex: 3 } },
  { name: 'host mask', logits: base, shape: [N, C], targets, options: { hostMask: [1, 0, 1, 1, 0, 1] } },
  {
    name: 'tensor mask + smoothing + sum', logits: base, shape: [N, C], targets,
    options: { tensorMask: [0, 1, 1, 0, 1, 1], labelSmoothing: 0.2, reduction: 'sum' },
  },
  { name: 'all masked', logits: base, shape: [N, C], targets, options: { hostMask: [0, 0, 0, 0, 0, 0] } },
  { name: '-inf logit of another class', logits: withValue(1, '-Infinity'), shape: [N, C], targets, options: {} },
  { name: '-inf logit of the target class', logits: withValue(0, '-Infinity'), shape: [N, C], targets, options: {} },
  { name: '+inf logit', logits: withValue(7, 'Infinity'), shape: [N, C], targets, options: {} },
  { name: 'NaN logit', logits: withValue(12, 'NaN'), shape: [N, C], targets, options: {} },
  { name: 'NaN logit in an ignored row', logits: withValue(7, 'NaN'), shape: [N, C], targets: [0, -100, 2, 1, 3, 2], options: {} },
  { name: 'NaN logit in a masked row', logits: withValue(7, 'NaN'), shape: [N, C], targets, options: { hostMask: [1, 0, 1, 1, 1, 1] } },
  // A NaN weight makes the count NaN: every row's gradient is NaN on both paths (the builtin max(NaN, 1) may give 1).
  { name: 'NaN in a tensor mask', logits: base, shape: [N, C], targets, options: { tensorMask: [1, 'NaN', 1, 1, 0, 1] } },
];

describe('crossEntropy fused path', () => {
  // The fused path under each profile's rules (pinned, as under either WEBGPU_TENSOR_RULES): the same values; the
  // GPU rules' forward (crossEntropy.forward v2) adds the sum of the rows' partials.
  const KERNELS = { cpu: ['crossEntropy'], gpu: ['crossEntropy', 'crossEntropy.sum_rows'] };
  const title = 'equals the composed path: loss and gradient, with smoothing, ignoreIndex, masks and NaN / ±inf (%s rules)';
  it.each(['cpu', 'gpu'] as const)(title, async (rules) => {
    const out = await gpu.run(async (E, H, cases: Case[], profile: 'cpu' | 'gpu') => {
      await E.init({ rules: profile });
      const composedCrossEntropy = await H.crossEntropyComposed();
      const decode = (v: Value): number => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v);
      const encode = (v: number): Value => (Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v);
      const results: Record<string, { fused: Value[]; composed: Value[]; fusedKernels: string[] }> = {};
      for (const c of cases) {
        const run = async (ce: typeof E.crossEntropy) => {
          const x = E.tensor(c.logits.map(decode), c.shape, { requiresGrad: true });
          const t = E.tensor(c.targets, [c.shape[0]], { dtype: 'int32' });
          const mask = c.options.tensorMask ? E.tensor(c.options.tensorMask.map(decode)) : c.options.hostMask ?? null;
          const opts = {
            ...(c.options.reduction ? { reduction: c.options.reduction } : {}),
            ...(c.options.labelSmoothing !== undefined ? { labelSmoothing: c.options.labelSmoothing } : {}),
            ...(c.options.ignoreIndex !== undefined ? { ignoreIndex: c.options.ignoreIndex } : {}),
            ...(mask ? { mask } : {}),
          };
          let loss!: InstanceType<typeof E.Tensor>;
          const kernels = await E.extend.traceKernels(() => {
            loss = ce(x, t, opts);
          });
          loss.backward();
          const values = [await loss.item(), ...Array.from(await x.grad!.data())].map(encode);
          for (const d of [x, t, loss, ...(mask instanceof E.Tensor ? [mask] : [])]) d.dispose();
          return { values, kernels };
        };
        const fused = await run(E.crossEntropy);
        const composed = await run(composedCrossEntropy);
        results[c.name] = { fused: fused.values, composed: composed.values, fusedKernels: fused.kernels };
      }
      await E.init(); // back to the run's rules
      return results;
    }, CASES, rules);
    for (const c of CASES) {
      const r = out[c.name]!;
      const bad: string[] = [];
      r.composed.forEach((want, i) => {
        const got = r.fused[i]!;
        const ok = typeof want === 'string' || typeof got === 'string' ? got === want : Math.abs(got - want) <= 1e-6 + 1e-5 * Math.abs(want);
        if (!ok) bad.push(`${i === 0 ? 'loss' : `grad[${i - 1}]`}: fused ${got}, composed ${want}`);
      });
      expect(bad, c.name).toEqual([]);
      // One kernel forward on the CPU rules (plus the host mask's upload, which is not a kernel), two on the GPU rules.
      expect(r.fusedKernels, c.name).toEqual(KERNELS[rules]);
    }
  });

  it('crossEntropyByRules: v1, v2 (a workgroup per row) and v3 (ranges of 2 and of 1 class), forced, equal the composed path on every case', async () => {
    const out = await gpu.run(async (E, H, cases: Case[]) => {
      const composedCrossEntropy = await H.crossEntropyComposed();
      const decode = (v: Value): number => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v);
      const encode = (v: number): Value => (Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v);
      const results: Record<string, Record<string, Value[]>> = {};
      for (const c of cases) {
        const mask = c.options.tensorMask ?? c.options.hostMask ?? null;
        // v3's ranges: 2 classes each (3 ranges of C = 5, the last shorter), and 1 each (a range of only -inf).
        const under = <T>(version: string, chunks: number | null, fn: () => T): T =>
          E.extend.kernelVersions.using({ crossEntropy: version }, () => {
            for (const pass of ['crossEntropy.forward', 'crossEntropy.backward']) E.extend.kernelVersions.tune(pass, { chunks });
            return fn();
          });
        const run = async (version: string | null, chunks: number | null = null) => {
          const x = E.tensor(c.logits.map(decode), c.shape, { requiresGrad: true });
          const t = E.tensor(c.targets, [c.shape[0]], { dtype: 'int32' });
          const w = mask ? E.tensor(mask.map((v) => decode(v as Value))) : null;
          const args = {
            logits: x, targets: t, mean: c.options.reduction !== 'sum', labelSmoothing: c.options.labelSmoothing ?? 0,
            ignoreIndex: c.options.ignoreIndex ?? -100, sampleWeight: w, op: 'crossEntropy',
          };
          const options = {
            ...(c.options.reduction ? { reduction: c.options.reduction } : {}),
            ...(c.options.labelSmoothing !== undefined ? { labelSmoothing: c.options.labelSmoothing } : {}),
            ...(c.options.ignoreIndex !== undefined ? { ignoreIndex: c.options.ignoreIndex } : {}),
            ...(w ? { mask: w } : {}),
          };
          const loss = version === null
            ? composedCrossEntropy(x, t, options)
            : under(version, chunks, () => E.internal.crossEntropyByRules(args));
          under(version ?? 'v1', chunks, () => loss.backward());
          const values = [await loss.item(), ...Array.from(await x.grad!.data())].map(encode);
          for (const d of [x, t, loss, w]) d?.dispose();
          return values;
        };
        results[c.name] = { composed: await run(null), v1: await run('v1'), v2: await run('v2'), v3: await run('v3', 2), 'v3/1': await run('v3', 5) };
      }
      return results;
    }, CASES);
    for (const c of CASES) {
      const r = out[c.name]!;
      for (const v of ['v1', 'v2', 'v3', 'v3/1']) {
        const bad: string[] = [];
        r.composed!.forEach((want, i) => {
          const got = r[v]![i]!;
          const ok = typeof want === 'string' || typeof got === 'string' ? got === want : Math.abs(got - want) <= 1e-6 + 1e-5 * Math.abs(want);
          if (!ok) bad.push(`${i === 0 ? 'loss' : `grad[${i - 1}]`}: ${v} ${got}, composed ${want}`);
        });
        expect(bad, `${c.name} ${v}`).toEqual([]);
      }
    }
  });

  it('checks targets on the GPU: a class outside [0, C) throws IndexError at the next readback; ignoreIndex does not', async () => {
    const out = await gpu.run(async (E, H) => {
      const logits = E.tensor([[1, 2, 3], [0, 1, 0]]);
      // The readback rejects; the loss and its targets are the caller's, made before and disposed after.
      const errorOf = async (targets: number[], options: { reduction?: 'sum' } = {}): Promise<string> => {
        const t = E.tensor(targets, undefined, { dtype: 'int32' });
        const loss = E.crossEntropy(logits, t, options);
        try {
          await H.noLeak(E, () => loss.item());
          return 'none';
        } catch (e) {
          return `${(e as Error).name}: ${(e as Error).message}`;
        } finally {
          loss.dispose();
          t.dispose();
        }
      };
      const high = await errorOf([1, 3]);
      const negative = await errorOf([-1, 0], { reduction: 'sum' });
      const ignored = await errorOf([-100, 2]);
      const after = await E.crossEntropy(logits, E.tensor([2, 1], undefined, { dtype: 'int32' })).item();
      return { high, negative, ignored, after };
    });
    expect(out.high).toMatch(/^IndexError: crossEntropy: .*3/);
    expect(out.negative).toMatch(/^IndexError: crossEntropy: .*-1/);
    expect(out.ignored).toBe('none');
    const row = (xs: number[], t: number) => Math.log(xs.reduce((s, v) => s + Math.exp(v), 0)) - xs[t]!;
    expect(out.after).toBeCloseTo((row([1, 2, 3], 2) + row([0, 1, 0], 1)) / 2, 5);
  });
});
