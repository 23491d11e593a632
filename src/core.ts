// The lean entry, `webgpu-tensor/core`: the engine's functional API (devices, tensors, ops, autograd's
// switches, interop with an app's WebGPU code) without the Tensor methods (`x.add(y)`) and without nn,
// optimizers, transfer and multi-task learning. Nothing here has a side effect at import, so a bundler keeps
// only what an app calls: an app that uses init, tensor and matmul bundles those (docs/embedding.md, "Size").
// Training needs the main entry, `webgpu-tensor`: it re-exports all of this and also installs the methods and
// wires autograd (engine/methods.ts); importing it anywhere in an app makes both available everywhere.

// Device, batches, memory.
export { init, shutdown, engineInfo, engineDevice, type InitOptions, type EngineInfo } from './engine/runtime/device.ts';
export { flush } from './engine/runtime/recorder.ts';
export { sync } from './engine/runtime/readback.ts';
export type { BufferRange } from './engine/runtime/buffer-range.ts';
export { fromGPUBuffer, type FromGPUBufferOptions } from './engine/interop.ts';
export { memoryStats, resetPeakMemory, emptyCache } from './engine/runtime/stats.ts';
export { tidy, keep } from './engine/scope.ts';
export { noGrad, isGradEnabled } from './engine/autograd.ts';
export { manualSeed, getRngState, setRngState, randperm, type RngState, type RandpermOptions } from './engine/random.ts';
export { EngineError, ShapeError, DTypeError, DisposedError, DeviceError, ResourceError, IndexError } from './engine/errors.ts';

// Tensors and ops.
export { Tensor, type DType, type NestedArray } from './engine/tensor.ts';
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
export { matmul, bmm } from './engine/ops/matmul.ts';
export { linear } from './engine/ops/linear.ts';
export { oneHot, type OneHotOptions } from './engine/ops/one-hot.ts';
export { indexSelect, indexCopyInto } from './engine/ops/index-select.ts';
export { conv2d } from './engine/ops/conv.ts';
export type { Conv2dOptions, IntPair, AdaptiveSize } from './engine/ops/conv-geometry.ts';
export { maxPool2d, avgPool2d, adaptiveAvgPool2d, type MaxPool2dOptions, type AvgPool2dOptions } from './engine/ops/pool.ts';
