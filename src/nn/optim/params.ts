// What optimizer constructors accept as parameters (a module, a list of tensors, or parameter groups with
// their own hyperparameters), the group types a live optimizer exposes, and the checks a parameter list gets
// before anything is laid out on the GPU.

import { EngineError, Tensor } from '../../engine/internal.ts';
import { Module } from '../module.ts';

/** What the constructors accept as parameters: a module, a list of tensors, or parameter groups. */
export type ParamsInput = Module | Iterable<Tensor>;

/** A parameter group as given to a constructor: its parameters plus any hyperparameter overrides. */
export type ParamGroupSpec<H> = Partial<H> & { params: ParamsInput; name?: string };

/** A parameter group of a live optimizer. Change its hyperparameters (e.g. `lr`) between steps. */
export type ParamGroup<H> = H & { params: Tensor[]; name?: string };

export interface ZeroGradOptions {
  /** Leave every gradient null (default, PyTorch ≥ 2.0) instead of a zero tensor. */
  setToNone?: boolean;
}

export interface OptimizerOptions {
  /** Clip gradients to this global 2-norm before each step (PyTorch's clip_grad_norm_), on the GPU. */
  maxGradNorm?: number | null;
}

export function isGroupSpec(v: unknown): v is ParamGroupSpec<object> {
  return typeof v === 'object' && v !== null && !(v instanceof Tensor) && 'params' in v;
}

/** The parameters of `params` as a list: float32 leaf tensors (a TypeError or EngineError naming `op` if not). */
export function toList(op: string, params: ParamsInput): Tensor[] {
  if (params instanceof Module) return params.parameters();
  if (params === null || typeof params !== 'object' || typeof (params as Iterable<Tensor>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`${op}: params must be a Module, an iterable of tensors, or an array of parameter groups`);
  }
  const list = [...params];
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new TypeError(`${op}: parameter ${i} is not a Tensor`);
    if (p.dtype !== 'float32') throw new EngineError(`${op}: parameter ${p.describe()} must be float32`);
    if (!p.isLeaf) throw new EngineError(`${op}: parameter ${p.describe()} is not a leaf tensor (it was computed by ${p.gradFn?.op})`);
  });
  return list;
}
