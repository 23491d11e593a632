// Cross-stitch, MTAN, CGC and PLE (src/multitask) through MultiTask on tiny cases: each head's output shape;
// with equal weighting, every parameter's gradient (two entries of each) against central finite differences
// of the total loss computed on the GPU; with a representation-level weighting (UPGrad, coefficients from the
// host solver here in Node on the per-task gradients read back), the shared parameters' gradient is
// Σ_t c_t · (task t alone) and each task's own parameters get their task's gradient alone.

import { beforeAll, describe, expect, it } from 'vitest';
import { expectAllClose, useGpuPage } from '../harness/gpu.ts';
import { upgradCoefficients } from '../../src/multitask/weightings/upgrad.ts';

const ARCHS = ['cross-stitch', 'mtan', 'cgc', 'ple'] as const;

describe('multitask architectures', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });

  it('cross-stitch, MTAN, CGC, PLE: output shapes, gradients vs finite differences, rep_grad split into shared and own parameters', async () => {
    const got = await gpu.run(async (E, _H, archs: readonly string[]) => {
      const { nn, multitask: mt } = E;
      type T = InstanceType<typeof E.Tensor>;
      type P = InstanceType<typeof nn.Parameter>;
      const tasks = ['a', 'b'];
      const lossFns: Record<string, (o: T, t: T) => T> = { a: E.crossEntropy, b: E.mseLoss };
      const lin = (i: number, o: number) => new nn.Sequential(new nn.Linear(i, o), new nn.Tanh());
      const build = (arch: string, w: InstanceType<typeof mt.Weighting>) => {
        E.manualSeed(5);
        let trunk: InstanceType<typeof nn.Module>;
        let feat = 5;
        if (arch === 'cross-stitch') trunk = new mt.CrossStitch({ columns: { a: [lin(4, 5), lin(5, 5)], b: [lin(4, 5), lin(5, 5)] }, init: 0.8 });
        else if (arch === 'mtan') {
          feat = 12;
          trunk = new mt.MTAN({
            // Average pooling: max pooling's kink makes finite differences with eps 1e-2 jump on a 4×4 input.
            backbone: [
              new nn.Sequential(new nn.Conv2d(1, 2, 3, { padding: 1 }), new nn.Tanh()),
              new nn.Sequential(new nn.Conv2d(2, 3, 3, { padding: 1 }), new nn.Tanh(), new nn.AvgPool2d(2)),
            ],
            attention: Object.fromEntries(tasks.map((t) => [t, [new nn.Conv2d(2, 2, 1), new nn.Conv2d(5, 3, 1)]])),
          });
        } else if (arch === 'cgc') {
          const gates = { a: new nn.Linear(4, 3), b: new nn.Linear(4, 3) };
          trunk = new mt.CGC({ shared: [lin(4, 5), lin(4, 5)], task: { a: [lin(4, 5)], b: [lin(4, 5)] }, gates });
        } else {
          trunk = new mt.PLE({
            layers: [
              {
                shared: [lin(4, 5), lin(4, 5)], task: { a: [lin(4, 5)], b: [lin(4, 5)] },
                gates: { a: new nn.Linear(4, 3), b: new nn.Linear(4, 3) }, sharedGate: new nn.Linear(4, 4),
              },
              { shared: [lin(5, 5)], task: { a: [lin(5, 5)], b: [lin(5, 5)] }, gates: { a: new nn.Linear(5, 2), b: new nn.Linear(5, 2) } },
            ],
          });
        }
        const head = (k: number) => (arch === 'mtan' ? new nn.Sequential(new nn.Flatten(), new nn.Linear(feat, k)) : new nn.Linear(feat, k));
        return new mt.MultiTask({ trunk, heads: { a: head(3), b: head(1) }, losses: lossFns, weighting: w });
      };
      const out: Record<string, unknown> = {};
      for (const arch of archs) {
        const x = arch === 'mtan' ? E.randn([3, 1, 4, 4], { seed: 2 }) : E.randn([3, 4], { seed: 2 });
        const targets: Record<string, T> = { a: E.tensor([0, 2, 1], [3], { dtype: 'int32' }), b: E.full([3, 1], 2) };
        // Shapes and equal weighting's gradients.
        const model = build(arch, mt.weighting.equal(tasks));
        const o = model.forward(x);
        const shapes = Object.fromEntries(tasks.map((t) => [t, [...o[t]!.shape]]));
        for (const v of Object.values(o)) v.dispose();
        const step = await model.backward(x, targets);
        for (const v of [step.total, ...Object.values(step.outputs), ...Object.values(step.losses)]) v?.dispose();
        const total = async () => E.tidy(() => {
          const oo = model.forward(x);
          return tasks.map((t) => lossFns[t]!(oo[t]!, targets[t]!)).reduce((s, l) => s.add(l));
        }).data().then((d) => d[0]!);
        const fd: Array<{ key: string; grad: number; fd: number }> = [];
        const eps = 1e-2;
        for (const [key, p] of model.stateDict()) {
          if (key.startsWith('weighting')) continue;
          const base = Float32Array.from(await p.data());
          const g = await (p as P).grad!.data();
          for (const k of [0, base.length - 1]) {
            const set = (v: number) => {
              const d = Float32Array.from(base);
              d[k] = v;
              model.loadStateDict(new Map([[key, { dtype: 'float32' as const, shape: [...p.shape], data: d }]]), { strict: false });
            };
            set(base[k]! + eps);
            const up = await total();
            set(base[k]! - eps);
            const down = await total();
            set(base[k]!);
            fd.push({ key: `${key}[${k}]`, grad: g[k]!, fd: (up - down) / (2 * eps) });
          }
        }
        model.dispose();
        // rep_grad with UPGrad: per-task gradients at the representation(s), shared and own parameters.
        const m2 = build(arch, mt.weighting.upGrad(tasks));
        const shared = m2.sharedParameters();
        const own = tasks.flatMap((t) => m2.architecture.taskParameters(t));
        const read = (ps: P[]) => Promise.all(ps.map(async (p) => (p.grad ? Array.from(await p.grad.data()) : new Array<number>(p.size).fill(0))));
        const clear = () => { for (const p of m2.parameters()) { p.grad?.dispose(); p.grad = null; } };
        const alone: Record<string, { rep: number[]; shared: number[][]; own: number[][] }> = {};
        for (const t of tasks) {
          const reps = m2.representations(x).map((r) => { const d = r.detach(); d.requiresGrad = true; r.dispose(); return d; });
          E.tidy(() => lossFns[t]!(m2.taskOutput(t, reps, x), targets[t]!).backward());
          const rep = (await read(reps as unknown as P[])).flat();
          for (const r of reps) r.dispose();
          clear();
          E.tidy(() => lossFns[t]!(m2.forward(x)[t]!, targets[t]!).backward());
          alone[t] = { rep, shared: await read(shared), own: await read(own) };
          clear();
        }
        const s2 = await m2.backward(x, targets);
        for (const v of [s2.total, ...Object.values(s2.outputs), ...Object.values(s2.losses)]) v?.dispose();
        const combined = await read(shared);
        out[arch] = { shapes, fd, alone, combined, ownGot: await read(own), nShared: shared.length, nOwn: own.length, nAll: m2.parameters().length };
        m2.dispose();
      }
      return out as Record<string, { shapes: Record<string, number[]>; fd: Array<{ key: string; grad: number; fd: number }>;
        alone: Record<string, { rep: number[]; shared: number[][]; own: number[][] }>; combined: number[][]; ownGot: number[][];
        nShared: number; nOwn: number; nAll: number; }>;
    }, ARCHS);
    for (const arch of ARCHS) {
      const r = got[arch]!;
      expect(r.shapes, arch).toEqual({ a: [3, 3], b: [3, 1] });
      expect(r.fd.length, arch).toBeGreaterThan(8);
      for (const f of r.fd) {
        expect(Math.abs(f.grad - f.fd), `${arch} ${f.key}: autograd ${f.grad}, finite differences ${f.fd}`).toBeLessThanOrEqual(3e-3 + 3e-2 * Math.abs(f.fd));
      }
      expect(r.nShared + r.nOwn, arch).toBe(r.nAll - 4); // the rest are the two heads' weights and biases
      expect(r.nOwn > 0, arch).toBe(arch !== 'cross-stitch');
      const G = ['a', 'b'].map((t) => r.alone[t]!.rep);
      const M = G.map((u) => G.map((v) => u.reduce((s, x, i) => s + x * v[i]!, 0)));
      const c = upgradCoefficients(M).map((v) => v * 2);
      const expected = r.alone.a!.shared.map((p, i) => p.map((_, j) => c[0]! * r.alone.a!.shared[i]![j]! + c[1]! * r.alone.b!.shared[i]![j]!));
      r.combined.forEach((g, i) => expectAllClose(g, expected[i]!, { atol: 2e-5, rtol: 2e-4 }));
      const ownExpected = r.alone.a!.own.map((p, i) => p.map((_, j) => r.alone.a!.own[i]![j]! + r.alone.b!.own[i]![j]!));
      r.ownGot.forEach((g, i) => expectAllClose(g, ownExpected[i]!, { atol: 1e-5, rtol: 1e-4 }));
    }
  });
});
