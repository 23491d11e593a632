// Multi-task learning (src/multitask): the trunk's gradient is the weighted sum of the per-task gradients
// (against separate backward passes), for loss weightings and for the rep_grad path; the trunk is
// back-propagated once; masked samples change nothing; a head with no label in a step is bit-identical after
// it (AdamW with weight decay); uncertainty weighting lowers the noisier task's weight; GradNorm equalises the
// gradient-norm ratios; MMoE gates sum to one; every weighting works with every architecture (hard sharing,
// MMoE, and one with a representation per task written against the Architecture interface); a head added to a frozen, trained trunk trains while the trunk
// stays bit-identical; bad input fails before any GPU work. Trunks here have no train-mode BatchNorm (batch
// statistics would mix samples).

import { beforeAll, describe, expect, it } from 'vitest';
import { expectAllClose, useGpuPage } from '../harness/gpu.ts';

describe('multitask', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });

  it('trunk gradient = Σ w_t · (per-task trunk gradient), for fixed weights and for MGDA-UB at z', async () => {
    const got = await gpu.run(async (E) => {
      const { nn, multitask: mt } = E;
      const x = E.randn([6, 4], { seed: 1 });
      const targets = {
        digit: E.tensor([0, 2, 1, 2, 0, 1], [6], { dtype: 'int32' }),
        thick: E.tensor([1, 0, 0, 1, 1, 0], [6, 1]),
        angle: E.randn([6, 1], { seed: 2 }),
      };
      const losses = { digit: E.crossEntropy, thick: E.bceWithLogits, angle: E.mseLoss };
      const build = (weighting: InstanceType<typeof mt.Weighting>) => {
        E.manualSeed(7);
        return new mt.MultiTask({
          trunk: new nn.Sequential(new nn.Linear(4, 6), new nn.Tanh(), new nn.Linear(6, 5), new nn.Tanh()),
          heads: { digit: new nn.Linear(5, 3), thick: new nn.Linear(5, 1), angle: new nn.Linear(5, 1) },
          losses, weighting,
        });
      };
      const trunkGrads = async (m: InstanceType<typeof mt.MultiTask>) => Promise.all(m.trunk.parameters().map(async (p) => Array.from(await p.grad!.data())));
      const out: Record<string, unknown> = {};
      for (const kind of ['fixed', 'mgda'] as const) {
        const weights = { digit: 0.5, thick: 2, angle: 1 };
        const model = build(kind === 'fixed' ? mt.weighting.fixed(weights) : mt.weighting.mgdaUb(['digit', 'thick', 'angle']));
        const step = await model.backward(x, targets);
        const combined = await trunkGrads(model);
        const w = await model.weighting.weights();
        for (const t of Object.values(step.outputs)) t.dispose();
        const perTask: Record<string, number[][]> = {};
        for (const task of model.tasks) {
          for (const p of model.parameters()) { p.grad?.dispose(); p.grad = null; }
          E.tidy(() => {
            const o = model.forward(x);
            const lossFns = losses as Record<string, (a: unknown, b: unknown) => InstanceType<typeof E.Tensor>>;
            lossFns[task]!(o[task], (targets as Record<string, unknown>)[task]).backward();
          });
          perTask[task] = await trunkGrads(model);
        }
        // MGDA-UB's combined trunk gradient is T·Σ α_t g_t.
        const coef = kind === 'fixed' ? weights : Object.fromEntries(Object.entries(w).map(([k, a]) => [k, 3 * a]));
        const expected = combined.map((g, i) => g.map((_, j) => Object.entries(coef).reduce((s, [t, c]) => s + c * perTask[t]![i]![j]!, 0)));
        out[kind] = { combined, expected, alphaSum: Object.values(w).reduce((a, b) => a + b, 0) };
        model.dispose();
      }
      return out as Record<'fixed' | 'mgda', { combined: number[][]; expected: number[][]; alphaSum: number }>;
    });
    for (const kind of ['fixed', 'mgda'] as const) {
      got[kind].combined.forEach((g, i) => expectAllClose(g, got[kind].expected[i]!, { atol: 1e-5, rtol: 1e-4 }));
    }
    expect(got.mgda.alphaSum).toBeCloseTo(1, 5);
  });

  it('the trunk is back-propagated once, whatever the number of heads (loss weighting and rep_grad)', async () => {
    const got = await gpu.run(async (E) => {
      const { nn, multitask: mt } = E;
      const x = E.randn([2, 1, 4, 4], { seed: 3 });
      const counts: Record<string, number> = {};
      // The trunk's backward rules: conv2d weight/bias gradients and relu's (the heads are linear).
      const isTrunkBackward = (k: string) => (k.startsWith('conv2d') && k !== 'conv2d.forward') || k === 'reluGrad';
      for (const heads of [1, 2, 3]) {
        for (const method of ['equal', 'pcgrad'] as const) {
          const names = ['a', 'b', 'c'].slice(0, heads);
          const model = new mt.MultiTask({
            trunk: new nn.Sequential(new nn.Conv2d(1, 2, 3, { padding: 1 }), new nn.ReLU(), new nn.Flatten()),
            heads: Object.fromEntries(names.map((n) => [n, new nn.Linear(32, 1)])),
            losses: Object.fromEntries(names.map((n) => [n, E.mseLoss])),
            weighting: method === 'equal' ? mt.weighting.equal(names) : mt.weighting.pcGrad(names),
          });
          const targets = Object.fromEntries(names.map((n) => [n, E.randn([2, 1], { seed: 9 })]));
          let step!: Awaited<ReturnType<typeof model.backward>>;
          const kernels = await E.extend.traceKernels(async () => { step = await model.backward(x, targets); });
          counts[`${method}:${heads}`] = kernels.filter(isTrunkBackward).length;
          step.total.dispose();
          model.dispose();
        }
      }
      // The trunk alone: one backward of its output.
      const trunk = new nn.Sequential(new nn.Conv2d(1, 2, 3, { padding: 1 }), new nn.ReLU(), new nn.Flatten());
      const z = trunk.forward(x);
      const kernels = await E.extend.traceKernels(() => z.backward(E.onesLike(z)));
      counts.alone = kernels.filter(isTrunkBackward).length;
      trunk.dispose();
      return counts;
    });
    expect(got.alone).toBeGreaterThan(0);
    for (const [k, v] of Object.entries(got)) expect(v, k).toBe(got.alone);
  });

  it('masked samples change nothing; the mean is over labelled samples; an all-masked loss is exactly 0', async () => {
    const got = await gpu.run(async (E) => {
      const { nn, multitask: mt } = E;
      const x = E.randn([4, 3], { seed: 4 });
      const run = async (angle: number[]) => {
        E.manualSeed(11);
        const model = new mt.MultiTask({
          trunk: new nn.Sequential(new nn.Linear(3, 5), new nn.Tanh()),
          heads: { digit: new nn.Linear(5, 3), angle: new nn.Linear(5, 1) },
          losses: { digit: E.crossEntropy, angle: E.mseLoss },
        });
        const targets = { digit: E.tensor([0, -100, 2, 1], [4], { dtype: 'int32' }), angle: E.tensor(angle, [4, 1]) };
        const step = await model.backward(x, targets, { angle: [1, 0, 1, 0] });
        const grads = await Promise.all(model.parameters().map(async (p) => Array.from(await p.grad!.data())));
        // The angle loss equals mseLoss over the labelled samples 0 and 2 alone.
        const sub = E.tidy(() => {
          const pred = model.forward(x).angle!;
          return E.mseLoss(E.concat([pred.slice(0, 0, 1), pred.slice(0, 2, 3)], 0), E.tensor([angle[0]!, angle[2]!], [2, 1]));
        });
        const res = { grads, angle: await step.losses.angle!.item(), sub: await sub.item() };
        model.dispose();
        return res;
      };
      const a = await run([0.5, 1, -0.5, 2]);
      const b = await run([0.5, 1e6, -0.5, -3e5]); // masked samples' targets changed
      const logits = E.randn([3, 4], { seed: 5 });
      const allIgnored = await E.crossEntropy(logits, E.tensor([-100, -100, -100], [3], { dtype: 'int32' })).item();
      const allMasked = await E.mseLoss(E.randn([3, 2], { seed: 6 }), E.randn([3, 2], { seed: 7 }), { mask: [0, 0, 0] }).item();
      const ceMasked = await E.crossEntropy(logits, E.tensor([1, 2, 3], [3], { dtype: 'int32' }), { mask: E.tensor([0, 0, 0]) }).item();
      return { a, b, allIgnored, allMasked, ceMasked };
    });
    got.a.grads.forEach((g, i) => expect(g).toEqual(got.b.grads[i]));
    expect(got.a.angle).toBeCloseTo(got.a.sub, 6);
    expect(got.allIgnored).toBe(0);
    expect(got.allMasked).toBe(0);
    expect(got.ceMasked).toBe(0);
  });

  it('a task with no label in the step is left out: its head is bit-identical after AdamW with weight decay', async () => {
    const got = await gpu.run(async (E) => {
      const { nn, optim, multitask: mt } = E;
      const out: Record<string, unknown> = {};
      for (const method of ['uncertainty', 'gradnorm'] as const) {
        const tasks = ['digit', 'angle'];
        const model = new mt.MultiTask({
          trunk: new nn.Sequential(new nn.Linear(3, 5), new nn.Tanh()),
          heads: { digit: new nn.Linear(5, 3), angle: new nn.Linear(5, 1) },
          losses: { digit: E.crossEntropy, angle: E.mseLoss },
          weighting: method === 'uncertainty' ? mt.weighting.uncertainty(tasks) : mt.weighting.gradNorm(tasks),
        });
        const opt = new optim.AdamW(model, { lr: 0.05, weightDecay: 0.5 });
        const x = E.randn([4, 3], { seed: 8 });
        const targets = { digit: E.tensor([0, 1, 2, 1], [4], { dtype: 'int32' }), angle: E.randn([4, 1], { seed: 9 }) };
        const snapshot = async () =>
          Object.fromEntries(await Promise.all(model.namedParameters().map(async ([k, p]) => [k, Array.from(await p.data())] as const)));
        // One ordinary step first, so AdamW has moments for every parameter.
        opt.zeroGrad();
        await model.backward(x, targets);
        opt.step();
        const before = await snapshot();
        opt.zeroGrad();
        const step = await model.backward(x, targets, { angle: [0, 0, 0, 0] });
        opt.step();
        const after = await snapshot();
        out[method] = { before, after, angleLoss: step.losses.angle, total: await step.total.item(), counts: opt.stepCounts };
        opt.dispose();
        model.dispose();
      }
      return out as Record<string, { before: Record<string, number[]>; after: Record<string, number[]>; angleLoss: null; total: number }>;
    });
    for (const r of Object.values(got)) {
      expect(r.angleLoss).toBeNull();
      expect(Number.isFinite(r.total)).toBe(true);
      for (const k of Object.keys(r.before)) {
        if (k.startsWith('heads.angle') || k === 'weighting.logVar') continue;
        expect(r.after[k], k).not.toEqual(r.before[k]);
      }
      expect(r.after['heads.angle.weight']).toEqual(r.before['heads.angle.weight']);
      expect(r.after['heads.angle.bias']).toEqual(r.before['heads.angle.bias']);
    }
  });

  it('uncertainty weighting lowers the weight of the noisier task (synthetic, known noise)', async () => {
    const got = await gpu.run(async (E) => {
      const { nn, optim, multitask: mt } = E;
      const n = 64;
      const rnd = E.internal.seededUniform(5);
      const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
      const xs = Array.from({ length: n * 2 }, gauss);
      const clean = Array.from({ length: n }, (_, i) => xs[2 * i]! - 0.5 * xs[2 * i + 1]!);
      const x = E.tensor(xs, [n, 2]);
      const targets = {
        quiet: E.tensor(clean.map((v) => v + 0.05 * gauss()), [n, 1]),
        noisy: E.tensor(clean.map((v) => 2 * v + 1.0 * gauss()), [n, 1]),
      };
      E.manualSeed(3);
      const model = new mt.MultiTask({
        trunk: new nn.Sequential(new nn.Linear(2, 8), new nn.Tanh()),
        heads: { quiet: new nn.Linear(8, 1), noisy: new nn.Linear(8, 1) },
        losses: { quiet: E.mseLoss, noisy: E.mseLoss },
        weighting: mt.weighting.uncertainty(['quiet', 'noisy']),
      });
      const opt = new optim.Adam(model, { lr: 0.05 });
      for (let i = 0; i < 150; i++) {
        opt.zeroGrad();
        const s = await model.backward(x, targets);
        s.total.dispose();
        opt.step();
      }
      const w = await model.weighting.weights();
      opt.dispose();
      model.dispose();
      return w;
    });
    expect(got.noisy!).toBeLessThan(got.quiet! / 5);
  });

  it('GradNorm (alpha 0) equalises the gradient-norm ratios of a 10x-imbalanced toy problem', async () => {
    const got = await gpu.run(async (E) => {
      const { nn, optim, multitask: mt } = E;
      const x = E.randn([32, 3], { seed: 12 });
      const targets = { small: E.randn([32, 1], { seed: 13 }), big: E.randn([32, 1], { seed: 14 }).mul(10) };
      E.manualSeed(4);
      const w = mt.weighting.gradNorm(['small', 'big'], { alpha: 0, lr: 0.05 });
      const model = new mt.MultiTask({
        trunk: new nn.Sequential(new nn.Linear(3, 8), new nn.Tanh()),
        heads: { small: new nn.Linear(8, 1), big: new nn.Linear(8, 1) },
        losses: { small: E.mseLoss, big: E.mseLoss },
        weighting: w,
      });
      const opt = new optim.SGD(model, { lr: 1e-4 });
      const ratios: Array<Record<string, number>> = [];
      for (let i = 0; i < 120; i++) {
        opt.zeroGrad();
        const s = await model.backward(x, targets);
        s.total.dispose();
        opt.step();
        ratios.push({ ...w.lastNormRatios });
      }
      const weights = await w.weights();
      opt.dispose();
      model.dispose();
      return { first: ratios[0]!, last: ratios.at(-1)!, weights };
    });
    const spread = (r: Record<string, number>) => Math.max(...Object.values(r)) / Math.min(...Object.values(r));
    expect(spread(got.first)).toBeGreaterThan(5);
    expect(spread(got.last)).toBeLessThan(1.25);
    expect(got.weights.small!).toBeGreaterThan(got.weights.big!);
    expect(got.weights.small! + got.weights.big!).toBeCloseTo(2, 5);
  });

  it('MMoE: gates are softmax weights (rows sum to one) and the model trains through them', async () => {
    const got = await gpu.run(async (E) => {
      const { nn, optim, multitask: mt } = E;
      E.manualSeed(2);
      const tasks = ['a', 'b'];
      const moe = new mt.MMoE({
        experts: [0, 1, 2].map(() => new nn.Sequential(new nn.Linear(4, 6), new nn.ReLU())),
        gates: Object.fromEntries(tasks.map((t) => [t, new nn.Linear(4, 3)])),
      });
      const model = new mt.MultiTask({
        trunk: moe,
        heads: { a: new nn.Linear(6, 2), b: new nn.Linear(6, 1) },
        losses: { a: E.crossEntropy, b: E.mseLoss },
      });
      const x = E.randn([5, 4], { seed: 21 });
      const sums = await Promise.all(tasks.map(async (t) => Array.from(await moe.gate(t, x).sum(1).data())));
      const names = model.namedParameters().map(([k]) => k);
      const opt = new optim.Adam(model, { lr: 0.02 });
      const targets = { a: E.tensor([0, 1, 1, 0, 1], [5], { dtype: 'int32' }), b: E.randn([5, 1], { seed: 22 }) };
      const losses: number[] = [];
      for (let i = 0; i < 30; i++) {
        opt.zeroGrad();
        const s = await model.backward(x, targets);
        if (i === 0 || i === 29) losses.push(await s.total.item());
        s.total.dispose();
        opt.step();
      }
      const shape = [...(model.shared(x)).shape];
      opt.dispose();
      model.dispose();
      return { sums, names, losses, shape };
    });
    for (const row of got.sums) expectAllClose(row, row.map(() => 1), { atol: 1e-6, rtol: 0 });
    expect(got.names).toContain('trunk.experts.2.0.weight');
    expect(got.names).toContain('trunk.gates.b.weight');
    expect(got.shape).toEqual([5, 3, 6]);
    expect(got.losses[1]!).toBeLessThan(got.losses[0]!);
  });

  it('every weighting with every architecture: shared gradient = Σ c_t · (task t alone), task-specific parameters get their task\'s own', async () => {
    const got = await gpu.run(async (E) => {
      const { nn, multitask: mt } = E;
      type T = InstanceType<typeof E.Tensor>;
      type P = InstanceType<typeof nn.Parameter>;
      const tasks = ['a', 'b'];
      const x = E.randn([6, 4], { seed: 51 });
      const labels = E.tensor([0, 2, 1, 1, 0, 2], [6], { dtype: 'int32' });
      // b's targets are far from its outputs, so flipping their sign flips b's gradient (PCGrad needs a conflict).
      const far = { '+': E.full([6, 1], 50), '-': E.full([6, 1], -50) };
      const lossFns: Record<string, (out: T, target: T) => T> = { a: E.crossEntropy, b: E.mseLoss };
      // One representation per task (as cross-stitch or PLE have), written against the Architecture interface.
      class Columns extends nn.Module {
        readonly architecture = 'columns';
        constructor() {
          super();
          for (const t of tasks) this.registerModule(t, new nn.Sequential(new nn.Linear(4, 5), new nn.Tanh()));
        }
        forward(): never { throw new Error('Columns: run through MultiTask'); }
        checkTasks(names: readonly string[]): void { if ([...names].sort().join() !== 'a,b') throw new Error('Columns: tasks a and b'); }
        addTask(): void { throw new Error('Columns: fixed tasks'); }
        represent(input: T): T[] { return tasks.map((t) => this.getSubmodule(t).forward(input) as T); }
        taskInput(task: string, reps: readonly T[]): T { return reps[tasks.indexOf(task)]!; }
        sharedParameters(): P[] { return this.parameters(); }
        taskParameters(): P[] { return []; }
      }
      const trunks = {
        hard: () => new nn.Sequential(new nn.Linear(4, 5), new nn.Tanh()),
        mmoe: () => new mt.MMoE({
          experts: [0, 1].map(() => new nn.Sequential(new nn.Linear(4, 5), new nn.Tanh())),
          gates: { a: new nn.Linear(4, 2), b: new nn.Linear(4, 2) },
        }),
        columns: () => new Columns(),
      };
      const weightings = {
        fixed: () => mt.weighting.fixed({ a: 0.5, b: 2 }),
        equal: () => mt.weighting.equal(tasks),
        uncertainty: () => mt.weighting.uncertainty(tasks, { init: 0.3 }),
        dwa: () => mt.weighting.dwa(tasks),
        gradnorm: () => mt.weighting.gradNorm(tasks),
        'mgda-ub': () => mt.weighting.mgdaUb(tasks),
        pcgrad: () => mt.weighting.pcGrad(tasks),
      };
      const read = (ps: P[]) => Promise.all(ps.map(async (p) => (p.grad ? Array.from(await p.grad.data()) : new Array<number>(p.size).fill(0))));
      const dot = (u: number[], v: number[]) => u.reduce((s, ui, i) => s + ui * v[i]!, 0);
      const repGrad = async (model: InstanceType<typeof mt.MultiTask>, t: string, target: T) => {
        const reps = model.representations(x).map((r) => { const d = r.detach(); d.requiresGrad = true; r.dispose(); return d; });
        E.tidy(() => lossFns[t]!(model.taskOutput(t, reps, x), target).backward());
        const g = (await Promise.all(reps.map(async (r) => (r.grad ? Array.from(await r.grad.data()) : new Array<number>(r.size).fill(0))))).flat();
        for (const r of reps) r.dispose();
        for (const p of model.parameters()) { p.grad?.dispose(); p.grad = null; }
        return g;
      };
      const out: Record<string, { arch: string; conflict: number; combined: number[][]; expected: number[][]; own: number[][]; ownExpected: number[][] }> = {};
      for (const [arch, trunk] of Object.entries(trunks)) {
        for (const [method, weighting] of Object.entries(weightings)) {
          E.manualSeed(61);
          const heads = { a: new nn.Linear(5, 3), b: new nn.Linear(5, 1) };
          const model = new mt.MultiTask({ trunk: trunk(), heads, losses: lossFns, weighting: weighting() });
          const shared = model.sharedParameters();
          const own = tasks.flatMap((t) => model.architecture.taskParameters(t));
          const sign = dot(await repGrad(model, 'a', labels), await repGrad(model, 'b', far['+'])) < 0 ? '+' : '-';
          const targets: Record<string, T> = { a: labels, b: far[sign] };
          const before = await model.weighting.weights();
          const step = await model.backward(x, targets);
          step.total.dispose();
          for (const v of [...Object.values(step.outputs), ...Object.values(step.losses)]) v?.dispose();
          const combined = await read(shared);
          const ownGot = await read(own);
          const after = await model.weighting.weights();
          const alone: Record<string, { shared: number[][]; own: number[][]; rep: number[] }> = {};
          for (const t of tasks) {
            for (const p of model.parameters()) { p.grad?.dispose(); p.grad = null; }
            E.tidy(() => lossFns[t]!(model.forward(x)[t]!, targets[t]!).backward());
            const sharedT = await read(shared);
            const ownT = await read(own);
            // Task t's gradient at the representation(s), for PCGrad's coefficients.
            alone[t] = { shared: sharedT, own: ownT, rep: await repGrad(model, t, targets[t]!) };
          }
          // c_t: the factor of task t's gradient at the shared parameters; k_t: at its own (head-side) parameters.
          const [ga, gb] = [alone.a!.rep, alone.b!.rep];
          const conflict = Math.min(dot(ga, gb), 0);
          const c: Record<string, number> = method === 'mgda-ub' ? { a: 2 * after.a!, b: 2 * after.b! }
            : method === 'pcgrad' ? { a: 1 - conflict / dot(ga, ga), b: 1 - conflict / dot(gb, gb) } : before;
          const k: Record<string, number> = method === 'mgda-ub' || method === 'pcgrad' ? { a: 1, b: 1 } : before;
          const mix = (part: 'shared' | 'own', coef: Record<string, number>) =>
            alone.a![part].map((g, i) => g.map((_, j) => tasks.reduce((s, t) => s + coef[t]! * alone[t]![part][i]![j]!, 0)));
          out[`${arch}/${method}`] = { arch, conflict, combined, expected: mix('shared', c), own: ownGot, ownExpected: mix('own', k) };
          model.dispose();
        }
      }
      return out;
    });
    expect(Object.keys(got)).toHaveLength(21);
    for (const [name, r] of Object.entries(got)) {
      expect(r.combined.flat().some((v) => v !== 0), name).toBe(true);
      r.combined.forEach((g, i) => expectAllClose(g, r.expected[i]!, { atol: 1e-5, rtol: 1e-4 }));
      r.own.forEach((g, i) => expectAllClose(g, r.ownExpected[i]!, { atol: 1e-5, rtol: 1e-4 }));
      expect(r.own.length, name).toBe(r.arch === 'mmoe' ? 4 : 0);
      // PCGrad projects in hard sharing and MMoE; one representation per task gives orthogonal gradients.
      if (name.endsWith('pcgrad')) expect(r.conflict < 0, name).toBe(r.arch !== 'columns');
    }
  });

  it('a head added to a frozen, trained trunk trains while the trunk stays bit-identical; per-task learning rates by path', async () => {
    const got = await gpu.run(async (E) => {
      const { nn, optim, multitask: mt } = E;
      E.manualSeed(6);
      const model = new mt.MultiTask({
        trunk: new nn.Sequential(new nn.Linear(3, 6), new nn.Tanh()),
        heads: { a: new nn.Linear(6, 2) },
        losses: { a: E.crossEntropy },
      });
      const x = E.randn([8, 3], { seed: 31 });
      const ta = E.tensor([0, 1, 1, 0, 1, 0, 0, 1], [8], { dtype: 'int32' });
      let opt = new optim.Adam(model, { lr: 0.05 });
      for (let i = 0; i < 5; i++) { opt.zeroGrad(); (await model.backward(x, { a: ta })).total.dispose(); opt.step(); }
      opt.dispose();
      model.freeze('trunk');
      model.addHead('b', new nn.Linear(6, 1), E.mseLoss, mt.weighting.equal(['a', 'b']));
      const trunkBefore = await Promise.all(model.trunk.parameters().map(async (p) => Array.from(await p.data())));
      opt = new optim.Adam(model.parameters('heads.b'), { lr: 0.05 });
      const tb = E.randn([8, 1], { seed: 32 });
      const lossB: number[] = [];
      for (let i = 0; i < 40; i++) {
        opt.zeroGrad();
        const s = await model.backward(x, { a: ta, b: tb }, { a: new Array<number>(8).fill(0) });
        if (i === 0 || i === 39) lossB.push(await s.losses.b!.item());
        opt.step();
      }
      const trunkAfter = await Promise.all(model.trunk.parameters().map(async (p) => Array.from(await p.data())));
      const trunkGrads = model.trunk.parameters().map((p) => p.grad === null);
      opt.dispose();
      // Per-task learning rates through parameter groups: head b at lr 0, head a at 0.05.
      const opt2 = new optim.Adam(optim.paramGroups(model, [{ match: 'heads.a', lr: 0.05 }, { match: 'heads.b', lr: 0 }], { rest: false }));
      const lrZeroHeadBefore = Array.from(await model.head('b').parameters()[0]!.data());
      const aBefore = Array.from(await model.head('a').parameters()[0]!.data());
      opt2.zeroGrad();
      await model.backward(x, { a: ta, b: tb });
      opt2.step();
      const lrZeroHead = Array.from(await model.head('b').parameters()[0]!.data());
      const otherHeadMoved = Array.from(await model.head('a').parameters()[0]!.data()).some((v, i) => v !== aBefore[i]);
      opt2.dispose();
      model.dispose();
      return { trunkBefore, trunkAfter, lossB, trunkGrads, lrZeroHead, lrZeroHeadBefore, otherHeadMoved };
    });
    got.trunkAfter.forEach((v, i) => expect(v).toEqual(got.trunkBefore[i]));
    expect(got.lrZeroHead).toEqual(got.lrZeroHeadBefore);
    expect(got.otherHeadMoved).toBe(true);
    expect(got.trunkGrads.every(Boolean)).toBe(true);
    expect(got.lossB[1]!).toBeLessThan(got.lossB[0]! * 0.8);
  });

  it('DWA: weights = T·softmax(r / temperature) from the last two epochs\' mean losses; metrics honour masks', async () => {
    const got = await gpu.run(async (E) => {
      const { multitask: mt } = E;
      const w = mt.weighting.dwa(['a', 'b'], { temperature: 2 });
      const feed = async (epoch: Array<[number, number]>) => {
        for (const [a, b] of epoch) w.observe(new Map([['a', E.tensor([a], [])], ['b', E.tensor([b], [])]]));
        await w.endEpoch();
        return w.weights();
      };
      const w1 = await feed([[1, 2], [1, 2]]);
      const w2 = await feed([[0.25, 2], [0.75, 2]]); // means: a 1 → 0.5, b 2 → 2
      const logits = E.tensor([[2, 0, 0], [0, 3, 0], [0, 0, 1], [1, 0, 0]]);
      const labels = E.tensor([0, 1, 0, 2], [4], { dtype: 'int32' });
      const acc = await mt.metrics.accuracy(logits, labels).item();
      const accMasked = await mt.metrics.accuracy(logits, labels, [1, 1, 0, 0]).item();
      const bin = await mt.metrics.binaryAccuracy(E.tensor([[1], [-2], [0.5]]), E.tensor([[1], [1], [0]])).item();
      const mae = await mt.metrics.mae(E.tensor([[1], [2], [4]]), E.tensor([[0], [0], [0]]), [1, 0, 1]).item();
      w.dispose();
      return { w1, w2, acc, accMasked, bin, mae };
    });
    expect(got.w1).toEqual({ a: 1, b: 1 });
    const e = [Math.exp(0.5 / 2), Math.exp(1 / 2)];
    expect(got.w2.a!).toBeCloseTo((2 * e[0]!) / (e[0]! + e[1]!), 6);
    expect(got.w2.b!).toBeCloseTo((2 * e[1]!) / (e[0]! + e[1]!), 6);
    expect(got.acc).toBeCloseTo(0.5, 6);
    expect(got.accMasked).toBeCloseTo(1, 6);
    expect(got.bin).toBeCloseTo(1 / 3, 6);
    expect(got.mae).toBeCloseTo(2.5, 6);
  });

  it('bad input fails with a clear error before any GPU work, and the model keeps working', async () => {
    const got = await gpu.run(async (E, H) => {
      const { nn, multitask: mt } = E;
      const model = new mt.MultiTask({
        trunk: new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh()),
        heads: { digit: new nn.Linear(4, 3), angle: new nn.Linear(4, 1) },
        losses: { digit: E.crossEntropy, angle: E.mseLoss },
      });
      const x = E.randn([4, 3], { seed: 41 });
      const targets = { digit: E.tensor([0, 1, 2, 1], [4], { dtype: 'int32' }), angle: E.randn([4, 1], { seed: 42 }) };
      await E.sync();
      const errors: string[] = [];
      const before = E.memoryStats().dispatches;
      const attempt = async (fn: () => unknown) => {
        try { await H.noLeak(E, fn); errors.push('no error'); } catch (e) { errors.push(`${(e as Error).name}: ${(e as Error).message}`); }
      };
      const [head, p1, p2] = [new nn.Linear(4, 1), E.randn([4, 1]), E.randn([4, 1])];
      await attempt(() => model.backward(x, { ...targets, parity: targets.angle }));
      await attempt(() => model.backward(x, { digit: targets.digit }));
      await attempt(() => model.backward(x, targets, { angle: [1, 0, 1] }));
      await attempt(() => model.backward(x, targets, { colour: [1, 1, 1, 1] }));
      const after = E.memoryStats().dispatches;
      const misnamed = mt.weighting.uncertainty(['digit', 'age']);
      await attempt(() => model.setWeighting(misnamed));
      misnamed.dispose();
      await attempt(() => new mt.MultiTask({ trunk: model.trunk, heads: { a: head }, losses: { b: E.mseLoss } }));
      await attempt(() => E.mseLoss(p1, p2, { mask: [1, 0] }));
      for (const d of [head, p1, p2]) d.dispose();
      const ok = await model.backward(x, targets);
      const total = await ok.total.item();
      model.dispose();
      return { errors, dispatched: after - before, total };
    });
    expect(got.errors.slice(0, 6)).toEqual([
      'EngineError: MultiTask.backward: no task "parity" (tasks: digit, angle)',
      'EngineError: MultiTask.backward: missing target for task "angle" (give every task a target; mark unlabelled samples with masks.angle)',
      'ShapeError: MultiTask.backward: the mask of task "angle" has 3 entries, expected 4 (one per sample)',
      'EngineError: MultiTask.backward: no task "colour" (tasks: digit, angle)',
      'EngineError: MultiTask: weighting uncertainty was given tasks [digit, age], but the heads are [digit, angle]',
      'EngineError: MultiTask: heads and losses must name the same tasks (heads: a; losses: b)',
    ]);
    expect(got.errors[6]).toBe('ShapeError: mseLoss: mask has 2 entries, expected one per sample (4) for input [4,1]');
    expect(got.dispatched).toBe(0);
    expect(Number.isFinite(got.total)).toBe(true);
  });
});
