// torch.optim.SGD: weight decay added to the gradient, a momentum buffer, optional Nesterov, maximize. The
// update itself is the engine's sgdStep (engine/ops/optim-step.ts); this class holds the hyperparameters,
// their checks, and the one state buffer (the momentum buffer, only when some group uses momentum).

import { EngineError, checkOptions, sgdStep, sgdTableRow, type SgdStepHyper } from '../../engine/internal.ts';
import type { Segment } from './flat-layout.ts';
import { Optimizer, type StepContext } from './optimizer.ts';
import { isGroupSpec, type OptimizerOptions, type ParamGroup, type ParamGroupSpec, type ParamsInput } from './params.ts';

/** SGD's hyperparameters, per group: lr, momentum, dampening, weightDecay, nesterov, maximize (the engine op's). */
export type SGDHyper = SgdStepHyper;

export type SGDOptions = Partial<SGDHyper> & OptimizerOptions;

/** torch.optim.SGD: weight decay added to the gradient, momentum buffer, optional Nesterov. */
export class SGD extends Optimizer<SGDHyper> {
  protected get kind(): string { return 'SGD'; }

  constructor(params: ParamsInput | Array<ParamGroupSpec<SGDHyper>>, options: SGDOptions = {}) {
    checkOptions('SGD', options, ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize', 'maxGradNorm']);
    const groupsHaveLr = Array.isArray(params) && params.length > 0 && isGroupSpec(params[0])
      && params.every((g) => (g as ParamGroupSpec<SGDHyper>).lr !== undefined);
    if (options.lr === undefined && !groupsHaveLr) {
      throw new EngineError('SGD: lr is required (as an option or in every parameter group)');
    }
    super(params, {
      lr: options.lr ?? 0, momentum: options.momentum ?? 0, dampening: options.dampening ?? 0,
      weightDecay: options.weightDecay ?? 0, nesterov: options.nesterov ?? false, maximize: options.maximize ?? false,
    }, options);
  }

  protected validateGroup(g: ParamGroup<SGDHyper>, i: number): void {
    const where = `SGD group ${i}${g.name ? ` (${g.name})` : ''}`;
    if (!(g.lr >= 0)) throw new EngineError(`${where}: lr must be ≥ 0, got ${g.lr}`);
    if (!(g.momentum >= 0)) throw new EngineError(`${where}: momentum must be ≥ 0, got ${g.momentum}`);
    if (!(g.weightDecay >= 0)) throw new EngineError(`${where}: weightDecay must be ≥ 0, got ${g.weightDecay}`);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) throw new EngineError(`${where}: nesterov needs momentum > 0 and dampening 0`);
  }

  protected stateCount(): number {
    return this.paramGroups.some((g) => g.momentum !== 0) ? 1 : 0;
  }

  protected stateNames(): string[] {
    return ['momentumBuffer'];
  }

  protected dispatchSegment(seg: Segment, g: ParamGroup<SGDHyper>, context: StepContext): void {
    sgdStep(seg, g, context);
  }

  protected tableRow(_g: ParamGroup<SGDHyper>, step: number, row: Float32Array): void {
    sgdTableRow(step, row);
  }
}
