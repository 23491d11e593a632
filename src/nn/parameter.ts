// Parameter: a leaf tensor that a Module owns and an optimizer trains. It requires a gradient unless frozen,
// and its `name` is its dotted path in the module tree (`trunk.0.weight`), which error messages print.
//
// Memory: `new Parameter(t)` shares t's memory (like torch.nn.Parameter); disposing either handle leaves the
// other intact. Parameters are not tracked by tidy(), so building a model inside tidy() keeps it.
//
// Re-homing: an optimizer keeps all parameters of a group in one flat GPU buffer. It copies each parameter's
// values into its slot and then moves the parameter onto a view of that slot with `rehome()`. The Parameter
// object stays the same, so references held by the user, the module and the state dict all stay valid.

import { EngineError, Storage, Tensor } from '../engine/internal.ts';

export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    if (!(data instanceof Tensor)) throw new TypeError(`Parameter: expected a Tensor, got ${data === null ? 'null' : typeof data}`);
    if (data.dtype !== 'float32') throw new EngineError(`Parameter: parameters must be float32, got ${data.describe()}`);
    super(data.storage.retain(), data.shape, data.dtype, false);
    this.requiresGrad = requiresGrad;
  }

  /**
   * Moves this parameter onto `storage` (which must already hold its values) and releases its previous
   * memory. Takes over one reference of `storage`. Internal to nn: optimizers use it for flat buffers.
   */
  rehome(storage: Storage): void {
    rehome(this, storage);
  }

  override toString(): string {
    return `Parameter(${this.describe()}${this.requiresGrad ? '' : ', frozen'})`;
  }
}

/** Moves tensor `t` onto `storage` (see Tensor.replaceStorage). Optimizers use it to put parameters into flat buffers. */
export function rehome(t: Tensor, storage: Storage): void {
  t.replaceStorage(storage);
}
