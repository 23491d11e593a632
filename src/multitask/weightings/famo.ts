// FAMO, fast adaptive multitask optimization (Liu, Liu, Stone & Liu, NeurIPS 2023): balances the tasks'
// log-loss decrease without per-task gradients, O(1) extra memory and compute.
//   weights   z = softmax(ξ);  D_t = L_t − m_t + 1e-8 (m_t a known lower bound, 0 here);
//             total = Σ_t (z_t / c)·log D_t, c = Σ_t z_t / D_t  ⇒  trunk gradient Σ_t w_t·∇L_t with
//             w_t = z_t / (c·D_t) (Σ w = 1), computed here with D read on the host; total = T·Σ w_t·L_t
//             (T·: equal weighting's scale).
//   update    after a step, δ_t = log D_t(before) − log D_t(after); ξ's gradient is the softmax Jacobian
//             times δ, z ⊙ (δ − zᵀδ), plus weight decay γ·ξ; one Adam step (lr 0.025, γ 0.001, the paper's).
// The paper measures D(after) with an extra forward on the same batch after the optimizer step; here
// D(after) is the next step's losses (on the next batch), which saves that forward (LibMTL's trainer pays
// it). Cost: one readback of T floats per step (prepareLosses), the ξ update on the host (T floats).
// Gradients: none (a loss weighting, one ordinary backward).

import { EngineError, reshape, stack, tidy, type Tensor } from '../../engine/internal.ts';
import { Weighting, type TaskMap } from '../weighting.ts';

export interface FamoState {
  xi: number[];
  m: number[];
  v: number[];
  steps: number;
}

/** The loss weights w (Σ w = 1) for logits ξ and losses L (present tasks: their indices in ξ). */
export function famoWeights(xi: readonly number[], losses: readonly number[], present: readonly number[] = losses.map((_, i) => i)): number[] {
  const mx = Math.max(...xi);
  const e = xi.map((x) => Math.exp(x - mx));
  const s = e.reduce((a, b) => a + b, 0);
  const z = present.map((i) => e[i]! / s);
  const D = losses.map((l) => l + 1e-8);
  const c = z.reduce((acc, zi, k) => acc + zi / D[k]!, 0);
  return z.map((zi, k) => zi / (c * D[k]!));
}

/** One update of ξ from the losses before and after a step (all tasks; a task without both has δ = 0). */
export function famoUpdate(state: FamoState, before: ReadonlyArray<number | null>, after: ReadonlyArray<number | null>, lr = 0.025, gamma = 0.001): void {
  const T = state.xi.length;
  const mx = Math.max(...state.xi);
  const e = state.xi.map((x) => Math.exp(x - mx));
  const s = e.reduce((a, b) => a + b, 0);
  const z = e.map((x) => x / s);
  const delta = state.xi.map((_, i) => (before[i] != null && after[i] != null ? Math.log(before[i]! + 1e-8) - Math.log(after[i]! + 1e-8) : 0));
  const zd = z.reduce((acc, zi, i) => acc + zi * delta[i]!, 0);
  state.steps++;
  const [b1, b2] = [0.9, 0.999];
  for (let i = 0; i < T; i++) {
    const g = z[i]! * (delta[i]! - zd) + gamma * state.xi[i]!;
    state.m[i] = b1 * state.m[i]! + (1 - b1) * g;
    state.v[i] = b2 * state.v[i]! + (1 - b2) * g * g;
    state.xi[i]! -= (lr * state.m[i]! / (1 - b1 ** state.steps)) / (Math.sqrt(state.v[i]! / (1 - b2 ** state.steps)) + 1e-8);
  }
}

export class FamoWeighting extends Weighting {
  readonly method = 'famo';
  readonly gradients = 'none' as const;
  readonly lr: number;
  readonly gamma: number;
  readonly state: FamoState;
  private before: Array<number | null> | null = null;
  private w: Map<string, number>;

  constructor(tasks: readonly string[], lr = 0.025, gamma = 0.001) {
    super(tasks);
    if (!(lr > 0)) throw new EngineError(`weighting.famo: lr must be positive, got ${lr}`);
    if (!(gamma >= 0)) throw new EngineError(`weighting.famo: gamma must be ≥ 0, got ${gamma}`);
    this.lr = lr;
    this.gamma = gamma;
    const zeros = () => tasks.map(() => 0);
    this.state = { xi: zeros(), m: zeros(), v: zeros(), steps: 0 };
    this.w = new Map(tasks.map((t) => [t, 1]));
  }

  override weightOf(task: string): number {
    return this.w.get(task)!;
  }

  override async prepareLosses(losses: TaskMap<Tensor>): Promise<void> {
    const names = [...losses.keys()];
    if (names.length === 0) return;
    const probe = tidy(() => stack(names.map((t) => reshape(losses.get(t)!.detach(), []))));
    const L = Array.from(await probe.data());
    probe.dispose();
    const now: Array<number | null> = this.tasks.map((t) => (names.includes(t) ? L[names.indexOf(t)]! : null));
    if (this.before) famoUpdate(this.state, this.before, now, this.lr, this.gamma);
    this.before = now;
    const present = names.map((t) => this.tasks.indexOf(t));
    const w = famoWeights(this.state.xi, L, present);
    names.forEach((t, k) => this.w.set(t, this.tasks.length * w[k]!));
  }
}

export function famo(tasks: readonly string[], options: { lr?: number; gamma?: number } = {}): FamoWeighting {
  return new FamoWeighting(tasks, options.lr ?? 0.025, options.gamma ?? 0.001);
}
