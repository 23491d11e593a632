// The `nn` namespace: modules, layers, parameters, path globs and weight files.
//   import { nn } from 'webgpu-tensor';  new nn.Linear(4, 8); nn.loadSafetensors(model, bytes);

export { Module, StateDictError, type FreezeOptions, type LoadStateDictOptions, type LoadStateDictResult, type StateSource, type StateValue } from './module.ts';
export { Parameter } from './parameter.ts';
export {
  Linear, Conv2d, ReLU, ReLU6, GELU, Sigmoid, Tanh, Identity, Flatten, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Dropout, BatchNorm2d, BatchNorm1d,
  Sequential,
  type LinearOptions, type Conv2dOptions, type MaxPool2dOptions, type AvgPool2dOptions, type DropoutOptions, type BatchNorm2dOptions, type BatchNorm1dOptions,
} from './layers.ts';
export { LayerNorm, layerNorm, type LayerNormOptions } from './layernorm.ts';
export { ModuleList, ModuleDict } from './containers.ts';
// nn.init.kaimingUniform(weight, { a, mode, nonlinearity }), nn.init.zeros(bias), ...: PyTorch's initializers.
export * as init from './init.ts';
export { globMatches, type PathGlob } from './glob.ts';
export { isFeatureModel, type FeatureModel } from './feature-model.ts';
export {
  saveSafetensors, saveSafetensorsBlob, saveSafetensorsFile, loadSafetensors, stateDictToHost, type SafetensorsSource, type WeightsModule,
} from './weights.ts';
export { crossEntropy, bceWithLogits, mseLoss, l1Loss, huberLoss, type Reduction } from './losses.ts';
export {
  saveCheckpoint, saveCheckpointBlob, saveCheckpointFile, loadCheckpoint,
  type CheckpointParts, type SaveCheckpointOptions, type LoadCheckpointResult, type CheckpointSource,
} from './checkpoint.ts';
