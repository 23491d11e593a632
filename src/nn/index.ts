// The `nn` namespace: modules, layers, parameters, path globs and weight files.
//   import { nn } from 'webgpu-tensor';  new nn.Linear(4, 8); nn.loadSafetensors(model, bytes);

export {
  Module, StateDictError, type FreezeOptions, type LoadStateDictOptions, type LoadStateDictResult, type StateSource, type StateValue,
} from './module.ts';
export { Parameter } from './parameter.ts';
export { Linear, type LinearOptions } from './linear.ts';
export { Conv2d, type Conv2dOptions } from './conv.ts';
export { ReLU, ReLU6, GELU, Sigmoid, Tanh } from './activations.ts';
export { Identity, Flatten } from './shape-layers.ts';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, type MaxPool2dOptions, type AvgPool2dOptions } from './pooling.ts';
export { Dropout, type DropoutOptions } from './dropout.ts';
export { BatchNorm2d, BatchNorm1d, type BatchNorm2dOptions, type BatchNorm1dOptions } from './batchnorm.ts';
export { LayerNorm, type LayerNormOptions } from './layernorm.ts';
// The functional form of nn.LayerNorm, an engine op.
export { layerNorm } from '../engine/internal.ts';
export { Sequential, ModuleList, ModuleDict } from './containers.ts';
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
