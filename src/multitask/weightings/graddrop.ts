// GradDrop, gradient sign dropout (Chen, Ngiam, Huang, Luong, Kretzschmar, Chai & Anguelov, NeurIPS 2020):
// at every element of the shared representation, keep only the per-task gradients of one sign, chosen at
// random with the probability that the signs agree on:
//   P = ½·(1 + Σ_t g_t / Σ_t |g_t|)   (the "positive sign purity", elementwise, in [0, 1])
//   U ~ Uniform(0, 1) elementwise;   keep the positive parts where P > U, the negative parts elsewhere:
//   combined = 1[P > U] ⊙ Σ_t max(g_t, 0) + 1[P ≤ U] ⊙ Σ_t min(g_t, 0)
// (equal weighting's scale: where every task agrees in sign, combined = Σ_t g_t). The paper applies it at the
// activations a shared trunk hands to the heads, which is exactly the representation here (rep_grad).
// Where it runs: all on the GPU, elementwise (~12 small kernels on D elements, no readback): the work is
// per element, not per task pair, so there is no small matrix to solve on the host. U comes from the
// engine's seeded rand, with one seed per step drawn from a seeded generator (random.ts), so runs repeat.
// Leak (the paper's λ for a task with its own labels) is not implemented: λ = 0 for every task.

import { EngineError, abs, gt, maximum, minimum, rand, tidy, where, type Tensor } from '../../engine/internal.ts';
import { Weighting, type TaskMap } from '../weighting.ts';
import { SeededRandom } from './random.ts';

/** GradDrop on host arrays: G [T][D], U [D] → combined [D] (the reference for the GPU version). */
export function gradDropCombine(G: readonly number[][], U: readonly number[]): number[] {
  return U.map((u, k) => {
    let sum = 0;
    let absSum = 0;
    let pos = 0;
    let neg = 0;
    for (const g of G) {
      const v = g[k]!;
      sum += v;
      absSum += Math.abs(v);
      if (v > 0) pos += v;
      else neg += v;
    }
    const P = 0.5 * (1 + sum / (absSum + 1e-12));
    return P > u ? pos : neg;
  });
}

/** The seed of step k's uniform tensor, for a weighting built with `seed` (tests recompute U with it). */
export function gradDropSeeds(seed: number): () => number {
  const r = new SeededRandom(seed);
  return () => Math.floor(r.uniform() * 2 ** 31);
}

export class GradDropWeighting extends Weighting {
  readonly method = 'graddrop';
  readonly gradients = 'representation' as const;
  private readonly nextSeed: () => number;

  constructor(tasks: readonly string[], seed = 1) {
    super(tasks);
    if (!Number.isInteger(seed)) throw new EngineError(`weighting.gradDrop: seed must be an integer, got ${seed}`);
    this.nextSeed = gradDropSeeds(seed);
  }

  override combineGradients(grads: TaskMap<Tensor>): Tensor {
    const gs = [...grads.values()];
    const seed = this.nextSeed();
    return tidy(() => {
      let sum: Tensor = gs[0]!;
      let absSum: Tensor = abs(gs[0]!);
      let pos: Tensor = maximum(gs[0]!, 0);
      let neg: Tensor = minimum(gs[0]!, 0);
      for (const g of gs.slice(1)) {
        sum = sum.add(g);
        absSum = absSum.add(abs(g));
        pos = pos.add(maximum(g, 0));
        neg = neg.add(minimum(g, 0));
      }
      const P = sum.div(absSum.add(1e-12)).add(1).mul(0.5);
      const U = rand([...gs[0]!.shape], { seed });
      return where(gt(P, U), pos, neg);
    });
  }
}

export function gradDrop(tasks: readonly string[], options: { seed?: number } = {}): GradDropWeighting {
  return new GradDropWeighting(tasks, options.seed ?? 1);
}
