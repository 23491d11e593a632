// RLW, random loss weighting (Lin, Ye, Xu, Shi & Zhang, "Reasonable effectiveness of random weighting",
// TMLR 2022): at every step, weights drawn afresh, w = softmax(ε), ε ~ N(0, I_T); total = T·Σ_t w_t·L_t
// (T·: equal weighting's scale, E[w] = 1/T). A loss weighting: one ordinary backward, no readback, no extra
// kernel beyond equal weighting's T scalar multiplies. The draws come from a seeded generator (random.ts),
// so a run is reproducible; tasks absent from a step share the softmax over the present ones.

import { EngineError, type Tensor } from '../../engine/internal.ts';
import { Weighting, type TaskMap } from '../weighting.ts';
import { SeededRandom } from './random.ts';

/** T·softmax(ε) for T fresh normals from `rand`. */
export function rlwWeights(rand: SeededRandom, T: number): number[] {
  const e = Array.from({ length: T }, () => rand.normal());
  const m = Math.max(...e);
  const x = e.map((v) => Math.exp(v - m));
  const s = x.reduce((a, b) => a + b, 0);
  return x.map((v) => (T * v) / s);
}

export class RlwWeighting extends Weighting {
  readonly method = 'rlw';
  readonly gradients = 'none' as const;
  private readonly rand: SeededRandom;
  private w: Map<string, number>;

  constructor(tasks: readonly string[], seed = 1) {
    super(tasks);
    if (!Number.isInteger(seed)) throw new EngineError(`weighting.rlw: seed must be an integer, got ${seed}`);
    this.rand = new SeededRandom(seed);
    this.w = new Map(tasks.map((t) => [t, 1]));
  }

  override weightOf(task: string): number {
    return this.w.get(task)!;
  }

  override async prepareLosses(losses: TaskMap<Tensor>): Promise<void> {
    const names = [...losses.keys()];
    const w = rlwWeights(this.rand, names.length);
    names.forEach((t, i) => this.w.set(t, w[i]!));
  }
}

export function rlw(tasks: readonly string[], options: { seed?: number } = {}): RlwWeighting {
  return new RlwWeighting(tasks, options.seed ?? 1);
}
