// Training checkpoints: everything needed to stop training and continue it later bit-identically to a run
// that never stopped. One `.safetensors` file holds
//   - the model's state dict under its own keys (`trunk.0.weight`, BatchNorm's running statistics, ...),
//   - the optimizer's state tensors under `optimizer/<param key>/<state>` (`optimizer/head.weight/expAvg`;
//     '/' never occurs in a module path, so the two cannot collide),
//   - and, in the header's metadata under "checkpoint", a small JSON record: the optimizer's step counts and
//     group hyperparameters, the scheduler's position, the engine's RNG state, which parameters are frozen,
//     which BatchNorm layers `freeze(glob, { batchNorm: 'eval' })` holds in eval mode, every module's
//     train/eval mode, the position of Dropout layers that have their own seed, and a free-form `extra`
//     (a recipe's epoch and stage).
// The weights load into PyTorch too (`safetensors.torch.load_file`, then drop the `optimizer/` keys).
//
//   const bytes = await nn.saveCheckpoint({ model, optimizer, scheduler, extra: { epoch } });
//   ... rebuild model, optimizer and scheduler as before ...
//   const { extra } = await nn.loadCheckpoint({ model, optimizer, scheduler }, bytes);
//
// Loading checks the file and the module tree before it writes anything, then restores in this order:
// weights (Module.loadStateDict, strict), frozen flags and eval holds, optimizer, scheduler, modes, RNG.

import { EngineError, getRngState, setRngState, type RngState, checkOptions } from '../engine/internal.ts';
import { Dropout } from './dropout.ts';
import type { Module } from './module.ts';
import type { Optimizer, OptimizerStateDict, ParamStateDict } from './optim/index.ts';
import {
  parseSafetensors, readSafetensorsBlob, readSafetensorsFile, serializeSafetensors, writeSafetensorsFile,
  type HostTensor, type SafetensorsContents,
} from './safetensors.ts';
import type { LRScheduler, LRSchedulerStateDict } from './schedulers.ts';
import { stateDictToHost } from './weights.ts';

export interface CheckpointParts {
  model: Module;
  optimizer?: Optimizer<object> | null;
  scheduler?: LRScheduler | null;
}

export interface SaveCheckpointOptions extends CheckpointParts {
  /** Free-form JSON-safe data stored with the checkpoint and returned by loadCheckpoint (epoch, stage, ...). */
  extra?: unknown;
}

export interface LoadCheckpointResult {
  /** The `extra` given to saveCheckpoint (undefined if none). */
  extra: unknown;
  /** What was restored besides the model: 'optimizer', 'scheduler', 'rng'. */
  restored: string[];
}

export type CheckpointSource = ArrayBuffer | Uint8Array | Blob | string;

const FORMAT = 'webgpu-tensor/checkpoint';
const VERSION = 1;
const METADATA_KEY = 'checkpoint';
const OPTIMIZER_PREFIX = 'optimizer/';

/** The JSON record in the file's metadata. */
interface CheckpointRecord {
  format: typeof FORMAT;
  version: number;
  rng: RngState;
  training: Record<string, boolean>;
  heldInEval: string[];
  frozen: string[];
  dropoutCalls: Record<string, number>;
  optimizer: null | {
    paramGroups: OptimizerStateDict['paramGroups'];
    /** Per parameter key: its step count and the names of its state tensors in the file. */
    state: Record<string, { step: number; tensors: string[] }>;
  };
  scheduler: LRSchedulerStateDict | null;
  extra?: unknown;
}

/** The checkpoint as `.safetensors` bytes. Reads the model's and optimizer's tensors back (async). */
export async function saveCheckpoint(options: SaveCheckpointOptions): Promise<Uint8Array<ArrayBuffer>> {
  const { tensors, metadata } = await collectCheckpoint('saveCheckpoint', options);
  return serializeSafetensors(tensors, metadata);
}

/** The checkpoint as a Blob (a download link, IndexedDB). */
export async function saveCheckpointBlob(options: SaveCheckpointOptions): Promise<Blob> {
  return new Blob([await saveCheckpoint(options)], { type: 'application/octet-stream' });
}

/** Node only: writes the checkpoint to a file, replacing any file at `path`. */
export async function saveCheckpointFile(path: string, options: SaveCheckpointOptions): Promise<void> {
  const { tensors, metadata } = await collectCheckpoint('saveCheckpointFile', options);
  await writeSafetensorsFile(path, tensors, metadata);
}

async function collectCheckpoint(op: string, options: SaveCheckpointOptions): Promise<{ tensors: Map<string, HostTensor>; metadata: Record<string, string> }> {
  checkOptions(op, options, ['model', 'optimizer', 'scheduler', 'extra']);
  const { model, optimizer, scheduler } = options;
  if (!model || typeof model.namedModules !== 'function') throw new TypeError(`${op}: model must be an nn.Module`);
  const rng = getRngState(); // before any await: the stream as of this call
  const modules = model.namedModules();
  const record: CheckpointRecord = {
    format: FORMAT,
    version: VERSION,
    rng,
    training: Object.fromEntries(modules.map(([path, m]) => [path, m.training])),
    heldInEval: modules.filter(([, m]) => m.heldInEval).map(([path]) => path),
    frozen: model.namedParameters().filter(([, p]) => !p.requiresGrad).map(([path]) => path),
    dropoutCalls: Object.fromEntries(modules.filter(([, m]) => m instanceof Dropout && m.seed !== null).map(([path, m]) => [path, (m as Dropout).calls])),
    optimizer: null,
    scheduler: scheduler ? scheduler.stateDict() : null,
    ...(options.extra !== undefined ? { extra: JSON.parse(JSON.stringify(options.extra)) as unknown } : {}),
  };
  const [weights, optState] = await Promise.all([stateDictToHost(model), optimizer ? optimizer.stateDict() : Promise.resolve(null)]);
  const tensors = new Map<string, HostTensor>(weights);
  if (optState) {
    const state: Record<string, { step: number; tensors: string[] }> = {};
    for (const [key, entry] of Object.entries(optState.state)) {
      const names = Object.keys(entry).filter((k) => k !== 'step');
      state[key] = { step: entry.step, tensors: names };
      for (const name of names) tensors.set(`${OPTIMIZER_PREFIX}${key}/${name}`, entry[name] as HostTensor);
    }
    record.optimizer = { paramGroups: optState.paramGroups, state };
  }
  return { tensors, metadata: { format: 'pt', [METADATA_KEY]: JSON.stringify(record) } };
}

/**
 * Restores a checkpoint into a model (and optimizer and scheduler) built the same way as the saved ones:
 * weights and buffers, frozen parameters, BatchNorm eval holds, train/eval modes, optimizer state, schedule
 * position and the engine's RNG stream. Returns the saved `extra`. A checkpoint that does not fit throws
 * (StateDictError for the weights, EngineError otherwise), naming what differs.
 */
export async function loadCheckpoint(parts: CheckpointParts, source: CheckpointSource): Promise<LoadCheckpointResult> {
  checkOptions('loadCheckpoint', parts, ['model', 'optimizer', 'scheduler']);
  const { model, optimizer, scheduler } = parts;
  if (!model || typeof model.namedModules !== 'function') throw new TypeError('loadCheckpoint: model must be an nn.Module');
  const contents = await readSource(source);
  const record = parseRecord(contents.metadata);

  // Checks that need no writes: the module tree, the frozen paths, what the file holds for whom.
  const modules = model.namedModules();
  const paths = modules.map(([p]) => p);
  const savedPaths = Object.keys(record.training);
  const missing = savedPaths.filter((p) => !paths.includes(p));
  const extraPaths = paths.filter((p) => !(p in record.training));
  if (missing.length || extraPaths.length) {
    const notInModel = missing.length ? `not in the model: ${missing.join(', ')}` : '';
    const notInCheckpoint = extraPaths.length ? `not in the checkpoint: ${extraPaths.join(', ')}` : '';
    throw new EngineError(`loadCheckpoint: the model's modules differ from the checkpoint's: `
      + `${notInModel}${missing.length && extraPaths.length ? '; ' : ''}${notInCheckpoint}`);
  }
  const params = new Map(model.namedParameters());
  for (const path of record.frozen) if (!params.has(path)) throw new EngineError(`loadCheckpoint: frozen parameter "${path}" is not in the model`);
  if (optimizer && !record.optimizer) throw new EngineError('loadCheckpoint: an optimizer was given but the checkpoint has no optimizer state');
  if (scheduler && !record.scheduler) throw new EngineError('loadCheckpoint: a scheduler was given but the checkpoint has no scheduler state');

  const weights = new Map([...contents.tensors].filter(([k]) => !k.startsWith(OPTIMIZER_PREFIX)));
  model.loadStateDict(weights);
  const frozen = new Set(record.frozen);
  for (const [path, p] of params) {
    p.requiresGrad = !frozen.has(path);
    if (!p.requiresGrad && p.grad) {
      const g = p.grad;
      p.grad = null;
      g.dispose();
    }
  }
  const held = new Set(record.heldInEval);
  for (const [path, m] of modules) m.setHeldInEval(held.has(path));
  const restored: string[] = [];
  if (optimizer && record.optimizer) {
    const state: Record<string, ParamStateDict> = {};
    for (const [key, entry] of Object.entries(record.optimizer.state)) {
      const e: ParamStateDict = { step: entry.step };
      for (const name of entry.tensors) {
        const t = contents.tensors.get(`${OPTIMIZER_PREFIX}${key}/${name}`);
        if (!t) throw new EngineError(`loadCheckpoint: the file lacks optimizer tensor "${OPTIMIZER_PREFIX}${key}/${name}"`);
        e[name] = t;
      }
      state[key] = e;
    }
    optimizer.loadStateDict({ state, paramGroups: record.optimizer.paramGroups });
    restored.push('optimizer');
  }
  if (scheduler && record.scheduler) {
    scheduler.loadStateDict(record.scheduler);
    restored.push('scheduler');
  }
  for (const [path, m] of modules) m.training = record.training[path]!;
  for (const [path, m] of modules) {
    const calls = record.dropoutCalls[path];
    if (calls !== undefined && m instanceof Dropout) m.calls = calls;
  }
  setRngState(record.rng);
  restored.push('rng');
  return { extra: record.extra, restored };
}

async function readSource(source: CheckpointSource): Promise<SafetensorsContents> {
  if (typeof source === 'string') return readSafetensorsFile(source);
  if (typeof Blob !== 'undefined' && source instanceof Blob) return readSafetensorsBlob(source);
  if (source instanceof ArrayBuffer || source instanceof Uint8Array) return parseSafetensors(source);
  throw new TypeError('loadCheckpoint: source must be an ArrayBuffer, a Uint8Array, a Blob or a file path (Node)');
}

function parseRecord(metadata: Record<string, string>): CheckpointRecord {
  const text = metadata[METADATA_KEY];
  if (text === undefined) {
    throw new EngineError('loadCheckpoint: this .safetensors file is not a checkpoint (no "checkpoint" metadata); load plain weights with nn.loadSafetensors');
  }
  let record: CheckpointRecord;
  try {
    record = JSON.parse(text) as CheckpointRecord;
  } catch (e) {
    throw new EngineError(`loadCheckpoint: the checkpoint record is not valid JSON (${(e as Error).message})`);
  }
  if (record?.format !== FORMAT) throw new EngineError(`loadCheckpoint: unknown checkpoint format ${JSON.stringify(record?.format)}`);
  if (record.version !== VERSION) {
    throw new EngineError(`loadCheckpoint: checkpoint version ${record.version} is not supported (this engine reads version ${VERSION})`);
  }
  return record;
}
