// The one public entry point: what a user of the engine needs, and nothing of how it is built. Internal
// modules (nn, transfer, models, multitask) import engine internals from src/engine/internal.ts instead, so
// this list can stay small and stable; tests/unit/public-api.test.ts lists it, so a change to it is a
// deliberate diff. Importing this module installs the Tensor methods (`x.add(y)`): see engine/methods.ts.

import './engine/methods.ts';

// Device, batches, memory.
export { init, shutdown, engineInfo, engineDevice, type InitOptions, type EngineInfo } from './engine/device.ts';
export { flush, sync } from './engine/recorder.ts';
export { memoryStats, resetPeakMemory, emptyCache } from './engine/stats.ts';
export { tidy, keep } from './engine/scope.ts';
export { noGrad, isGradEnabled } from './engine/autograd.ts';
export { manualSeed, getRngState, setRngState, randperm, type RngState, type RandpermOptions } from './engine/random.ts';
export { EngineError, ShapeError, DTypeError, DisposedError, DeviceError, ResourceError, IndexError } from './engine/errors.ts';

// Tensors and ops.
export { Tensor, type DType, type NestedArray } from './engine/tensor.ts';
export type { TensorMethods } from './engine/methods.ts';
export {
  tensor, full, zeros, ones, zerosLike, onesLike, arange, rand, randn, type TensorOptions, type RandomOptions,
} from './engine/ops/creation.ts';
export {
  neg, exp, log, sqrt, abs, relu, relu6, sigmoid, tanh, gelu,
  add, sub, mul, div, pow, maximum, minimum, clone, toFloat, toInt, addInto, copyInto,
} from './engine/ops/elementwise.ts';
export { eq, ne, lt, le, gt, ge } from './engine/ops/compare.ts';
export { where, clamp } from './engine/ops/select.ts';
export { gather } from './engine/ops/gather.ts';
export { variance, std, type VarianceOptions } from './engine/ops/stats.ts';
export { reshape, flatten, squeeze, unsqueeze, permute, transpose, expand, slice, concat, cat, stack } from './engine/ops/shape-ops.ts';
export { sum, mean, max, min, argmax, argmin, maxWithIndices, minWithIndices, type ValuesAndIndices } from './engine/ops/reduce.ts';
export { softmax, logSoftmax } from './engine/ops/softmax.ts';
export { matmul, bmm, linear } from './engine/ops/matmul.ts';
export { oneHot, type OneHotOptions } from './engine/ops/one-hot.ts';
export { indexSelect, indexCopyInto } from './engine/ops/index-select.ts';
export { conv2d, type Conv2dOptions, type IntPair } from './engine/ops/conv.ts';
export { maxPool2d, avgPool2d, adaptiveAvgPool2d, type MaxPool2dOptions, type AvgPool2dOptions, type AdaptiveSize } from './engine/ops/pool.ts';
export { crossEntropy, bceWithLogits, mseLoss, l1Loss, huberLoss } from './nn/losses.ts';

// Weights on disk.
export {
  parseSafetensors, serializeSafetensors, readSafetensorsBlob, toSafetensorsBlob, readSafetensorsFile, writeSafetensorsFile, SafetensorsError,
  type HostTensor, type SafetensorsContents,
} from './nn/safetensors.ts';

// Layers, optimizers and schedulers, transfer and multi-task learning, pretrained-model trunks.
export * as nn from './nn/index.ts';
export * as optim from './nn/optim-api.ts';
export * as transfer from './transfer/index.ts';
export * as multitask from './multitask/index.ts';
export * as models from './models/index.ts';

// Custom kernels and ops (defineKernel, launch, attach) and the kernel-version registries.
export * as extend from './engine/extend.ts';
