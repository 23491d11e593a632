// The optimizers, GPU-resident (see optimizer.ts): SGD, Adam, AdamW, standalone clipping, and the types of
// their parameter groups and state dicts. The optim namespace (nn/optim-api.ts) and checkpoints import from
// here. Files: params.ts (what constructors accept), flat-layout.ts (where parameters, gradients and state
// live), state.ts (step counts, parked state), state-dict.ts (host data), optimizer.ts (the base class),
// sgd.ts and adam.ts (the update rules' hyperparameters), clip.ts (clipGradNorm).

export { Optimizer } from './optimizer.ts';
export { SGD, type SGDHyper, type SGDOptions } from './sgd.ts';
export { Adam, AdamW, type AdamHyper, type AdamOptions } from './adam.ts';
export { clipGradNorm } from './clip.ts';
export type { ParamGroup, ParamGroupSpec, ParamsInput, OptimizerOptions, ZeroGradOptions } from './params.ts';
export type { OptimizerStateDict, ParamStateDict } from './state-dict.ts';
