// The geometry of the windowed ops (conv2d, its depthwise kernels, the pools), and the one place their shapes are
// checked: `number | [h, w]` options read as pairs, PyTorch's output-size formula, the conv2d and pooling
// geometries with their errors, adaptive output sizes, and the problem each conv2d pass takes. It sits below
// conv.ts, depthwise.ts, conv-params.ts and pool.ts, which all import it and none of which it imports, and the
// nn layers (Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d) check their options and inputs with it through
// internal.ts: one copy of each rule, so a layer and its op never disagree about a size.

import { ShapeError, fmtShape } from '../errors.ts';
import { checkFloat, checkOperand, type Tensor } from '../tensor.ts';
import type { EpilogueActivation } from './act-epilogue.ts';

// ------------------------------------------------------------------ pairs and window sizes

export type IntPair = number | readonly [number, number];

/** Reads a `number | [h, w]` option as a pair of integers ≥ `min` (`fallback` when undefined). */
export function intPair(op: string, name: string, value: IntPair | undefined, fallback: readonly [number, number], min: number): [number, number] {
  const pair: readonly number[] = value === undefined ? fallback : typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((v) => Number.isInteger(v) && v >= min)) {
    throw new ShapeError(`${op}: ${name} must be an integer ≥ ${min} or a pair of them, got ${JSON.stringify(value)}`);
  }
  return [pair[0]!, pair[1]!];
}

/** Output size of a sliding window along one axis (PyTorch's floor formula). */
export function windowOutputSize(size: number, kernel: number, stride: number, padding: number, dilation: number): number {
  return Math.floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1;
}

/** A window's kernel size, stride, padding and dilation, each as [h, w]. */
export interface Window2d {
  kernel: readonly [number, number];
  stride: readonly [number, number];
  padding: readonly [number, number];
  dilation: readonly [number, number];
}

/** [OH, OW] of window `w` over an H × W plane; a side is < 1 when the window does not fit the padded input. */
export function windowOutputSize2d(H: number, W: number, w: Window2d): [number, number] {
  return [
    windowOutputSize(H, w.kernel[0], w.stride[0], w.padding[0], w.dilation[0]),
    windowOutputSize(W, w.kernel[1], w.stride[1], w.padding[1], w.dilation[1]),
  ];
}

/** [OH, OW] of window `w` over x [N, C, H, W], or a ShapeError naming every size when an output side is < 1. */
function checkedOutputSize(op: string, shape: readonly number[], w: Window2d): [number, number] {
  const [OH, OW] = windowOutputSize2d(shape[2]!, shape[3]!, w);
  if (OH < 1 || OW < 1) {
    const [k, s, p, d] = [w.kernel, w.stride, w.padding, w.dilation].map((v) => `[${v[0]},${v[1]}]`);
    throw new ShapeError(`${op}: output size [${OH},${OW}] ≤ 0 for input ${fmtShape(shape)}, kernel ${k}, stride ${s}, padding ${p}, dilation ${d}`);
  }
  return [OH, OW];
}

/** Pooling pads with values that never win (or count as zeros), so a window must reach past its padding. */
export function checkPoolPadding(op: string, kernel: readonly [number, number], padding: readonly [number, number]): void {
  if (2 * padding[0] > kernel[0] || 2 * padding[1] > kernel[1]) {
    throw new ShapeError(`${op}: padding [${padding[0]},${padding[1]}] must be at most half the kernel size [${kernel[0]},${kernel[1]}]`);
  }
}

// ------------------------------------------------------------------ conv2d

export interface Conv2dOptions {
  stride?: IntPair;
  padding?: IntPair;
  dilation?: IntPair;
  groups?: number;
}

/** Every size a conv2d kernel needs, validated. */
export interface Conv2dGeometry {
  N: number; C: number; H: number; W: number;
  O: number; Cg: number; Og: number; kH: number; kW: number;
  sH: number; sW: number; pH: number; pW: number; dH: number; dW: number;
  groups: number; OH: number; OW: number;
}

/** The geometry of conv2d(x, weight, bias, options), or a ShapeError naming the shapes that do not fit. */
export function conv2dGeometry(x: Tensor, weight: Tensor, bias: Tensor | null, options: Conv2dOptions): Conv2dGeometry {
  const op = 'conv2d';
  if (x.rank !== 4) throw new ShapeError(`${op}: expected a 4-D input [N,C,H,W], got ${fmtShape(x.shape)}`);
  if (weight.rank !== 4) throw new ShapeError(`${op}: expected a 4-D weight [O,C/groups,kH,kW], got ${fmtShape(weight.shape)}`);
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [O, Cg, kH, kW] = weight.shape as [number, number, number, number];
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new ShapeError(`${op}: groups must be a positive integer, got ${groups}`);
  const [sH, sW] = intPair(op, 'stride', options.stride, [1, 1], 1);
  const [pH, pW] = intPair(op, 'padding', options.padding, [0, 0], 0);
  const [dH, dW] = intPair(op, 'dilation', options.dilation, [1, 1], 1);
  if (C % groups !== 0) throw new ShapeError(`${op}: input ${fmtShape(x.shape)} has ${C} channels, which groups ${groups} does not divide`);
  if (O % groups !== 0) throw new ShapeError(`${op}: weight ${fmtShape(weight.shape)} has ${O} output channels, which groups ${groups} does not divide`);
  if (Cg * groups !== C) {
    throw new ShapeError(`${op}: input ${fmtShape(x.shape)} has ${C} channels, weight ${fmtShape(weight.shape)} expects ${Cg * groups} (groups ${groups})`);
  }
  if (kH < 1 || kW < 1 || O < 1) throw new ShapeError(`${op}: weight ${fmtShape(weight.shape)} is empty`);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== O)) {
    throw new ShapeError(`${op}: bias ${fmtShape(bias.shape)} does not match weight ${fmtShape(weight.shape)}: expected [${O}]`);
  }
  const [OH, OW] = checkedOutputSize(op, x.shape, { kernel: [kH, kW], stride: [sH, sW], padding: [pH, pW], dilation: [dH, dW] });
  return { N, C, H, W, O, Cg, Og: O / groups, kH, kW, sH, sW, pH, pW, dH, dW, groups, OH, OW };
}

export type Conv2dPass = 'forward' | 'dgrad' | 'wgrad';

/**
 * The problem of each conv2d pass (conv.ts's versions and depthwise.ts's): the forward writes act(conv + bias)
 * into `out`, the backward passes return their gradient; the weight gradient also writes the bias gradient
 * into `db` when one is given.
 */
export interface Conv2dForwardProblem { x: Tensor; w: Tensor; b: Tensor | null; d: Conv2dGeometry; out: Tensor; activation: EpilogueActivation }
export interface Conv2dInputGradProblem { g: Tensor; w: Tensor; d: Conv2dGeometry }
export interface Conv2dWeightGradProblem { g: Tensor; x: Tensor; d: Conv2dGeometry; db: Tensor | null }
/** What the auto rules and launch plans of every conv2d and depthwise pass read: the geometry (runtime/rules.ts). */
export interface ConvShape { d: Conv2dGeometry }

// ------------------------------------------------------------------ pooling

export interface PoolGeometry {
  N: number; C: number; H: number; W: number;
  kH: number; kW: number; sH: number; sW: number; pH: number; pW: number; dH: number; dW: number;
  OH: number; OW: number;
}

/** The geometry of a windowed pool over x [N, C, H, W] (stride defaults to the kernel size), checked. */
export function poolGeometry(
  op: string,
  x: Tensor,
  kernelSize: IntPair,
  options: { stride?: IntPair | undefined; padding?: IntPair | undefined; dilation?: IntPair | undefined },
): PoolGeometry {
  checkOperand(op, x, 'input');
  checkFloat(op, x);
  if (x.rank !== 4) throw new ShapeError(`${op}: expected a 4-D input [N,C,H,W], got ${fmtShape(x.shape)}`);
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [kH, kW] = intPair(op, 'kernelSize', kernelSize, [1, 1], 1);
  const [sH, sW] = intPair(op, 'stride', options.stride, [kH, kW], 1);
  const [pH, pW] = intPair(op, 'padding', options.padding, [0, 0], 0);
  const [dH, dW] = intPair(op, 'dilation', options.dilation, [1, 1], 1);
  checkPoolPadding(op, [kH, kW], [pH, pW]);
  const [OH, OW] = checkedOutputSize(op, x.shape, { kernel: [kH, kW], stride: [sH, sW], padding: [pH, pW], dilation: [dH, dW] });
  return { N, C, H, W, kH, kW, sH, sW, pH, pW, dH, dW, OH, OW };
}

/** An output size for adaptiveAvgPool2d: one number for both dims, or [OH, OW] where null keeps that input dim. */
export type AdaptiveSize = number | readonly [number | null, number | null];

/** [OH, OW] from an AdaptiveSize (null keeps the input's size), checked. */
export function adaptiveOutputSize(op: string, outputSize: AdaptiveSize, H: number, W: number): [number, number] {
  const size = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
  if (!Array.isArray(size) || size.length !== 2) throw new ShapeError(`${op}: output size must be a number or [OH, OW], got ${JSON.stringify(outputSize)}`);
  const out = [size[0] ?? H, size[1] ?? W] as [number, number];
  if (!out.every((v) => Number.isInteger(v) && v >= 1)) {
    throw new ShapeError(`${op}: output size must be positive integers (or null to keep an input dim), got ${JSON.stringify(outputSize)}`);
  }
  return out;
}
