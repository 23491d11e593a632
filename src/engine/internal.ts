// The engine's internal surface: everything nn, transfer, models and multitask build on, including what users
// never need (Storage, the buffer pool, kernel registries, fillInPlace, ...). It is not the public API:
// src/index.ts picks the public names from here, and tests/unit/public-api.test.ts lists them. Importing this
// module installs the Tensor methods and the autograd wiring (methods.ts).

import './methods.ts';

export { init, shutdown, engineInfo, engineDevice, onCpuAdapter, type InitOptions, type EngineInfo, type RulesProfile } from './runtime/device.ts';
export { EngineError, ShapeError, DTypeError, DisposedError, DeviceError, ResourceError, IndexError, fmtShape, fmtBytes } from './errors.ts';
export { checkHostIndices, indexCheck, errorWordsRange } from './runtime/index-checks.ts';
export { Tensor, checkFloat, checkOperand, type DType, type NestedArray } from './tensor.ts';
export { Storage, VIEW_ALIGN_BYTES } from './runtime/storage.ts';
export { tidy, keep } from './scope.ts';
export { noGrad, isGradEnabled, attach, type BackwardRule } from './autograd.ts';
export { flush, recorderStats, MAX_BATCH_COMMANDS, MAX_BATCH_RELEASED_BYTES, MAX_IN_FLIGHT, MAX_BATCH_COMMANDS_HARD } from './runtime/recorder.ts';
export { sync } from './runtime/readback.ts';
export { traceKernels, traceLaunches, type LaunchRecord } from './runtime/trace.ts';
export { stagedData, MAX_STAGED_BYTES } from './runtime/uniform-arena.ts';
export { writeVersion } from './runtime/write-versions.ts';
export type { BufferRange } from './runtime/buffer-range.ts';
export { setGradDestination, gradDestination } from './grad-destination.ts';
export { bufferPool, type PoolStats } from './runtime/buffer-pool.ts';
export { setBindGroupCaching, MAX_CACHED_BIND_GROUPS } from './runtime/bind-groups.ts';
export { emptyTensor, launch } from './runtime/launch.ts';
export * from './ops/creation.ts';
export { manualSeed, getRngState, setRngState, drawSeed, seededUniform, randperm, type RngState, type RandpermOptions } from './random.ts';
export { checkOptions } from './options.ts';
export {
  neg, exp, log, sqrt, abs, relu, relu6, sigmoid, tanh, gelu,
  add, addRelu, sub, mul, div, pow, maximum, minimum, mulOrZero, clone, toFloat, toInt, addInto, copyInto,
} from './ops/elementwise.ts';
export { eq, ne, lt, le, gt, ge } from './ops/compare.ts';
export { where, clamp } from './ops/select.ts';
export { gather } from './ops/gather.ts';
export { variance, std, type VarianceOptions } from './ops/stats.ts';
export { batchNormStatsVersions, batchStatisticsByRules } from './ops/batchnorm-stats.ts';
export { crossEntropyVersions, crossEntropyByRules, type CrossEntropyRowsArgs } from './ops/cross-entropy-rows.ts';
export { reshape, flatten, squeeze, unsqueeze, permute, transpose, expand, slice, concat, cat, stack } from './ops/shape-ops.ts';
export { sum, mean, max, min, argmax, argmin, maxWithIndices, minWithIndices, type ValuesAndIndices } from './ops/reduce.ts';
export { sumTo } from './ops/reduce-kernels.ts';
export { softmax, logSoftmax } from './ops/softmax.ts';
export { matmul, bmm, chooseMatmulVersion, type MatmulProblem, type Activation } from './ops/matmul.ts';
export { argReduceVersions } from './ops/argreduce.ts';
export { linear, linearAct } from './ops/linear.ts';
export { oneHot, type OneHotOptions } from './ops/one-hot.ts';
export { indexSelect, indexCopyInto } from './ops/index-select.ts';

export { memoryStats, resetPeakMemory, emptyCache } from './runtime/stats.ts';
export { EPILOGUE_ACT_CODE, checkEpilogueActivation, withActEpilogue, type EpilogueActivation } from './ops/act-epilogue.ts';
export { conv2d, conv2dAct, conv2dPasses, conv2dVersions, type GemmTiles } from './ops/conv.ts';
export {
  intPair, windowOutputSize2d, checkPoolPadding, adaptiveOutputSize, type IntPair, type Conv2dOptions, type Conv2dGeometry, type Conv2dPass, type AdaptiveSize,
} from './ops/conv-geometry.ts';
export { maxPool2d, reluMaxPool2d, avgPool2d, adaptiveAvgPool2d, pool2dVersions, type MaxPool2dOptions, type AvgPool2dOptions } from './ops/pool.ts';
export { batchStatistics, batchNormApply, batchNormUpdateRunning, type RunningStats } from './ops/batch-norm.ts';
export { layerNorm } from './ops/layer-norm.ts';
export { fusedCrossEntropy, FUSED_CROSS_ENTROPY_MAX_ELEMENTS, type FusedCrossEntropyArgs } from './ops/cross-entropy.ts';
export { dropout } from './ops/dropout.ts';
export { kernelVersions, defineKernelVersions, type KernelVersion, type KernelVersionsSpec, type KernelPassInfo } from './runtime/kernel-registry.ts';
export {
  sgdStep, adamStep, flatGradNorm, sgdTableRow, adamTableRow, StepBuffers, STEP_CHUNK,
  type FlatSegment, type StepBindings, type SgdStepHyper, type AdamStepHyper,
} from './ops/optim-step.ts';
export { prepareImages, type ImagePixels, type ImageInputSpec, type PrepareImagesOptions } from './ops/image-prep.ts';
export {
  drawAugmentations, randomResizedCropBox, JITTER_STEPS, type ImageAugmentation, type AugmentConfig, type JitterStep,
} from './ops/image-augment.ts';
export { unaryVersions } from './ops/elementwise-kernels.ts';
