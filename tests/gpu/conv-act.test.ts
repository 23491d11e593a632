// conv2dAct (the activation in the conv forward kernels' epilogue, epilogue_act.wgsl; its gradient and the
// bias gradient in one backward pass, conv2d_bias_grad.wgsl) against the unfused conv2d → relu / relu6, under
// every forward and weight-gradient version the registry can pick (v1, v2 with split-K, the matmul forward, the
// depthwise v1/v2/v3 forward and v1/v2 weight gradient):
// values and all gradients, NaN and values past 6 included, and which kernels run; then nn.Sequential's
// Conv2d → ReLU / ReLU6 fold (and that Conv2d → ReLU → MaxPool2d keeps the ReLU in the pool, and in Conv2d →
// BatchNorm2d → ReLU the ReLU goes into the BatchNorm, not the conv). The bias gradient folded into the weight gradient is
// checked against the CPU reference by conv.test.ts / depthwise.test.ts (every version, split-K included).

import { beforeAll, describe, expect, it } from 'vitest';
import { useGpuPage } from '../harness/gpu.ts';

const gpu = useGpuPage();

beforeAll(async () => {
  await gpu.run(async (E) => {
    await E.init();
  });
});

type Value = number | 'NaN';

interface Config {
  label: string;
  /** Forced on the conv2d passes (null: the auto rule). */
  conv: 'v1' | 'v2' | 'v3' | null;
  /** Forced on the forward pass only, over `conv`: 'matmul' is the patches (im2col) times the weight. */
  forward?: 'matmul';
  /** Forced on the depthwise passes. */
  depthwise?: 'v1' | 'v2' | 'v3' | 'v4';
  splits?: number;
  tiles?: { WG_X: number; WG_Y: number; TILE_K: number };
}

interface Case {
  name: string;
  input: [number, number, number, number];
  weight: [number, number, number, number];
  options: { stride?: number; padding?: number; groups?: number };
  configs: Config[];
}

const DENSE: Config[] = [
  { label: 'v1', conv: 'v1' },
  { label: 'v2', conv: 'v2' },
  { label: 'v2 small tiles split-K 3', conv: 'v2', tiles: { WG_X: 4, WG_Y: 4, TILE_K: 4 }, splits: 3 },
];
/** The CPU rules' dense forward: relu6 in the matmul epilogue (ACT 3), NaN kept. */
const DENSE_MATMUL: Config[] = [...DENSE, { label: 'matmul forward, v3 backward', conv: 'v3', forward: 'matmul' }];
const DEPTHWISE: Config[] = [
  { label: 'depthwise v1', conv: null, depthwise: 'v1' },
  { label: 'depthwise v2', conv: null, depthwise: 'v2' },
  { label: 'depthwise v3', conv: null, depthwise: 'v3' },
  { label: 'generic v2 on a depthwise shape', conv: 'v2' },
];
/** v4 (forward only) needs an input width divisible by 4. */
const DEPTHWISE_W4: Config[] = [...DEPTHWISE, { label: 'depthwise v4 forward', conv: null, depthwise: 'v4' }];

const CASES: Case[] = [
  { name: 'N2 3→5 k3 p1 on 7×6', input: [2, 3, 7, 6], weight: [5, 3, 3, 3], options: { padding: 1 }, configs: DENSE_MATMUL },
  { name: 'N2 8→12 1×1 on 4×5', input: [2, 8, 4, 5], weight: [12, 8, 1, 1], options: {}, configs: DENSE_MATMUL },
  { name: 'N1 4→6 k3 s2 groups 2 on 9×9', input: [1, 4, 9, 9], weight: [6, 2, 3, 3], options: { stride: 2, groups: 2 }, configs: DENSE },
  { name: 'N2 4→4 depthwise k3 p1 on 8×7', input: [2, 4, 8, 7], weight: [4, 1, 3, 3], options: { padding: 1, groups: 4 }, configs: DEPTHWISE },
  {
    name: 'N1 4→4 depthwise k3 s2 p1 on 7×8',
    input: [1, 4, 7, 8],
    weight: [4, 1, 3, 3],
    options: { stride: 2, padding: 1, groups: 4 },
    configs: DEPTHWISE_W4,
  },
];

/** Inputs from -9 to 9 (so relu6 clamps at both ends), one NaN in the second image. */
function inputValues(n: number): Value[] {
  const v: Value[] = Array.from({ length: n }, (_, i) => Math.round(Math.sin(i * 1.7) * 90) / 10);
  v[Math.floor(n * 0.75)] = 'NaN';
  return v;
}

describe('conv2dAct equals conv2d → activation', () => {
  for (const c of CASES) {
    for (const activation of ['relu', 'relu6'] as const) {
      it(`${c.name}, ${activation}, values and every gradient under each version`, async () => {
        const xs = inputValues(c.input.reduce((a, b) => a * b, 1));
        const out = await gpu.run(async (E, _H, s: Case, act: 'relu' | 'relu6', values: Value[]) => {
          const K = E.extend.kernelVersions;
          const encode = (v: number): Value => (Number.isNaN(v) ? 'NaN' : v);
          const res: Array<{ label: string; fused: Value[]; composed: Value[]; forward: string[]; backward: string[] }> = [];
          for (const cfg of s.configs) {
            K.reset();
            if (cfg.conv) K.force('conv2d', cfg.conv);
            if (cfg.forward) K.force('conv2d.forward', cfg.forward);
            if (cfg.depthwise) {
              K.force('depthwise.forward', cfg.depthwise);
              K.force('depthwise.dgrad', cfg.depthwise === 'v4' ? 'v3' : cfg.depthwise);
              K.force('depthwise.wgrad', cfg.depthwise === 'v1' ? 'v1' : 'v2');
            }
            K.tune('conv2d', { tiles: cfg.tiles ?? null });
            K.tune('conv2d.wgrad', { splits: cfg.splits ?? null });
            K.tune('conv2dBiasGrad', { splits: cfg.splits ?? null }); // the activation and bias pass in ranges too
            try {
              const run = async (fused: boolean) => {
                const x = E.tensor(values.map((v) => (v === 'NaN' ? NaN : v)), s.input, { requiresGrad: true });
                const wValues = Array.from({ length: s.weight.reduce((a, b) => a * b, 1) }, (_, i) => Math.cos(i * 0.9) * 0.6);
                const w = E.tensor(wValues, s.weight, { requiresGrad: true });
                const b = E.tensor(Array.from({ length: s.weight[0] }, (_, i) => i - 2), [s.weight[0]], { requiresGrad: true });
                let y!: InstanceType<typeof E.Tensor>;
                const forward = await E.extend.traceKernels(() => {
                  if (fused) y = E.internal.conv2dAct(x, w, b, act, s.options);
                  else {
                    const pre = E.conv2d(x, w, b, s.options);
                    y = act === 'relu' ? E.relu(pre) : E.relu6(pre);
                    pre.dispose();
                  }
                });
                const g = E.tensor(Array.from({ length: y.size }, (_, i) => ((i % 7) - 3) * 0.25), y.shape);
                const backward = await E.extend.traceKernels(() => y.backward(g));
                const v = [y, x.grad!, w.grad!, b.grad!];
                const flat: Value[] = [];
                for (const t of v) flat.push(...Array.from(await t.data()).map(encode));
                for (const t of [x, w, b, y, g]) t.dispose();
                return { flat, forward, backward };
              };
              const f = await run(true);
              const u = await run(false);
              res.push({ label: cfg.label, fused: f.flat, composed: u.flat, forward: f.forward, backward: f.backward });
            } finally {
              K.reset();
            }
          }
          return res;
        }, c, activation, xs);
        for (const r of out) {
          const tag = `${c.name} ${activation} [${r.label}]`;
          expect(r.fused.length, tag).toBe(r.composed.length);
          // Same NaN positions (the NaN input reaches y and, through 0 · NaN, dw, as unfused), the rest close:
          // the bias gradient sums in another order.
          let nans = 0;
          r.fused.forEach((v, i) => {
            const want = r.composed[i]!;
            if (want === 'NaN' || v === 'NaN') {
              expect(v, `${tag} element ${i}`).toBe(want);
              nans++;
            } else {
              expect(Math.abs(v - want), `${tag} element ${i}: ${v} vs ${want}`).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(want));
            }
          });
          expect(nans, tag).toBeGreaterThan(0);
          // One forward kernel (after the patches, on the matmul path); backward: the activation's pass (with db),
          // then dgrad and wgrad, nothing else.
          const forward = r.forward.filter((k) => !k.startsWith('fill') && k !== 'im2col');
          expect(forward, tag).toHaveLength(1);
          expect(forward[0], tag).toMatch(/^(conv2d|depthwise)\.forward$/);
          expect(r.backward, tag).toContain(`conv2d.${activation}_grad`);
          expect(r.backward.filter((k) => k === 'conv2d.bias_grad' || k.endsWith('Grad')), tag).toEqual([]);
        }
      });
    }
  }

  it('with the bias or the weight frozen, or no bias: the same gradients as unfused', async () => {
    const out = await gpu.run(async (E) => {
      const res: Array<{ fused: number[]; composed: number[]; kernels: string[] }> = [];
      for (const [wGrad, hasBias, bGrad] of [[false, true, true], [true, true, false], [true, false, false], [false, false, false]] as const) {
        const run = async (fused: boolean) => {
          const x = E.randn([2, 3, 6, 6], { seed: 1, requiresGrad: true });
          const w = E.randn([4, 3, 3, 3], { seed: 2, requiresGrad: wGrad });
          const b = hasBias ? E.randn([4], { seed: 3, requiresGrad: bGrad }) : null;
          const y = fused ? E.internal.conv2dAct(x, w, b, 'relu', { padding: 1 }) : E.relu(E.conv2d(x, w, b, { padding: 1 }));
          const kernels = await E.extend.traceKernels(() => y.sum().backward());
          const grads = [x.grad!, ...(wGrad ? [w.grad!] : []), ...(b && bGrad ? [b.grad!] : [])];
          const flat: number[] = [];
          for (const t of grads) flat.push(...Array.from(await t.data()));
          for (const t of [x, w, b, y]) t?.dispose();
          return { flat, kernels };
        };
        const f = await run(true);
        const u = await run(false);
        res.push({ fused: f.flat, composed: u.flat, kernels: f.kernels });
      }
      return res;
    });
    for (const r of out) {
      expect(r.fused.length).toBe(r.composed.length);
      r.fused.forEach((v, i) => expect(Math.abs(v - r.composed[i]!)).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(r.composed[i]!)));
      expect(r.kernels).toContain('conv2d.relu_grad');
      expect(r.kernels).not.toContain('reluGrad');
    }
  });

  it('split-K forward (v2, 3 K ranges, as the GPU rules run a long K): the reduce adds the bias and the activation after the sum', async () => {
    const out = await gpu.run(async (E) => {
      const K = E.extend.kernelVersions;
      const x = E.randn([2, 5, 6, 7], { seed: 4 }).mul(3);
      const w = E.randn([6, 5, 3, 3], { seed: 5 });
      const b = E.randn([6], { seed: 6 }).mul(4);
      const res: Record<string, { fused: number[]; composed: number[]; kernels: string[] }> = {};
      for (const act of ['relu', 'relu6'] as const) {
        const composedY = K.using({ conv2d: 'v2' }, () => E.conv2d(x, w, b, { padding: 1 }));
        const composed = act === 'relu' ? E.relu(composedY) : E.relu6(composedY);
        let fused!: InstanceType<typeof E.Tensor>;
        const kernels = await K.using({ conv2d: 'v2' }, () => {
          K.tune('conv2d.forward', { splits: 3 });
          return E.extend.traceKernels(() => {
            fused = E.internal.conv2dAct(x, w, b, act, { padding: 1 });
          });
        });
        res[act] = { fused: Array.from(await fused.data()), composed: Array.from(await composed.data()), kernels };
        for (const t of [composedY, composed, fused]) t.dispose();
      }
      for (const t of [x, w, b]) t.dispose();
      return res;
    });
    for (const [act, r] of Object.entries(out)) {
      expect(r.kernels.filter((k) => !k.startsWith('fill')), act).toEqual(['conv2d.forward', 'conv2d.forward_reduce']);
      expect(r.fused.some((v) => v === 0), act).toBe(true);
      if (act === 'relu6') expect(r.fused.some((v) => v === 6), act).toBe(true);
      r.fused.forEach((v, i) => expect(Math.abs(v - r.composed[i]!), `${act} element ${i}`).toBeLessThanOrEqual(1e-4 + 1e-5 * Math.abs(r.composed[i]!)));
    }
  });

  it('rejects an unknown activation before any GPU work', async () => {
    const msg = await gpu.run(async (E, H) => {
      const x = E.zeros([1, 1, 3, 3]);
      const w = E.zeros([1, 1, 3, 3]);
      try {
        H.noLeak(E, () => E.internal.conv2dAct(x, w, null, 'gelu' as 'relu'));
        return 'no error';
      } catch (e) {
        return String((e as Error).message);
      } finally {
        x.dispose();
        w.dispose();
      }
    });
    expect(msg).toMatch(/conv2dAct: unknown activation "gelu"/);
  });
});

describe('nn.Sequential folds Conv2d → ReLU / ReLU6 into conv2dAct', () => {
  it('same values and gradients as the children run one by one; ReLU → MaxPool2d stays, BatchNorm takes its ReLU', async () => {
    const out = await gpu.run(async (E) => {
      const { nn } = E;
      E.manualSeed(5);
      const c1 = new nn.Conv2d(2, 4, 3, { padding: 1 });
      const c2 = new nn.Conv2d(4, 4, 3, { padding: 1, groups: 4 });
      const c3 = new nn.Conv2d(4, 6, 3, { padding: 1 });
      const c4 = new nn.Conv2d(6, 3, 1, { bias: false });
      const bn = new nn.BatchNorm2d(3);
      const model = new nn.Sequential(c1, new nn.ReLU(), c2, new nn.ReLU6(), c3, new nn.ReLU(), new nn.MaxPool2d(2), c4, bn, new nn.ReLU());
      const params = model.parameters();
      const x = E.randn([2, 2, 8, 8], { seed: 6 });
      let y!: InstanceType<typeof E.Tensor>;
      const forward = await E.extend.traceKernels(() => {
        y = model.forward(x);
      });
      const backward = await E.extend.traceKernels(() => y.sum().backward());
      const read = async (): Promise<number[]> => {
        const flat: number[] = [];
        for (const p of params) flat.push(...Array.from(await p.grad!.data()));
        return flat;
      };
      const fused = [...Array.from(await y.data()), ...(await read())];
      for (const p of params) p.grad = null;
      let z = x;
      for (const m of model.children()) z = m.forward(z) as typeof x;
      z.sum().backward();
      const composed = [...Array.from(await z.data()), ...(await read())];
      return { forward, backward, fused, composed };
    });
    // Forward: three convs with their bias (+ activation) in the epilogue, the ReLU before the pool in the
    // pool, the last ReLU in the BatchNorm: no elementwise activation anywhere.
    expect(out.forward.filter((k) => k === 'relu' || k === 'relu6')).toEqual([]);
    expect(out.forward).toContain('reluMaxPool2d.forward');
    expect(out.backward).toEqual(expect.arrayContaining(['conv2d.relu_grad', 'conv2d.relu6_grad', 'batchnorm.backward_sums']));
    expect(out.backward.filter((k) => k.endsWith('Grad'))).toEqual([]);
    // c3 (a bias, its ReLU in the pool) sums its bias in the weight gradient's pass (v1–v3), or in one pass of its
    // own where the CPU rules run the weight gradient as a matrix product (conv-matmul-grad.ts); no other conv does.
    expect(out.backward.filter((k) => k === 'conv2d.bias_grad').length).toBeLessThanOrEqual(1);
    expect(out.fused.length).toBe(out.composed.length);
    out.fused.forEach((v, i) => expect(Math.abs(v - out.composed[i]!), `element ${i}`).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(out.composed[i]!)));
  });
});
