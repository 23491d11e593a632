// IMTL, impartial multi-task learning (Liu, Li, Kuang, Xue, Chen, Yang, Liao & Zhang, ICLR 2021), in its
// three forms:
//
// imtl-g (gradient balance): d = Σ_t α_t·g_t with Σ α_t = 1 and equal projections of d onto the unit task
//   gradients u_t = g_t/‖g_t‖: dᵀu_1 = dᵀu_t for all t. With D = rows g_1 − g_t and U = rows u_1 − u_t
//   (t = 2..T): α_{2..T} = g_1ᵀUᵀ·(D·Uᵀ)⁻¹, α_1 = 1 − Σ_{t≥2} α_t. Everything is an inner product of task
//   gradients, so it is a function of the Gram matrix: u_iᵀg_j = M_ij/√M_ii. combined = T·d (equal
//   weighting's scale). Gradients at z; solver: host, one (T−1)×(T−1) linear system.
// imtl-l (loss balance): a learned s_t per task, total = Σ_t e^{s_t}·L_t − s_t, so at the optimum of s the
//   scaled losses e^{s_t}·L_t are all 1. A loss weighting: one ordinary backward, no readback; the s_t are the
//   parameter `weighting.logScale`, trained by the model's optimizer (as uncertainty's log-variances are).
// imtl (both, the paper's full method): the task losses are scaled by e^{s_t} before their head-only
//   backwards (so heads and g_t see e^{s_t}·L_t), IMTL-G combines those g_t, and s_t takes one Adam step on
//   ∂(e^{s_t}·L_t − s_t)/∂s_t = e^{s_t}·L_t − 1 on the host; the losses come back with the Gram matrix, so
//   no extra sync. (LibMTL trains s with the model's optimizer; here the rep_grad path has no loss backward
//   that could reach a parameter s, so s lives on the host with its own Adam, lr 0.01.)

import { exp, full, mul, reshape, tidy, type Tensor } from '../../engine/internal.ts';
import { EngineError } from '../../engine/internal.ts';
import type { Parameter } from '../../nn/index.ts';
import { Weighting, type TaskMap } from '../weighting.ts';
import { GramWeighting } from './gram.ts';
import { solveLinear, type Matrix } from './solvers.ts';

/** IMTL-G's α (Σ α = 1) from the Gram matrix. */
export function imtlGWeights(M: Matrix): number[] {
  const T = M.length;
  if (T === 1) return [1];
  const n = M.map((row, i) => Math.sqrt(Math.max(row[i]!, 1e-30)));
  const ug = (i: number, j: number) => M[i]![j]! / n[i]!; // u_iᵀg_j
  // A_ij = (u_1 − u_i)ᵀ(g_1 − g_j), b_i = (u_1 − u_i)ᵀg_1 (i, j = 2..T); A·α = b.
  const idx = Array.from({ length: T - 1 }, (_, k) => k + 1);
  const A = idx.map((i) => idx.map((j) => ug(0, 0) - ug(0, j) - ug(i, 0) + ug(i, j)));
  const b = idx.map((i) => ug(0, 0) - ug(i, 0));
  const rest = solveLinear(A, b);
  return [1 - rest.reduce((s, x) => s + x, 0), ...rest];
}

export class ImtlGWeighting extends GramWeighting {
  readonly method = 'imtl-g';

  protected solve(M: Matrix): number[] {
    return imtlGWeights(M).map((x) => x * M.length);
  }
}

export class ImtlLWeighting extends Weighting {
  readonly method = 'imtl-l';
  readonly gradients = 'none' as const;
  private host: number[];

  constructor(tasks: readonly string[]) {
    super(tasks);
    this.registerParameter('logScale', full([tasks.length], 0));
    this.host = tasks.map(() => 0);
  }

  get logScale(): Parameter {
    return this.param('logScale')!;
  }

  override combineLosses(losses: TaskMap<Tensor>): Tensor {
    return tidy(() => {
      let total: Tensor | null = null;
      for (const [t, l] of losses) {
        const i = this.tasks.indexOf(t);
        const s = reshape(this.logScale.slice(0, i, i + 1), []);
        const term = mul(exp(s), l).sub(s);
        total = total ? total.add(term) : term;
      }
      if (!total) throw new EngineError('weighting imtl-l: no task has a label in this batch');
      return total;
    });
  }

  /** e^{s_t} as last read by weights(). */
  override weightOf(task: string): number {
    return Math.exp(this.host[this.tasks.indexOf(task)]!);
  }

  override async weights(): Promise<Record<string, number>> {
    this.host = Array.from(await this.logScale.data());
    return super.weights();
  }
}

export class ImtlWeighting extends GramWeighting {
  readonly method = 'imtl';
  protected override readonly needsLosses = true;
  readonly lr: number;
  /** The loss scales' logarithms s_t (host). */
  readonly s: number[];
  private m: number[];
  private v: number[];
  private steps = 0;

  constructor(tasks: readonly string[], lr = 0.01) {
    super(tasks);
    if (!(lr > 0)) throw new EngineError(`weighting.imtl: lr must be positive, got ${lr}`);
    this.lr = lr;
    this.s = tasks.map(() => 0);
    this.m = tasks.map(() => 0);
    this.v = tasks.map(() => 0);
  }

  override lossScale(task: string): number {
    return Math.exp(this.s[this.tasks.indexOf(task)]!);
  }

  protected solve(M: Matrix, names: readonly string[], losses: readonly number[]): number[] {
    const alpha = imtlGWeights(M).map((x) => x * M.length);
    this.steps++;
    const [b1, b2] = [0.9, 0.999];
    names.forEach((t, k) => {
      const i = this.tasks.indexOf(t);
      const g = Math.exp(this.s[i]!) * losses[k]! - 1;
      this.m[i] = b1 * this.m[i]! + (1 - b1) * g;
      this.v[i] = b2 * this.v[i]! + (1 - b2) * g * g;
      this.s[i]! -= (this.lr * this.m[i]! / (1 - b1 ** this.steps)) / (Math.sqrt(this.v[i]! / (1 - b2 ** this.steps)) + 1e-8);
    });
    return alpha;
  }
}

export function imtlG(tasks: readonly string[]): ImtlGWeighting {
  return new ImtlGWeighting(tasks);
}

export function imtlL(tasks: readonly string[]): ImtlLWeighting {
  return new ImtlLWeighting(tasks);
}

export function imtl(tasks: readonly string[], options: { lr?: number } = {}): ImtlWeighting {
  return new ImtlWeighting(tasks, options.lr ?? 0.01);
}
