// The common shape of the Gram-matrix weightings (CAGrad, IMTL-G, IMTL, Nash-MTL, Aligned-MTL, UPGrad,
// GradVac): each combined gradient is a linear combination Σ_t c_t·g_t of the per-task gradients at the
// shared representation z, with coefficients c that depend on the g_t only through their inner products.
// So one step costs, beyond equal weighting's work:
//   - the T head-only backwards of the rep_grad path (MultiTask) and the T gradients g_t kept (T·D floats);
//   - one stack and one matmul on the GPU (G·Gᵀ, T×T) and ONE readback of T² floats (+ T losses if asked);
//   - the solver on the host (solvers.ts, float64, microseconds for T ≤ 10);
//   - 2T−1 small kernels for Σ c_t·g_t.
// The solvers run on the host because T is tiny and they iterate with data-dependent stopping rules: on the
// GPU each iteration would be a handful of one-workgroup dispatches and the coefficients must be known to
// the host anyway (to report the weights). The readback is the one sync per step these methods pay.
//
// Convention: the combined gradient is put on equal weighting's scale, Σ_t g_t when the method's weights are
// uniform, so that one learning rate serves all methods (methods defined on the mean gradient are multiplied
// by T; each file says what it does).

import { EngineError, concat, matmul, reshape, stack, tidy, type Tensor } from '../../engine/internal.ts';
import { Weighting, weightedSum, type TaskMap } from '../weighting.ts';
import type { Matrix } from './solvers.ts';

export abstract class GramWeighting extends Weighting {
  readonly gradients = 'representation' as const;
  /** Whether solve() needs this step's task losses (read back with the Gram matrix, no extra sync). */
  protected readonly needsLosses: boolean = false;
  /** The last coefficients c_t by task (1 before the first step). */
  protected coef: Map<string, number>;

  constructor(tasks: readonly string[]) {
    super(tasks);
    this.coef = new Map(tasks.map((t) => [t, 1]));
  }

  /** The coefficients c (in `tasks` order, the present tasks only) of Σ c_t·g_t from the Gram matrix M. */
  protected abstract solve(M: Matrix, tasks: readonly string[], losses: readonly number[]): number[];

  override weightOf(task: string): number {
    return this.coef.get(task)!;
  }

  override async combineGradients(grads: TaskMap<Tensor>, losses: TaskMap<Tensor>): Promise<Tensor> {
    const names = [...grads.keys()];
    const gs = names.map((t) => grads.get(t)!);
    const T = names.length;
    const probe = tidy(() => {
      const G = stack(gs.map((g) => reshape(g, [g.size])));
      const gram = reshape(matmul(G, G.T), [T * T]);
      return this.needsLosses ? concat([gram, stack(names.map((t) => reshape(losses.get(t)!.detach(), [])))], 0) : gram;
    });
    const flat = Array.from(await probe.data());
    probe.dispose();
    const M = Array.from({ length: T }, (_, i) => flat.slice(i * T, (i + 1) * T));
    const c = this.solve(M, names, flat.slice(T * T));
    if (c.length !== T || !c.every(Number.isFinite)) {
      const diag = M.map((r, i) => r[i]).join(', ');
      throw new EngineError(`weighting ${this.method}: the solver gave non-finite coefficients [${c.join(', ')}] (Gram diagonal ${diag})`);
    }
    names.forEach((t, i) => this.coef.set(t, c[i]!));
    return weightedSum(gs, c);
  }
}
