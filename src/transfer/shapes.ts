// Output shapes without running anything: the transfer API checks that a head fits its trunk (and that a cut
// point exists) before any GPU work. Each nn layer's rule mirrors the check its forward makes, so a head that
// would fail at its first batch fails here instead, naming both shapes. A module this file does not know is
// run once on a one-sample batch of zeros (in noGrad, disposed at once): that is GPU work, but at set-up time.

import { ShapeError, fmtShape, noGrad, tidy, zeros, type Tensor } from '../engine/internal.ts';
import type { FeatureView } from '../nn/sequential-features.ts';
import {
  AdaptiveAvgPool2d, AvgPool2d, BatchNorm2d, Conv2d, Dropout, Flatten, GELU, Identity, Linear, MaxPool2d, Module, ReLU, Sequential, Sigmoid, Tanh,
} from '../nn/index.ts';

function windowOut(size: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;
}

function fail(m: Module, expected: string, shape: readonly number[], why = ''): never {
  throw new ShapeError(`${m.label()}: expected input ${expected}, got ${fmtShape(shape)}${why ? ` (${why})` : ''}`);
}

/** The shape `m.forward` returns for an input of `shape` (the batch dim included). Throws ShapeError if it does not fit. */
export function outputShape(m: Module, shape: readonly number[]): number[] {
  if (m instanceof Sequential) {
    let s = [...shape];
    for (const child of m.children()) s = outputShape(child, s);
    return s;
  }
  if (m instanceof ReLU || m instanceof GELU || m instanceof Sigmoid || m instanceof Tanh || m instanceof Identity || m instanceof Dropout) return [...shape];
  if (m instanceof Linear) {
    if (shape.length === 0 || shape[shape.length - 1] !== m.inFeatures) {
      const features = shape.slice(1).reduce((a, b) => a * b, 1);
      fail(m, `[..., ${m.inFeatures}]`, shape, shape.length > 2 ? `${features} features once flattened: an nn.Flatten() before it may be missing` : '');
    }
    return [...shape.slice(0, -1), m.outFeatures];
  }
  if (m instanceof Conv2d) {
    if (shape.length !== 4 || shape[1] !== m.inChannels) fail(m, `[N, ${m.inChannels}, H, W]`, shape);
    const h = windowOut(shape[2]!, m.kernelSize[0], m.stride[0], m.padding[0], m.dilation[0]);
    const w = windowOut(shape[3]!, m.kernelSize[1], m.stride[1], m.padding[1], m.dilation[1]);
    if (h < 1 || w < 1) fail(m, `[N, ${m.inChannels}, H, W]`, shape, 'the kernel does not fit the padded input');
    return [shape[0]!, m.outChannels, h, w];
  }
  if (m instanceof MaxPool2d || m instanceof AvgPool2d) {
    if (shape.length !== 4) fail(m, '[N, C, H, W]', shape);
    const dil = m.dilation;
    const h = windowOut(shape[2]!, m.kernelSize[0], m.stride[0], m.padding[0], dil[0]);
    const w = windowOut(shape[3]!, m.kernelSize[1], m.stride[1], m.padding[1], dil[1]);
    if (h < 1 || w < 1) fail(m, '[N, C, H, W]', shape, 'the window does not fit the padded input');
    return [shape[0]!, shape[1]!, h, w];
  }
  if (m instanceof AdaptiveAvgPool2d) {
    if (shape.length !== 4) fail(m, '[N, C, H, W]', shape);
    return [shape[0]!, shape[1]!, 1, 1];
  }
  if (m instanceof BatchNorm2d) {
    if (shape.length !== 4 || shape[1] !== m.numFeatures) fail(m, `[N, ${m.numFeatures}, H, W]`, shape);
    return [...shape];
  }
  if (m instanceof Flatten) {
    const s = m.startDim < 0 ? m.startDim + shape.length : m.startDim;
    const e = m.endDim < 0 ? m.endDim + shape.length : m.endDim;
    if (s < 0 || e >= shape.length || s > e) fail(m, `a tensor with dims ${m.startDim}..${m.endDim}`, shape);
    return [...shape.slice(0, s), shape.slice(s, e + 1).reduce((a, b) => a * b, 1), ...shape.slice(e + 1)];
  }
  return probeShape((x) => m.forward(x) as Tensor, shape);
}

/** Runs `fn` on zeros of `shape` with a batch of one and returns its output shape with the batch size put back. */
export function probeShape(fn: (x: Tensor) => Tensor, shape: readonly number[]): number[] {
  const one = [1, ...shape.slice(1)];
  const out = noGrad(() => tidy(() => fn(zeros(one)).shape));
  return shape.length > 0 ? [shape[0]!, ...out.slice(1)] : [...out];
}

/**
 * The shape of the features at cut point `at` for an input of `shape`: the layers' shape rules along the chain
 * when the view lists one (nothing runs), else the view run up to `at` once on `sample()` (noGrad, disposed).
 */
export function featureShape(view: FeatureView, shape: readonly number[], at: string, sample: () => Tensor): number[] {
  if (view.chainUpTo) {
    let s = [...shape];
    for (const step of view.chainUpTo(at)) s = outputShape(step.module, s);
    return s;
  }
  const out = noGrad(() => tidy(() => view.forwardFeatures(sample(), at).shape));
  return shape.length > 0 ? [shape[0]!, ...out.slice(1)] : [...out];
}
