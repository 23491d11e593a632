// Saving and loading a module's state dict as `.safetensors`: bytes (ArrayBuffer / Uint8Array) or a Blob in
// the browser, a file path in Node. Loading parses the file (malformed files throw SafetensorsError), then
// `loadStateDict` checks names, shapes and dtypes and reports missing, unexpected and mis-shaped keys
// (StateDictError), all before anything is written.
//
// dtypes: float32 tensors are written as F32 and int32 buffers (num_batches_tracked) as I32. Reading accepts
// what safetensors.ts converts: F32/F16/BF16/F64 → float32, I64/I32/... → int32 (PyTorch writes
// num_batches_tracked as I64; that loads into our int32 buffer).

import { checkOptions, type DType } from '../engine/internal.ts';
import type { LoadStateDictOptions, LoadStateDictResult } from './module.ts';
import {
  parseSafetensors, readSafetensorsBlob, readSafetensorsFile, serializeSafetensors, writeSafetensorsFile,
  type HostTensor, type ParseOptions,
} from './safetensors.ts';

/** What the helpers need of a module (any nn.Module has it). */
export interface WeightsModule {
  stateDict(): Map<string, { shape: readonly number[]; dtype: DType; data(): Promise<Float32Array | Int32Array> }>;
  loadStateDict(source: Map<string, HostTensor>, options?: LoadStateDictOptions): LoadStateDictResult;
}

export type SafetensorsSource = ArrayBuffer | Uint8Array | Blob | string;

const DEFAULT_METADATA = { format: 'pt' };

/** Reads every state-dict tensor back to the CPU (all readbacks in flight together). */
export async function stateDictToHost(module: WeightsModule): Promise<Map<string, HostTensor>> {
  const entries = [...module.stateDict()];
  const datas = await Promise.all(entries.map(([, t]) => t.data()));
  return new Map(entries.map(([k, t], i) => [k, { dtype: t.dtype, shape: [...t.shape], data: datas[i]! }]));
}

/** The module's state dict as `.safetensors` bytes. Metadata defaults to { format: 'pt' }. */
export async function saveSafetensors(module: WeightsModule, metadata: Record<string, string> = DEFAULT_METADATA): Promise<Uint8Array<ArrayBuffer>> {
  return serializeSafetensors(await stateDictToHost(module), metadata);
}

/** The module's state dict as a `.safetensors` Blob (for a download link). */
export async function saveSafetensorsBlob(module: WeightsModule, metadata: Record<string, string> = DEFAULT_METADATA): Promise<Blob> {
  return new Blob([await saveSafetensors(module, metadata)], { type: 'application/octet-stream' });
}

/** Node only: writes the module's state dict to a `.safetensors` file. */
export async function saveSafetensorsFile(module: WeightsModule, path: string, metadata: Record<string, string> = DEFAULT_METADATA): Promise<void> {
  await writeSafetensorsFile(path, await stateDictToHost(module), metadata);
}

/**
 * Loads `.safetensors` weights into `module`: from bytes, a Blob (browser or Node), or a file path (Node).
 * `strict: false` skips missing and unexpected keys (returned in the result); mis-shaped keys always throw.
 */
export async function loadSafetensors(
  module: WeightsModule,
  source: SafetensorsSource,
  options: LoadStateDictOptions & ParseOptions = {},
): Promise<LoadStateDictResult> {
  checkOptions('loadSafetensors', options, ['strict', 'maxHeaderBytes']);
  const parseOpts: ParseOptions = options.maxHeaderBytes !== undefined ? { maxHeaderBytes: options.maxHeaderBytes } : {};
  let contents;
  if (typeof source === 'string') contents = await readSafetensorsFile(source, parseOpts);
  else if (typeof Blob !== 'undefined' && source instanceof Blob) contents = await readSafetensorsBlob(source, parseOpts);
  else if (source instanceof ArrayBuffer || source instanceof Uint8Array) contents = parseSafetensors(source, parseOpts);
  else throw new TypeError('loadSafetensors: source must be an ArrayBuffer, a Uint8Array, a Blob or a file path');
  return module.loadStateDict(contents.tensors, options.strict === undefined ? {} : { strict: options.strict });
}
