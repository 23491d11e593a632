// The `optim` namespace: optimizers, clipping, parameter-group builders and learning-rate schedulers.
//   import { optim } from 'webgpu-tensor';  const opt = new optim.AdamW(model, { lr: 1e-3 });

export {
  Optimizer, SGD, Adam, AdamW, clipGradNorm,
  type ParamGroup, type ParamGroupSpec, type ParamsInput, type OptimizerOptions, type SGDHyper, type SGDOptions, type AdamHyper, type AdamOptions,
  type OptimizerStateDict, type ParamStateDict,
} from './optim/index.ts';
export { paramGroups, layerwiseLrGroups, type GroupRule, type GroupSpec, type LayerwiseOptions, type ParamGroupsOptions } from './groups.ts';
export {
  LRScheduler, LambdaLR, StepLR, LinearWarmup, CosineWarmup,
  type LrTarget, type LrLambda, type LRSchedulerStateDict, type StepLROptions, type LinearWarmupOptions, type CosineWarmupOptions,
} from './schedulers.ts';
