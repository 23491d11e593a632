// A trained classifier as ONE .safetensors file: the state dict under its usual keys (PyTorch's, for the zoo
// architectures, so torchvision loads it with strict=True: tools/check_saved_torchvision.py) and, in the
// header's "__metadata__" (strings only, as the format requires), the convention documented in
// docs/transfer.md:
//
//   format            "pt"
//   library           "webgpu-tensor"
//   library_version   the version that wrote it (LIBRARY_VERSION)
//   architecture      JSON of model-info.ts's Architecture, e.g. {"name":"resnet18","numClasses":3}
//   classes           JSON array of the class names, in output order
//   input             JSON of the InputSpec (size, channels, resizeShorter, mean, std)
//
// `save` reads them from what fit/load recorded on the model unless given; `load` builds the architecture,
// loads the weights strictly and records classes and input, so the model is ready for predict.

import { EngineError, checkOptions } from '../engine/internal.ts';
import { Module, saveSafetensors } from '../nn/index.ts';
import { parseSafetensors, readSafetensorsBlob, readSafetensorsFile, writeSafetensorsFile, type SafetensorsContents } from '../nn/safetensors.ts';
import type { InputSpec } from '../data/types.ts';
import { buildArchitecture } from './fit-model.ts';
import { modelInfo, setModelInfo, type Architecture } from './model-info.ts';

/** The package version written into saved models (a unit test keeps it equal to package.json's). */
export const LIBRARY_VERSION = '0.1.0';

export interface SaveOptions {
  classes?: readonly string[];
  input?: InputSpec;
  architecture?: Architecture;
  /** Node: also write the file here. */
  path?: string;
}

export interface LoadedModel {
  model: Module;
  classes: readonly string[];
  input: InputSpec;
  architecture: Architecture;
  /** The library version that wrote the file. */
  version: string;
  metadata: Record<string, string>;
}

/** The model as one .safetensors file with its metadata (see the top of this file). */
export async function save(model: Module, options: SaveOptions = {}): Promise<Uint8Array<ArrayBuffer>> {
  if (!(model instanceof Module)) throw new TypeError('save: model must be an nn.Module');
  checkOptions('save', options, ['classes', 'input', 'architecture', 'path']);
  const info = modelInfo(model);
  const classes = options.classes ?? info?.classes;
  const input = options.input ?? info?.input;
  const architecture = options.architecture ?? info?.architecture;
  if (!classes || !input || !architecture) {
    const missing = [!classes && 'classes', !input && 'input', !architecture && 'architecture'].filter(Boolean).join(', ');
    throw new EngineError(`save: ${model.label()} has no ${missing}: pass them ({ classes, input, architecture }), or save a model from fit or load`);
  }
  if (architecture.numClasses !== classes.length) {
    throw new EngineError(`save: the architecture has ${architecture.numClasses} classes, the class names ${classes.length}`);
  }
  const metadata: Record<string, string> = {
    format: 'pt', library: 'webgpu-tensor', library_version: LIBRARY_VERSION,
    architecture: JSON.stringify(architecture), classes: JSON.stringify(classes), input: JSON.stringify(input),
  };
  const bytes = await saveSafetensors(model, metadata);
  if (options.path !== undefined) await writeSafetensorsFile(options.path, parseSafetensors(bytes).tensors, metadata);
  return bytes;
}

function parsed<T>(metadata: Record<string, string>, key: string): T {
  const raw = metadata[key];
  if (raw === undefined) {
    const how = 'load its weights into your own model with nn.loadSafetensors';
    throw new EngineError(`load: the file has no "${key}" metadata: it was not saved by transfer.save (${how})`);
  }
  try {
    return JSON.parse(raw) as T;
  } catch {
    throw new EngineError(`load: the "${key}" metadata is not JSON: ${raw.slice(0, 80)}`);
  }
}

/** A model saved by `save`, from bytes, a Blob or a path (Node), ready for predict. */
export async function load(source: ArrayBuffer | Uint8Array | Blob | string): Promise<LoadedModel> {
  let contents: SafetensorsContents;
  if (typeof source === 'string') contents = await readSafetensorsFile(source);
  else if (typeof Blob !== 'undefined' && source instanceof Blob) contents = await readSafetensorsBlob(source);
  else if (source instanceof ArrayBuffer || source instanceof Uint8Array) contents = parseSafetensors(source);
  else throw new TypeError('load: source must be an ArrayBuffer, a Uint8Array, a Blob or a file path');
  const { metadata } = contents;
  const architecture = parsed<Architecture>(metadata, 'architecture');
  const classes = parsed<string[]>(metadata, 'classes');
  const input = parsed<InputSpec>(metadata, 'input');
  if (!Array.isArray(classes) || classes.length !== architecture.numClasses) {
    throw new EngineError(`load: ${JSON.stringify(classes)} are not ${architecture.numClasses} class names`);
  }
  const model = buildArchitecture(architecture, [input.channels, input.size[0], input.size[1]]);
  try {
    model.loadStateDict(contents.tensors);
  } catch (err) {
    model.dispose();
    throw err;
  }
  model.eval();
  setModelInfo(model, { classes, input, architecture });
  return { model, classes, input, architecture, version: metadata.library_version ?? 'unknown', metadata };
}
