// What the zoo's models share: a trunk that runs as an ordered list of cut points, the cut-point contract
// (nn.FeatureModel) implemented once over that list, input checks, and strict weight loading with errors that
// say what the checkpoint is when it is not what the model expects.
//
// A model lists its steps in order, each a cut point (a dotted module path: 'layer3', 'features.7') with the
// module that computes it. forward runs every step it still holds and then the head (flatten + classifier);
// forwardFeatures(x, at) stops after `at`; forwardFrom(x, at) resumes there (the feature cache trains only what is above
// a frozen trunk); truncateAfter(at) moves the steps up to `at` into a new model of the
// same kind, with the same state-dict keys, and disposes the rest.

import { Module, Sequential, StateDictError, type FeatureModel, type StateValue } from '../nn/index.ts';
import { EngineError, ShapeError, Tensor, flatten } from '../engine/internal.ts';
import type { InputSpec } from '../data/types.ts';
import { describeCheckpoint } from './checkpoint.ts';
import { IMAGENET_INPUT } from './input-spec.ts';
import { readWeights, type LoadWeightsOptions, type WeightsSource } from './weights-source.ts';

export type { WeightsSource } from './weights-source.ts';

/** How many keys of each kind a checkpoint error lists. */
const FIRST_KEYS = 5;

/** One cut point: its path and the module whose output it is. */
export interface Step {
  path: string;
  module: Module;
}

/** Options every zoo model takes. */
export interface ZooOptions {
  /** Outputs of the classifier (default 1000, ImageNet's classes). */
  numClasses?: number;
}

export abstract class ZooModel extends Module implements FeatureModel {
  /** The architecture's torchvision name, e.g. 'resnet18', 'mobilenet_v2 (widthMult 0.5)'. */
  abstract readonly arch: string;
  /** Smallest height and width accepted: the trunks downsample by 32 (see checkInputImage). */
  readonly minInputSize = 32;
  /** Input channels (RGB). */
  readonly inChannels = 3;
  /**
   * The input the weights expect: size, resize, mean and std. The architecture's documented default (ImageNet's
   * resize 256, crop 224, mean and std: input-spec.ts) until loadWeights reads a file whose metadata says otherwise.
   */
  inputSpec: InputSpec = IMAGENET_INPUT;

  /** The trunk's steps still held, in order. */
  protected abstract steps(): Step[];
  /** The head's path ('fc', 'classifier') when the model still has it. */
  protected abstract headPath(): string | null;
  /** All layer groups of the full model, before truncation. */
  protected abstract allLayerGroups(): string[][];
  /** A new, empty model of the same kind (no parameters), for truncateAfter. */
  protected abstract emptyLike(): ZooModel;
  /** Registers a kept step in a model made by emptyLike (nested paths such as 'features.3' included). */
  protected abstract adoptStep(step: Step): void;

  cutPoints(): string[] {
    return this.steps().map((s) => s.path);
  }

  forward(x: Tensor): Tensor {
    this.checkInputImage(x);
    return this.runFrom(x, 0);
  }

  /**
   * Runs the model from the output of cut point `after` (as forwardFeatures returned it) to its end: the steps
   * above it, then the head. What lets the feature cache train only the part above a frozen trunk.
   */
  forwardFrom(x: Tensor, after: string): Tensor {
    const i = this.cutIndex('forwardFrom', after, this.steps());
    return this.runFrom(x, i + 1);
  }

  forwardFeatures(x: Tensor, at: string): Tensor {
    const steps = this.steps();
    const i = this.cutIndex('forwardFeatures', at, steps);
    this.checkInputImage(x);
    return this.runSteps(x, steps, i + 1);
  }

  truncateAfter(at: string): Module {
    const steps = this.steps();
    const i = this.cutIndex('truncateAfter', at, steps);
    const out = this.emptyLike();
    for (const s of steps.slice(0, i + 1)) out.adoptStep(s);
    for (const s of steps.slice(i + 1)) s.module.dispose();
    const head = this.headPath();
    if (head !== null) this.getSubmodule(head).dispose();
    out.train(this.training);
    out.inputSpec = this.inputSpec;
    return out;
  }

  layerGroups(): string[][] {
    const params = this.namedParameters().map(([p]) => p);
    const held = (glob: string): boolean => params.some((p) => p === glob || p.startsWith(`${glob}.`));
    return this.allLayerGroups()
      .map((g) => g.filter(held))
      .filter((g) => g.length > 0);
  }

  /**
   * Loads weights strictly: every key of the model, no other, each with the model's shape. The source is a
   * File/Blob, bytes, a path (Node), a URL (downloaded with `onProgress` into a cache) or a state dict, in
   * torchvision's or timm's key layout (weights-source.ts); a file's "input" metadata becomes `inputSpec`.
   * A checkpoint of another architecture, width or class count throws a StateDictError whose message says which
   * (see checkpoint.ts) and lists the first mismatched keys with their shapes; a file that cannot be had or is not
   * whole throws a WeightsError.
   */
  async loadWeights(source: WeightsSource, options: LoadWeightsOptions = {}): Promise<this> {
    const loaded = await readWeights(source, options);
    const state = withBatchesTracked(loaded.tensors, this.stateDict());
    try {
      this.loadStateDict(state);
    } catch (e) {
      if (!(e instanceof StateDictError)) throw e;
      const shapes = new Map<string, readonly number[]>([...state].map(([k, v]) => [k, v.shape]));
      const own = this.stateDict();
      const show = (s: readonly number[] | undefined): string => (s ? `[${s.join(',')}]` : '?');
      const first = (keys: string[], line: (k: string) => string): string =>
        keys.slice(0, FIRST_KEYS).map((k) => `    ${line(k)}`).join('\n') + (keys.length > FIRST_KEYS ? `\n    … and ${keys.length - FIRST_KEYS} more` : '');
      const parts = [`${this.arch}: ${describeCheckpoint(this.arch, own, shapes)}`];
      if (e.mismatchedKeys.length) {
        const lines = first(e.mismatchedKeys, (k) => `"${k}": checkpoint ${show(shapes.get(k))}, model ${show(own.get(k)?.shape)}`);
        parts.push(`  mismatched shapes (${e.mismatchedKeys.length}):\n${lines}`);
      }
      if (e.missingKeys.length) {
        parts.push(`  missing from the checkpoint (${e.missingKeys.length}):\n${first(e.missingKeys, (k) => `"${k}" ${show(own.get(k)?.shape)}`)}`);
      }
      if (e.unexpectedKeys.length) {
        parts.push(`  not in the model (${e.unexpectedKeys.length}):\n${first(e.unexpectedKeys, (k) => `"${k}" ${show(shapes.get(k))}`)}`);
      }
      if (loaded.layout === 'timm') {
        const mapped = loaded.tensors.has('features.0.0.weight');
        const how = mapped ? "its names were mapped to torchvision's" : "only timm's mobilenetv2_050/100/140 map to torchvision's names";
        parts.push(`  (the file is in timm's layout: ${how})`);
      }
      throw new StateDictError(parts.join('\n'), e.missingKeys, e.unexpectedKeys, e.mismatchedKeys);
    }
    if (loaded.input) this.inputSpec = loaded.input;
    return this;
  }

  private cutIndex(op: string, at: string, steps: Step[]): number {
    const i = steps.findIndex((s) => s.path === at);
    if (i < 0) throw new EngineError(`${this.arch}.${op}: "${at}" is not a cut point; cut points: ${steps.map((s) => s.path).join(', ')}`);
    return i;
  }

  /** The steps from index `first` on, then the head (flatten + classifier) when the model still has it. */
  private runFrom(x: Tensor, first: number): Tensor {
    const steps = this.steps();
    let y = this.runSteps(x, steps.slice(first), steps.length - first);
    const head = this.headPath();
    if (head === null) return y;
    const flat = flatten(y, 1);
    if (y !== x) y.dispose();
    y = this.getSubmodule(head).forward(flat) as Tensor;
    flat.dispose();
    return y;
  }

  private runSteps(x: Tensor, steps: Step[], count: number): Tensor {
    let y = x;
    for (const s of steps.slice(0, count)) {
      const next = s.module.forward(y) as Tensor;
      if (y !== x && next !== y) y.dispose();
      y = next;
    }
    return y;
  }

  /** The model-level input check: [N, 3, H, W] float32 with H, W ≥ 32, before any GPU work. */
  protected checkInputImage(x: Tensor): void {
    this.checkInput(x);
    const what = `${this.arch}: expected input [N, ${this.inChannels}, H, W] (RGB images, H and W ≥ ${this.minInputSize})`;
    if (x.rank !== 4) throw new ShapeError(`${what}, got ${x.describe()}`);
    const [, C, H, W] = x.shape as [number, number, number, number];
    if (C !== this.inChannels) {
      const hint = C === 1 ? ' (a grayscale image: repeat it over 3 channels)' : C === 4 ? ' (RGBA: drop the alpha channel; models.imageToTensor does)' : '';
      throw new ShapeError(`${what}, got ${C} channels in ${x.describe()}${hint}`);
    }
    if (H < this.minInputSize || W < this.minInputSize) {
      throw new ShapeError(`${what}, got ${x.describe()}: the trunk downsamples by 32, `
        + `so a ${H}×${W} image leaves its last stage less than one pixel of real input`);
    }
  }
}

/**
 * The state dict with BatchNorm's num_batches_tracked added as 0 where the model has one and the checkpoint has
 * the layer's running_mean but not it (older torchvision files; PyTorch's own load fills it the same way).
 */
function withBatchesTracked(state: Map<string, StateValue>, own: Map<string, { shape: readonly number[] }>): Map<string, StateValue> {
  const missing = [...own.keys()].filter(
    (k) => k.endsWith('.num_batches_tracked') && !state.has(k) && state.has(k.replace(/num_batches_tracked$/, 'running_mean')),
  );
  if (missing.length === 0) return state;
  const out = new Map(state);
  for (const k of missing) out.set(k, { dtype: 'int32', shape: [], data: new Int32Array(1) });
  return out;
}

/** Throws on option keys a factory does not know (a typo such as `numclasses` would otherwise be ignored). */
export function checkOptions(op: string, options: object, allowed: readonly string[]): void {
  const unknown = Object.keys(options).filter((k) => !allowed.includes(k));
  if (unknown.length) {
    throw new EngineError(`${op}: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} (known: ${allowed.join(', ')})`);
  }
}

/** A Sequential of `modules` named '0', '1', ... (torchvision's nn.Sequential). */
export function seq(...modules: Module[]): Sequential {
  return new Sequential(...modules);
}
