// Preallocated gradient destinations. A leaf tensor may be given a destination: a tensor of its shape and
// dtype that its FIRST gradient is copied into (instead of a fresh allocation) when its `grad` is null, after
// which `leaf.grad` is that tensor and later gradients accumulate into it as usual (backward.ts). So a
// caller can choose where a leaf's gradient lives and still tell whether a backward reached the leaf since
// the gradients were reset (`grad !== null`). nn's optimizers point each parameter at its slot in their flat
// gradient buffer this way, so backward writes there directly.
//
// Kept in a WeakMap here, not as a field on Tensor: autograd knows only "copy the first gradient here"; the
// entry goes away with the leaf. Whoever sets a destination owns it, and clears it (null) before disposing it;
// a disposed destination counts as none.

import { DTypeError, ShapeError, fmtShape } from './errors.ts';
import type { Tensor } from './tensor.ts';

const destinations = new WeakMap<Tensor, Tensor>();

/** Makes `destination` the tensor the first gradient of `leaf` is copied into (null: none, a fresh tensor as usual). */
export function setGradDestination(leaf: Tensor, destination: Tensor | null): void {
  if (destination === null) {
    destinations.delete(leaf);
    return;
  }
  if (destination.dtype !== leaf.dtype) {
    throw new DTypeError(`setGradDestination: the destination is ${destination.dtype}, the leaf ${leaf.describe()} is ${leaf.dtype}`);
  }
  if (destination.shape.length !== leaf.shape.length || destination.shape.some((d, i) => d !== leaf.shape[i])) {
    throw new ShapeError(`setGradDestination: the destination has shape ${fmtShape(destination.shape)}, the leaf ${leaf.describe()} ${fmtShape(leaf.shape)}`);
  }
  destinations.set(leaf, destination);
}

/** The live destination of `leaf`'s first gradient, or null. */
export function gradDestination(leaf: Tensor): Tensor | null {
  const d = destinations.get(leaf);
  return d && !d.isDisposed ? d : null;
}
