// The one public entry point: what a user of the engine needs, and nothing of how it is built. Internal
// modules (nn, transfer, models, multitask) import engine internals from src/engine/internal.ts instead, so
// this list can stay small and stable; tests/unit/public-api.test.ts lists it, so a change to it is a
// deliberate diff. Importing this module installs the Tensor methods (`x.add(y)`): see engine/methods.ts.

import './engine/methods.ts';

// The functional engine (also the lean entry `webgpu-tensor/core`), and the methods' type.
export * from './core.ts';
export type { TensorMethods } from './engine/methods.ts';

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
export * as data from './data/index.ts';

// Custom kernels and ops (defineKernel, launch, attach) and the kernel-version registries.
export * as extend from './engine/extend.ts';
