// The weightings of src/multitask/weightings through the real training step (MultiTask.backward on the GPU):
// the trunk's gradient equals Σ_t c_t · (task t's trunk gradient alone), with c computed HERE, in Node, by
// the host functions (tested against the NumPy/SciPy/PyTorch reference in tests/unit/multitask-weightings)
// from the per-task gradients at the representation read back from the page. So the Gram matrix built on
// the GPU, its readback, the solver's use and the weighted sum are all checked, for every method. Also: the
// heads get their own task's gradient (× the loss scale), IMTL's loss scales take their first Adam step,
// IMTL-L's scales get ∂/∂s = e^s·L − 1, FAMO's first weights follow its loss values, RLW's are seeded.

import { beforeAll, describe, expect, it } from 'vitest';
import { expectAllClose, useGpuPage } from '../harness/gpu.ts';
import { cagradCoefficients } from '../../src/multitask/weightings/cagrad.ts';
import { imtlGWeights } from '../../src/multitask/weightings/imtl.ts';
import { nashMtlWeights } from '../../src/multitask/weightings/nash-mtl.ts';
import { alignedMtlCoefficients } from '../../src/multitask/weightings/aligned-mtl.ts';
import { upgradCoefficients } from '../../src/multitask/weightings/upgrad.ts';
import { famoWeights } from '../../src/multitask/weightings/famo.ts';
import { rlwWeights } from '../../src/multitask/weightings/rlw.ts';
import { gradVacCoefficients } from '../../src/multitask/weightings/gradvac.ts';
import { SeededRandom } from '../../src/multitask/weightings/random.ts';
import { gradDropCombine } from '../../src/multitask/weightings/graddrop.ts';

const METHODS = ['cagrad', 'imtl-g', 'imtl-l', 'imtl', 'nash-mtl', 'aligned-mtl', 'famo', 'upgrad', 'rlw', 'gradvac'] as const;

describe('multitask weightings on the GPU', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });

  it('every new weighting: trunk gradient = Σ c_t · (task t alone) with c from the host solver; heads get their own task\'s gradient', async () => {
    const got = await gpu.run(async (E, _H, methods: readonly string[]) => {
      const { nn, multitask: mt } = E;
      const W = mt.weighting;
      type T = InstanceType<typeof E.Tensor>;
      type P = InstanceType<typeof nn.Parameter>;
      const tasks = ['digit', 'thick', 'angle'];
      const x = E.randn([6, 4], { seed: 1 });
      const targets: Record<string, T> = {
        digit: E.tensor([0, 2, 1, 2, 0, 1], [6], { dtype: 'int32' }),
        thick: E.tensor([1, 0, 0, 1, 1, 0], [6, 1]),
        angle: E.full([6, 1], -3), // far, so angle conflicts with the others
      };
      const lossFns: Record<string, (o: T, t: T) => T> = { digit: E.crossEntropy, thick: E.bceWithLogits, angle: E.mseLoss };
      const make: Record<string, () => InstanceType<typeof mt.Weighting>> = {
        cagrad: () => W.caGrad(tasks), 'imtl-g': () => W.imtlG(tasks), 'imtl-l': () => W.imtlL(tasks), imtl: () => W.imtl(tasks),
        'nash-mtl': () => W.nashMtl(tasks), 'aligned-mtl': () => W.alignedMtl(tasks), famo: () => W.famo(tasks), upgrad: () => W.upGrad(tasks),
        rlw: () => W.rlw(tasks, { seed: 3 }), gradvac: () => W.gradVac(tasks, { seed: 4 }),
      };
      const build = (w: InstanceType<typeof mt.Weighting>) => {
        E.manualSeed(7);
        return new mt.MultiTask({
          trunk: new nn.Sequential(new nn.Linear(4, 6), new nn.Tanh(), new nn.Linear(6, 5), new nn.Tanh()),
          heads: { digit: new nn.Linear(5, 3), thick: new nn.Linear(5, 1), angle: new nn.Linear(5, 1) },
          losses: lossFns, weighting: w,
        });
      };
      const read = (ps: P[]) => Promise.all(ps.map(async (p) => (p.grad ? Array.from(await p.grad.data()) : new Array<number>(p.size).fill(0))));
      const clear = (m: InstanceType<typeof mt.MultiTask>) => { for (const p of m.parameters()) { p.grad?.dispose(); p.grad = null; } };
      // Per task alone (same initial parameters for every model): the gradient at z, the trunk's and the head's, and the loss.
      const ref = build(W.equal(tasks));
      const alone: Record<string, { rep: number[]; trunk: number[][]; head: number[][]; loss: number }> = {};
      for (const t of tasks) {
        const z = ref.shared(x);
        const zt = z.detach();
        zt.requiresGrad = true;
        z.dispose();
        const l = lossFns[t]!(ref.taskOutput(t, zt, x), targets[t]!);
        l.backward();
        const rep = Array.from(await zt.grad!.data());
        const loss = (await l.data())[0]!;
        zt.dispose();
        l.dispose();
        clear(ref);
        E.tidy(() => lossFns[t]!(ref.forward(x)[t]!, targets[t]!).backward());
        alone[t] = { rep, trunk: await read(ref.trunk.parameters()), head: await read(ref.head(t).parameters()), loss };
        clear(ref);
      }
      ref.dispose();
      const out: Record<string, { trunk: number[][]; heads: Record<string, number[][]>; extra: number[] }> = {};
      for (const method of methods) {
        const model = build(make[method]!());
        const step = await model.backward(x, targets);
        step.total.dispose();
        for (const v of [...Object.values(step.outputs), ...Object.values(step.losses)]) v?.dispose();
        const heads = Object.fromEntries(await Promise.all(tasks.map(async (t) => [t, await read(model.head(t).parameters())] as const)));
        const w = model.weighting as unknown as { s?: number[]; logScale?: P };
        const extra = method === 'imtl' ? w.s! : method === 'imtl-l' ? Array.from(await w.logScale!.grad!.data()) : [];
        out[method] = { trunk: await read(model.trunk.parameters()), heads, extra };
        model.dispose();
      }
      return { alone, out };
    }, METHODS);
    const tasks = ['digit', 'thick', 'angle'];
    const T = tasks.length;
    const G = tasks.map((t) => got.alone[t]!.rep);
    const M = G.map((a) => G.map((b) => a.reduce((s, v, i) => s + v * b[i]!, 0)));
    expect(M[0]![2]! < 0 || M[1]![2]! < 0, 'the fixture has a conflict').toBe(true);
    const L = tasks.map((t) => got.alone[t]!.loss);
    const coef: Record<string, number[]> = {
      cagrad: cagradCoefficients(M, 0.4).map((c) => c * T),
      'imtl-g': imtlGWeights(M).map((c) => c * T),
      'imtl-l': [1, 1, 1],
      imtl: imtlGWeights(M).map((c) => c * T),
      'nash-mtl': nashMtlWeights(M),
      'aligned-mtl': alignedMtlCoefficients(M),
      famo: famoWeights([0, 0, 0], L).map((c) => c * T),
      upgrad: upgradCoefficients(M).map((c) => c * T),
      rlw: rlwWeights(new SeededRandom(3), T),
      gradvac: gradVacCoefficients(M, M.map(() => [0, 0, 0]), new SeededRandom(4)),
    };
    // Heads: loss weightings scale the head's gradient by the task's weight; gradient weightings by the loss scale (1 here).
    const headScale = (m: string, k: number) => (['imtl-l', 'famo', 'rlw'].includes(m) ? coef[m]![k]! : 1);
    for (const m of METHODS) {
      const r = got.out[m]!;
      const c = coef[m]!;
      expect(c.every(Number.isFinite), m).toBe(true);
      const expected = got.alone.digit!.trunk.map((p, i) => p.map((_, j) => tasks.reduce((s, t, k) => s + c[k]! * got.alone[t]!.trunk[i]![j]!, 0)));
      r.trunk.forEach((g, i) => expectAllClose(g, expected[i]!, { atol: 2e-5, rtol: 2e-4 }));
      tasks.forEach((t, k) => r.heads[t]!.forEach((g, i) => {
        expectAllClose(g, got.alone[t]!.head[i]!.map((v) => v * headScale(m, k)), { atol: 1e-5, rtol: 1e-4 });
      }));
    }
    // IMTL: s_t took one Adam step on e^0·L_t − 1, i.e. −0.01·sign(L_t − 1). IMTL-L: ∂/∂s_t = e^0·L_t − 1.
    expectAllClose(got.out.imtl!.extra, L.map((l) => -0.01 * Math.sign(l - 1)), { atol: 1e-6 });
    expectAllClose(got.out['imtl-l']!.extra, L.map((l) => l - 1), { atol: 1e-5, rtol: 1e-4 });
  });

  // A linear trunk, so ∂W = combinedᵀ·x; task b's head is nn.Identity (it returns its input: a regression test).
  it('GradDrop: the trunk gets the sign-dropped sum at the representation, with U from the seeded rand', async () => {
    const got = await gpu.run(async (E) => {
      const { nn, multitask: mt } = E;
      type T = InstanceType<typeof E.Tensor>;
      const tasks = ['a', 'b', 'c'];
      const x = E.randn([6, 4], { seed: 11 });
      const targets: Record<string, T> = { a: E.randn([6, 5], { seed: 12 }), b: E.randn([6, 5], { seed: 13 }), c: E.randn([6, 5], { seed: 14 }) };
      const losses = { a: E.mseLoss, b: E.mseLoss, c: E.mseLoss };
      const build = (w: InstanceType<typeof mt.Weighting>) => {
        E.manualSeed(3);
        return new mt.MultiTask({ trunk: new nn.Linear(4, 5), heads: { a: new nn.Tanh(), b: new nn.Identity(), c: new nn.Tanh() }, losses, weighting: w });
      };
      const ref = build(mt.weighting.equal(tasks));
      const G: number[][] = [];
      for (const t of tasks) {
        const z = ref.shared(x);
        const zt = z.detach();
        zt.requiresGrad = true;
        z.dispose();
        E.tidy(() => losses[t as 'a']!(ref.taskOutput(t, zt, x), targets[t]!).backward());
        G.push(Array.from(await zt.grad!.data()));
        zt.dispose();
      }
      ref.dispose();
      const U = E.rand([6, 5], { seed: mt.weighting.gradDropSeeds(9)() });
      const model = build(mt.weighting.gradDrop(tasks, { seed: 9 }));
      const step = await model.backward(x, targets);
      for (const v of [step.total, ...Object.values(step.outputs), ...Object.values(step.losses)]) v?.dispose();
      const [w, b] = model.trunk.parameters();
      const grads = { gw: Array.from(await w!.grad!.data()), gb: Array.from(await b!.grad!.data()) };
      const out = { G, U: Array.from(await U.data()), x: Array.from(await x.data()), ...grads };
      model.dispose();
      U.dispose();
      return out;
    });
    const combined = gradDropCombine(got.G, got.U); // [6·5], row n, column o
    const mixed = combined.some((v, k) => v !== got.G.reduce((s, g) => s + g[k]!, 0));
    expect(mixed, 'some element dropped a sign').toBe(true);
    const gw = Array.from({ length: 5 * 4 }, (_, k) => {
      const [o, i] = [Math.floor(k / 4), k % 4];
      return Array.from({ length: 6 }, (_, n) => combined[n * 5 + o]! * got.x[n * 4 + i]!).reduce((a, v) => a + v, 0);
    });
    const gb = Array.from({ length: 5 }, (_, o) => Array.from({ length: 6 }, (_, n) => combined[n * 5 + o]!).reduce((a, v) => a + v, 0));
    expectAllClose(got.gw, gw, { atol: 1e-5, rtol: 1e-4 });
    expectAllClose(got.gb, gb, { atol: 1e-5, rtol: 1e-4 });
  });
});
