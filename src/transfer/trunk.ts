// loadTrunk: a pretrained trunk from wherever its weights are (a File, bytes, a path in Node, a URL downloaded
// with progress into the cache: models.readWeights), built as the architecture its keys say or the caller names,
// with the input its images must be prepared for: the file's own "input" metadata, else the architecture's
// documented default (the zoo's ImageNet preset at 224, DIGITS_INPUT for the shipped digits CNN).
//
//   const t = await transfer.loadTrunk(fileOrUrl, { arch: 'resnet18', onProgress });
//   const { model } = await transfer.fit({ model: t.model, data: images.withInput(t.input), ... });
//   const again = await transfer.loadTrunk(t.weights);   // the same trunk again, nothing read or downloaded
//
// A file of another architecture than the one named is an error saying which one it holds and what to choose,
// thrown before anything is built; so is a file of no architecture this library builds.

import { EngineError, checkOptions } from '../engine/internal.ts';
import type { Module } from '../nn/index.ts';
import type { InputSpec } from '../data/types.ts';
import { IMAGENET_INPUT } from '../data/imagenet.ts';
import { digitsCnn } from '../models/digits-cnn.ts';
import { DIGITS_INPUT } from '../models/pretrained.ts';
import { identifyCheckpoint } from '../models/checkpoint.ts';
import { mobilenetV2 } from '../models/mobilenetv2.ts';
import { resnet18, resnet34 } from '../models/resnet.ts';
import { readWeights, type LoadWeightsOptions, type LoadedWeights, type WeightsSource } from '../models/weights-source.ts';
import { ARCHITECTURES } from './model-info.ts';

export interface TrunkOptions extends LoadWeightsOptions {
  /** The architecture the weights are for (one of ARCHITECTURES); default: what the file's keys say. */
  arch?: string;
}

export interface LoadedTrunk {
  /** The pretrained model with its original classifier (fit replaces it); the caller disposes it. */
  model: Module;
  /** Its architecture's name (ARCHITECTURES). */
  arch: string;
  /** What images are prepared for: the file's "input" metadata, else the architecture's default. */
  input: InputSpec;
  /** The weights as read (host memory): pass them to loadTrunk again for a fresh copy of the same trunk. */
  weights: LoadedWeights;
  /** Where the weights came from, for messages: a URL, 'file "name"', 'bytes', ... */
  from: string;
}

type Shapes = Map<string, readonly number[]>;

/** The architecture a state dict holds, in ARCHITECTURES' names where it is one of them. */
function archOf(shapes: Shapes): { arch: string; numClasses: number | null; widthMult?: number | null } {
  if (shapes.has('features.0.0.weight') && shapes.has('features.2.0.weight') && shapes.get('classifier.1.weight')?.length === 2
    && !shapes.has('features.1.conv.0.0.weight')) {
    return { arch: 'digits-cnn', numClasses: shapes.get('classifier.1.weight')![0]! };
  }
  return identifyCheckpoint(shapes);
}

/** Reads the weights (see the top of this file), checks the architecture, builds the model with them. */
export async function loadTrunk(source: WeightsSource, options: TrunkOptions = {}): Promise<LoadedTrunk> {
  checkOptions('loadTrunk', options, ['arch', 'onProgress', 'signal', 'cache']);
  const { arch: named, ...read } = options;
  if (named !== undefined && !(ARCHITECTURES as readonly string[]).includes(named)) {
    throw new EngineError(`loadTrunk: unknown architecture "${named}"; choose one of ${ARCHITECTURES.join(', ')}`);
  }
  const weights = await readWeights(source, read);
  const shapes: Shapes = new Map([...weights.tensors].map(([k, v]) => [k, v.shape]));
  const kind = archOf(shapes);
  const known = (ARCHITECTURES as readonly string[]).includes(kind.arch);
  if (!known) {
    const first = [...shapes.keys()].slice(0, 3).map((k) => `"${k}"`).join(', ');
    const what = kind.arch === 'unknown' ? `no architecture this library builds (its first keys: ${first || 'none'})` : kind.arch;
    throw new EngineError(`loadTrunk: the weights from ${weights.from} hold ${what}; give a file of ${ARCHITECTURES.join(', ')}`);
  }
  if (named !== undefined && named !== kind.arch) {
    throw new EngineError(
      `loadTrunk: the weights from ${weights.from} hold ${kind.arch}, not ${named}: choose ${kind.arch} as the architecture, or give a ${named} file`,
    );
  }
  const arch = kind.arch;
  const numClasses = kind.numClasses ?? 1000;
  let model: Module;
  if (arch === 'digits-cnn') {
    model = digitsCnn(numClasses);
    try {
      model.loadStateDict(weights.tensors);
    } catch (e) {
      model.dispose();
      throw e;
    }
  } else if (arch === 'mobilenet_v2') {
    model = await mobilenetV2({ numClasses, ...(kind.widthMult ? { widthMult: kind.widthMult } : {}), weights });
  } else {
    model = await (arch === 'resnet18' ? resnet18 : resnet34)({ numClasses, weights });
  }
  const input = weights.input ?? (arch === 'digits-cnn' ? DIGITS_INPUT : IMAGENET_INPUT);
  return { model, arch, input, weights, from: weights.from };
}
