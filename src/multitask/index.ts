// The `multitask` namespace: a shared part with one head per task (architecture.ts: hard sharing or MMoE, any
// weighting with any architecture), per-task losses with label masks, weighting methods from fixed to
// gradient-based, and per-task metrics.
//   import { multitask } from 'webgpu-tensor';
//   new multitask.MultiTask({ trunk, heads, losses, weighting: multitask.weighting.uncertainty(tasks) });
// Imports nn and engine; nothing below imports it.

export { MultiTask, type MultiTaskOptions, type TaskLoss, type TaskTensors, type TaskMasks, type LossResult, type StepResult } from './multitask.ts';
export { MMoE, type MMoEOptions } from './mmoe.ts';
export { CGC, PLE, type ExtractionLayer } from './ple.ts';
export { CrossStitch } from './cross-stitch.ts';
export { MTAN } from './mtan.ts';
export { HardSharing } from './architecture.ts';
export type { Architecture, JoinedRepresentation } from './architecture.ts';
export * as weighting from './weighting-api.ts';
export * as metrics from './metrics.ts';
export { Weighting } from './weighting.ts';
