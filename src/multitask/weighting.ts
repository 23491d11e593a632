// Loss weighting for multi-task learning: how the task losses (or their gradients) are combined into the one
// gradient that runs through the shared part. LibMTL's split: *architecture* (how parameters are shared,
// architecture.ts: hard sharing, MMoE, cross-stitch, MTAN, CGC, PLE) is independent of *weighting* (this file); any weighting works with
// any architecture.
//
// Two kinds:
//   - loss weightings (`gradients: 'none'`) return a total Σ_t w_t·L_t (in the graph); one ordinary backward.
//   - gradient weightings (`gradients: 'representation'`, LibMTL's rep_grad) see each task's gradient g_t
//     with respect to the shared representation z (the architecture's represent(x); the heads run on a
//     detached copy of z, one backward through each task's own part alone), return the combined gradient, and
//     MultiTask runs one z.backward(combined) through the shared part. Heads (and task-specific trunk
//     parameters such as MMoE's gates) get their own task's gradient.
//
// Extra cost per training step beyond the heads' and trunk's own work (T tasks, z with D elements per batch):
//   | method       | kernels                                      | memory           | readbacks / syncs              |
//   | fixed, equal | T scalar multiplies + T−1 adds               | none             | none                           |
//   | uncertainty  | ~4 tiny kernels per task (exp, mul, add)     | T parameters     | none                           |
//   | DWA          | T scalar multiplies + T−1 adds; one add per  | T floats         | one per epoch (T floats)       |
//   |              | task per step into the epoch loss sum        |                  |                                |
//   | GradNorm     | T head-only backwards; T norms of g_t; the   | T·D (the g_t)    | one per step (2T floats: norms |
//   |              | weighted sum of the g_t (2T−1 kernels)       |                  | and losses; weights on the CPU)|
//   | MGDA-UB      | T head-only backwards; Gram matrix G·Gᵀ of   | 2·T·D (g_t and   | one per step (T² floats; the   |
//   |              | the g_t (stack + one matmul); weighted sum   | their stack)     | min-norm solver runs on the CPU)|
//   | PCGrad       | T head-only backwards; T(T−1) projections of | 2·T·D            | none (the projection is        |
//   |              | ~6 small kernels each (dot, norm, min, axpy) |                  | branch-free on the GPU)        |
// The methods added later (CAGrad, IMTL, Nash-MTL, Aligned-MTL, FAMO, UPGrad, RLW, GradVac) are each in
// weightings/<id>.ts; the Gram-matrix ones share weightings/gram.ts (one readback of T² floats per step).

import { EngineError, Tensor, addInto, exp, fillInPlace, full, keep, matmul, maximum, mul, noGrad, reshape, stack, tidy } from '../engine/internal.ts';
import { Module, Parameter } from '../nn/index.ts';

/** Per-task values by task name, in the weighting's task order. */
export type TaskMap<V> = Map<string, V>;

export abstract class Weighting extends Module {
  /** Short name used in tables: 'equal', 'uncertainty', ... */
  abstract readonly method: string;
  /** 'none': combines losses; 'representation': combines gradients at the shared representation (rep_grad). */
  abstract readonly gradients: 'none' | 'representation';
  readonly tasks: readonly string[];

  constructor(tasks: readonly string[]) {
    super();
    if (!Array.isArray(tasks) || tasks.length === 0 || tasks.some((t) => typeof t !== 'string' || t === '')) {
      throw new EngineError(`weighting: tasks must be a non-empty array of task names, got ${JSON.stringify(tasks)}`);
    }
    if (new Set(tasks).size !== tasks.length) throw new EngineError(`weighting: duplicate task names in ${JSON.stringify(tasks)}`);
    this.tasks = Object.freeze([...tasks]);
  }

  forward(): never {
    throw new EngineError(`weighting ${this.method}: not a layer; MultiTask calls combineLosses / combineGradients`);
  }

  /** Loss weightings: Σ w_t·L_t over the tasks present in this step (absent tasks are not in `losses`). */
  combineLosses(losses: TaskMap<Tensor>): Tensor {
    return tidy(() => {
      let total: Tensor | null = null;
      for (const [t, l] of losses) {
        const w = this.weightOf(t);
        const term = w === 1 ? l.mul(1) : l.mul(w);
        total = total ? total.add(term) : term;
      }
      if (!total) throw new EngineError(`weighting ${this.method}: no task has a label in this batch`);
      return total;
    });
  }

  /** Gradient weightings: the factor each task's loss is scaled by before its head-only backward (default 1). */
  lossScale(_task: string): number {
    return 1;
  }

  /** Gradient weightings: the combined gradient with respect to z, from each present task's g_t. */
  combineGradients(_grads: TaskMap<Tensor>, _losses: TaskMap<Tensor>): Promise<Tensor> | Tensor {
    throw new EngineError(`weighting ${this.method}: combines losses, not gradients`);
  }

  /** The current weight of a task (the factor of its loss; for gradient methods, of its last gradient). */
  weightOf(_task: string): number {
    return 1;
  }

  /** Current weights by task, read on the host (uncertainty: reads its parameters back). */
  async weights(): Promise<Record<string, number>> {
    return Object.fromEntries(this.tasks.map((t) => [t, this.weightOf(t)]));
  }

  /**
   * Loss weightings: called by MultiTask.backward with the step's task losses (in the graph) before
   * combineLosses, for methods whose weights depend on this step (FAMO reads the losses back; RLW draws new
   * weights). Default: nothing.
   */
  async prepareLosses(_losses: TaskMap<Tensor>): Promise<void> {}

  /** Called by MultiTask after each step with the (detached) task losses present in it. */
  observe(_losses: TaskMap<Tensor>): void {}

  /** Called at the end of an epoch (DWA recomputes its weights here; one readback). */
  async endEpoch(): Promise<void> {}

  override dispose(): void {
    super.dispose();
  }
}

// ------------------------------------------------------------------ fixed / equal

/** Fixed weights: total = Σ w_t·L_t. The baseline every paper compares with. */
export class FixedWeighting extends Weighting {
  readonly method: string;
  readonly gradients = 'none' as const;
  private readonly w: Map<string, number>;

  constructor(weights: Record<string, number>, method = 'fixed') {
    super(Object.keys(weights ?? {}));
    for (const [t, w] of Object.entries(weights)) {
      if (!(Number.isFinite(w) && w >= 0)) throw new EngineError(`weighting.fixed: the weight of task "${t}" must be a finite number ≥ 0, got ${w}`);
    }
    this.w = new Map(Object.entries(weights));
    this.method = method;
  }

  override weightOf(task: string): number {
    return this.w.get(task)!;
  }
}

export function fixed(weights: Record<string, number>): FixedWeighting {
  return new FixedWeighting(weights);
}

/** Equal weights (1 each): the sum of the task losses. */
export function equal(tasks: readonly string[]): FixedWeighting {
  if (!Array.isArray(tasks)) throw new EngineError(`weighting.equal: tasks must be an array of task names, got ${JSON.stringify(tasks)}`);
  return new FixedWeighting(Object.fromEntries(tasks.map((t) => [t, 1])), 'equal');
}

// ------------------------------------------------------------------ uncertainty (Kendall, Gal & Cipolla 2018)

/**
 * Homoscedastic uncertainty weighting (Kendall, Gal & Cipolla, CVPR 2018): one learned log-variance s_t per
 * task, total = Σ_t ½·exp(−s_t)·L_t + ½·s_t (LibMTL's form for every task). A noisier task learns a larger
 * s_t, so its weight ½·exp(−s_t) drops. The s_t are the parameter `logVar` [T] (a path `weighting.logVar`
 * in a MultiTask): the model's optimizer trains them, and parameter groups can give them their own rate.
 */
export class UncertaintyWeighting extends Weighting {
  readonly method = 'uncertainty';
  readonly gradients = 'none' as const;
  private host: number[];

  constructor(tasks: readonly string[], init = 0) {
    super(tasks);
    this.registerParameter('logVar', full([tasks.length], init));
    this.host = tasks.map(() => init);
  }

  get logVar(): Parameter {
    return this.param('logVar')!;
  }

  override combineLosses(losses: TaskMap<Tensor>): Tensor {
    return tidy(() => {
      let total: Tensor | null = null;
      for (const [t, l] of losses) {
        const i = this.tasks.indexOf(t);
        const s = reshape(this.logVar.slice(0, i, i + 1), []);
        const term = mul(exp(s.neg()), l).add(s).mul(0.5);
        total = total ? total.add(term) : term;
      }
      if (!total) throw new EngineError('weighting uncertainty: no task has a label in this batch');
      return total;
    });
  }

  /** The last weights read by weights() (½·exp(−s_t)). */
  override weightOf(task: string): number {
    return 0.5 * Math.exp(-this.host[this.tasks.indexOf(task)]!);
  }

  override async weights(): Promise<Record<string, number>> {
    this.host = Array.from(await this.logVar.data());
    return super.weights();
  }
}

export function uncertainty(tasks: readonly string[], options: { init?: number } = {}): UncertaintyWeighting {
  return new UncertaintyWeighting(tasks, options.init ?? 0);
}

// ------------------------------------------------------------------ DWA (Liu, Johns & Davison 2019)

/**
 * Dynamic Weight Averaging (Liu, Johns & Davison, CVPR 2019): w_t = T·softmax_t(r_t / temperature) with
 * r_t = L̄_t(k−1) / L̄_t(k−2), the ratio of the task's mean loss in the last two epochs; w = 1 for the first
 * two epochs. The per-step losses are summed on the GPU; endEpoch() reads the T sums back (one sync).
 */
export class DwaWeighting extends Weighting {
  readonly method = 'dwa';
  readonly gradients = 'none' as const;
  readonly temperature: number;
  private w: number[];
  private history: number[][] = [];
  private sums: Tensor | null = null;
  private counts: number[];

  constructor(tasks: readonly string[], temperature = 2) {
    super(tasks);
    if (!(temperature > 0)) throw new EngineError(`weighting.dwa: temperature must be positive, got ${temperature}`);
    this.temperature = temperature;
    this.w = tasks.map(() => 1);
    this.counts = tasks.map(() => 0);
  }

  override weightOf(task: string): number {
    return this.w[this.tasks.indexOf(task)]!;
  }

  override observe(losses: TaskMap<Tensor>): void {
    noGrad(() => {
      if (!this.sums) {
        this.sums = keep(full([this.tasks.length], 0));
      }
      const values = this.tasks.map((t) => losses.get(t) ?? null);
      tidy(() => {
        const row = stack(values.map((v) => (v ? reshape(v.detach(), []) : full([], 0))));
        addInto(this.sums!, row);
      });
      values.forEach((v, i) => { if (v) this.counts[i]!++; });
    });
  }

  override async endEpoch(): Promise<void> {
    if (!this.sums) return;
    const sums = Array.from(await this.sums.data());
    fillInPlace(this.sums, 0);
    const means = sums.map((s, i) => s / Math.max(this.counts[i]!, 1));
    this.counts = this.tasks.map(() => 0);
    this.history.push(means);
    if (this.history.length < 2) return;
    const [prev, last] = this.history.slice(-2) as [number[], number[]];
    const r = last.map((l, i) => l / Math.max(prev[i]!, 1e-12));
    const e = r.map((x) => Math.exp(x / this.temperature));
    const z = e.reduce((a, b) => a + b, 0);
    this.w = e.map((x) => (this.tasks.length * x) / z);
  }

  override dispose(): void {
    this.sums?.dispose();
    this.sums = null;
    super.dispose();
  }
}

export function dwa(tasks: readonly string[], options: { temperature?: number } = {}): DwaWeighting {
  return new DwaWeighting(tasks, options.temperature ?? 2);
}

// ------------------------------------------------------------------ gradient methods at z

/** Σ_t c_t·g_t on the GPU. */
export function weightedSum(grads: Tensor[], coefs: number[]): Tensor {
  return tidy(() => {
    let acc: Tensor | null = null;
    grads.forEach((g, i) => {
      const term = g.mul(coefs[i]!);
      acc = acc ? acc.add(term) : term;
    });
    return acc!;
  });
}

/**
 * GradNorm (Chen, Badrinarayanan, Lee & Rabinovich, ICML 2018) at the shared representation: task weights
 * w_t (Σ w = T) are trained so that each task's gradient norm G_t = ‖w_t·g_t‖ approaches
 * mean(G)·r_t^α, r_t = (L_t / L_t(0)) / mean(L / L(0)), i.e. tasks that train slower get larger gradients.
 * Per step: the loss is scaled by w_t before the head-only backward (heads get w_t·∇L_t), the combined
 * gradient is Σ w_t·g_t, then the GradNorm loss Σ|G_t − target_t| takes one Adam step on w (its gradient
 * sign(G_t − target_t)·‖g_t‖, targets held constant; Adam because ‖g_t‖ scales with the task's loss scale,
 * as in LibMTL where w sits in the model's Adam), and w is renormalized to sum to T. The T norms and T
 * losses are read back (one sync per step); the update of w runs on the CPU.
 */
export class GradNormWeighting extends Weighting {
  readonly method = 'gradnorm';
  readonly gradients = 'representation' as const;
  readonly alpha: number;
  readonly lr: number;
  private w: number[];
  private m: number[];
  private v: number[];
  private t = 0;
  private initialLoss: Array<number | null>;
  /** G_t / mean(G) after the last step (for tests and logs): 1 everywhere when the norms are balanced. */
  lastNormRatios: Record<string, number> = {};

  constructor(tasks: readonly string[], alpha = 1.5, lr = 0.025) {
    super(tasks);
    if (!(alpha >= 0)) throw new EngineError(`weighting.gradNorm: alpha must be ≥ 0, got ${alpha}`);
    if (!(lr > 0)) throw new EngineError(`weighting.gradNorm: lr must be positive, got ${lr}`);
    this.alpha = alpha;
    this.lr = lr;
    this.w = tasks.map(() => 1);
    this.m = tasks.map(() => 0);
    this.v = tasks.map(() => 0);
    this.initialLoss = tasks.map(() => null);
  }

  override weightOf(task: string): number {
    return this.w[this.tasks.indexOf(task)]!;
  }

  override lossScale(task: string): number {
    return this.weightOf(task);
  }

  override async combineGradients(grads: TaskMap<Tensor>, losses: TaskMap<Tensor>): Promise<Tensor> {
    const names = [...grads.keys()];
    const gs = names.map((t) => grads.get(t)!);
    const combined = weightedSum(gs, names.map(() => 1)); // g_t already carry w_t (scaled losses)
    // One readback: ‖w_t g_t‖ and L_t for the present tasks.
    const probe = tidy(() => stack([...gs.map((g) => g.mul(g).sum().sqrt()), ...names.map((t) => reshape(losses.get(t)!.detach(), []))]));
    const host = Array.from(await probe.data());
    probe.dispose();
    const idx = names.map((t) => this.tasks.indexOf(t));
    const G = host.slice(0, names.length);
    const L = host.slice(names.length);
    L.forEach((l, k) => {
      if (this.initialLoss[idx[k]!] === null) this.initialLoss[idx[k]!] = Math.max(l, 1e-12);
    });
    if (names.length > 1) {
      const ratio = L.map((l, k) => l / this.initialLoss[idx[k]!]!);
      const meanRatio = ratio.reduce((a, b) => a + b, 0) / ratio.length;
      const meanG = G.reduce((a, b) => a + b, 0) / G.length;
      const target = ratio.map((r) => meanG * (r / meanRatio) ** this.alpha);
      // d/dw_t Σ|G − target| = sign(G_t − target_t)·‖g_t‖ with ‖g_t‖ = G_t / w_t (targets held constant).
      this.t++;
      const [b1, b2] = [0.9, 0.999];
      idx.forEach((i, k) => {
        const grad = Math.sign(G[k]! - target[k]!) * (G[k]! / this.w[i]!);
        this.m[i] = b1 * this.m[i]! + (1 - b1) * grad;
        this.v[i] = b2 * this.v[i]! + (1 - b2) * grad * grad;
        const step = (this.lr / (1 - b1 ** this.t)) * this.m[i]! / (Math.sqrt(this.v[i]! / (1 - b2 ** this.t)) + 1e-8);
        this.w[i] = Math.max(this.w[i]! - step, 1e-3);
      });
      const s = this.w.reduce((a, b) => a + b, 0);
      this.w = this.w.map((x) => (x * this.tasks.length) / s);
      this.lastNormRatios = Object.fromEntries(names.map((t, k) => [t, G[k]! / meanG]));
    }
    return combined;
  }
}

export function gradNorm(tasks: readonly string[], options: { alpha?: number; lr?: number } = {}): GradNormWeighting {
  return new GradNormWeighting(tasks, options.alpha ?? 1.5, options.lr ?? 0.025);
}

/**
 * The minimum-norm point of the convex hull of T vectors, given their Gram matrix M (T×T): min_α αᵀMα over
 * the simplex, by Frank-Wolfe with the exact line search of Sener & Koltun (2018, Algorithm 2). CPU, O(T²)
 * per iteration.
 */
export function minNormElement(M: number[][], iterations = 250, tol = 1e-6): number[] {
  const T = M.length;
  if (T === 1) return [1];
  let a = new Array<number>(T).fill(1 / T);
  for (let it = 0; it < iterations; it++) {
    const Ma = M.map((row) => row.reduce((s, v, j) => s + v * a[j]!, 0));
    let t = 0;
    for (let i = 1; i < T; i++) if (Ma[i]! < Ma[t]!) t = i;
    // Line search between the current point v1 = Σ a_j g_j and the vertex v2 = g_t.
    const v1v1 = a.reduce((s, ai, i) => s + ai * Ma[i]!, 0);
    const v1v2 = Ma[t]!;
    const v2v2 = M[t]![t]!;
    let gamma: number;
    if (v1v2 >= v1v1) gamma = 1; // keep v1... (the vertex is not better)
    else if (v1v2 >= v2v2) gamma = 0;
    else gamma = (v2v2 - v1v2) / (v1v1 + v2v2 - 2 * v1v2);
    // gamma is the weight of v1 (Sener & Koltun's convention): a ← γ·a + (1 − γ)·e_t.
    const next = a.map((ai, i) => gamma * ai + (i === t ? 1 - gamma : 0));
    const change = next.reduce((s, v, i) => s + Math.abs(v - a[i]!), 0);
    a = next;
    if (change < tol) break;
  }
  return a;
}

/**
 * MGDA-UB (Sener & Koltun, NeurIPS 2018): the multiple-gradient descent direction computed on the gradients
 * with respect to the shared representation z (the "upper bound" variant), α = argmin ‖Σ α_t g_t‖² on the
 * simplex; combined = T·Σ α_t g_t (the factor T makes α = 1/T reproduce equal weighting's trunk gradient, so
 * one learning rate serves both). The T×T Gram matrix is one matmul on the GPU and one readback per step;
 * the min-norm solver runs on the CPU.
 */
export class MgdaUbWeighting extends Weighting {
  readonly method = 'mgda-ub';
  readonly gradients = 'representation' as const;
  private alpha: Map<string, number>;

  constructor(tasks: readonly string[]) {
    super(tasks);
    this.alpha = new Map(tasks.map((t) => [t, 1 / tasks.length]));
  }

  override weightOf(task: string): number {
    return this.alpha.get(task)!;
  }

  override async combineGradients(grads: TaskMap<Tensor>): Promise<Tensor> {
    const names = [...grads.keys()];
    const gs = names.map((t) => grads.get(t)!);
    const gram = tidy(() => {
      const G = stack(gs.map((g) => reshape(g, [g.size])));
      return matmul(G, G.T);
    });
    const flat = Array.from(await gram.data());
    gram.dispose();
    const T = names.length;
    const M = Array.from({ length: T }, (_, i) => flat.slice(i * T, (i + 1) * T));
    const a = minNormElement(M);
    names.forEach((t, i) => this.alpha.set(t, a[i]!));
    return weightedSum(gs, a.map((x) => x * this.tasks.length));
  }
}

export function mgdaUb(tasks: readonly string[]): MgdaUbWeighting {
  return new MgdaUbWeighting(tasks);
}

/**
 * PCGrad (Yu et al., NeurIPS 2020) at the shared representation: for each task i, in a random order of the
 * others j, if g_i'·g_j < 0 project the conflict away, g_i' ← g_i' − (g_i'·g_j / ‖g_j‖²)·g_j; combined =
 * Σ g_i'. The test-and-project is branch-free on the GPU (coefficient min(g_i'·g_j, 0) / ‖g_j‖²), so it needs
 * no readback. The order comes from a seeded generator.
 */
export class PcGradWeighting extends Weighting {
  readonly method = 'pcgrad';
  readonly gradients = 'representation' as const;
  private seed: number;

  constructor(tasks: readonly string[], seed = 1) {
    super(tasks);
    this.seed = seed >>> 0 || 1;
  }

  private random(): number {
    this.seed = (Math.imul(this.seed, 1664525) + 1013904223) >>> 0;
    return this.seed / 2 ** 32;
  }

  override combineGradients(grads: TaskMap<Tensor>): Tensor {
    const gs = [...grads.values()];
    return tidy(() => {
      const sq = gs.map((g) => maximum(g.mul(g).sum(), 1e-20));
      let acc: Tensor | null = null;
      gs.forEach((gi, i) => {
        const order = gs.map((_, j) => j).filter((j) => j !== i);
        for (let k = order.length - 1; k > 0; k--) {
          const r = Math.floor(this.random() * (k + 1));
          [order[k], order[r]] = [order[r]!, order[k]!];
        }
        let p = gi;
        for (const j of order) {
          const dot = p.mul(gs[j]!).sum();
          const coef = dot.neg().maximum(0).neg().div(sq[j]!); // min(dot, 0) / ‖g_j‖²
          p = p.sub(gs[j]!.mul(coef));
        }
        acc = acc ? acc.add(p) : p.mul(1);
      });
      return acc!;
    });
  }
}

export function pcGrad(tasks: readonly string[], options: { seed?: number } = {}): PcGradWeighting {
  return new PcGradWeighting(tasks, options.seed ?? 1);
}

/** For MultiTask's messages. */
export function isWeighting(v: unknown): v is Weighting {
  return v instanceof Weighting;
}
