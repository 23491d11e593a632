// torch.optim.Adam and AdamW: the first and second moment estimates with bias correction, L2 weight decay
// added to the gradient (Adam) or decoupled decay p *= 1 − lr·wd (AdamW). The update itself is the engine's
// adamStep (engine/ops/optim-step.ts); these classes hold the hyperparameters, their checks and defaults,
// and the two state buffers (expAvg, expAvgSq).

import { EngineError, adamStep, adamTableRow, checkOptions } from '../../engine/internal.ts';
import type { Segment } from './flat-layout.ts';
import { Optimizer, type StepContext } from './optimizer.ts';
import type { OptimizerOptions, ParamGroup, ParamGroupSpec, ParamsInput } from './params.ts';

export interface AdamHyper {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

export type AdamOptions = Partial<AdamHyper> & OptimizerOptions & { amsgrad?: false };

abstract class AdamBase extends Optimizer<AdamHyper> {
  protected abstract get decoupled(): boolean;

  protected validateGroup(g: ParamGroup<AdamHyper>, i: number): void {
    const where = `${this.name()} group ${i}${g.name ? ` (${g.name})` : ''}`;
    if (!(g.lr >= 0)) throw new EngineError(`${where}: lr must be ≥ 0, got ${g.lr}`);
    if (!(g.eps >= 0)) throw new EngineError(`${where}: eps must be ≥ 0, got ${g.eps}`);
    const [b1, b2] = g.betas ?? [];
    if (!(b1! >= 0 && b1! < 1 && b2! >= 0 && b2! < 1)) throw new EngineError(`${where}: betas must be in [0, 1), got ${JSON.stringify(g.betas)}`);
    if (!(g.weightDecay >= 0)) throw new EngineError(`${where}: weightDecay must be ≥ 0, got ${g.weightDecay}`);
  }

  protected stateCount(): number {
    return 2;
  }

  protected stateNames(): string[] {
    return ['expAvg', 'expAvgSq'];
  }

  protected tableRow(g: ParamGroup<AdamHyper>, t: number, row: Float32Array): void {
    adamTableRow(g.lr, g.betas, t, row);
  }

  protected dispatchSegment(seg: Segment, g: ParamGroup<AdamHyper>, context: StepContext): void {
    adamStep(seg, { lr: g.lr, betas: g.betas, eps: g.eps, weightDecay: g.weightDecay, maximize: g.maximize, decoupled: this.decoupled }, context);
  }
}

function adamDefaults(kind: string, options: AdamOptions, weightDecay: number): AdamHyper {
  checkOptions(kind, options, ['lr', 'betas', 'eps', 'weightDecay', 'maximize', 'amsgrad', 'maxGradNorm']);
  if ((options as { amsgrad?: boolean }).amsgrad) throw new EngineError('Adam: amsgrad is not supported');
  return {
    lr: options.lr ?? 1e-3,
    betas: options.betas ?? [0.9, 0.999],
    eps: options.eps ?? 1e-8,
    weightDecay: options.weightDecay ?? weightDecay,
    maximize: options.maximize ?? false,
  };
}

/** torch.optim.Adam: L2 weight decay added to the gradient before the moments. */
export class Adam extends AdamBase {
  protected get kind(): string { return 'Adam'; }
  protected get decoupled(): boolean { return false; }
  constructor(params: ParamsInput | Array<ParamGroupSpec<AdamHyper>>, options: AdamOptions = {}) {
    super(params, adamDefaults('Adam', options, 0), options);
  }
}

/** torch.optim.AdamW: decoupled weight decay (p *= 1 − lr·wd) before the Adam update. Default wd 0.01. */
export class AdamW extends AdamBase {
  protected get kind(): string { return 'AdamW'; }
  protected get decoupled(): boolean { return true; }
  constructor(params: ParamsInput | Array<ParamGroupSpec<AdamHyper>>, options: AdamOptions = {}) {
    super(params, adamDefaults('AdamW', options, 1e-2), options);
  }
}
